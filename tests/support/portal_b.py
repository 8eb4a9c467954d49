"""Helpers for the portal's pages of calls, screening, evaluation, surveys and transparency (issue 19, portal-b):
info-hub on a real store and real NATS, its pages app as a client, contract events applied with the handlers
info-hub subscribes (each in its own transaction, as the consumer applies a message), and pages read with a real HTML
parser (lxml)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from lxml import html as lxml_html

from kyodo_contracts import Contract
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_shared.web.devissuer import DevIssuer

from support.contract_builders import envelope
from support.harness import Backend, Platform, platform, settings_for

AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


class Feed:
    """Applies events with the handlers info-hub subscribes, each in its own transaction; sequences per source."""

    def __init__(self, p: Platform) -> None:
        self.db = p.apps["info-hub"].state.kernel.db
        self.handlers = {c: h for sub in SUBSCRIPTIONS for c, h in sub.handlers.items()}
        self.sequences: dict[str, int] = {}

    def __call__(self, *events: Contract, at: datetime = AT) -> None:
        for event in events:
            source = event.source_service()
            self.sequences[source] = self.sequences.get(source, 0) + 1
            message = envelope(event, self.sequences[source], at)
            with self.db.transaction() as tx:
                self.handlers[type(event)](message, tx)


@dataclass
class Portal:
    platform: Platform
    pages: httpx.AsyncClient
    feed: Feed

    async def page(self, path: str, status: int = 200, **params: Any) -> Any:
        """The page at `path`, parsed; its status must be `status`."""
        response = await (self.pages.get(path, params=params) if params else self.pages.get(path))
        assert response.status_code == status, (response.status_code, response.text[:2000])
        assert response.headers["content-type"].startswith("text/html")
        return lxml_html.document_fromstring(response.text)


@asynccontextmanager
async def portal(
    tmp_path: Path, backend: Backend, nats_url: str, namespace: str, **overrides: Any
) -> AsyncIterator[Portal]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("info-hub", backend, nats_url, namespace, issuer, **overrides)
    async with platform({"info-hub": settings}, issuer) as p:
        transport = httpx.ASGITransport(app=p.apps["info-hub"].state.pages)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as pages:
            yield Portal(p, pages, Feed(p))


def text(element: Any) -> str:
    """An element's text, whitespace collapsed."""
    return " ".join(str(element.text_content()).split())


def one(tree: Any, xpath: str) -> Any:
    found = tree.xpath(xpath)
    assert len(found) == 1, (xpath, len(found))
    return found[0]


def table(tree: Any, caption_contains: str) -> list[list[str]]:
    """The rows of the table whose caption contains the words (header row first), each cell's text."""
    tables = [t for t in tree.xpath("//table") if caption_contains in text(one(t, "caption"))]
    assert len(tables) == 1, (caption_contains, len(tables))
    return [[text(cell) for cell in row.xpath("th|td")] for row in tables[0].xpath(".//tr")]


def headings(tree: Any) -> list[tuple[int, str]]:
    return [(int(h.tag[1]), text(h)) for h in tree.xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4]")]


def headings_in_order(tree: Any) -> bool:
    """One h1, first; no level skipped going down."""
    levels = [level for level, _ in headings(tree)]
    if not levels or levels[0] != 1 or levels.count(1) != 1:
        return False
    return all(b <= a + 1 for a, b in itertools.pairwise(levels))
