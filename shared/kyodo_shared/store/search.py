"""Japanese-normalized search over a query table, the one way every service's lists filter by text.

A searchable table keeps three normalized columns beside its data (`search_keys` builds them when a row is
written): `search_text` (everything a free-text query may match), `fields_key` (the fields of activity, each
between `|`, so a field matches whole) and `area_key`. `search_clauses` turns a list's filters into SQL clauses
and parameters over them; every value is a parameter, and LIKE's own wildcards in what people type are escaped.
"""

from __future__ import annotations

from collections.abc import Iterable

from kyodo_shared.domain.text import normalize


def search_keys(text: Iterable[str], fields: Iterable[str], area: str) -> tuple[str, str, str]:
    """(search_text, fields_key, area_key) for a row."""
    return (
        normalize(" ".join(text)),
        "|" + "|".join(normalize(f) for f in fields) + "|",
        normalize(area),
    )


def search_clauses(*, query: str = "", field: str = "", area: str = "") -> tuple[list[str], list[object]]:
    """The WHERE clauses (to join with AND) and their parameters for the filters given; none for empty ones."""
    clauses: list[str] = []
    params: list[object] = []
    if query:
        clauses.append("search_text LIKE %s ESCAPE '\\'")
        params.append(f"%{_like(query)}%")
    if field:
        clauses.append("fields_key LIKE %s ESCAPE '\\'")
        params.append(f"%|{_like(field)}|%")
    if area:
        clauses.append("area_key = %s")
        params.append(normalize(area))
    return clauses, params


def _like(text: str) -> str:
    """A LIKE pattern's literal part: the normalized text with LIKE's own wildcards escaped."""
    return normalize(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
