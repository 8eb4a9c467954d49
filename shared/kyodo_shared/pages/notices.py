"""Status messages after a workspace form's post/redirect/get: the redirect names a key (`?done=profile_updated`),
the page shows the service's message for it (`PageSite.notices`, key → English msgid) in the reader's language.
A key, never text: a URL cannot put words on a page."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import Request

NOTICE_QUERY = "done"


def N_(msgid: str) -> str:  # noqa: N802  # gettext's name for "mark for translation, translate later"
    """Marks a msgid for the catalog test's extractor; the page translates it when it shows it."""
    return msgid


def with_notice(path: str, notice: str) -> str:
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{urlencode({NOTICE_QUERY: notice})}"


def notice_of(request: Request, notices: Mapping[str, str]) -> str | None:
    """The msgid of the status message `?done=` names, when the service's table has it, else None."""
    key = request.query_params.get(NOTICE_QUERY)
    return notices.get(key) if key else None
