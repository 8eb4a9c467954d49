"""info-hub composition root: `create_app(settings)` wires the kernel, the read models fed from the bus, and the
public routes — all through constructors, nothing set on an object afterwards.
"""

from __future__ import annotations

from fastapi import FastAPI

from kyodo_info_hub.api import routers
from kyodo_info_hub.api_evaluation import routers as evaluation_routers
from kyodo_info_hub.api_register import router as register_router
from kyodo_info_hub.app import InfoHubApplication
from kyodo_info_hub.bus import READ_MODELS, SUBSCRIPTIONS
from kyodo_info_hub.messages import TERMS
from kyodo_info_hub.migrations import upgrade
from kyodo_info_hub.open_register import routers as open_register_routers
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.runtime import Kernel, open_foundation
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

SERVICE_NAME = "info-hub"


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    settings = settings or InfoHubSettings()
    base = open_foundation(SERVICE_NAME, settings)
    upgrade(base.store.db)  # the read models' tables: info-hub's migration lineage
    app = base.store.construct(lambda env: InfoHubApplication(env=env))
    kernel = Kernel(
        service=SERVICE_NAME,
        settings=settings,
        store=base.store,
        application=app,
        service_clock=base.clock,
        replica=base.replica,
        keys=base.keys,
        subscriptions=list(SUBSCRIPTIONS),
        read_models=list(READ_MODELS),
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo info-hub (こくぶんじ市民活動センター)",
        description=(
            "The civic activity center's public portal: the group directory, open calls, the screening register "
            "(事業の選別の結果), collaboration projects and their evaluation reports (協働事業と評価結果), open data."
        ),
        routers=[*routers, register_router, *open_register_routers, *evaluation_routers],
        messages=MessageTable(terms=TERMS),
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=InfoHubSettings,
    create_app=create_app,
    application_name=InfoHubApplication.name,
    pg_schema="info_hub",
)
