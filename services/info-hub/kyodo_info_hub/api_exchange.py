"""Opinion exchange (意見交換) over HTTP: topics with comment periods, groups' written opinions, the city's answers.

The center drafts and publishes a topic; a registered group's representative or contact puts the group's opinion
(one per group, replaceable until the close); after the close anyone reads every opinion with its group's name and
the city's answer beside it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from kyodo_info_hub import news_index
from kyodo_info_hub.api_news import Anyone, Coordinator, application
from kyodo_info_hub.exchange import Topic, TopicStatus
from kyodo_info_hub.exchange_schemas import (
    AnswerIn,
    OpinionIn,
    TopicIn,
    TopicPage,
    TopicSummary,
    TopicView,
    topic_view,
)
from kyodo_info_hub.news_app import is_coordinator
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import actor_of, answered, etag_of, expected_version, nudge, service_router

GroupPerson = Annotated[Principal, Depends(requires(Role.GROUP))]
# The city's answer: the center, or city staff (the department concerned writes it).
City = Annotated[Principal, Depends(requires(Role.COORDINATOR, Role.STAFF))]

router = service_router(prefix="/exchange/topics", tags=["exchange"])


def _shown(
    request: Request, response: Response, principal: Principal | None, topic: Topic, opinions: list[dict[str, Any]]
) -> TopicView:
    """The center gets the live version and its ETag (for If-Match); anyone else neither: until the close the live
    version would count the sealed submissions."""
    live = is_coordinator(principal)
    if live:
        response.headers["ETag"] = etag_of(topic.version)
    return topic_view(topic, opinions, live=live)


@router.post("", status_code=201, response_model=TopicView, summary="Draft a topic with its comment period")
def draft(body: TopicIn, request: Request, response: Response, principal: Coordinator) -> Any:
    topic = application(request).draft_topic(actor_of(request, principal), body.texts(), body.opens_at, body.closes_at)
    response.headers["Location"] = f"exchange/topics/{topic.id}"
    answered(request, response, topic.version, 201)
    return topic_view(topic, [], live=True)


@router.get("", response_model=TopicPage, responses=LINK_HEADER, summary="Topics, the latest closing first")
def list_topics(
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    status: Annotated[TopicStatus | None, Query(description="draft: coordinators only")] = None,
) -> Any:
    statuses = application(request).topic_statuses(principal, status)
    entries, total = news_index.list_topics(request.app.state.kernel.db, statuses, paging.offset, paging.limit)
    items = [TopicSummary(id=e.topic_id, **{k: v for k, v in vars(e).items() if k != "topic_id"}) for e in entries]
    return paginated(request, response, paging, TopicPage, items, total)


@router.get("/{topic_id}", response_model=TopicView, summary="A topic; its opinions and answers after the close")
def read(topic_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    app = application(request)
    topic = app.read_topic(principal, topic_id)
    return _shown(request, response, principal, topic, app.visible_opinions(principal, topic))


@router.put("/{topic_id}", response_model=TopicView, summary="Revise a draft topic (coordinator, If-Match)")
def revise(topic_id: UUID, body: TopicIn, request: Request, response: Response, principal: Coordinator) -> Any:
    topic = application(request).revise_topic(
        actor_of(request, principal), expected_version(request), topic_id, body.texts(), body.opens_at, body.closes_at
    )
    answered(request, response, topic.version)
    return topic_view(topic, [], live=True)


@router.post("/{topic_id}/publication", response_model=TopicView, summary="Publish for comment (If-Match)")
def publish(topic_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    topic = application(request).publish_topic(actor_of(request, principal), expected_version(request), topic_id)
    answered(request, response, topic.version)
    return topic_view(topic, [], live=True)


@router.put(
    "/{topic_id}/opinions/{group_id}",
    response_model=TopicView,
    summary="The group's opinion during the period (its representative or a contact; replaces the group's last)",
)
def submit_opinion(
    topic_id: UUID, group_id: UUID, body: OpinionIn, request: Request, response: Response, principal: GroupPerson
) -> Any:
    app = application(request)
    # Read before the save: the answer needs nothing from the store after the commit (exchange_app.py).
    shown = app.opinions_shown(principal)
    topic = app.submit_opinion(actor_of(request, principal), topic_id, group_id, body.opinion_ja, body.opinion_en)
    nudge(request)
    return _shown(request, response, principal, topic, shown(topic))


@router.put(
    "/{topic_id}/opinions/{group_id}/answer",
    status_code=201,
    response_model=TopicView,
    summary="The city's written answer to a group's opinion, after the close (center or city staff; once)",
)
def answer(
    topic_id: UUID, group_id: UUID, body: AnswerIn, request: Request, response: Response, principal: City
) -> Any:
    app = application(request)
    # Read before the save: the answer needs nothing from the store after the commit (exchange_app.py).
    shown = app.opinions_shown(principal)
    topic = app.answer_opinion(actor_of(request, principal), topic_id, group_id, body.answer_ja, body.answer_en)
    nudge(request)
    response.status_code = 201
    return _shown(request, response, principal, topic, shown(topic))


ROUTERS: list[APIRouter] = [router]
