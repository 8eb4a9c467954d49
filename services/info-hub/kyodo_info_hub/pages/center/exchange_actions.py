"""What the center does to a topic at `/center/exchange/{id}`, each as its API route: revise the draft (`PUT
/exchange/topics/{id}`, If-Match), publish it for comment (`POST /exchange/topics/{id}/publication`, If-Match) and,
after the close, answer a group's opinion (`PUT /exchange/topics/{id}/opinions/{gid}/answer`, once; no If-Match in
the API either: each answer is its group's own).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from kyodo_info_hub.exchange_schemas import AnswerIn
from kyodo_info_hub.pages.center.exchange import answer_typed, topic_in, topic_page, typed_topic
from kyodo_info_hub.pages.home import application
from kyodo_shared.domain.actors import Role
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router

router = page_router("/center/exchange")


@router.post("/{topic_id}/revision")
def revise(topic_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    tid = path_uuid(topic_id, "exchange_topic_not_found")
    typed = typed_topic(form)

    def command() -> Any:
        body = topic_in(typed)
        return application(request).revise_topic(
            page_actor(request, principal), seen_version(form), tid, body.texts(), body.opens_at, body.closes_at
        )

    return act(
        request,
        command,
        again=lambda errors, status: topic_page(request, principal, tid, errors, status, acting="revise", typed=typed),
        then=f"/center/exchange/{tid}",
        notice="topic_revised",
    )


@router.post("/{topic_id}/publication")
def publish(topic_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    tid = path_uuid(topic_id, "exchange_topic_not_found")
    return act(
        request,
        lambda: application(request).publish_topic(page_actor(request, principal), seen_version(form), tid),
        again=lambda errors, status: topic_page(request, principal, tid, errors, status),
        then=f"/center/exchange/{tid}",
        notice="topic_published",
    )


@router.post("/{topic_id}/answers/{group_id}")
def answer(topic_id: str, group_id: str, request: Request, form: Form) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    tid = path_uuid(topic_id, "exchange_topic_not_found")
    gid = path_uuid(group_id, "exchange_opinion_not_found")
    typed = answer_typed(form, str(gid))

    def command() -> Any:
        body = AnswerIn.model_validate(typed)
        return application(request).answer_opinion(
            page_actor(request, principal), tid, gid, body.answer_ja, body.answer_en
        )

    return act(
        request,
        command,
        again=lambda errors, status: topic_page(request, principal, tid, errors, status, acting=str(gid), typed=typed),
        then=f"/center/exchange/{tid}",
        notice="opinion_answered",
    )
