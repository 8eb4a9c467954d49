"""Languages of the pages: Japanese by default, English complete; gettext catalogs compiled in memory.

The catalogs are `.po` files (`<package>/locale/<lang>/LC_MESSAGES/messages.po` and any `<part>.po` beside it),
read and compiled on first use rather than committed as `.mo`: what is reviewed is what runs. The msgids are
English, so English needs no catalog; every msgid has a Japanese translation (tests/pages check the templates'
strings against the catalogs).
"""

from __future__ import annotations

import functools
import gettext as gettext_module
from importlib import resources
from importlib.resources.abc import Traversable
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request

LOCALES = ("ja", "en")
DEFAULT_LOCALE = "ja"
LANG_COOKIE = "kyodo_lang"
LANG_QUERY = "lang"


def negotiate(request: Request) -> str:
    """`?lang=` (the switch on every page), else the reader's earlier choice (cookie), else Japanese."""
    asked = request.query_params.get(LANG_QUERY)
    if asked in LOCALES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LOCALES else DEFAULT_LOCALE


def chosen_now(request: Request) -> str | None:
    """The language the reader switched to with this request (to be kept in the cookie), if any."""
    asked = request.query_params.get(LANG_QUERY)
    return asked if asked in LOCALES and asked != request.cookies.get(LANG_COOKIE) else None


@functools.cache
def translations(locale: str, packages: tuple[str, ...]) -> gettext_module.NullTranslations:
    """The merged catalogs of `packages` (the kit's first, then the service's) for `locale`."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    merged: Translations | None = None
    for package in packages:
        for po in catalog_files(package, locale):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            compiled = BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            loaded = Translations(compiled)
            merged = loaded if merged is None else merged.merge(loaded)
    return merged if merged is not None else gettext_module.NullTranslations()


def catalog_files(package: str, locale: str) -> list[Traversable]:
    """A package's catalogs for `locale`: `messages.po`, then any other `<part>.po` beside it in name order — a
    service whose pages come in parts (the registry's group, coordinator and organisation workspaces) keeps one
    catalog per part, each reviewed with its pages."""
    folder = resources.files(package).joinpath("locale", locale, "LC_MESSAGES")
    if not folder.is_dir():
        return []
    files = [f for f in folder.iterdir() if f.is_file() and f.name.endswith(".po")]
    return sorted(files, key=lambda f: (f.name != "messages.po", f.name))


def catalog_packages(service_package: str | None) -> tuple[str, ...]:
    return ("kyodo_shared.pages", service_package) if service_package else ("kyodo_shared.pages",)


def gettext(request: Request, message: str) -> str:
    """A page's text in the request's language, for Python code (templates use `_()`)."""
    site = request.app.state.site
    return translations(negotiate(request), catalog_packages(site.package)).gettext(message)


def plural(request: Request, singular: str, many: str, n: int) -> str:
    site = request.app.state.site
    return translations(negotiate(request), catalog_packages(site.package)).ngettext(singular, many, n)
