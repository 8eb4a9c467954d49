"""Every page's text has its Japanese: the msgids of every package's templates and page code, extracted as Babel
extracts them, are translated in that package's Japanese catalog or in the kit's — for the kit AND every service
that ships pages (a `locale/` directory), so every engineer's pages are held to it.

Placeholders (`%(count)s`) must survive translation, and every kit template renders in both languages.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from kyodo_shared.pages import kit_pages
from kyodo_shared.pages.forms import errors_in
from kyodo_shared.pages.i18n import catalog_files, translations
from kyodo_shared.pages.render import build_environment
from kyodo_shared.pages.site import PORTAL_NAV
from kyodo_shared.service import discover

KIT = "kyodo_shared.pages"
# The same options the pages' Environment runs with, so the extractor reads templates as they are rendered.
JINJA_OPTIONS = {
    "extensions": "jinja2.ext.i18n",
    "trim_blocks": "True",
    "lstrip_blocks": "True",
    "newstyle_gettext": "True",
}
# `_("…")` in Python and templates; `gettext(request, "…")` and `plural(request, "…", "…", n)` in page code.
PY_KEYWORDS: dict[str, Any] = {"_": None, "gettext": (2,), "plural": (2, 3), "N_": None}


def package_dir(package: str) -> Path:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    return Path(module.__file__).parent


def page_packages() -> list[str]:
    """The kit and every service package that ships pages (has a `locale/` directory)."""
    found = [KIT]
    for spec in discover().values():
        package = spec.create_app.__module__.split(".")[0]
        if (package_dir(package) / "locale").is_dir() and package not in found:
            found.append(package)
    return found


def extracted(package: str) -> Iterator[tuple[str, int, str]]:
    """(file, line, msgid) for every literal msgid of the package's templates and page code."""
    root = package_dir(package)
    templates = sorted((root / "templates").rglob("*.html"))
    code = sorted(root.glob("*.py")) if package == KIT else sorted((root / "pages").rglob("*.py"))
    for path, method, options in [
        *((t, "jinja2.ext.babel_extract", JINJA_OPTIONS) for t in templates),
        *((c, "python", {}) for c in code),
    ]:
        with path.open("rb") as handle:
            keywords = PY_KEYWORDS if method == "python" else {"_": None, "gettext": None, "ngettext": (1, 2)}
            for line, message, _comments, _context in extract(method, handle, keywords=keywords, options=options):
                for msgid in message if isinstance(message, tuple) else (message,):
                    if msgid:
                        yield str(path.relative_to(root.parent)), line, msgid


def catalog(package: str) -> Catalog:
    """The package's Japanese catalogs merged, as the pages load them (`i18n.catalog_files`)."""
    merged = Catalog(locale="ja")
    for po in catalog_files(package, "ja"):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="ja"):
                if message.id:
                    merged[message.id] = message
    return merged


def translated(cat: Catalog, msgid: str) -> bool:
    for message in cat:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if msgid in ids:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            return not message.fuzzy and all(strings)
    return False


@pytest.mark.parametrize("package", page_packages())
def test_every_msgid_of_a_packages_pages_is_translated_into_japanese(package: str) -> None:
    own, kit = catalog(package), catalog(KIT)
    missing = sorted(
        {
            f"{where}:{line}: {msgid!r}"
            for where, line, msgid in extracted(package)
            if not (translated(own, msgid) or translated(kit, msgid))
        }
    )
    assert not missing, (
        f"{len(missing)} msgid(s) without Japanese in {package}'s catalog (or the kit's):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("package", page_packages())
def test_every_translation_keeps_its_placeholders(package: str) -> None:
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}" for message, errors in catalog(package).check() if errors
    ]
    assert not problems, "\n".join(problems)


def test_the_kit_extracts_its_own_strings_so_the_check_is_not_vacuous() -> None:
    msgids = {msgid for _, _, msgid in extracted(KIT)}
    assert "Skip to main content" in msgids
    assert "Showing %(first)s–%(last)s of %(total)s" in msgids
    assert "There is a problem with your input" in msgids


def test_labels_chosen_at_run_time_are_translated_too() -> None:
    """Navigation labels and the services' names and descriptions reach `_()` as variables, out of the
    extractor's sight: they are checked here."""
    kit = catalog(KIT)
    dynamic = [label for _, label in PORTAL_NAV]
    dynamic += [*kit_pages.SERVICE_NAMES.values(), *kit_pages.SERVICE_DESCRIPTIONS.values()]
    missing = [msgid for msgid in dynamic if not translated(kit, msgid)]
    assert not missing, missing


def test_the_catalog_reads_as_japanese_at_run_time() -> None:
    ja = translations("ja", (KIT,))
    assert ja.gettext("Skip to main content") == "本文へ移動"
    assert ja.gettext("Home") == "ホーム"


# ---- every kit template renders in both languages --------------------------------------------------------------

NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)


def kit_context(lang: str) -> dict[str, Any]:
    request = SimpleNamespace(
        url=SimpleNamespace(path="/registry/transparency", query=""),
        state=SimpleNamespace(correlation_id="c0ffee00-0000-4000-8000-000000000001"),
        query_params=SimpleNamespace(multi_items=lambda: []),
    )
    checkpoint = kit_pages.CheckpointRow(position=42, signed_at=NOW, kid="k1", link="ab" * 32, announces="k2")
    return {
        "request": request,
        "lang": lang,
        "other_langs": ["en" if lang == "ja" else "ja"],
        "lang_url": lambda code: f"/registry/transparency?lang={code}",
        "static_url": lambda name: f"/static/{name}",
        "viewer": SimpleNamespace(sub="demo-auditor", roles=frozenset({"auditor", "staff"})),
        "csrf_token": "token",
        "site": SimpleNamespace(service="registry", prefix="/registry"),
        "nav": [SimpleNamespace(href="/", label="Home", current=True)],
        "now": NOW,
        "breadcrumbs": [("/", "Home"), ("/registry/", "Registry")],
        # error.html
        "status": 404,
        "code": "not_found",
        "title": "Not found",
        "detail": "",
        "errors": [{"field": "name", "reason": "required"}],
        # service_index.html, transparency.html, checkpoints.html, verify.html
        **kit_pages.service_context("registry", "/registry"),
        "workspaces": [],
        "checkpoints": [checkpoint],
        "checkpoint_count": 1,
        "keys": [("k1", "PUBLICKEY")],
        "checkpoints_url": "/api/registry/audit/checkpoints",
        "keys_url": "/api/registry/audit/keys",
        "mirror_url": "/api/info-hub/open-data/checkpoints?service=registry",
        "verify_command": "kyodo audit verify registry --url http://t/api/registry",
        "verify_mirror_command": "kyodo audit verify registry --url http://t/api/registry --checkpoints-url x",
    }


KIT_TEMPLATES = sorted(p.name for p in (package_dir(KIT) / "templates" / "kit").glob("*.html"))


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name", KIT_TEMPLATES)
def test_every_kit_template_renders_in_both_languages(name: str, lang: str) -> None:
    from kyodo_shared.pages import render as render_module

    env = build_environment(None)
    token = render_module._catalog.set(translations(lang, (KIT,)))
    try:
        html = env.get_template(f"kit/{name}").render(kit_context(lang))
    finally:
        render_module._catalog.reset(token)
    if name in ("base.html", "error.html", "service_index.html", "transparency.html"):
        assert f'<html lang="{lang}">' in html
        assert html.count("<h1") == (0 if name == "base.html" else 1)
    if lang == "ja" and name != "forms.html" and name != "pagination.html":
        assert "Skip to main content" not in html
        assert "Signed checkpoints" not in html


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_form_and_pagination_macros_render_in_both_languages(lang: str) -> None:
    from kyodo_shared.pages import render as render_module

    env = build_environment(None)
    source = (
        '{% import "kit/forms.html" as forms with context %}{% import "kit/pagination.html" as paging with context %}'
        '{{ forms.error_summary(errors) }}{{ forms.field("name", "Name", "", errors, required=true) }}'
        "{{ paging.summary(listing) }}{{ paging.pagination(listing) }}"
    )
    errors = errors_in(
        {"errors": [{"field": "name", "code": "missing", "reason_ja": "必須項目です", "reason_en": "Field required"}]},
        lang,
    )
    context = kit_context(lang)
    context["request"] = SimpleNamespace(
        url=SimpleNamespace(path="/groups", query=""), query_params=SimpleNamespace(multi_items=lambda: [("q", "森")])
    )
    token = render_module._catalog.set(translations(lang, (KIT,)))
    try:
        html = env.from_string(source).render(
            {**context, "errors": errors, "listing": {"page": 2, "per_page": 20, "total": 95}}
        )
    finally:
        render_module._catalog.reset(token)
    if lang == "ja":
        assert "入力内容に問題があります" in html
        assert "必須" in html
        assert "全95件中 21–40件を表示" in html
        assert "次のページ" in html
    else:
        assert "There is a problem with your input" in html
        assert "Showing 21–40 of 95" in html


@pytest.mark.parametrize("package", [p for p in page_packages() if p != KIT])
def test_no_msgid_is_translated_two_ways_in_one_packages_catalogs(package: str) -> None:
    """A package's catalogs in parts (`messages.po`, `<part>.po`) merge into one: a msgid in two of them with two
    Japanese wordings would show whichever loads last, on every page of the package."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in catalog_files(package, "ja"):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="ja"):
                if not message.id:
                    continue
                key = str(message.id if isinstance(message.id, str) else message.id[0])
                wording = str(message.string)
                if key in seen and seen[key][1] != wording:
                    clashes.append(f"{key!r}: {seen[key][0]} {seen[key][1]!r} / {po.name} {wording!r}")
                seen.setdefault(key, (po.name, wording))
    assert not clashes, "\n".join(clashes)


def test_the_registry_parts_name_their_notices_apart() -> None:
    """The parts' status messages merge into one table (`pages.notices()`): a key two parts use would show one
    part's wording after the other's form."""
    from kyodo_registry.pages import coordinator, group, org

    tables = [group.NOTICES, coordinator.NOTICES, org.NOTICES]
    keys = [key for table in tables for key in table]
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)
