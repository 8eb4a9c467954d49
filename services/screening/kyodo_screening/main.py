"""Screening composition root: `create_app(settings)` wires the kernel, the application and the routes."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from kyodo_screening import demo
from kyodo_screening.api import ROUTERS
from kyodo_screening.app import CLOSE_TIMER, RESCREEN_TIMER, SELF_CHECK_TIMER, YEAR_END_TIMER, ScreeningApplication
from kyodo_screening.bus import to_contracts
from kyodo_screening.bus_evaluation import HANDLERS as EVALUATION_HANDLERS
from kyodo_screening.bus_evaluation import READ_MODELS as EVALUATION_READ_MODELS
from kyodo_screening.bus_registry import HANDLERS, READ_MODELS
from kyodo_screening.index import NAME as INDEX_NAME
from kyodo_screening.index import project_index
from kyodo_screening.messages import MESSAGES
from kyodo_screening.migrations import upgrade
from kyodo_screening.pages import notices as page_notices
from kyodo_screening.pages import routers as page_routers
from kyodo_screening.pages.workspaces import WORKSPACES
from kyodo_screening.registry_view import RegistryView
from kyodo_screening.settings import (
    CSV_IMPORT_PAGE,
    CSV_IMPORT_PATH,
    CSV_LIMIT_BYTES,
    FORM_OVERHEAD_BYTES,
    ScreeningSettings,
)
from kyodo_screening.visibility import POLICY
from kyodo_shared.audit.pages import audit_pages
from kyodo_shared.pages.site import PageSite
from kyodo_shared.runtime import Kernel, Subscription, open_foundation
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.tasks.timers import Timer
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

SERVICE_NAME = "screening"


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    settings = settings or ScreeningSettings()

    base = open_foundation(SERVICE_NAME, settings)
    store = base.store
    upgrade(store.db)  # the service's own tables (the registry view, the query tables): its migration lineage
    app = store.construct(
        lambda env: ScreeningApplication(
            env=env, clock=base.clock, timers=store.timers, view=RegistryView(store.db), db=store.db
        )
    )

    def trace_of(timer: Timer, actor: str) -> dict[str, str]:
        return {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": actor}

    def close_self_check(timer: Timer) -> None:
        app.close_self_check(UUID(timer.aggregate_id), trace_of(timer, "system:self-check-deadline"))

    def rescreen(timer: Timer) -> None:
        app.rescreen_due(UUID(timer.aggregate_id), trace_of(timer, "system:rescreen-timer"))

    def close(timer: Timer) -> None:
        app.finish_close(UUID(timer.aggregate_id), trace_of(timer, "system:round-close-timer"))

    def year_end(timer: Timer) -> None:
        app.close_at_year_end(UUID(timer.aggregate_id), trace_of(timer, "system:year-end-timer"))

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
            Subscription(source="registry", handlers=HANDLERS),
            Subscription(source="evaluation", handlers=EVALUATION_HANDLERS),
        ],
        read_models=[*READ_MODELS, *EVALUATION_READ_MODELS],
        projections={INDEX_NAME: project_index},
        timer_actions={
            SELF_CHECK_TIMER: close_self_check,
            RESCREEN_TIMER: rescreen,
            CLOSE_TIMER: close,
            YEAR_END_TIMER: year_end,
        },
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo screening (事業の選別)",
        description="The city's existing projects screened for collaboration: inventory, rounds, decisions.",
        routers=ROUTERS,
        messages=MessageTable(MESSAGES),
        larger_bodies={CSV_IMPORT_PATH: CSV_LIMIT_BYTES},
        pages=PageSite(
            service=SERVICE_NAME,
            package="kyodo_screening",
            routers=[*page_routers(), audit_pages("/screening")],
            prefix="/screening",
            workspaces=WORKSPACES,
            notices=page_notices(),
            # The import page's multipart post: the CSV and a few small fields.
            larger_bodies={CSV_IMPORT_PAGE: CSV_LIMIT_BYTES + FORM_OVERHEAD_BYTES},
        ),
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=ScreeningSettings,
    create_app=create_app,
    application_name=ScreeningApplication.name,
    pg_schema="screening",
    demo=demo.seed,
    demo_order=30,
)
