"""Evaluation composition root: `create_app(settings)` wires the kernel, the application and the routes."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from kyodo_evaluation import demo
from kyodo_evaluation.api import ROUTERS
from kyodo_evaluation.app import EvaluationApplication
from kyodo_evaluation.app_base import (
    END_TIMER,
    REPORT_DUE_TIMER,
    REPORT_REMINDER_TIMER,
    SELF_DEADLINE_TIMER,
    SELF_REMINDER_TIMER,
)
from kyodo_evaluation.bus import to_contracts
from kyodo_evaluation.bus_registry import HANDLERS as REGISTRY_HANDLERS
from kyodo_evaluation.bus_registry import READ_MODELS
from kyodo_evaluation.bus_sources import CREATE_TIMER, PROPOSALS_HANDLERS, SCREENING_HANDLERS, SOURCE_READ_MODELS
from kyodo_evaluation.index import NAME as INDEX_NAME
from kyodo_evaluation.index import project_index
from kyodo_evaluation.messages import MESSAGES
from kyodo_evaluation.migrations import upgrade
from kyodo_evaluation.pages import notices as page_notices
from kyodo_evaluation.pages import routers as page_routers
from kyodo_evaluation.pages.workspaces import WORKSPACES
from kyodo_evaluation.registry_view import RegistryView
from kyodo_evaluation.settings import EvaluationSettings
from kyodo_evaluation.sources_view import SourcesView
from kyodo_evaluation.visibility import POLICY
from kyodo_shared.audit.pages import PROJECTS, audit_pages
from kyodo_shared.pages.site import PageSite
from kyodo_shared.runtime import Kernel, Subscription, open_foundation
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.tasks.timers import Action, Timer
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

SERVICE_NAME = "evaluation"


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    settings = settings or EvaluationSettings()

    base = open_foundation(SERVICE_NAME, settings)
    store = base.store
    upgrade(store.db)  # the service's own tables (read models, query tables): its migration lineage
    app = store.construct(
        lambda env: EvaluationApplication(
            env=env,
            clock=base.clock,
            timers=store.timers,
            view=RegistryView(store.db),
            sources=SourcesView(store.db),
            keys=base.keys,
        )
    )

    def trace_of(timer: Timer, actor: str) -> dict[str, str]:
        return {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": actor}

    def project_of(timer: Timer) -> UUID:
        return UUID(timer.aggregate_id)

    def create(timer: Timer) -> None:
        app.create_from_adoption(project_of(timer), timer.payload, trace_of(timer, "system:adoption"))

    actions: dict[str, Action] = {
        CREATE_TIMER: create,
        REPORT_REMINDER_TIMER: lambda t: app.remind_report(project_of(t), t.payload["due_on"]),
        REPORT_DUE_TIMER: lambda t: app.report_due(project_of(t), t.payload["due_on"]),
        END_TIMER: lambda t: app.end_project(project_of(t), t.payload["period_end"]),
        SELF_REMINDER_TIMER: lambda t: app.remind_self_evaluations(project_of(t)),
        SELF_DEADLINE_TIMER: lambda t: app.self_evaluation_deadline(project_of(t)),
    }
    kernel = Kernel(
        service=SERVICE_NAME,
        settings=settings,
        store=store,
        application=app,
        service_clock=base.clock,
        replica=base.replica,
        keys=base.keys,
        mapper=to_contracts,
        visibility=POLICY,
        subscriptions=[
            Subscription(source="registry", handlers=REGISTRY_HANDLERS),
            Subscription(source="proposals", handlers=PROPOSALS_HANDLERS),
            Subscription(source="screening", handlers=SCREENING_HANDLERS),
        ],
        read_models=[*READ_MODELS, *SOURCE_READ_MODELS],
        projections={INDEX_NAME: project_index},
        timer_actions=actions,
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo evaluation (評価制度)",
        description="Collaboration projects: agreements, indicators, progress, self-evaluations and the committee's "
        "evaluation, published and linked to the selection.",
        routers=ROUTERS,
        messages=MessageTable(MESSAGES),
        pages=PageSite(
            service=SERVICE_NAME,
            package="kyodo_evaluation",
            routers=[*page_routers(), audit_pages("/evaluation", recompute=PROJECTS)],
            prefix="/evaluation",
            workspaces=WORKSPACES,
            notices=page_notices(),
        ),
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=EvaluationSettings,
    create_app=create_app,
    application_name=EvaluationApplication.name,
    pg_schema="evaluation",
    demo=demo.seed,
    demo_order=40,
)
