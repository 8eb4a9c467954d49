"""The forms of the center's survey page (`/center/surveys/{sid}`), each calling the API's application method with
the definition's version as If-Match where the API takes one: the cross-tabulations (`choose_crosstabs`), the
announcement (`announce_survey`), the cancellation with its reason (`cancel_survey`), and an invitation of a group
not registered (`invite_group`: its one-time link shown on the page this once, never in a URL or a redirect) or a
new link for one (`reissue_invitation`: the old one stops working; the new one is shown once likewise)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from kyodo_info_hub.api_surveys import PRIVATE
from kyodo_info_hub.pages.center.surveys import page_of
from kyodo_info_hub.pages.home import application
from kyodo_info_hub.surveys_schemas import CancellationIn, CrosstabsIn, InvitationIn
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text, texts
from kyodo_shared.pages.paths import path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.store.breaker import store_unreachable

router = page_router("/center/surveys")


@router.post("/{survey_id}/crosstabs")
def crosstabs(survey_id: str, request: Request, form: Form) -> Response:
    """As `PUT /surveys/{sid}/crosstabs` with If-Match: the chosen pairs (`row:column`), none for none."""
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    pairs = [value.split(":", 1) for value in texts(form, "crosstabs")]

    def command() -> None:
        body = CrosstabsIn.model_validate({"crosstabs": pairs})
        application(request).choose_crosstabs(page_actor(request, principal), seen_version(form), sid, body.crosstabs)

    return act(
        request,
        command,
        again=lambda errors, status: page_of(request, principal, sid, errors=errors, failed="crosstabs", status=status),
        then=f"/center/surveys/{sid}",
        notice="survey_crosstabs_chosen",
    )


@router.post("/{survey_id}/announcement")
def announce(survey_id: str, request: Request, form: Form) -> Response:
    """As `POST /surveys/{sid}/announcement` with If-Match: the questionnaire frozen, the timers set."""
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    return act(
        request,
        lambda: application(request).announce_survey(page_actor(request, principal), seen_version(form), sid),
        again=lambda errors, status: page_of(
            request, principal, sid, errors=errors, failed="announcement", status=status
        ),
        then=f"/center/surveys/{sid}",
        notice="survey_announced",
    )


@router.post("/{survey_id}/cancellation")
def cancel(survey_id: str, request: Request, form: Form) -> Response:
    """As `POST /surveys/{sid}/cancellation` with If-Match: the reason in Japanese (English optional)."""
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    typed = {
        "reason_ja": text(form, "reason_ja"),
        **({"reason_en": text(form, "reason_en")} if text(form, "reason_en") else {}),
    }

    def command() -> None:
        body = CancellationIn.model_validate(typed)
        application(request).cancel_survey(
            page_actor(request, principal), seen_version(form), sid, body.reason_ja, body.reason_en
        )

    return act(
        request,
        command,
        again=lambda errors, status: page_of(
            request, principal, sid, errors=errors, failed="cancellation", status=status, typed=typed
        ),
        then=f"/center/surveys/{sid}",
        notice="survey_cancelled",
    )


def _link_shown(request: Request, sid: Any, invitation_id: str, token: str) -> dict[str, str]:
    base = application(request).center.public_url
    return {"id": invitation_id, "link": f"{base}/surveys/{sid}/answers/{invitation_id}#token={token}"}


def _with_link(request: Request, principal: Principal, sid: UUID, issued: dict[str, str]) -> Response:
    """The survey's page with the link just issued; if the survey cannot be read back (the store gone after the
    invitation was stored), the link alone: the command is done, and a coordinator shown an error would invite the
    group again rather than lose its only copy of the link."""
    try:
        return page_of(request, principal, sid, link=issued)
    except Exception as exc:
        if not store_unreachable(exc):
            raise
        page = render(request, "center/surveys_link.html", {"link": issued, "sid": sid})
        page.headers.update(PRIVATE)
        return page


@router.post("/{survey_id}/invitations")
def invite(survey_id: str, request: Request, form: Form) -> Response:
    """As `POST /surveys/{sid}/invitations`: the group's name; its one-time link shown on the page this once."""
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    typed = {"name_ja": text(form, "name_ja"), **({"name_en": text(form, "name_en")} if text(form, "name_en") else {})}
    issued: dict[str, str] = {}

    def command() -> None:
        body = InvitationIn.model_validate(typed)
        _, iid, token = application(request).invite_group(
            page_actor(request, principal), sid, body.name_ja, body.name_en
        )
        issued.update(_link_shown(request, sid, iid, token))

    done = act(
        request,
        command,
        again=lambda errors, status: page_of(
            request, principal, sid, errors=errors, failed="invitation", status=status, typed=typed
        ),
        then=f"/center/surveys/{sid}",
        notice="survey_invited",
    )
    return _with_link(request, principal, sid, issued) if issued else done


@router.post("/{survey_id}/invitations/{invitation_id}/reissue")
def reissue(survey_id: str, invitation_id: str, request: Request, form: Form) -> Response:
    """As `POST /surveys/{sid}/invitations/{iid}/reissue`: a new link, shown this once; the old one stops working."""
    principal = signed_in(request, Role.COORDINATOR)
    sid = path_uuid(survey_id, "survey_not_found")
    iid = str(path_uuid(invitation_id, "invitation_not_found"))
    issued: dict[str, str] = {}

    def command() -> None:
        _, token = application(request).reissue_invitation(page_actor(request, principal), sid, iid)
        issued.update(_link_shown(request, sid, iid, token))

    done = act(
        request,
        command,
        again=lambda errors, status: page_of(
            request, principal, sid, errors=errors, failed="invitation", status=status
        ),
        then=f"/center/surveys/{sid}",
        notice="survey_link_reissued",
    )
    return _with_link(request, principal, sid, issued) if issued else done
