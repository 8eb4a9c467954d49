"""info-hub composition root: the directory read model fed by registry's events."""

from __future__ import annotations

from fastapi import FastAPI

from kyodo_info_hub import calls, opendata
from kyodo_info_hub.api import calls_router, open_data, router
from kyodo_info_hub.app import InfoHubApplication
from kyodo_info_hub.directory import BATCH_HANDLERS, HANDLERS, migrate_directory
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.runtime import Kernel, Subscription
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier

SERVICE_NAME = "info-hub"


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    settings = settings or InfoHubSettings()
    kernel = Kernel(
        service=SERVICE_NAME,
        settings=settings,
        application_factory=lambda env: InfoHubApplication(env=env),
        subscriptions=[
            Subscription(source="registry", handlers=HANDLERS, batch_handlers=BATCH_HANDLERS),
            Subscription(source="checkpoints", handlers=opendata.HANDLERS),
            Subscription(source="proposals", handlers=calls.HANDLERS),
        ],
        migrations=[migrate_directory, opendata.migrate_open_data, calls.migrate_calls],
        read_models=["directory_groups", "open_checkpoints", "open_keys", *calls.READ_MODELS],
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo info-hub (こくぶんじ市民活動センター)",
        description="The civic activity center's public portal: the group directory, open calls, open data.",
        routers=[router, open_data, calls_router],
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=InfoHubSettings,
    create_app=create_app,
    application_name=InfoHubApplication.name,
    pg_schema="info_hub",
)
