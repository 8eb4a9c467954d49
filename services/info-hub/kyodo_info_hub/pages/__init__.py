"""The public portal of the civic activity center (こくぶんじ市民活動センター): info-hub's pages.

Every page reads info-hub's own read models and store — the directory, the calls and results, the screening
register, the evaluation reports, the survey statistics, trainings, news and open data — which the bus keeps
current; none calls another service.

`routers()`, `notices()` and `larger_bodies()` are what `main.py` hands the kit's `PageSite`; they import the page
modules when called, so importing `main` (the CLI finding the services) loads no page.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from kyodo_info_hub.pages import (
        calls,
        directory,
        evaluation,
        home,
        news,
        opendata,
        screening,
        surveys,
        trainings,
        transparency,
    )

    modules = (home, directory, calls, screening, evaluation, surveys, trainings, news, opendata, transparency)
    from kyodo_info_hub.pages import center, workspace
    from kyodo_shared.audit.pages import audit_pages  # info-hub's pages are the portal at `/`

    return [*(module.router for module in modules), *workspace.routers(), *center.routers(), audit_pages("/info-hub")]


def notices() -> dict[str, str]:
    from kyodo_info_hub.pages import center, workspace

    return {**workspace.NOTICES, **center.notices()}


def larger_bodies() -> dict[str, int]:
    from kyodo_info_hub.pages import center

    return center.larger_bodies()
