"""Batched pull requests for a durable JetStream consumer, with one request kept ahead while busy.

nats-py's `PullSubscription.fetch` awaits each message under its own `asyncio.wait_for`, which caps a consumer at
well under half of what the server delivers; here a callback subscription collects messages and one event per
request wakes the caller. Requests that ask for a full batch ask for the next one before returning (prefetch), so
the server streams while the caller commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from itertools import count

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

# Status codes that end a pull request (no messages now, expired, or a server-side conflict such as a deleted
# consumer or a leadership change); 100 is an idle heartbeat and ends nothing.
_TERMINAL = {"404", "408", "409"}
_JS_ACK_PREFIX = "$JS.ACK."


class Puller:
    """Pulls messages of one durable consumer; `fetch` returns whatever has arrived, at most `batch`."""

    def __init__(self, nc: Client, stream: str, durable: str, *, api_prefix: str = "$JS.API") -> None:
        self._nc = nc
        self._next_subject = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = nc.new_inbox()
        self._sub: Subscription | None = None
        self._buffer: deque[Msg] = deque()
        self._ids = count(1)
        # The request whose end (full batch or terminal status) the caller is waiting for, and whether it ended.
        self._current = ""
        self._wanted = 0
        self._ended = asyncio.Event()
        self._prefetched = False
        # Set when the server says the durable consumer is gone (deleted, or lost with the bus's data).
        self.gone = False

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_msg)

    async def _on_msg(self, msg: Msg) -> None:
        if (msg.reply or "").startswith(_JS_ACK_PREFIX):
            # Messages of any request, an expired one included, are real deliveries: keep them all.
            self._buffer.append(msg)
            if len(self._buffer) >= self._wanted:
                self._ended.set()
            return
        headers = msg.headers or {}
        status = headers.get("Status", "")
        # 503: nobody answers pull requests for this consumer; 409 "Consumer Deleted": it went while we waited.
        if status == "503" or (status == "409" and "deleted" in headers.get("Description", "").lower()):
            self.gone = True
        if (status in _TERMINAL or status == "503") and msg.subject == self._current:
            self._ended.set()

    async def _request(self, batch: int, *, expires: float | None, no_wait: bool) -> None:
        self._current = f"{self._inbox}.{next(self._ids)}"
        self._wanted = batch
        self._ended.clear()
        request: dict[str, object] = {"batch": batch}
        if no_wait:
            request["no_wait"] = True
        if expires is not None:
            request["expires"] = int(expires * 1_000_000_000)
        await self._nc.publish(self._next_subject, json.dumps(request).encode(), reply=self._current)

    async def fetch(self, batch: int, wait: float) -> list[Msg]:
        """Up to `batch` messages; waits at most `wait` seconds for the first one (long poll), [] if none came."""
        if not self._prefetched and not self._buffer:
            # Long poll for one (idle: lowest latency) or ask for what is there now (busy).
            if batch == 1:
                await self._request(1, expires=wait, no_wait=False)
            else:
                await self._request(batch, expires=None, no_wait=True)
        self._prefetched = False
        if len(self._buffer) < batch:
            # The server ends every request itself (408 at expiry); the margin only covers a lost answer.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), wait + 1.0)
        taken = [self._buffer.popleft() for _ in range(min(batch, len(self._buffer)))]
        if batch > 1 and len(taken) == batch:
            # Busy: ask for the next batch now, so it arrives while the caller works on this one.
            await self._request(batch, expires=None, no_wait=True)
            self._prefetched = True
        return taken

    def drain(self) -> list[Msg]:
        """Messages received but not handed out (to be nak'ed by the caller when it stops)."""
        left = list(self._buffer)
        self._buffer.clear()
        return left

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None
