"""A group's opinion on an opinion exchange topic (意見交換) at `/me/exchange/{tid}`: the topic, its comment period,
and for each registered group the person represents or is a contact of, the group's current opinion (sealed: only
its own group's people and the center read it before the close) and a form to give or replace it while the period
is open — as `PUT /exchange/topics/{tid}/opinions/{gid}` (`submit_opinion`, the body `OpinionIn`). After the close:
every opinion with its group's name and the city's answer, as the API shows them to anyone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from kyodo_info_hub.exchange_schemas import OpinionIn
from kyodo_info_hub.pages.center.exchange import shown_status
from kyodo_info_hub.pages.home import application, localized, when
from kyodo_info_hub.pages.news import paragraphs
from kyodo_info_hub.pages.workspace.common import groups_of, me_crumbs
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router("/me/exchange")


def _page(
    request: Request,
    principal: Principal,
    topic_id: UUID,
    *,
    acting: str = "",
    typed: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The topic for a group's person; `acting`: the group whose form was refused, shown with what was typed."""
    app = application(request)
    topic = app.read_topic(principal, topic_id)
    opinions = app.visible_opinions(principal, topic)
    mine = {o["group_id"]: o for o in opinions}
    now = app.now()
    opens, closes = when(topic.opens_at), when(topic.closes_at)
    state = shown_status(topic.status.value, opens, now)
    open_now = state == "published" and closes is not None and now < closes
    groups = []
    for g in groups_of(request, principal):
        if g.status != "registered":
            continue
        own = mine.get(g.id)
        values = typed if acting == g.id and typed is not None else {}
        if own and not values:
            values = {"opinion_ja": own.get("opinion_ja") or "", "opinion_en": own.get("opinion_en") or ""}
        groups.append(
            {
                "id": g.id,
                "name": g.name,
                "opinion": own,
                "submitted_at": when(own.get("submitted_at")) if own else None,
                "typed": values,
                "errors": errors.within(g.id) if errors and acting == g.id else None,
            }
        )
    body = localized(request, topic.texts["body_ja"], topic.texts["body_en"])
    title = localized(request, topic.texts["title_ja"], topic.texts["title_en"])
    context = {
        "topic": topic,
        "state": state,
        "open_now": open_now,
        "title": title,
        "breadcrumbs": me_crumbs(request, (f"/me/exchange/{topic_id}", title.text)),  # /me lists the open topics
        "body": paragraphs(body.text),
        "body_lang": body.lang,
        "opens_at": opens,
        "closes_at": closes,
        "groups": groups,
        "published": [
            {
                **o,
                "opinion_text": localized(request, o["opinion_ja"], o.get("opinion_en")),
                "answer_text": localized(request, o["answer"]["answer_ja"], o["answer"].get("answer_en"))
                if o.get("answer")
                else None,
            }
            for o in opinions
        ]
        if topic.status.value == "closed"
        else [],
        "errors": errors.within(acting) if errors and acting else errors,
    }
    return render(request, "workspace/exchange.html", context, status=status)


@router.get("/{topic_id}")
def topic_page(topic_id: str, request: Request) -> HTMLResponse:
    principal = signed_in(request, Role.GROUP)
    return _page(request, principal, path_uuid(topic_id, "exchange_topic_not_found"))


@router.post("/{topic_id}/opinions/{group_id}")
def give_opinion(topic_id: str, group_id: str, request: Request, form: Form) -> Response:
    """As `PUT /exchange/topics/{tid}/opinions/{gid}`: the group's opinion, replacing its last, until the close."""
    principal = signed_in(request, Role.GROUP)
    tid = path_uuid(topic_id, "exchange_topic_not_found")
    gid = path_uuid(group_id, "not_acting_for_group")
    typed = {"opinion_ja": text(form, f"{gid}.opinion_ja")}
    if text(form, f"{gid}.opinion_en"):
        typed["opinion_en"] = text(form, f"{gid}.opinion_en")

    def command() -> None:
        body = OpinionIn.model_validate(typed)
        actor = page_actor(request, principal)
        application(request).submit_opinion(actor, tid, gid, body.opinion_ja, body.opinion_en)

    return act(
        request,
        command,
        again=lambda errors, status: _page(
            request, principal, tid, acting=str(gid), typed=typed, errors=errors, status=status
        ),
        then=f"/me/exchange/{tid}",
        notice="exchange_opinion_given",
    )
