"""Open data (オープンデータ) routes: the catalogue, each dataset as CSV and JSON, its data dictionary, and the
Atom feeds of calls and results. Anyone may read them.

- `GET /open-data/datasets`: the catalogue — every dataset with its titles, formats' URLs, dictionary, licence and
  update time;
- `GET /open-data/datasets/{name}.csv`: the whole dataset as CSV (UTF-8 with BOM, CRLF; `opendata_csv`), streamed;
- `GET /open-data/datasets/{name}.json`: the dataset as JSON pages, the kernel's list convention (`page`,
  `per_page`, `total`, `Link`);
- `GET /open-data/datasets/{name}`: its data dictionary (項目定義): each field's name, type, meaning ja/en;
- `GET /calls.atom`, `GET /call-results.atom`: Atom feeds of published calls and results (`feeds_calls`).

CSV and JSON carry `ETag` and `Last-Modified` (`opendata_versions`) and answer 304 to `If-None-Match` or
`If-Modified-Since`. The catalogue is one document, not a paged list: a few dozen datasets, read whole by harvesters
(as a DCAT catalogue is). Datasets come from the modules in `PROVIDERS`, each `datasets(settings)` (see `opendata`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from kyodo_info_hub import opendata_center, opendata_portal, opendata_register, opendata_survey
from kyodo_info_hub.feeds_calls import calls_atom, results_atom
from kyodo_info_hub.opendata import Dataset, catalogue
from kyodo_info_hub.opendata_csv import CONVENTIONS_EN, CONVENTIONS_JA, content_disposition, csv_chunks
from kyodo_info_hub.opendata_versions import not_modified, tags_of, version_of
from kyodo_info_hub.settings import InfoHubSettings, OpenDataSettings
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.pagination import LINK_HEADER, Page, Paging, paginated
from kyodo_shared.web.routes import service_router

# Each module declaring datasets: its `datasets(settings)`. The catalogue lists them in this order.
PROVIDERS: tuple[Callable[[InfoHubSettings], tuple[Dataset, ...]], ...] = (
    opendata_portal.datasets,  # groups, calls, call-criteria, call-results, call-result-scores
    opendata_center.datasets,  # trainings, coordination-figures, evaluation-reports
    opendata_register.datasets,  # screening-register
    opendata_survey.datasets,  # survey-statistics
)
API_PATH = "/api/info-hub"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8; header=present"

# Any text: a name no dataset has (`groups.xml`, `Groups`) is a 404 problem, not a validation error.
Name = Annotated[str, Path(max_length=100, description="The dataset's name, e.g. groups.")]


def _settings(request: Request) -> InfoHubSettings:
    settings = request.app.state.kernel.settings
    assert isinstance(settings, InfoHubSettings), "info-hub's kernel holds info-hub's settings"
    return settings


def registered(settings: InfoHubSettings) -> dict[str, Dataset]:
    """Every dataset of every provider, by name."""
    return catalogue(*(provide(settings) for provide in PROVIDERS))


def _dataset(request: Request, name: str) -> Dataset:
    found = registered(_settings(request)).get(name)
    if found is None:
        raise Refusal("not_found", what="dataset")
    return found


def _base(request: Request) -> str:
    return f"{_settings(request).center.public_url.rstrip('/')}{API_PATH}"


class DictionaryEntry(BaseModel):
    field: str = Field(description="The column's name: the JSON key, and the CSV header unless `csv_header` differs.")
    csv_header: str
    type: str = Field(description="string, integer, number, boolean, date, datetime, uuid, uri or string[].")
    description_ja: str
    description_en: str


class Licence(BaseModel):
    name: str
    title_ja: str
    url: str


class Distribution(BaseModel):
    format: str = Field(description="CSV or JSON.")
    media_type: str
    url: str


class DatasetEntry(BaseModel):
    name: str
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    standard: str | None = Field(description="The published layout followed, with its version; null: our own.")
    publisher_ja: str
    publisher_en: str
    licence: Licence
    updated_at: str = Field(
        description="Update time (更新時刻): the time the portal first saw this state of the dataset's sources "
        "(Asia/Tokyo), by the catalogue, a dictionary or an export alike; the CSV's and JSON's Last-Modified is this "
        "time to the second. Any event of a source moves it, so the content may be unchanged."
    )
    distributions: list[Distribution]
    dictionary_url: str


class Dictionary(DatasetEntry):
    fields: list[DictionaryEntry]
    conventions_ja: str = Field(description="How the CSV is written and how to read it (every dataset alike).")
    conventions_en: str


class Feed(BaseModel):
    title_ja: str
    url: str


class Catalogue(BaseModel):
    publisher_ja: str
    publisher_en: str
    licence: Licence
    contact_url: str
    conventions_ja: str = Field(description="How the CSV is written and how to read it (every dataset alike).")
    conventions_en: str
    datasets: list[DatasetEntry]
    feeds: list[Feed]


class DatasetPage(Page[dict[str, Any]]):
    pass


def _licence(settings: OpenDataSettings) -> Licence:
    return Licence(name=settings.licence_name, title_ja=settings.licence_title_ja, url=settings.licence_url)


def _entry(request: Request, dataset: Dataset) -> DatasetEntry:
    settings, base = _settings(request).open_data, f"{_base(request)}/open-data/datasets/{dataset.name}"
    # A state seen here first is recorded, as an export would record it: two reads, and a download after them, give
    # the same time (a poll writes only when a dataset's state changed).
    version = version_of(request.app.state.kernel.db, dataset, request.app.state.kernel.clock())
    return DatasetEntry(
        name=dataset.name,
        title_ja=dataset.title_ja,
        title_en=dataset.title_en,
        description_ja=dataset.description_ja,
        description_en=dataset.description_en,
        standard=dataset.standard,
        publisher_ja=settings.publisher_ja,
        publisher_en=settings.publisher_en,
        licence=_licence(settings),
        updated_at=version.modified_at.isoformat(),
        distributions=[
            Distribution(format="CSV", media_type="text/csv", url=f"{base}.csv"),
            Distribution(format="JSON", media_type="application/json", url=f"{base}.json"),
        ],
        dictionary_url=base,
    )


router = service_router(prefix="/open-data/datasets", tags=["open data"])


@router.get("", response_model=Catalogue, summary="The open data catalogue (オープンデータ一覧): every dataset")
def datasets_catalogue(request: Request) -> Any:
    settings = _settings(request)
    base = _base(request)
    return Catalogue(
        publisher_ja=settings.open_data.publisher_ja,
        publisher_en=settings.open_data.publisher_en,
        licence=_licence(settings.open_data),
        contact_url=settings.open_data.contact_url,
        conventions_ja=CONVENTIONS_JA,
        conventions_en=CONVENTIONS_EN,
        datasets=[_entry(request, d) for d in registered(settings).values()],
        feeds=[
            Feed(title_ja="募集のお知らせ (Atom)", url=f"{base}/calls.atom"),
            Feed(title_ja="選定結果のお知らせ (Atom)", url=f"{base}/call-results.atom"),
            Feed(title_ja="お知らせ (Atom)", url=f"{base}/news.atom"),
            Feed(title_ja="研修・講座の予定 (iCalendar)", url=f"{base}/trainings.ics"),
        ],
    )


def also_head(api_router: APIRouter, path: str, endpoint: Callable[..., Any]) -> None:
    """HEAD answers as GET would, without a body (harvesters and link checkers read ETag and Last-Modified that
    way). A route of its own, left out of the OpenAPI document: one route for both methods gave the two operations
    the same operationId, which client generators and schema fuzzers refuse."""
    api_router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)


def _head(headers: dict[str, str], media_type: str) -> Response:
    # No body, and no Content-Length: the body's length is not known without writing it.
    return StreamingResponse(iter(()), media_type=media_type, headers=headers)


@router.get(
    "/{name}.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 304: {"description": "Not modified"}},
    summary="A dataset as CSV (UTF-8 with BOM), streamed; ETag and Last-Modified",
)
def dataset_csv(name: Name, request: Request) -> Response:
    dataset = _dataset(request, name)
    db = request.app.state.kernel.db
    version = version_of(db, dataset, request.app.state.kernel.clock())
    unchanged = not_modified(request, version, "csv")
    if unchanged is not None:
        return unchanged
    headers = {**version.headers("csv"), "Content-Disposition": content_disposition(f"{dataset.name}.csv")}
    if request.method == "HEAD":
        return _head(headers, CSV_MEDIA_TYPE)
    return StreamingResponse(csv_chunks(dataset, db), media_type=CSV_MEDIA_TYPE, headers=headers)


@router.get(
    "/{name}.json",
    response_model=DatasetPage,
    responses={**LINK_HEADER, 304: {"description": "Not modified"}},
    summary="A dataset as JSON, paged (page, per_page, total, Link); ETag and Last-Modified",
)
def dataset_json(name: Name, request: Request, response: Response, paging: Paging) -> Any:
    dataset = _dataset(request, name)
    db = request.app.state.kernel.db
    version = version_of(db, dataset, request.app.state.kernel.clock())
    representation = f"json-{paging.page}-{paging.per_page}"
    unchanged = not_modified(request, version, representation)
    if unchanged is not None:
        return unchanged
    if request.method == "HEAD":
        return _head(version.headers(representation), "application/json")
    items, total = dataset.window(db, paging.offset, paging.limit)
    response.headers.update(version.headers(representation))
    return paginated(request, response, paging, DatasetPage, items, total)


@router.get("/{name}", response_model=Dictionary, summary="A dataset's data dictionary (項目定義), ja/en")
def dataset_dictionary(name: Name, request: Request) -> Any:
    dataset = _dataset(request, name)
    entry = _entry(request, dataset)
    fields = [
        DictionaryEntry(field=c.name, csv_header=c.csv_header, type=c.type, description_ja=c.ja, description_en=c.en)
        for c in dataset.columns
    ]
    return Dictionary(**entry.model_dump(), fields=fields, conventions_ja=CONVENTIONS_JA, conventions_en=CONVENTIONS_EN)


feeds = service_router(prefix="", tags=["open data"])
ATOM: dict[int | str, dict[str, Any]] = {200: {"content": {"application/atom+xml": {}}}}


def _atom(request: Request, body: bytes) -> Response:
    # A feed is small: its ETag is its body's hash, and a reader sending it back gets a 304.
    headers = {"ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"', "Cache-Control": "public, no-cache"}
    if headers["ETag"] in tags_of(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(content=body, media_type="application/atom+xml; charset=utf-8", headers=headers)


@feeds.get(
    "/calls.atom",
    response_class=Response,
    responses=ATOM,
    summary="Published calls as an Atom feed",
)
def calls_feed(request: Request) -> Response:
    kernel = request.app.state.kernel
    return _atom(request, calls_atom(kernel.db, _base(request)))


@feeds.get(
    "/call-results.atom",
    response_class=Response,
    responses=ATOM,
    summary="Published results (Atom)",
)
def results_feed(request: Request) -> Response:
    kernel = request.app.state.kernel
    return _atom(request, results_atom(kernel.db, _base(request)))


also_head(router, "/{name}.csv", dataset_csv)
also_head(router, "/{name}.json", dataset_json)
also_head(feeds, "/calls.atom", calls_feed)
also_head(feeds, "/call-results.atom", results_feed)

ROUTERS = [router, feeds]
