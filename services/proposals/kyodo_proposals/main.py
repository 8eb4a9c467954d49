"""Proposals composition root: `create_app(settings)` wires the kernel, the application and the routes."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from kyodo_proposals.api import router
from kyodo_proposals.api_proposals import router as proposals_router
from kyodo_proposals.api_review import router as review_router
from kyodo_proposals.app import CLOSE_TIMER, ProposalsApplication
from kyodo_proposals.bus import to_contracts
from kyodo_proposals.index import NAME as INDEX_NAME
from kyodo_proposals.index import migrate_index, project_calls
from kyodo_proposals.registry_view import HANDLERS, READ_MODELS, RegistryView, migrate_registry_view
from kyodo_proposals.settings import ProposalsSettings
from kyodo_proposals.visibility import POLICY
from kyodo_shared.runtime import Kernel, Subscription
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.tasks.timers import Timer
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier

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

    def close(timer: Timer) -> None:
        trace = {"correlation_id": timer.timer_id, "causation_id": timer.timer_id, "actor": "system:deadline-timer"}
        kernel.application.close_due(UUID(timer.aggregate_id), trace)

    kernel = Kernel(
        service=SERVICE_NAME,
        settings=settings,
        application_factory=lambda env: ProposalsApplication(env=env),
        mapper=to_contracts,
        visibility=POLICY,
        subscriptions=[Subscription(source="registry", handlers=HANDLERS)],
        migrations=[migrate_registry_view, migrate_index],
        read_models=READ_MODELS,
        projections={INDEX_NAME: project_calls},
        timer_actions={CLOSE_TIMER: close},
    )
    app = kernel.application
    app.clock = lambda: kernel.clock()
    app.timers = kernel.timers
    app.view = RegistryView(kernel.db)
    app.sealing_key = sealing_key(settings.audit.keys_dir)

    def receipt_key() -> tuple[Ed25519PrivateKey, str]:
        ring = kernel.keys_ring()
        return ring.private(ring.active), ring.active

    app.receipt_key = receipt_key
    app.published_keys = kernel.published_keys
    if isinstance(settings, ProposalsSettings):
        app.minimum_extension_days = settings.amendment_extension_days
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo proposals (協働事業提案)",
        description="Calls for proposals, sealed proposals, the review board, decisions by published rules.",
        routers=[router, proposals_router, review_router],
        # How many submissions, revisions, withdrawals or reads there were is sealed information too.
        unmetered=["/calls/{call_id}/proposals"],
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=ProposalsSettings,
    create_app=create_app,
    application_name=ProposalsApplication.name,
    pg_schema="proposals",
)
