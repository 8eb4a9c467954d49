"""What the center does to a news item at `/center/news/{id}`, each as its API route with the item's version as
If-Match: revise a draft (`PUT /news/{id}`), attach and remove files (`POST /news/{id}/attachments`, `DELETE
…/attachments/{sha256}`), schedule (`PUT /news/{id}/schedule`), back to draft (`DELETE /news/{id}/schedule`), publish
now (`POST /news/{id}/publication`), correct with a note (`POST /news/{id}/corrections`) and withdraw with a reason
(`POST /news/{id}/withdrawal`); and a file of any item to download (as `GET /news/{id}/attachments/{sha256}` serves
it to coordinators).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_info_hub.news_attachments import MAX_BYTES, MEDIA_TYPES
from kyodo_info_hub.news_schemas import AttachmentIn, CorrectionIn, NewsIn, ScheduleIn, WithdrawalIn
from kyodo_info_hub.pages.center.news import BY_SUFFIX, item_page, tokyo_posted, typed_texts
from kyodo_info_hub.pages.home import application
from kyodo_shared.domain.actors import Actor, Principal, Role
from kyodo_shared.domain.refusals import Expected
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, upload
from kyodo_shared.pages.downloads import private_file
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.routing import page_router

router = page_router("/center/news")
# An attachment's form (a file of up to 5 MiB and a few fields) may exceed the pages' default body limit.
ATTACHMENT_PAGE_PATH = r"/center/news/[^/]+/attachments$"
ATTACHMENT_FORM_BYTES = MAX_BYTES + 1024 * 1024
Command = Callable[[Actor, Expected, UUID], Any]


def _acted(
    request: Request,
    news_id: str,
    form: Form,
    command: Command,
    notice: str,
    *,
    acting: str = "",
    typed: dict[str, Any] | None = None,
) -> Response:
    """Runs `command(actor, expected, id)` as the coordinator, back to the item with `notice`; a refusal shows the
    item again with the `acting` form as typed and its errors."""
    principal: Principal = signed_in(request, Role.COORDINATOR)
    nid = path_uuid(news_id, "news_not_found")
    return act(
        request,
        lambda: command(page_actor(request, principal), seen_version(form), nid),
        again=lambda errors, status: item_page(request, principal, nid, errors, status, acting=acting, typed=typed),
        then=f"/center/news/{nid}",
        notice=notice,
    )


@router.post("/{news_id}/revision")
def revise(news_id: str, request: Request, form: Form) -> Response:
    typed = typed_texts(form, "category")

    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        body = NewsIn.model_validate(typed)
        return application(request).revise_news(actor, expected, nid, body.category, body.texts())

    return _acted(request, news_id, form, command, "news_revised", acting="revise", typed=typed)


def attachment_json(form: Any) -> dict[str, str] | None:
    """The uploaded file as the API's `AttachmentIn`; None when no file was chosen. One byte more than the limit is
    read, never the whole of a larger file: the API's own check refuses it in its words."""
    chosen = upload(form, "file")
    if chosen is None:
        return None
    content = chosen.file.read(MAX_BYTES + 1)
    # Old browsers send the full local path; only the file's own name is kept.
    filename = PureWindowsPath(chosen.filename or "").name or "file"
    declared = (chosen.content_type or "").split(";")[0].strip().lower()
    media_type = declared if declared in MEDIA_TYPES else BY_SUFFIX.get(PurePosixPath(filename.lower()).suffix, "")
    return {
        "filename": filename,
        "media_type": media_type or declared or "application/octet-stream",
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


@router.post("/{news_id}/attachments")
def attach(news_id: str, request: Request, form: Form) -> Response:
    sent = attachment_json(form)

    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        # No file chosen: the model names the file as required (its field is `content_base64`, shown at `file`).
        body = AttachmentIn.model_validate(sent if sent is not None else {"filename": "", "media_type": ""})
        return application(request).attach(actor, expected, nid, body.attachment())

    return _acted(request, news_id, form, command, "news_attached", acting="attach", typed={})


@router.post("/{news_id}/attachments/{sha256}/removal")
def detach(news_id: str, sha256: str, request: Request, form: Form) -> Response:
    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        return application(request).detach(actor, expected, nid, sha256)

    return _acted(request, news_id, form, command, "news_detached")


@router.get("/{news_id}/attachments/{sha256}")
def download(news_id: str, sha256: str, request: Request) -> Response:
    principal = signed_in(request, Role.COORDINATOR)
    nid = path_uuid(news_id, "news_not_found")
    reference, content, _ = application(request).news_attachment(principal, nid, sha256)
    return private_file(content, str(reference["media_type"]), str(reference["filename"]), {"ETag": f'"{sha256}"'})


@router.post("/{news_id}/schedule")
def schedule(news_id: str, request: Request, form: Form) -> Response:
    typed = {"publish_at": text(form, "publish_at")}

    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        body = ScheduleIn.model_validate({"publish_at": tokyo_posted(typed["publish_at"])})
        return application(request).schedule_news(actor, expected, nid, body.publish_at)

    return _acted(request, news_id, form, command, "news_scheduled", acting="schedule", typed=typed)


@router.post("/{news_id}/schedule/removal")
def unschedule(news_id: str, request: Request, form: Form) -> Response:
    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        return application(request).unschedule_news(actor, expected, nid)

    return _acted(request, news_id, form, command, "news_unscheduled")


@router.post("/{news_id}/publication")
def publish(news_id: str, request: Request, form: Form) -> Response:
    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        return application(request).publish_news(actor, expected, nid)

    return _acted(request, news_id, form, command, "news_published")


@router.post("/{news_id}/corrections")
def correct(news_id: str, request: Request, form: Form) -> Response:
    typed = typed_texts(form, "note_ja", "note_en")

    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        body = CorrectionIn.model_validate(typed)
        return application(request).correct_news(actor, expected, nid, body.texts(), body.note_ja, body.note_en)

    return _acted(request, news_id, form, command, "news_corrected", acting="correct", typed=typed)


@router.post("/{news_id}/withdrawal")
def withdraw(news_id: str, request: Request, form: Form) -> Response:
    typed = {k: v for k in ("reason_ja", "reason_en") if (v := text(form, k)) or k == "reason_ja"}

    def command(actor: Actor, expected: Expected, nid: UUID) -> Any:
        body = WithdrawalIn.model_validate(typed)
        return application(request).withdraw_news(actor, expected, nid, body.reason_ja, body.reason_en)

    return _acted(request, news_id, form, command, "news_withdrawn", acting="withdraw", typed=typed)
