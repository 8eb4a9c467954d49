"""HTTP routes for the review board (協働事業審査会) and the evaluation committee (協働事業評価委員会)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from kyodo_contracts.registry_org import CommitteeKind, MembershipEndReason
from kyodo_registry.org.app import OrgCommands
from kyodo_registry.org.domain import Committee
from kyodo_registry.org.http import ShortText, Sub, SubPath, actor_of, expected_version, nudge, org_app
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.preconditions import etag_of
from kyodo_shared.web.problems import rule_error
from kyodo_shared.web.routes import service_router
from kyodo_shared.web.schemas import IsoDate, Strict

router = service_router(prefix="/committees", tags=["committees"])
Coordinator = Annotated[Principal, Depends(requires(Role.COORDINATOR))]


def _ja_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class CommitteeRequest(Strict):
    kind: CommitteeKind
    name_ja: ShortText
    name_en: ShortText | None = None


class AppointmentRequest(Strict):
    member_sub: Sub
    name: Annotated[str, Field(min_length=1, max_length=100, description="Shown in the public roster (委員名簿).")]
    term_start: date
    term_end: date = Field(description="Last day of the term, inclusive (Asia/Tokyo).")

    @field_validator("term_end")
    @classmethod
    def _after_start(cls, term_end: date, info: ValidationInfo) -> date:
        start = info.data.get("term_start")
        if start is not None and term_end < start:
            raise rule_error(
                "term_end_before_start",
                # Days as Japanese pages write them (the workspace shows this reason beside the field).
                f"任期の終了日（{_ja_day(term_end)}）が開始日（{_ja_day(start)}）より前です",
                f"term_end ({term_end}) must not be before term_start ({start})",
            )
        return term_end


class OfficersRequest(Strict):
    chair_sub: Sub
    vice_chair_sub: Sub | None = None
    effective_on: date | None = Field(default=None, description="First day in office; today if omitted.")

    @field_validator("vice_chair_sub")
    @classmethod
    def _differs(cls, vice_chair_sub: str | None, info: ValidationInfo) -> str | None:
        if vice_chair_sub is not None and vice_chair_sub == info.data.get("chair_sub"):
            raise rule_error(
                "vice_chair_is_chair",
                "副委員長は委員長と別の委員にしてください",
                "the vice-chair must differ from the chair",
            )
        return vice_chair_sub


class EndRequest(Strict):
    ended_on: date | None = Field(default=None, description="Last day as a member (inclusive); today if omitted.")
    reason: MembershipEndReason


# A matter is named by the service concerned, `<service>:<kind>:<id>` (e.g. `proposals:call:<call_id>`).
Matter = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[a-z][a-z_-]*:[!-~]+$")]


class ElectionRequest(Strict):
    matter: Matter = Field(description="What the acting chair presides over, e.g. `proposals:call:<call_id>`.")
    acting_chair_sub: Sub = Field(description="The member elected acting chair (委員長代理).")
    elector_subs: list[Sub] = Field(
        min_length=1, max_length=100, description="The members present and not recused who elected (互選)."
    )
    elected_on: date | None = Field(default=None, description="The day of the election; today if omitted.")

    @field_validator("elector_subs")
    @classmethod
    def _distinct(cls, elector_subs: list[str]) -> list[str]:
        if len(set(elector_subs)) != len(elector_subs):
            raise rule_error(
                "elector_repeated", "互選した委員はそれぞれ一度だけ記載してください", "each elector is named once"
            )
        return elector_subs


class ActingChairOut(BaseModel):
    matter: str
    acting_chair_sub: str
    elector_subs: list[str]
    elected_on: date


class ActingChairs(BaseModel):
    committee_id: UUID
    version: int
    items: list[ActingChairOut] = Field(description="The latest election for each matter, by matter.")


class CommitteeSummary(BaseModel):
    id: UUID
    kind: CommitteeKind
    name_ja: str
    name_en: str | None


class RosterMember(BaseModel):
    member_sub: str
    name: str | None = Field(description="The member's name; null once erased.")
    name_erased: bool
    role: str = Field(description="chair (委員長), vice_chair (副委員長) or member (委員).")
    term_start: date
    term_end: date
    ended_on: date | None


class Roster(CommitteeSummary):
    version: int
    on: date
    members: list[RosterMember]


class CommitteeList(Page[CommitteeSummary]):
    """One page (page/per_page, `total` over all pages, RFC 8288 `Link` for the others)."""


def summary(committee: Committee) -> CommitteeSummary:
    return CommitteeSummary(
        id=committee.id, kind=CommitteeKind(committee.kind), name_ja=committee.name_ja, name_en=committee.name_en
    )


def roster(app: OrgCommands, committee: Committee, on: date) -> Roster:
    members = []
    for term, role in committee.roster_on(on):
        name = app.member_name(term)
        members.append(
            RosterMember(
                member_sub=term.member_sub,
                name=name,
                name_erased=name is None,
                role=role,
                term_start=term.term_start,
                term_end=term.term_end,
                ended_on=term.ended_on,
            )
        )
    return Roster(**summary(committee).model_dump(), version=committee.version, on=on, members=members)


def _answer(request: Request, response: Response, committee: Committee, on: date | None = None) -> Roster:
    app = org_app(request)
    response.headers["ETag"] = etag_of(committee.version)
    # Decrypting touches the key vault's database: off the event loop.
    return roster(app, committee, on or app.today())


@router.post("", status_code=201, response_model=Roster, summary="Establish a committee (委員会の設置)")
def establish(body: CommitteeRequest, request: Request, response: Response, principal: Coordinator) -> Any:
    app = org_app(request)
    committee = app.establish_committee(
        actor_of(request, principal),
        body.kind.value,
        body.name_ja,
        body.name_en,
    )
    nudge(request)
    response.headers["Location"] = f"committees/{committee.id}"
    return _answer(request, response, committee)


@router.get("", response_model=CommitteeList, responses=LINK_HEADER, summary="Committees (public)")
def list_committees(request: Request, response: Response, paging: Paging) -> Any:
    committees, total = org_app(request).committees(paging.offset, paging.limit)
    return paginated(request, response, paging, CommitteeList, [summary(c) for c in committees], total)


@router.get("/{committee_id}", response_model=Roster, summary="The roster on a date (委員名簿, public)")
def get_roster(
    committee_id: UUID,
    request: Request,
    response: Response,
    on: Annotated[IsoDate | None, Query(description="A calendar date (Asia/Tokyo); today if omitted.")] = None,
) -> Any:
    committee = org_app(request).get_committee(committee_id)
    return _answer(request, response, committee, on)


@router.post("/{committee_id}/members", response_model=Roster, summary="Appoint a member for a term (委員の委嘱)")
def appoint(
    committee_id: UUID, body: AppointmentRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    app = org_app(request)
    committee = app.appoint_member(
        actor_of(request, principal),
        expected_version(request),
        committee_id,
        body.member_sub,
        body.name,
        body.term_start,
        body.term_end,
    )
    nudge(request)
    return _answer(request, response, committee, body.term_start)


@router.put("/{committee_id}/officers", response_model=Roster, summary="Set chair and vice-chair (委員長・副委員長)")
def change_officers(
    committee_id: UUID, body: OfficersRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    app = org_app(request)
    committee = app.change_officers(
        actor_of(request, principal),
        expected_version(request),
        committee_id,
        body.chair_sub,
        body.vice_chair_sub,
        body.effective_on,
    )
    nudge(request)
    return _answer(request, response, committee, body.effective_on)


@router.post("/{committee_id}/members/{member_sub}/end", response_model=Roster, summary="End a membership early (退任)")
def end_membership(
    committee_id: UUID,
    member_sub: SubPath,
    body: EndRequest,
    request: Request,
    response: Response,
    principal: Coordinator,
) -> Any:
    app = org_app(request)
    committee = app.end_membership(
        actor_of(request, principal),
        expected_version(request),
        committee_id,
        member_sub,
        body.ended_on,
        body.reason.value,
    )
    nudge(request)
    return _answer(request, response, committee, body.ended_on)


def _acting_chairs(response: Response, committee: Committee) -> ActingChairs:
    response.headers["ETag"] = etag_of(committee.version)
    items = [
        ActingChairOut(
            matter=a.matter,
            acting_chair_sub=a.acting_chair_sub,
            elector_subs=list(a.elector_subs),
            elected_on=a.elected_on,
        )
        for _, a in sorted(committee.acting_chairs.items())
    ]
    return ActingChairs(committee_id=committee.id, version=committee.version, items=items)


@router.post(
    "/{committee_id}/acting-chairs",
    status_code=201,
    response_model=ActingChairs,
    summary="Record an acting chair elected for a matter (委員長代理の互選)",
)
def elect_acting_chair(
    committee_id: UUID, body: ElectionRequest, request: Request, response: Response, principal: Coordinator
) -> Any:
    committee = org_app(request).elect_acting_chair(
        actor_of(request, principal),
        expected_version(request),
        committee_id,
        body.matter,
        body.acting_chair_sub,
        body.elector_subs,
        body.elected_on,
    )
    nudge(request)
    return _acting_chairs(response, committee)


@router.get("/{committee_id}/acting-chairs", response_model=ActingChairs, summary="Acting chairs elected (public)")
def list_acting_chairs(committee_id: UUID, request: Request, response: Response) -> Any:
    return _acting_chairs(response, org_app(request).get_committee(committee_id))
