"""The center's news (お知らせ) for its coordinators: `/center/news` (every item, by status: drafts, scheduled,
published, withdrawn — `news_index.list_news` as `GET /news?status=` lists them), `/center/news/new` (a draft: `POST
/news`, `draft_news`, the body `NewsIn`) and `/center/news/{id}` (the item as `GET /news/{id}` shows it to the center,
with the forms its status allows: `news_actions.py`).

Field names are the API bodies' JSON names (`category`, `title_ja`, `body_ja`, `publish_at`, `note_ja`, …), so the
API's errors land beside them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_info_hub import news_index
from kyodo_info_hub.news import News
from kyodo_info_hub.news_attachments import MEDIA_TYPES
from kyodo_info_hub.news_schemas import NewsIn, news_view
from kyodo_info_hub.pages.home import application, listing, localized, news_card, when
from kyodo_info_hub.pages.news import paragraphs
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router("/center/news")
STATUSES = ("draft", "scheduled", "published", "withdrawn")
TEXT_FIELDS = ("title_ja", "title_en", "body_ja", "body_en")
# What a file's name says its type is, when the browser does not say one the center accepts.
BY_SUFFIX = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".txt": "text/plain",
}
ACCEPT = ",".join([*BY_SUFFIX, *sorted(MEDIA_TYPES)])


NOTICES: dict[str, str] = {
    "news_drafted": N_("The draft is saved. It is not published yet."),
    "news_revised": N_("The draft is revised."),
    "news_attached": N_("The file is attached."),
    "news_detached": N_("The file is removed."),
    "news_scheduled": N_("The publication is scheduled. The item is published at that time."),
    "news_unscheduled": N_("The schedule is cancelled: the item is a draft again."),
    "news_published": N_("The item is published on the portal."),
    "news_corrected": N_("The correction is published with its note."),
    "news_withdrawn": N_("The item is withdrawn; the portal shows the reason in its place."),
}


def local_time(value: str | datetime | None) -> str:
    """A time as a `datetime-local` control shows it: Tokyo wall-clock time, to the minute."""
    moment = when(value)
    return moment.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M") if moment else ""


def tokyo_posted(raw: str) -> str:
    """A `datetime-local` value is Tokyo time (the page says so): given its offset. Text that is not a time goes to
    the API's model as written, which refuses it beside the field."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return (moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)).isoformat()


def typed_texts(form: FormData, *names: str) -> dict[str, Any]:
    """The texts of a form as the API's JSON: blank optional ones (English) left out."""
    typed = {name: text(form, name) for name in (*names, *TEXT_FIELDS)}
    return {k: v for k, v in typed.items() if v or not k.endswith("_en")}


@router.get("")
def news_list(request: Request, paging: Paging, status: str = "") -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    chosen = [status] if status in STATUSES else list(STATUSES)
    entries, total = news_index.list_news(request.app.state.kernel.db, chosen, None, paging.offset, paging.limit)
    items = [
        {
            **news_card(request, e),
            "status": e.status,
            "publish_at": when(e.publish_at),
            "updated_at": when(e.updated_at),
        }
        for e in entries
    ]
    context = {"items": items, "listing": listing(paging, total), "status": status if status in STATUSES else ""}
    return render(request, "center/news_list.html", context)


def _new_page(
    request: Request, typed: dict[str, Any] | None = None, errors: FormErrors | None = None, status: int = 200
) -> HTMLResponse:
    context = {"values": typed or {"category": "center"}, "errors": errors}
    return render(request, "center/news_new.html", context, status=status)


@router.get("/new")
def new_news(request: Request) -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    return _new_page(request)


@router.post("/new")
def draft(request: Request, form: Form) -> Response:
    """As `POST /news`."""
    principal = signed_in(request, Role.COORDINATOR)
    typed = typed_texts(form, "category")

    def command() -> News:
        body = NewsIn.model_validate(typed)
        return application(request).draft_news(page_actor(request, principal), body.category, body.texts())

    return act(
        request,
        command,
        again=lambda errors, status: _new_page(request, typed, errors, status),
        then=lambda news: f"/center/news/{news.id}",
        notice="news_drafted",
    )


def item_page(
    request: Request,
    principal: Principal,
    news_id: UUID,
    errors: FormErrors | None = None,
    status: int = 200,
    *,
    acting: str = "",
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The item as the center reads it, with the forms its status allows; `acting`: the form that was refused,
    shown again with what was typed and its errors (the other forms as the item is)."""
    view = news_view(application(request).read_news(principal, news_id))
    current = {"category": view.category.value, **{k: getattr(view, k) or "" for k in TEXT_FIELDS}}
    forms = {name: dict(current) for name in ("revise", "correct")}
    forms["schedule"] = {"publish_at": local_time(view.publish_at)}
    forms["withdraw"] = {}
    if acting and typed is not None:
        forms[acting] = typed
    body = localized(request, view.body_ja, view.body_en)
    context = {
        "item": view,
        "title": localized(request, view.title_ja, view.title_en),
        "body": paragraphs(body.text),
        "body_lang": body.lang,
        "accept": ACCEPT,
        "publish_at": when(view.publish_at),
        "published_at": when(view.published_at),
        "updated_at": when(view.updated_at),
        "revisions": [
            {
                **r.model_dump(),
                "at": when(r.at),
                "note": localized(request, r.note_ja, r.note_en) if r.note_ja else None,
            }
            for r in view.revisions
        ],
        "withdrawal": view.withdrawal,
        "values": forms,
        "acting": acting,
        "errors": errors,
    }
    return render(request, "center/news_item.html", context, status=status)


@router.get("/{news_id}")
def news_item(news_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    return item_page(request, principal, path_uuid(news_id, "news_not_found"))
