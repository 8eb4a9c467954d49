"""A minimal keep-alive HTTP/1.1 client over asyncio streams.

The load generator shares 2 cores with the server under test, so it must cost little CPU: httpx spends several
times more per request than this. It supports what the benchmarks need (Content-Length or chunked responses).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class HttpConnection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> HttpConnection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
            self._writer = self._reader = None

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        if self._writer is None:
            await self.open()
        assert self._reader is not None
        assert self._writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append("Content-Type: application/json")
            lines.append(f"Content-Length: {len(body)}")
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        parsed: dict[str, str] = {}
        for line in header_lines:
            if line:
                key, _, value = line.partition(":")
                parsed[key.strip().lower()] = value.strip()
        if "content-length" in parsed:
            data = await self._reader.readexactly(int(parsed["content-length"]))
        elif parsed.get("transfer-encoding", "").lower() == "chunked":
            data = await self._read_chunked()
        else:
            data = b""
        if parsed.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, parsed, data)

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        chunks = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)


class ConnectionPool:
    """Idle keep-alive connections; a request never waits for one (a new connection opens instead).

    Connections idle for longer than `max_idle` are closed rather than reused: uvicorn closes keep-alive
    connections after 5 s idle, and a request sent into that close would fail without reaching the server.
    """

    def __init__(self, host: str, port: int, max_idle: float = 3.0) -> None:
        self.host, self.port, self.max_idle = host, port, max_idle
        self._idle: list[tuple[HttpConnection, float]] = []
        self.opened = 0

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        conn = None
        while self._idle and conn is None:
            candidate, since = self._idle.pop()
            if time.monotonic() - since < self.max_idle:
                conn = candidate
            else:
                await candidate.close()
        if conn is None:
            conn = await HttpConnection(self.host, self.port).open()
            self.opened += 1
        try:
            response = await conn.request(method, path, body=body, headers=headers)
        except BaseException:
            await conn.close()
            raise
        self._idle.append((conn, time.monotonic()))
        return response

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            await conn.close()
