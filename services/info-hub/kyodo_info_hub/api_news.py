"""The center's news (お知らせ) over HTTP: the center's coordinators draft, attach, schedule, publish, correct and
withdraw; anyone reads what is published (a list, an item with every revision, its files, the Atom feed)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from kyodo_info_hub import news_index
from kyodo_info_hub.app import InfoHubApplication
from kyodo_info_hub.feeds import atom
from kyodo_info_hub.news import Category, NewsStatus
from kyodo_info_hub.news_attachments import MEDIA_TYPES as ATTACHMENT_TYPES
from kyodo_info_hub.news_schemas import (
    AttachmentIn,
    CorrectionIn,
    NewsIn,
    NewsPage,
    NewsSummary,
    NewsView,
    ScheduleIn,
    Sha256,
    WithdrawalIn,
    attachment_view,
    news_view,
)
from kyodo_shared.web.access import optional_principal, requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.pagination import LINK_HEADER, Paging, paginated
from kyodo_shared.web.routes import (
    actor_of,
    answered,
    document_responses,
    etag_of,
    expected_version,
    service_router,
)

Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]
Anyone = Annotated[Principal | None, Depends(optional_principal)]
# How many entries the Atom feed carries (the newest changes).
FEED_ENTRIES = 50
# Uploads are larger than the kernel's default body limit: main may allow this path a larger body.
ATTACHMENT_PATH = r"/news/[^/]+/attachments$"
# A published item's file may be kept by shared caches this long (a withdrawal takes it away soon after).
PUBLIC_FILE_SECONDS = 300

router = service_router(prefix="/news", tags=["news"])
feed = service_router(prefix="", tags=["news"])


def application(request: Request) -> InfoHubApplication:
    app: InfoHubApplication = request.app.state.kernel.application
    return app


def _done(request: Request, response: Response, view: NewsView, status: int = 200) -> NewsView:
    answered(request, response, view.version, status)
    return view


@router.post("", status_code=201, response_model=NewsView, summary="Draft a news item (coordinator)")
def draft(body: NewsIn, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).draft_news(actor_of(request, principal), body.category, body.texts())
    response.headers["Location"] = f"news/{news.id}"
    return _done(request, response, news_view(news), 201)


@router.get("", response_model=NewsPage, responses=LINK_HEADER, summary="Published news, newest first")
def list_news(
    request: Request,
    response: Response,
    principal: Anyone,
    paging: Paging,
    category: Annotated[Category | None, Query()] = None,
    status: Annotated[
        NewsStatus | None, Query(description="draft and scheduled: coordinators only; withdrawn: anyone")
    ] = None,
) -> Any:
    statuses = application(request).news_statuses(principal, status)
    entries, total = news_index.list_news(
        request.app.state.kernel.db, statuses, category.value if category else None, paging.offset, paging.limit
    )
    items = [
        NewsSummary(
            id=e.news_id,
            **{k: v for k, v in vars(e).items() if k not in ("news_id", "attachments")},
            attachments=[attachment_view(e.news_id, a) for a in e.attachments],
        )
        for e in entries
    ]
    return paginated(request, response, paging, NewsPage, items, total)


@feed.get(
    "/news.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
    summary="The news as an Atom feed (published items and withdrawals)",
)
def news_feed(request: Request) -> Response:
    app = application(request)
    entries = news_index.feed_news(request.app.state.kernel.db, FEED_ENTRIES)
    body = atom(entries, f"{app.center.public_url.rstrip('/')}/api/info-hub", app.now())
    return Response(content=body, media_type="application/atom+xml; charset=utf-8")


@router.get("/{news_id}", response_model=NewsView, summary="A news item with every revision and its note")
def read(news_id: UUID, request: Request, response: Response, principal: Anyone) -> Any:
    news = application(request).read_news(principal, news_id)
    response.headers["ETag"] = etag_of(news.version)
    return news_view(news)


@router.put("/{news_id}", response_model=NewsView, summary="Revise a draft (coordinator, If-Match)")
def revise(news_id: UUID, body: NewsIn, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).revise_news(
        actor_of(request, principal), expected_version(request), news_id, body.category, body.texts()
    )
    return _done(request, response, news_view(news))


@router.post(
    "/{news_id}/attachments",
    status_code=201,
    response_model=NewsView,
    summary="Attach a file to a draft (coordinator, If-Match); stored by its SHA-256",
)
def attach(news_id: UUID, body: AttachmentIn, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).attach(
        actor_of(request, principal), expected_version(request), news_id, body.attachment()
    )
    return _done(request, response, news_view(news), 201)


@router.delete("/{news_id}/attachments/{sha256}", response_model=NewsView, summary="Remove a draft's file (If-Match)")
def detach(news_id: UUID, sha256: Sha256, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).detach(actor_of(request, principal), expected_version(request), news_id, sha256)
    return _done(request, response, news_view(news))


@router.get(
    "/{news_id}/attachments/{sha256}",
    response_class=Response,
    responses=document_responses(ATTACHMENT_TYPES),
    summary="A published item's file (anyone); any item's to coordinators",
)
def download(news_id: UUID, sha256: Sha256, request: Request, principal: Anyone) -> Response:
    reference, content, public = application(request).news_attachment(principal, news_id, sha256)
    response = Response(
        content=content,
        headers={
            "Content-Type": str(reference["media_type"]),
            "Content-Disposition": content_disposition(str(reference["filename"])),
            "ETag": f'"{sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": f"public, max-age={PUBLIC_FILE_SECONDS}" if public else "private, no-store",
        },
    )
    return response


def content_disposition(filename: str) -> str:
    """RFC 6266 with the RFC 5987 `filename*`: an ASCII stand-in for old clients and the real name percent-encoded
    in UTF-8 — the name is never written into the header as it came (a quote or a semicolon in it would add
    parameters; a non-Latin-1 character could not even be sent)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.put(
    "/{news_id}/schedule", response_model=NewsView, summary="Schedule publication at a time (coordinator, If-Match)"
)
def schedule(news_id: UUID, body: ScheduleIn, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).schedule_news(
        actor_of(request, principal), expected_version(request), news_id, body.publish_at
    )
    return _done(request, response, news_view(news))


@router.delete("/{news_id}/schedule", response_model=NewsView, summary="Back to draft (coordinator, If-Match)")
def unschedule(news_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).unschedule_news(actor_of(request, principal), expected_version(request), news_id)
    return _done(request, response, news_view(news))


@router.post("/{news_id}/publication", response_model=NewsView, summary="Publish now (coordinator, If-Match)")
def publish(news_id: UUID, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).publish_news(actor_of(request, principal), expected_version(request), news_id)
    return _done(request, response, news_view(news))


@router.post(
    "/{news_id}/corrections",
    response_model=NewsView,
    summary="Correct a published item with a note (訂正; coordinator, If-Match)",
)
def correct(news_id: UUID, body: CorrectionIn, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).correct_news(
        actor_of(request, principal), expected_version(request), news_id, body.texts(), body.note_ja, body.note_en
    )
    return _done(request, response, news_view(news))


@router.post(
    "/{news_id}/withdrawal",
    response_model=NewsView,
    summary="Withdraw a published item with a reason (取下げ; coordinator, If-Match)",
)
def withdraw(news_id: UUID, body: WithdrawalIn, request: Request, response: Response, principal: Coordinator) -> Any:
    news = application(request).withdraw_news(
        actor_of(request, principal), expected_version(request), news_id, body.reason_ja, body.reason_en
    )
    return _done(request, response, news_view(news))


ROUTERS: list[APIRouter] = [feed, router]
