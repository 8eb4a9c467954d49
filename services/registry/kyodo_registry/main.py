"""Registry composition root: `create_app(settings)` constructs the store, the application, the kernel and the
routes, each with its dependencies as constructor arguments; nothing is set on them afterwards."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from kyodo_registry import demo
from kyodo_registry.api import router
from kyodo_registry.api_lifecycle import router as lifecycle_router
from kyodo_registry.api_people import router as people_router
from kyodo_registry.app import LAPSE_TIMER, RegistryApplication
from kyodo_registry.bus import to_contracts
from kyodo_registry.documents import DocumentStore
from kyodo_registry.index import NAME as INDEX_NAME
from kyodo_registry.index import project_groups
from kyodo_registry.messages import MESSAGES, TERMS
from kyodo_registry.migrations import upgrade
from kyodo_registry.org.api import routers as org_routers
from kyodo_registry.pages import notices as page_notices
from kyodo_registry.pages import routers as page_routers
from kyodo_registry.pages.workspaces import WORKSPACES
from kyodo_registry.settings import (
    BYLAWS_API_PATHS,
    BYLAWS_FORM_BYTES,
    BYLAWS_JSON_BYTES,
    BYLAWS_PAGE_PATHS,
    RegistrySettings,
)
from kyodo_registry.visibility import POLICY
from kyodo_shared.audit.pages import audit_pages
from kyodo_shared.pages.site import PageSite
from kyodo_shared.runtime import Kernel, open_foundation
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.tasks.timers import Timer
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

SERVICE_NAME = "registry"


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    """Everything the registry runs on, constructed in order: store, application, kernel, routes."""
    settings = settings or RegistrySettings()
    base = open_foundation(SERVICE_NAME, settings)
    store = base.store
    upgrade(store.db)  # the registry's own tables (documents, group index): its migration lineage
    documents = DocumentStore(store.db)
    app = store.construct(
        lambda env: RegistryApplication(
            env=env, vault=store.vault, clock=base.clock, timers=store.timers, documents=documents, db=store.db
        )
    )

    def lapse(timer: Timer) -> None:
        trace = {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": "system:renewal-timer"}
        app.lapse_overdue(UUID(timer.aggregate_id), str(timer.payload["due"]), trace)

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
        projections={INDEX_NAME: project_groups},
        timer_actions={LAPSE_TIMER: lapse},
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo registry (団体登録)",
        description="Civic activity groups, their registration against the six criteria, and who represents them.",
        routers=[router, lifecycle_router, people_router, *org_routers],
        messages=MessageTable(MESSAGES, terms=TERMS),
        # The bylaws travel inside these bodies: base64 in the API's JSON, a file in the pages' multipart forms.
        larger_bodies={BYLAWS_API_PATHS: BYLAWS_JSON_BYTES},
        pages=PageSite(
            service=SERVICE_NAME,
            package="kyodo_registry",
            routers=[*page_routers(), audit_pages("/registry")],
            prefix="/registry",
            workspaces=WORKSPACES,
            notices=page_notices(),
            larger_bodies={BYLAWS_PAGE_PATHS: BYLAWS_FORM_BYTES},
        ),
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=RegistrySettings,
    create_app=create_app,
    application_name=RegistryApplication.name,
    pg_schema="registry",
    demo=demo.seed,
    demo_order=10,
)
