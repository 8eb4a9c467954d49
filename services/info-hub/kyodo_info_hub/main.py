"""info-hub composition root: `create_app(settings)` wires the kernel, the center's application (news, trainings,
the coordination window, opinion exchange), the read models fed from the bus, and the routes — all through
constructors, nothing set on an object afterwards.
"""

from __future__ import annotations

from fastapi import FastAPI

from kyodo_info_hub import (
    api_cases,
    api_exchange,
    api_news,
    api_surveys,
    api_trainings,
    cases_index,
    news_index,
    opendata_api,
    surveys_index,
    trainings_index,
)
from kyodo_info_hub.api import routers
from kyodo_info_hub.api_evaluation import routers as evaluation_routers
from kyodo_info_hub.api_register import router as register_router
from kyodo_info_hub.app import InfoHubApplication
from kyodo_info_hub.bus import READ_MODELS, SUBSCRIPTIONS
from kyodo_info_hub.bus_center import OUTBOUND, POLICY
from kyodo_info_hub.demo import seed as seed_demo
from kyodo_info_hub.messages import MESSAGES, TERMS
from kyodo_info_hub.migrations import upgrade
from kyodo_info_hub.open_register import routers as open_register_routers
from kyodo_info_hub.pages import larger_bodies as page_larger_bodies
from kyodo_info_hub.pages import notices as page_notices
from kyodo_info_hub.pages import routers as page_routers
from kyodo_info_hub.people_view import PeopleView
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.pages.site import PageSite
from kyodo_shared.runtime import Kernel, open_foundation
from kyodo_shared.service import ServiceSpec
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.app import create_service_app
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.messages import MessageTable

SERVICE_NAME = "info-hub"


def create_app(settings: KernelSettings | None = None, verifier: JwksVerifier | None = None) -> FastAPI:
    settings = settings or InfoHubSettings()
    center = settings.center if isinstance(settings, InfoHubSettings) else InfoHubSettings().center
    base = open_foundation(SERVICE_NAME, settings)
    store = base.store
    upgrade(store.db)  # the read models' and query tables: info-hub's migration lineage
    app = store.construct(
        lambda env: InfoHubApplication(
            env=env,
            db=store.db,
            clock=base.clock,
            timers=store.timers,
            vault=store.vault,
            people=PeopleView(store.db),
            center=center,
        )
    )
    kernel = Kernel(
        service=SERVICE_NAME,
        settings=settings,
        store=store,
        application=app,
        service_clock=base.clock,
        replica=base.replica,
        keys=base.keys,
        mapper=OUTBOUND,
        visibility=POLICY,
        subscriptions=list(SUBSCRIPTIONS),
        read_models=list(READ_MODELS),
        projections={
            **news_index.PROJECTIONS,
            **trainings_index.PROJECTIONS,
            **cases_index.PROJECTIONS,
            **surveys_index.PROJECTIONS,
        },
        timer_actions={
            **app.news_timer_actions(),
            **app.exchange_timer_actions(),
            **app.training_timer_actions(),
            **app.case_timer_actions(),
            **app.survey_timer_actions(),
        },
    )
    return create_service_app(
        kernel=kernel,
        verifier=verifier or JwksVerifier(settings.auth),
        title="Kyodo info-hub (こくぶんじ市民活動センター)",
        description=(
            "The civic activity center: news (お知らせ), trainings and courses (研修会・講座), the coordination window "
            "(総合的な窓口), opinion exchange (意見交換); and the public portal: the group directory, open calls, the "
            "screening register (事業の選別の結果), collaboration projects and their evaluation reports "
            "(協働事業と評価結果), open data."
        ),
        routers=[
            *routers,
            register_router,
            *open_register_routers,
            *evaluation_routers,
            *api_news.ROUTERS,
            *api_exchange.ROUTERS,
            *api_trainings.ROUTERS,
            *api_cases.ROUTERS,
            *api_surveys.ROUTERS,
            *opendata_api.ROUTERS,
        ],
        messages=MessageTable(*MESSAGES, terms=TERMS),
        # A news attachment is uploaded as base64 JSON of up to 5 MiB.
        larger_bodies={api_news.ATTACHMENT_PATH: 7 * 1024 * 1024},
        pages=PageSite(
            service=SERVICE_NAME,
            package="kyodo_info_hub",
            routers=page_routers(),
            prefix="",
            notices=page_notices(),
            larger_bodies=page_larger_bodies(),  # a news attachment's upload form
        ),
    )


SERVICE = ServiceSpec(
    name=SERVICE_NAME,
    settings_type=InfoHubSettings,
    create_app=create_app,
    application_name=InfoHubApplication.name,
    pg_schema="info_hub",
    # After evaluation's (40): the center's demo reads the registry's groups and screening's departments.
    demo=seed_demo,
    demo_order=50,
)
