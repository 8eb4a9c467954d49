"""Portal pages: the center's news (お知らせ) — the published items, newest first (the API's `GET /news`, paged), and
one item with its body, files and corrections as the API shows them (`read_news` for anyone: published and
withdrawn items; a withdrawn one shows the reason in place of its body). The Atom feed is linked from the list
(`<link rel="alternate">` and a visible link)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub import news_index
from kyodo_info_hub.news_schemas import news_view
from kyodo_info_hub.pages.home import application, listing, localized, news_card, when
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router()
API = "/api/info-hub"
FEED_URL = f"{API}/news.atom"


def paragraphs(text: str | None) -> list[str]:
    """A plain-text body as its paragraphs (blank lines apart); each is shown escaped, its line breaks kept."""
    if not text:
        return []
    return [p.strip("\n") for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


@router.get("/news")
def news_list(request: Request, paging: Paging) -> HTMLResponse:
    app = application(request)
    entries, total = news_index.list_news(
        request.app.state.kernel.db, app.news_statuses(None, None), None, paging.offset, paging.limit
    )
    items = [
        {**news_card(request, e), "summary": localized(request, e.body_ja, e.body_en), "files": len(e.attachments)}
        for e in entries
    ]
    context = {"items": items, "listing": listing(paging, total), "feed_url": FEED_URL}
    return render(request, "portal/news.html", context)


def _revision(request: Request, r: Any) -> dict[str, Any]:
    return {
        "revision": r.revision,
        "title": localized(request, r.title_ja, r.title_en),
        "note": localized(request, r.note_ja, r.note_en) if r.note_ja else None,
        "at": when(r.at),
        "body": paragraphs(localized(request, r.body_ja, r.body_en).text),
        "body_lang": localized(request, r.body_ja, r.body_en).lang,
    }


@router.get("/news/{news_id}")
def news_item(news_id: str, request: Request) -> HTMLResponse:
    try:
        parsed = uuid.UUID(news_id)
    except ValueError:
        raise Refusal("news_not_found") from None
    view = news_view(application(request).read_news(None, parsed))
    body = localized(request, view.body_ja, view.body_en)
    withdrawal = view.withdrawal
    context = {
        "item": view,
        "title": localized(request, view.title_ja, view.title_en),
        "body": paragraphs(body.text),
        "body_lang": body.lang,
        "published_at": when(view.published_at),
        "updated_at": when(view.updated_at),
        "attachments": [{**a.model_dump(), "href": f"{API}/{a.url}"} for a in view.attachments],
        "corrections": [_revision(request, r) for r in view.revisions if r.revision > 1],
        # Every revision before the current one, as the API lists them (a withdrawn item's texts are gone).
        "earlier": [_revision(request, r) for r in view.revisions if r.revision < view.revision and r.body_ja],
        "withdrawal": (
            {
                "reason": localized(request, withdrawal.get("reason_ja"), withdrawal.get("reason_en")),
                "at": when(withdrawal.get("at")),
            }
            if withdrawal
            else None
        ),
        "feed_url": FEED_URL,
    }
    return render(request, "portal/news_item.html", context)
