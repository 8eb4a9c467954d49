"""What a page reads from its URL and says about where it is — the same on every service's pages:

- `path_uuid(value, code, **data)`: the id a path names. A malformed one names nothing, so it is refused with the
  refusal the application gives an unknown id (`call_not_found`, `not_found` with `what=…`): both get the same 404
  page, and the page never tells a typo from a missing record.
- `breadcrumbs(request, *trail)`: Home, then the trail (href, label) down to this page (the last one).
- `name_in(request, name_ja, name_en)`: a name in the reader's language when it has one; its Japanese otherwise (the
  kit's `in_lang` filter marks the language in the template).
"""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.i18n import gettext, negotiate

__all__ = ["breadcrumbs", "name_in", "path_uuid"]


def path_uuid(value: str, code: str, **data: str) -> UUID:
    """The UUID `value` spells, or the Refusal(code, **data) an unknown id gets (its 404 page)."""
    try:
        return UUID(value)
    except ValueError:
        raise Refusal(code, **data) from None


def breadcrumbs(request: Request, *trail: tuple[str, str]) -> list[tuple[str, str]]:
    """Home › … › this page: the kit's base template shows them (`breadcrumbs` in the page's context)."""
    return [("/", gettext(request, "Home")), *trail]


def name_in(request: Request, name_ja: str, name_en: str | None) -> str:
    """The English name on English pages when there is one; the Japanese name otherwise."""
    return name_en if negotiate(request) == "en" and name_en else name_ja
