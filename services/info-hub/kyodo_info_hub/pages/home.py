"""Portal pages: the center's home (ホーム) — the latest published news, open calls with their deadlines and the
time left, upcoming trainings, and a link to each section. It reads the same queries as the API's routes
(`news_index.list_news`, `Portal.calls`, `trainings_index.list_trainings`), so the page and the API never disagree.

`Text`, `localized`, `when`, `day`, `listing` are the portal pages' small helpers (Japanese first: an English page
shows a text's English version where there is one, else the Japanese marked `lang="ja"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub import news_index
from kyodo_info_hub.app import InfoHubApplication, Portal, PortalCall
from kyodo_info_hub.trainings_index import list_trainings
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import PageRequest

router = page_router()
# How many of each the home page shows; each section links to its whole list.
HOME_ITEMS = 5


@dataclass(frozen=True)
class Text:
    """A text in the language it is written in (an English page may show a Japanese text: `lang` marks it)."""

    text: str
    lang: str


def localized(request: Request, ja: str | None, en: str | None) -> Text:
    if negotiate(request) == "en" and en:
        return Text(en, "en")
    return Text(ja or "", "ja")


def when(value: Any) -> datetime | None:
    """A stored time (ISO 8601 text, or already a datetime) as a datetime for the kit's `jst` filters."""
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def day(value: str | None) -> date | None:
    """A stored day (YYYY-MM-DD) as a date for the kit's `jst_date`."""
    return date.fromisoformat(value[:10]) if value else None


def application(request: Request) -> InfoHubApplication:
    app: InfoHubApplication = request.app.state.kernel.application
    return app


def listing(paging: PageRequest, total: int) -> dict[str, int]:
    """A list's place in the kernel's convention, for the kit's pagination macros (`kit/pagination.html`)."""
    return {"page": paging.page, "per_page": paging.per_page, "total": total}


def call_card(request: Request, call: PortalCall) -> dict[str, Any]:
    return {
        "id": call.call_id,
        "title": localized(request, call.rules.get("title_ja"), call.rules.get("title_en")),
        "kind": call.rules.get("kind"),
        "deadline": datetime.fromisoformat(call.deadline),
    }


def news_card(request: Request, entry: news_index.NewsEntry) -> dict[str, Any]:
    return {
        "id": entry.news_id,
        "title": localized(request, entry.title_ja, entry.title_en),
        "category": entry.category,
        "published_at": when(entry.published_at),
        "revision": entry.revision,
    }


def training_card(request: Request, t: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": t["id"],
        "title": localized(request, t.get("title_ja"), t.get("title_en")),
        "kind": t["kind"],
        "status": t["status"],
        "starts_at": when(t["starts_at"]),
        "ends_at": when(t["ends_at"]),
        "place": t.get("place"),
        "online": bool(t.get("online")),
        "counts": t["counts"],
        "capacity": t["capacity"],
        "registration_closes_at": when(t.get("registration_closes_at")),
    }


@router.get("/")
def home(request: Request) -> HTMLResponse:
    app = application(request)
    db = request.app.state.kernel.db
    now = app.now()
    news, _ = news_index.list_news(db, app.news_statuses(None, None), None, 0, HOME_ITEMS)
    calls, calls_total = Portal(db).calls("open", offset=0, limit=HOME_ITEMS)
    trainings, _ = list_trainings(
        db,
        statuses=["announced"],
        kind=None,
        audience=None,
        upcoming_from=now,
        offset=0,
        limit=HOME_ITEMS,
    )
    upcoming = [training_card(request, t) for t in trainings if datetime.fromisoformat(str(t["ends_at"])) > now]
    context = {
        "news": [news_card(request, e) for e in news],
        "calls": [call_card(request, c) for c in calls],
        "calls_total": calls_total,
        "trainings": upcoming,
    }
    return render(request, "portal/home.html", context)
