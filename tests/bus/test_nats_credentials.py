"""A service's NATS password rides in KYODO_BUS__NATS_URL (nats://<user>:<password>@host:4222, deploy/nats): it must
never reach a log line or an error message, which operators read and ship elsewhere."""

from __future__ import annotations

import pytest
import structlog

from kyodo_shared.bus.connection import BusUnreachable, connect_bus
from kyodo_shared.settings import BusSettings

from support.servers import LOOPBACK, free_port

PASSWORD = "e3b0c44298fc1c149afbf4c8"


async def test_the_bus_password_in_the_url_shows_in_no_log_line_nor_error() -> None:
    url = f"nats://registry:{PASSWORD}@{LOOPBACK}:{free_port()}"  # nothing listens there
    with structlog.testing.capture_logs() as logs, pytest.raises(BusUnreachable) as refused:
        await connect_bus(BusSettings(nats_url=url, connect_wait_seconds=1.5), "registry")
    assert logs  # the failure was reported
    assert PASSWORD not in str(refused.value)
    assert PASSWORD not in str(logs)


def test_the_shown_url_hides_each_servers_password_and_keeps_the_rest() -> None:
    from kyodo_shared.bus.connection import servers_of, shown

    urls = "nats://registry:s3cr%40t@n1:4222, nats://registry:other@n2:4222,nats://n3:4222"
    assert servers_of(urls) == ["nats://registry:s3cr%40t@n1:4222", "nats://registry:other@n2:4222", "nats://n3:4222"]
    assert shown(urls) == "nats://registry:***@n1:4222,nats://registry:***@n2:4222,nats://n3:4222"
    assert shown("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"
    assert shown("nats://s3cr3t-token@n1:4222") == "nats://***@n1:4222"
