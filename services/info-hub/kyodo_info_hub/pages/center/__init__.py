"""The center's programmes, for its coordinators: `/center` lists them (`home.py`, from `pages/workspaces.py`);
each programme's pages live in their own modules under `/center/<programme>…`, calling the same application
methods as the API routes.

- `/center/news…`: drafts, attachments, scheduling, publish, corrections (`news*.py`), as `api_news.py`.
- `/center/exchange…`: topics, comment period, publish, answers, minutes (`exchange*.py`), as `api_exchange.py`.
- `/center/trainings…` (its forms: `trainings_actions.py`, included by `trainings.py`) and `/center/surveys…`.
- `/center/cases/figures`: the coordination window's monthly figures; the cases themselves stay at `/me/cases`
  (`pages/workspace/cases*.py`).

A programme module has a `router` and may have a `NOTICES` table (key → N_-marked English msgid): each is named
below, imported when the pages app is built (not when `main` is imported), as `pages/workspace/__init__.py` does.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every programme's routes, one module a line."""
    from kyodo_info_hub.pages.center import (
        cases_figures,
        exchange,
        exchange_actions,
        home,
        news,
        news_actions,
        surveys,
        surveys_actions,
        trainings,
    )

    return [
        home.router,  # /center
        trainings.router,  # /center/trainings… (with trainings_actions' forms)
        cases_figures.router,  # /center/cases/figures
        surveys.router,  # /center/surveys, /center/surveys/new, /center/surveys/{id}[/edit]
        surveys_actions.router,  # the forms of /center/surveys/{id}
        news.router,  # /center/news, /center/news/new, /center/news/{id}
        news_actions.router,  # the forms of /center/news/{id}
        exchange.router,  # /center/exchange, /center/exchange/new, /center/exchange/{id}
        exchange_actions.router,  # the forms of /center/exchange/{id}
    ]


def notices() -> dict[str, str]:
    """The status messages the programmes' forms redirect with (`?done=<key>`), from the modules that have them."""
    from kyodo_info_hub.pages.center import cases_figures, exchange, news, surveys, trainings

    tables = (trainings.NOTICES, cases_figures.NOTICES, surveys.NOTICES, news.NOTICES, exchange.NOTICES)
    return {key: msgid for table in tables for key, msgid in table.items()}


def larger_bodies() -> dict[str, int]:
    """The page paths whose forms may exceed the pages' default body limit: a news attachment's upload."""
    from kyodo_info_hub.pages.center import news_actions

    return {news_actions.ATTACHMENT_PAGE_PATH: news_actions.ATTACHMENT_FORM_BYTES}
