"""The screening register's public routes (事業の選別の結果): the register, one entry in full, the rounds and their
progress per department. Anyone may read them; decisions appear when they are made, never before.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from kyodo_contracts.screening import CollaborationForm
from kyodo_contracts.screening import Outcome as ScreeningOutcome
from kyodo_info_hub.register import DepartmentProgress, Register, RegisterDetail, RegisterEntry, RegisterFilter, Round
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.routes import service_router


def register(request: Request) -> Register:
    return Register(request.app.state.kernel.db)


RegisterReads = Annotated[Register, Depends(register)]


class RegisterItem(BaseModel):
    decision_id: str
    round_id: str
    fiscal_year: int = Field(description="The round's fiscal year (April–March): 2026 is 2026-04-01…2027-03-31.")
    department_id: str
    department_name_ja: str | None = Field(description="部署名; null while the department is not known here.")
    department_name_en: str | None
    project_id: str
    project_number: str = Field(description="事業番号.")
    project_title: str = Field(description="事業名.")
    outcome: ScreeningOutcome = Field(
        description="suitable (協働に適する), not_suitable (協働に適さない) or needs_study (要検討)."
    )
    forms: list[CollaborationForm] = Field(description="Forms of collaboration (協働の形態).")
    reasons_ja: str
    reasons_en: str | None
    rescreen_on: str | None = Field(description="For needs_study: the day it is screened again.")
    rescreen: str | None = Field(
        description="Once that day came: reopened_in_round (pending again in its round) or next_round."
    )
    replaces: str | None = Field(description="The decision this one corrects.")
    superseded_by: str | None = Field(description="The decision that corrects this one (null: current).")
    decided_at: str = Field(description="Asia/Tokyo.")


class RegisterPage(Page[RegisterItem]):
    pass


class ChecklistItemView(BaseModel):
    key: str
    name_ja: str
    name_en: str | None = None


class AnswerView(BaseModel):
    key: str = Field(description="The checklist item answered.")
    rating: str = Field(description="yes (該当する), partly (一部該当する) or no (該当しない).")
    reason: str


class AssessmentView(BaseModel):
    label: str = Field(description="A label shuffled per decision (A, B, …): no member is named.")
    from_owner_department: bool = Field(description="Whether the member comes from the project's department.")
    answers: list[AnswerView]


class ProjectView(BaseModel):
    """The project as it was decided (事業一覧の一行)."""

    project_id: str
    department_id: str
    fiscal_year: int
    project_number: str
    title: str
    purpose: str
    legal_basis: str
    budget_yen: int
    beneficiaries: str
    delivery: str
    period: str
    contact_section: str = Field(description="The section to contact (担当): a section, never a person.")
    group_ids: list[str] = Field(description="Civic activity groups named in the project.")


class RegisterEntryView(RegisterItem):
    round_title_ja: str | None
    round_title_en: str | None
    checklist: list[ChecklistItemView] = Field(description="The round's checklist: what the answers' keys are.")
    project: ProjectView
    self_check: list[AnswerView] = Field(description="The department's self-check (empty if none by the deadline).")
    assessments: list[AssessmentView] = Field(description="The team's assessments, under shuffled labels.")
    recusals: int = Field(description="Team members recused from this project (declared interests).")


class RoundView(BaseModel):
    round_id: str
    fiscal_year: int
    title_ja: str
    title_en: str | None
    department_ids: list[str] = Field(description="Departments whose projects of the fiscal year are screened.")
    checklist: list[ChecklistItemView]
    self_check_deadline: str = Field(description="Asia/Tokyo.")
    opened_on: str
    status: str = Field(description="open (選別中), self_check_closed (自己点検締切) or closed (終了).")
    self_check_closed_at: str | None
    closed_at: str | None
    undecided: int | None = Field(description="Projects left without a decision when the round closed.")


class RoundPage(Page[RoundView]):
    pass


class ProgressCounts(BaseModel):
    projects: int = Field(description="Projects of the round's fiscal year (screened + pending).")
    screened: int = Field(description="Decided, and not reopened by a re-screen date.")
    suitable: int = Field(description="Screened as suitable (協働に適する).")
    pending: int = Field(description="Not decided yet, or pending again after a re-screen date (未選別).")


class DepartmentProgressView(ProgressCounts):
    department_id: str
    name_ja: str | None
    name_en: str | None


class RoundProgressView(BaseModel):
    round: RoundView
    departments: list[DepartmentProgressView]
    totals: ProgressCounts


def register_item(entry: RegisterEntry) -> RegisterItem:
    return RegisterItem.model_validate(vars(entry))


def register_entry(detail: RegisterDetail) -> RegisterEntryView:
    return RegisterEntryView.model_validate(
        {
            **vars(detail.entry),
            **{k: v for k, v in vars(detail).items() if k != "entry"},
        }
    )


def round_view(found: Round) -> RoundView:
    return RoundView.model_validate(vars(found))


def _progress(found: Round, departments: list[DepartmentProgress]) -> RoundProgressView:
    fields = ("projects", "screened", "suitable", "pending")
    totals = ProgressCounts.model_validate({f: sum(getattr(d, f) for d in departments) for f in fields})
    return RoundProgressView(
        round=round_view(found),
        departments=[DepartmentProgressView.model_validate(vars(d)) for d in departments],
        totals=totals,
    )


router = service_router(prefix="/screening", tags=["screening register"])


@router.get(
    "/register",
    response_model=RegisterPage,
    responses=LINK_HEADER,
    summary="The screening register (事業の選別の結果): current decisions, the newest first",
)
def register_list(
    request: Request,
    response: Response,
    reads: RegisterReads,
    paging: Paging,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2200, description="Fiscal year (年度).")] = None,
    department_id: Annotated[UUID | None, Query(description="A department (部署).")] = None,
    outcome: Annotated[ScreeningOutcome | None, Query(description="The decision's outcome.")] = None,
    form: Annotated[CollaborationForm | None, Query(description="A form of collaboration (協働の形態).")] = None,
    include_superseded: Annotated[
        bool, Query(description="Also decisions later corrected (the corrections' history).")
    ] = False,
) -> Any:
    chosen = RegisterFilter(
        fiscal_year=fiscal_year,
        department_id=str(department_id) if department_id else None,
        outcome=outcome.value if outcome else None,
        form=form.value if form else None,
        include_superseded=include_superseded,
    )
    entries, total = reads.entries(chosen, offset=paging.offset, limit=paging.limit)
    return paginated(request, response, paging, RegisterPage, [register_item(e) for e in entries], total)


@router.get(
    "/register/{decision_id}",
    response_model=RegisterEntryView,
    summary="One decision in full: the project, self-check, labelled assessments, recusals",
)
def register_detail(decision_id: UUID, reads: RegisterReads) -> Any:
    detail = reads.entry(str(decision_id))
    if detail is None:
        raise Refusal("not_found", what="screening_decision")
    return register_entry(detail)


@router.get(
    "/rounds", response_model=RoundPage, responses=LINK_HEADER, summary="Screening rounds (選別), the latest first"
)
def rounds(request: Request, response: Response, reads: RegisterReads, paging: Paging) -> Any:
    found, total = reads.rounds(offset=paging.offset, limit=paging.limit)
    return paginated(request, response, paging, RoundPage, [round_view(r) for r in found], total)


@router.get(
    "/rounds/{round_id}/progress",
    response_model=RoundProgressView,
    summary="A round's progress per department (選別の進捗): projects, screened, suitable, pending",
)
def round_progress(round_id: UUID, reads: RegisterReads) -> Any:
    found = reads.progress(str(round_id))
    if found is None:
        raise Refusal("not_found", what="screening_round")
    return _progress(*found)
