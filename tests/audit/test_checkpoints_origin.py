"""`kyodo audit verify --url … --checkpoints-url …`: the auditor's token goes to the service's origin only; the
checkpoints, which are public, are read from another origin (info-hub's mirror) without it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyodo_shared.audit.client import AuditApi
from kyodo_shared.cli.audit import verify_command
from kyodo_shared.cli.errors import CliError

BASE = "http://registry.example:8080/api/registry"
TOKEN = "auditor-token"
EMPTY: dict[str, dict[str, Any]] = {
    "/audit/checkpoints": {"service": "registry", "items": []},
    "/audit/keys": {"service": "registry", "keys": {}},
    "/audit/sealed": {"service": "registry", "items": []},
    "/audit/records": {"items": [], "stop": 0, "next_after": None},
}


def _answer(path: str) -> dict[str, Any] | None:
    """An empty history's answer to a path of the audit API, or a mirror's checkpoints."""
    if "checkpoints" in path:
        return EMPTY["/audit/checkpoints"]
    return next((body for tail, body in EMPTY.items() if path.endswith(tail)), None)


def api_seen(checkpoints_url: str | None) -> list[tuple[str, str | None]]:
    """Each request the client sends while reading checkpoints then keys: its URL and Authorization header."""
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("Authorization")))
        return httpx.Response(200, json=_answer(request.url.path))

    api = AuditApi(BASE, TOKEN, transport=httpx.MockTransport(handler))
    assert api.checkpoints(checkpoints_url) == []
    api.keys()
    return seen


@pytest.mark.parametrize(
    "mirror",
    [
        "http://info-hub.example/api/info-hub/open-data/checkpoints?service=registry",
        "http://registry.example:9090/api/registry/audit/checkpoints",  # another port
        "https://registry.example:8080/api/registry/audit/checkpoints",  # another scheme
    ],
)
def test_checkpoints_on_another_origin_are_read_without_the_auditors_token(mirror: str) -> None:
    (checkpoints_url, sent), (keys_url, keys_sent) = api_seen(mirror)
    assert (checkpoints_url, sent) == (mirror, None)
    # The service's own audit API still gets it.
    assert (keys_url, keys_sent) == (f"{BASE}/audit/keys", f"Bearer {TOKEN}")


@pytest.mark.parametrize(
    ("given", "asked"),
    [
        (None, f"{BASE}/audit/checkpoints"),
        ("/audit/checkpoints", f"{BASE}/audit/checkpoints"),
        # The same origin written out, the host in other letter case.
        ("http://REGISTRY.example:8080/api/registry/audit/checkpoints", f"{BASE}/audit/checkpoints"),
    ],
)
def test_checkpoints_under_the_base_url_or_on_its_origin_are_read_with_the_token(given: str | None, asked: str) -> None:
    [(url, sent), _] = api_seen(given)
    assert (url, sent) == (asked, f"Bearer {TOKEN}")


def test_the_default_port_of_a_scheme_is_the_same_origin() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json=EMPTY["/audit/checkpoints"])

    api = AuditApi("https://kyodo.example/api/registry", TOKEN, transport=httpx.MockTransport(handler))
    api.checkpoints("https://kyodo.example:443/api/info-hub/open-data/checkpoints?service=registry")
    api.checkpoints("https://kyodo.example:8443/api/info-hub/open-data/checkpoints?service=registry")
    assert seen == [f"Bearer {TOKEN}", None]


@pytest.mark.parametrize(("status", "body"), [(500, b"{}"), (200, b"<html>not json</html>")])
def test_a_mirror_that_fails_or_answers_no_json_is_reported_as_the_service_would_be(status: int, body: bytes) -> None:
    api = AuditApi(BASE, TOKEN, transport=httpx.MockTransport(lambda request: httpx.Response(status, content=body)))
    with pytest.raises(CliError) as caught:
        api.checkpoints("http://info-hub.example/api/info-hub/open-data/checkpoints?service=registry")
    assert "info-hub.example" in str(caught.value)


class _Recording(BaseHTTPRequestHandler):
    seen: list[tuple[int, str, str | None]]
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        self.seen.append((self.server.server_port, self.path, self.headers.get("Authorization")))
        body = json.dumps(_answer(self.path.split("?", 1)[0])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def two_servers() -> Iterator[tuple[list[tuple[int, str, str | None]], int, int]]:
    """The service and a checkpoint mirror on loopback, on two ports (two origins), recording every request."""
    seen: list[tuple[int, str, str | None]] = []
    handler = type("Handler", (_Recording,), {"seen": seen})
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for _ in range(2)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield seen, servers[0].server_port, servers[1].server_port
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join()


def test_verify_by_url_sends_the_token_to_the_service_and_not_to_the_checkpoint_mirror(
    two_servers: tuple[list[tuple[int, str, str | None]], int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen, service, mirror = two_servers
    monkeypatch.setenv("KYODO_AUDIT_TOKEN", TOKEN)
    checkpoints = f"http://127.0.0.1:{mirror}/api/info-hub/open-data/checkpoints?service=registry"
    verify_command(
        "registry", f"http://127.0.0.1:{service}/api/registry", checkpoints, tmp_path / "pins.json", tmp_path, True,
        shown=False,
    )  # fmt: skip
    capsys.readouterr()
    assert [(path, sent) for port, path, sent in seen if port == mirror] == [
        ("/api/info-hub/open-data/checkpoints?service=registry", None)
    ]
    asked = {path.split("?", 1)[0]: sent for port, path, sent in seen if port == service}
    assert asked == {
        "/api/registry/audit/keys": f"Bearer {TOKEN}",
        "/api/registry/audit/records": f"Bearer {TOKEN}",
        "/api/registry/audit/sealed": f"Bearer {TOKEN}",
    }
