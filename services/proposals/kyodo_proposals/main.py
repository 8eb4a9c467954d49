"""Proposals composition root: `create_app(settings)` wires the kernel, the application and the routes."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from uuid import UUID

from fastapi import FastAPI

from kyodo_proposals import bus_registry, bus_screening, demo
from kyodo_proposals.api import router
from kyodo_proposals.api_proposals import router as proposals_router
from kyodo_proposals.api_review import router as review_router
from kyodo_proposals.app import CLOSE_TIMER, GATE_CHECK_TIMER, ProposalsApplication
from kyodo_proposals.app_base import SealedProposals
from kyodo_proposals.bus import to_contracts
from kyodo_proposals.index import NAME as INDEX_NAME
from kyodo_proposals.index import project_calls
from kyodo_proposals.messages import MESSAGES, TERMS
from kyodo_proposals.migrations import upgrade
from kyodo_proposals.pages import notices as page_notices
from kyodo_proposals.pages import routers as page_routers
from kyodo_proposals.pages.proposal import PROPOSAL_FORM_BYTES, PROPOSAL_FORM_PATH
from kyodo_proposals.pages.workspaces import WORKSPACES
from kyodo_proposals.registry_view import RegistryView
from kyodo_proposals.screening_view import ScreeningView
from kyodo_proposals.settings import ProposalsSettings
from kyodo_proposals.visibility import POLICY
from kyodo_shared.audit.pages import CALLS, audit_pages
from kyodo_shared.pages.site import PageSite
from kyodo_shared.runtime import Kernel, Subscription, open_foundation
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.tasks.timers import Timer
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

SERVICE_NAME = "proposals"


def sealing_key(keys_dir: Path) -> bytes:
    """The service's sealing key, beside its audit keys (outside the store); made once, on first start."""
    path = keys_dir / SERVICE_NAME / "sealing.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive create: two replicas starting together keep one key, whichever wrote it first.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    settings = settings or ProposalsSettings()

    base = open_foundation(SERVICE_NAME, settings)
    store = base.store
    # The service's own tables (the registry and screening views, the call index): its migration lineage.
    upgrade(store.db)
    extension_days = settings.amendment_extension_days if isinstance(settings, ProposalsSettings) else 7
    # The sealed proposals and their gates: tables of their own, which no relay, chain or metric reads.
    sealed = store.construct_sealed(lambda env: SealedProposals(env=env))
    app = store.construct(
        lambda env: ProposalsApplication(
            env=env,
            clock=base.clock,
            timers=store.timers,
            view=RegistryView(store.db),
            screening=ScreeningView(store.db),
            db=store.db,
            sealing_key=sealing_key(settings.audit.keys_dir),
            keys=base.keys,
            minimum_extension_days=extension_days,
            sealed=sealed,
        )
    )

    def close(timer: Timer) -> None:
        trace = {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": "system:deadline-timer"}
        app.close_due(UUID(timer.aggregate_id), trace)

    def check_gate(timer: Timer) -> None:
        app.check_gate(UUID(timer.aggregate_id))

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
            Subscription(source="registry", handlers=bus_registry.HANDLERS),
            Subscription(source="screening", handlers=bus_screening.HANDLERS),
        ],
        read_models=[*bus_registry.READ_MODELS, *bus_screening.READ_MODELS],
        projections={INDEX_NAME: project_calls},
        timer_actions={CLOSE_TIMER: close, GATE_CHECK_TIMER: check_gate},
        sealed=sealed,
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo proposals (協働事業提案)",
        description="Calls for proposals, sealed proposals, the review board, decisions by published rules.",
        routers=[router, proposals_router, review_router],
        messages=MessageTable(MESSAGES, terms=TERMS),
        # How many submissions, revisions, withdrawals or reads there were is sealed information too.
        unmetered=["/calls/{call_id}/proposals"],
        pages=PageSite(
            service=SERVICE_NAME,
            package="kyodo_proposals",
            routers=[*page_routers(), audit_pages("/proposals", recompute=CALLS)],
            prefix="/proposals",
            workspaces=WORKSPACES,
            notices=page_notices(),
            # The group's proposal page and its forms (submit, revise, withdraw, receipt): sealed as the API's are.
            unmetered=["/proposals/calls/{call_id}/proposal"],
            # The proposal form carries its attachments as files: each up to the API's limit, with room for the
            # text fields and the multipart framing.
            larger_bodies={PROPOSAL_FORM_PATH: PROPOSAL_FORM_BYTES},
        ),
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=ProposalsSettings,
    create_app=create_app,
    application_name=ProposalsApplication.name,
    pg_schema="proposals",
    demo=demo.seed,
    demo_order=20,
)
