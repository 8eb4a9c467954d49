"""Collaboration projects and evaluation reports on the portal (協働事業と評価結果): the projects with their
agreements and public timelines, and the published reports. Anyone may read them.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from kyodo_contracts.evaluation import Recommendation
from kyodo_info_hub.evaluation import CallProject, Evaluations, ProjectFilter, ReportSummary
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.routes import service_router


def evaluations(request: Request) -> Evaluations:
    return Evaluations(request.app.state.kernel.db)


EvaluationReads = Annotated[Evaluations, Depends(evaluations)]

RecommendationField = Field(
    description="expand (継続・拡充), improve (改善して継続), independent (自主事業化) or end (終了)."
)


class CollaborationProjectView(BaseModel):
    id: str
    source: str = Field(description="adoption (提案の採択) or screening (事業の選別).")
    group_id: str
    group_name: str | None = Field(description="団体名; null while the group is not in the directory.")
    department_id: str
    department_name_ja: str | None = Field(description="部署名; null while the department is not known here.")
    department_name_en: str | None
    title_ja: str
    call_id: str | None = Field(description="The call whose adopted proposal it is (募集).")
    proposal_id: str | None
    screening_decision_id: str | None = Field(description="The screening decision it follows (選別結果).")
    screening_project_id: str | None
    form: str | None = Field(description="For a screening source: the form of collaboration (協働の形態).")
    criteria: list[dict[str, Any]] = Field(description="The published evaluation criteria (評価項目).")
    created_at: str = Field(description="Asia/Tokyo.")
    stage: str = Field(
        description="created (開始), agreed (協定締結), ended (事業終了), under_evaluation (評価中) "
        "or reported (評価公表)."
    )
    recommendation: Recommendation | None = Field(description="Once the report is published.")


class CollaborationProjectPage(Page[CollaborationProjectView]):
    pass


class AgreementView(BaseModel):
    version: int = Field(description="1 = the first agreement; higher = amendments (協定の変更).")
    agreement_hash: str
    agreement: dict[str, Any] = Field(description="Roles, budget, period, deliverables, indicators, report dates.")
    amendment_reason: str | None
    concluded_at: str = Field(description="Asia/Tokyo.")


class TimelineView(BaseModel):
    sequence: int = Field(description="The evaluation stream's sequence: the timeline's order.")
    kind: str = Field(
        description="project_created, criteria_set, agreement_concluded, agreement_amended, report_filed, "
        "report_overdue, project_ended, self_evaluations_unsealed, committee_opened, committee_substitute_added or "
        "report_published."
    )
    at: str = Field(description="Asia/Tokyo.")
    detail: dict[str, Any]


class CollaborationProjectDetail(CollaborationProjectView):
    agreement: AgreementView | None = Field(description="The latest concluded version; null before the first.")
    timeline: list[TimelineView]


class ReportItem(BaseModel):
    project_id: str
    title_ja: str | None
    group_id: str
    department_id: str
    call_id: str | None
    proposal_id: str | None
    screening_decision_id: str | None
    screening_project_id: str | None
    recommendation: Recommendation = RecommendationField
    overall_mean: str = Field(description="Exact fraction 'n/d'.")
    agreement_version: int
    published_at: str = Field(description="Asia/Tokyo.")


class ReportPage(Page[ReportItem]):
    pass


class ReportView(ReportItem):
    report: dict[str, Any] = Field(
        description="The report as published: agreement, indicators, self-evaluations, labelled evaluations, means, "
        "recusals, recommendation and reasons."
    )


class CallProjectView(BaseModel):
    proposal_id: str
    project_id: str
    recommendation: Recommendation | None = Field(description="Once the project's report is published.")
    report_published_at: str | None


def call_project(found: CallProject) -> CallProjectView:
    return CallProjectView.model_validate(vars(found))


def _report_item(found: ReportSummary) -> ReportItem:
    return ReportItem.model_validate(vars(found))


def _filter(group_id: UUID | None, department_id: UUID | None, recommendation: Recommendation | None) -> ProjectFilter:
    return ProjectFilter(
        group_id=str(group_id) if group_id else None,
        department_id=str(department_id) if department_id else None,
        recommendation=recommendation.value if recommendation else None,
    )


GroupId = Annotated[UUID | None, Query(description="A group (団体).")]
DepartmentId = Annotated[UUID | None, Query(description="A department (部署).")]
ChosenRecommendation = Annotated[Recommendation | None, Query(description="The published recommendation.")]

router = service_router(prefix="/collaboration-projects", tags=["collaboration projects"])


@router.get(
    "",
    response_model=CollaborationProjectPage,
    responses=LINK_HEADER,
    summary="Collaboration projects (協働事業), the newest first",
)
def project_list(
    request: Request,
    response: Response,
    reads: EvaluationReads,
    paging: Paging,
    group_id: GroupId = None,
    department_id: DepartmentId = None,
    recommendation: ChosenRecommendation = None,
) -> Any:
    found, total = reads.projects(
        _filter(group_id, department_id, recommendation), offset=paging.offset, limit=paging.limit
    )
    items = [
        CollaborationProjectView(id=p.project_id, **{k: v for k, v in vars(p).items() if k != "project_id"})
        for p in found
    ]
    return paginated(request, response, paging, CollaborationProjectPage, items, total)


@router.get(
    "/{project_id}",
    response_model=CollaborationProjectDetail,
    summary="One project: its latest agreement and its public timeline (経過)",
)
def project_detail(project_id: UUID, reads: EvaluationReads) -> Any:
    found = reads.project(str(project_id))
    if found is None:
        raise Refusal("not_found", what="collaboration_project")
    fields = {k: v for k, v in vars(found.project).items() if k != "project_id"}
    return CollaborationProjectDetail(
        id=found.project.project_id,
        **fields,
        agreement=AgreementView.model_validate(vars(found.agreement)) if found.agreement else None,
        timeline=[TimelineView.model_validate(vars(t)) for t in found.timeline],
    )


reports_router = service_router(prefix="/evaluation-reports", tags=["collaboration projects"])


@reports_router.get(
    "",
    response_model=ReportPage,
    responses=LINK_HEADER,
    summary="Published evaluation reports (評価結果), the latest first",
)
def report_list(
    request: Request,
    response: Response,
    reads: EvaluationReads,
    paging: Paging,
    group_id: GroupId = None,
    department_id: DepartmentId = None,
    recommendation: ChosenRecommendation = None,
    call_id: Annotated[UUID | None, Query(description="A call (募集): its adopted proposals' reports.")] = None,
) -> Any:
    found, total = reads.reports(
        _filter(group_id, department_id, recommendation),
        call_id=str(call_id) if call_id else None,
        offset=paging.offset,
        limit=paging.limit,
    )
    return paginated(request, response, paging, ReportPage, [_report_item(r) for r in found], total)


@reports_router.get(
    "/{project_id}",
    response_model=ReportView,
    summary="One project's evaluation report in full, linked to its call, proposal and screening decision",
)
def report_detail(project_id: UUID, reads: EvaluationReads) -> Any:
    found = reads.report(str(project_id))
    if found is None:
        raise Refusal("not_found", what="evaluation_report")
    summary, body = found
    return ReportView(**vars(summary), report=body)


routers = [router, reports_router]
