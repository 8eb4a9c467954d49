"""The center's programmes, for its coordinators: `/center` lists them (`home.py`, from `pages/workspaces.py`);
each programme's pages live in their own modules under `/center/<programme>…`, calling the same application
methods as the API routes.

- `/center/news…`: drafts, attachments, scheduling, publish, corrections (`news*.py`), as `api_news.py`.
- `/center/exchange…`: topics, comment period, publish, answers, minutes (`exchange*.py`), as `api_exchange.py`.
- `/center/trainings…` and `/center/surveys…`: their own modules, added to PROGRAMMES below.
- Coordination cases stay at `/me/cases` (`pages/workspace/cases*.py`).

A programme module has a `router` and may have a `NOTICES` table (key → N_-marked English msgid), merged here.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import cast

from fastapi import APIRouter

# The modules of `kyodo_info_hub.pages.center` with a `router`: one line per programme.
PROGRAMMES: tuple[str, ...] = (
    "home",  # /center
    "trainings",  # /center/trainings… (its forms: trainings_actions.py)
    "cases_figures",  # /center/cases/figures: the coordination window's monthly figures
    "surveys",  # /center/surveys, /center/surveys/new, /center/surveys/{id}[/edit]
    "surveys_actions",  # the forms of /center/surveys/{id}
    "news",  # /center/news, /center/news/new, /center/news/{id}
    "news_actions",  # the forms of /center/news/{id}
    "exchange",  # /center/exchange, /center/exchange/new, /center/exchange/{id}
    "exchange_actions",  # the forms of /center/exchange/{id}
)

# Status messages the center's forms redirect with (`?done=<key>`) besides the programmes' own NOTICES.
NOTICES: dict[str, str] = {}


def _modules() -> list[ModuleType]:
    return [import_module(f"{__name__}.{name}") for name in PROGRAMMES]


def routers() -> list[APIRouter]:
    return [cast(APIRouter, module.router) for module in _modules()]


def notices() -> dict[str, str]:
    merged = dict(NOTICES)
    for module in _modules():
        merged.update(cast(dict[str, str], getattr(module, "NOTICES", {})))
    return merged
