"""After commands, the background tasks (chainer, projections, relay) are woken once per coalescing window, from
whichever thread the commands were answered in, and never miss a command answered after a wake-up."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, settings_for


@pytest.fixture
def kernel(tmp_path: Path, nats_url: str, bus_namespace: str) -> Iterator[Kernel]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    settings = settings.model_copy(update={"wake_coalesce_ms": 20.0})
    app = discover()["registry"].create_app(settings, JwksVerifier(settings.auth))
    kernel: Kernel = app.state.kernel
    yield kernel
    kernel.close()


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.002)


async def test_commands_answered_together_in_worker_threads_wake_the_background_tasks_once(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    wakes: list[float] = []
    monkeypatch.setattr(kernel, "_nudge_now", lambda: wakes.append(time.monotonic()))
    kernel._loop = asyncio.get_running_loop()  # as Kernel.start sets it
    started = time.monotonic()
    threads = [threading.Thread(target=kernel.nudge) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    await wait_until(lambda: len(wakes) == 1, "no wake-up")
    assert wakes[0] - started >= 0.02 * 0.9  # within the window, not at once
    await asyncio.sleep(0.06)  # three windows more: nothing else was answered, so no other wake-up
    assert len(wakes) == 1

    # A command answered after the wake-up gets a wake-up of its own.
    await asyncio.to_thread(kernel.nudge)
    await wait_until(lambda: len(wakes) == 2, "the later command was not followed by a wake-up")
