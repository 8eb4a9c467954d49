"""Opinion exchange (意見交換) for the center's coordinators: `/center/exchange` (every topic by status, as `GET
/exchange/topics?status=` lists them), `/center/exchange/new` (a draft topic with its comment period: `POST
/exchange/topics`, `draft_topic`, the body `TopicIn`) and `/center/exchange/{id}` (the topic as `GET
/exchange/topics/{id}` shows it to the center, with what its status allows: `exchange_actions.py`). Until the close
the groups' opinions are sealed: the page says how many there are; after it, every opinion with its group's name and
the city's answer beside it (the minutes the portal's readers get from the API).

The comment period is typed in Japan time (`datetime-local`); field names are `TopicIn`'s (`opens_at`, `closes_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kyodo_info_hub import news_index
from kyodo_info_hub.exchange import Topic
from kyodo_info_hub.exchange_schemas import TopicIn
from kyodo_info_hub.pages.center.news import local_time, tokyo_posted, typed_texts
from kyodo_info_hub.pages.home import application, listing, localized, when
from kyodo_info_hub.pages.news import paragraphs
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.pagination import Paging

router = page_router("/center/exchange")
STATUSES = ("draft", "published", "closed")

NOTICES: dict[str, str] = {
    "topic_drafted": N_("The topic is saved as a draft. Groups see it once it is published for comment."),
    "topic_revised": N_("The draft topic is revised."),
    "topic_published": N_("The topic is published for comment. Groups give their opinions until the period closes."),
    "opinion_answered": N_("The city's answer is published beside the group's opinion."),
}


def typed_topic(form: FormData) -> dict[str, Any]:
    """The form as `TopicIn`'s JSON (the period's times as typed; `topic_in` reads them as Japan time)."""
    return typed_texts(form, "opens_at", "closes_at")


def topic_in(typed: dict[str, Any]) -> TopicIn:
    return TopicIn.model_validate({**typed, **{k: tokyo_posted(typed[k]) for k in ("opens_at", "closes_at")}})


@router.get("")
def topics(request: Request, paging: Paging, status: str = "") -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    chosen = [status] if status in STATUSES else list(STATUSES)
    entries, total = news_index.list_topics(request.app.state.kernel.db, chosen, paging.offset, paging.limit)
    now = application(request).now()
    items = [
        {
            **vars(e),
            "shown_status": shown_status(e.status, when(e.opens_at), now),
            "title": localized(request, e.title_ja, e.title_en),
            "opens_at": when(e.opens_at),
            "closes_at": when(e.closes_at),
        }
        for e in entries
    ]
    context = {"items": items, "listing": listing(paging, total), "status": status if status in STATUSES else ""}
    return render(request, "center/exchange_list.html", context)


def shown_status(status: str, opens_at: datetime | None, now: datetime) -> str:
    """The status a page shows: a topic published for comment whose period has not opened yet is "upcoming"
    (published, the groups cannot give an opinion before the opening), not "open for comment"."""
    if status == "published" and opens_at is not None and now < opens_at:
        return "upcoming"
    return status


def _new_page(
    request: Request, typed: dict[str, Any] | None = None, errors: FormErrors | None = None, status: int = 200
) -> HTMLResponse:
    return render(request, "center/exchange_new.html", {"values": typed or {}, "errors": errors}, status=status)


@router.get("/new")
def new_topic(request: Request) -> HTMLResponse:
    signed_in(request, Role.COORDINATOR)
    return _new_page(request)


@router.post("/new")
def draft(request: Request, form: Form) -> Response:
    """As `POST /exchange/topics`."""
    principal = signed_in(request, Role.COORDINATOR)
    typed = typed_topic(form)

    def command() -> Topic:
        body = topic_in(typed)
        return application(request).draft_topic(
            page_actor(request, principal), body.texts(), body.opens_at, body.closes_at
        )

    return act(
        request,
        command,
        again=lambda errors, status: _new_page(request, typed, errors, status),
        then=lambda topic: f"/center/exchange/{topic.id}",
        notice="topic_drafted",
    )


def topic_page(
    request: Request,
    principal: Principal,
    topic_id: UUID,
    errors: FormErrors | None = None,
    status: int = 200,
    *,
    acting: str = "",
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The topic as the center reads it; `acting`: the form that was refused ("revise", or a group's id for its
    answer), shown again with what was typed and its errors."""
    app = application(request)
    topic = app.read_topic(principal, topic_id)
    closed = topic.status.value == "closed"
    opinions = app.visible_opinions(principal, topic) if closed else []
    texts = topic.texts
    current = {k: texts.get(k) or "" for k in ("title_ja", "title_en", "body_ja", "body_en")}
    values = {**current, "opens_at": local_time(topic.opens_at), "closes_at": local_time(topic.closes_at)}
    body = localized(request, texts["body_ja"], texts["body_en"])
    context = {
        "topic": topic,
        "status_value": topic.status.value,
        "shown_status": shown_status(topic.status.value, when(topic.opens_at), app.now()),
        "title": localized(request, texts["title_ja"], texts["title_en"]),
        "body": paragraphs(body.text),
        "body_lang": body.lang,
        "opens_at": when(topic.opens_at),
        "closes_at": when(topic.closes_at),
        "published_at": when(topic.published_at),
        "closed_at": when(topic.closed_at),
        # Before the close the opinions are sealed: how many groups gave one is all the page says.
        "sealed": len(topic.opinions),
        "opinions": [
            {
                **o,
                "opinion": localized(request, o["opinion_ja"], o.get("opinion_en")),
                "submitted_at": when(o["submitted_at"]),
                "answer_text": localized(request, o["answer"]["answer_ja"], o["answer"].get("answer_en"))
                if o.get("answer")
                else None,
                "answered_at": when(o["answer"].get("answered_at")) if o.get("answer") else None,
                "typed": typed if acting == o["group_id"] and typed is not None else {},
                "errors": errors.within(o["group_id"]) if errors and acting == o["group_id"] else None,
            }
            for o in opinions
        ],
        "values": typed if acting == "revise" and typed is not None else values,
        "acting": acting,
        # An answer's errors name its group's controls (`<group id>.answer_ja`): the summary links to them.
        "errors": errors.within(acting) if errors and acting not in ("", "revise") else errors,
    }
    return render(request, "center/exchange_item.html", context, status=status)


@router.get("/{topic_id}")
def topic_item(topic_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.COORDINATOR)
    return topic_page(request, principal, path_uuid(topic_id, "exchange_topic_not_found"))


def answer_typed(form: FormData, group_id: str) -> dict[str, str]:
    """A group's answer form (its controls are named `<group id>.answer_ja` …) as `AnswerIn`'s JSON."""
    typed = {k: text(form, f"{group_id}.{k}") for k in ("answer_ja", "answer_en")}
    return {k: v for k, v in typed.items() if v or k == "answer_ja"}
