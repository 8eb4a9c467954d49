"""Portal pages: open data (オープンデータ) — every dataset of the catalogue with its formats (CSV, JSON), licence
and update time, the feeds, and each dataset's data dictionary (項目定義) as a table.

Both read the API's own routes' functions (`opendata_api.datasets_catalogue`, `dataset_dictionary`), so the page
says what the API says; links are the API's paths on this origin.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.opendata_api import API_PATH, Catalogue, DatasetEntry, dataset_dictionary, datasets_catalogue
from kyodo_info_hub.pages.home import localized, when
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()
DATASETS = f"{API_PATH}/open-data/datasets"


def _local(request: Request, url: str) -> str:
    """An API URL the catalogue names on the public origin, as a path on this origin."""
    base = f"{request.app.state.kernel.settings.center.public_url.rstrip('/')}{API_PATH}"
    return API_PATH + url[len(base) :] if url.startswith(base) else url


def _dataset(request: Request, d: DatasetEntry) -> dict[str, Any]:
    return {
        "name": d.name,
        "title": localized(request, d.title_ja, d.title_en),
        "title_ja": d.title_ja,
        "title_en": d.title_en,
        "description": localized(request, d.description_ja, d.description_en),
        "standard": d.standard,
        "updated_at": when(d.updated_at),
        "formats": [
            {"format": f.format, "media_type": f.media_type, "href": _local(request, f.url)} for f in d.distributions
        ],
        "page": f"/open-data/{d.name}",
        "dictionary_json": _local(request, d.dictionary_url),
    }


def _common(request: Request, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "publisher": localized(request, catalogue.publisher_ja, catalogue.publisher_en),
        "licence": catalogue.licence,
        "conventions": localized(request, catalogue.conventions_ja, catalogue.conventions_en),
    }


@router.get("/open-data")
def open_data(request: Request) -> HTMLResponse:
    catalogue = datasets_catalogue(request)
    context = {
        **_common(request, catalogue),
        "datasets": [_dataset(request, d) for d in catalogue.datasets],
        "feeds": [{"title": f.title_ja, "href": _local(request, f.url)} for f in catalogue.feeds],
        "catalogue_json": DATASETS,
    }
    return render(request, "portal/open_data.html", context)


@router.get("/open-data/{name}")
def open_data_dataset(name: str, request: Request) -> HTMLResponse:
    dictionary = dataset_dictionary(name, request)
    context = {
        "dataset": _dataset(request, dictionary),
        "fields": [f.model_dump() for f in dictionary.fields],
        "publisher": localized(request, dictionary.publisher_ja, dictionary.publisher_en),
        "licence": dictionary.licence,
        "conventions": localized(request, dictionary.conventions_ja, dictionary.conventions_en),
    }
    return render(request, "portal/open_data_dataset.html", context)
