"""P7's launcher: `kyodo serve info-hub` with two floor pages added to info-hub's pages app (bench/p7_pages.py).

    python -m bench.p7_serve serve info-hub --host H --port P

- `GET /bench-p7/floor`: a bare minimal Jinja2 page — one autoescaped template of a few lines (title, heading, a
  paragraph of Japanese), its environment built once — answered as HTML; no kit layout, no catalogs, no viewer;
- `GET /bench-p7/floor-list?q=…`: the same read as the directory page and the API list (`Portal.groups`, 20 rows)
  written by a bare Jinja2 template (name, purpose, fields, area, status of each; no kit layout, no catalogs):
  what the directory's data costs to read and write as HTML, without the kit.

Both are plain `def` routes on the kernel's route class (`ThreadRoute`: one thread hop, as page routes), reached
through the gateway's page dispatch like every portal page. info-hub's code is not changed: the router is added to
the list `kyodo_info_hub.pages.routers()` returns, before the app is built.
"""

from __future__ import annotations

import functools
import sys
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

FLOOR = "/bench-p7/floor"
FLOOR_LIST = "/bench-p7/floor-list"
MARKER = "bench-p7-floor"

_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main id="{{ marker }}"><h1>{{ title }}</h1><p>{{ text }}</p></main></body></html>
"""
_LIST = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main id="{{ marker }}"><h1>{{ title }}</h1><p>{{ total }}</p><ul>
{% for g in groups %}<li><h3><a href="/groups/{{ g.group_id }}">{{ g.name }}</a></h3><p>{{ g.purpose }}</p>
<dl><dt>分野</dt><dd>{{ g.fields_of_activity|join("、") }}</dd><dt>地域</dt><dd>{{ g.area }}</dd>
<dt>状態</dt><dd>{{ g.status }}</dd></dl></li>
{% endfor %}</ul></main></body></html>
"""


@functools.cache
def _templates() -> tuple[Any, Any]:
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_PAGE), env.from_string(_LIST)


def floor() -> HTMLResponse:
    page, _ = _templates()
    return HTMLResponse(page.render(title="協働 Kyodo", marker=MARKER, text="市民活動センターのページです。"))


def floor_list(request: Request, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    from kyodo_info_hub.app import Portal

    entries, total = Portal(request.app.state.kernel.db).groups(offset=0, limit=20, query=q)
    _, page = _templates()
    return HTMLResponse(page.render(title="団体一覧", marker=MARKER, total=total, groups=entries))


def install() -> None:
    """Add the floor pages to info-hub's pages app (appended to the routers its PageSite is given)."""
    import kyodo_info_hub.pages as pages
    from kyodo_shared.web.routes import ThreadRoute

    router = APIRouter(route_class=ThreadRoute, include_in_schema=False, default_response_class=HTMLResponse)
    router.add_api_route(FLOOR, floor, methods=["GET"])
    router.add_api_route(FLOOR_LIST, floor_list, methods=["GET"])
    shipped = pages.routers

    def routers() -> list[APIRouter]:
        return [*shipped(), router]

    pages.routers = routers


def main() -> int:
    if sys.argv[1:2] != ["serve"]:
        print(__doc__)
        return 2
    install()
    from kyodo_shared.cli.main import main as kyodo_main

    return kyodo_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
