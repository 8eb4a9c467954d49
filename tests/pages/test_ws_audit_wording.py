"""The auditor's history page reads the same on every service: the kit's audit catalog is merged with each service's
own (the service's last), so a service translating one of the page's English words its own way (evaluation's
"History" as 経過, "Event" as 出来事) would reword the shared page on that service only. Every msgid of the history
page must read as the kit's audit catalog says, on every service that serves it; and the Japanese puts no space
around numerals (位置12, 3件).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from test_kit_catalogs import JINJA_OPTIONS, KIT, package_dir, page_packages

from kyodo_shared.pages.i18n import translations

AUDIT_PO = package_dir(KIT) / "locale" / "ja" / "LC_MESSAGES" / "audit.po"
HISTORY = package_dir(KIT) / "templates" / "audit" / "history.html"


def history_msgids() -> list[str]:
    with HISTORY.open("rb") as handle:
        found = extract("jinja2.ext.babel_extract", handle, keywords={"_": None}, options=JINJA_OPTIONS)
        return sorted({str(message) for _line, message, _comments, _context in found if isinstance(message, str)})


def audit_catalog() -> dict[str, str]:
    with AUDIT_PO.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale="ja") if m.id}


def test_the_check_reads_the_history_pages_words() -> None:
    msgids = history_msgids()
    assert "Event history" in msgids
    assert "Event, hash chain and body" in msgids


@pytest.mark.parametrize("package", [p for p in page_packages() if p != KIT])
def test_every_service_shows_the_history_page_in_the_audit_catalogs_words(package: str) -> None:
    kit = audit_catalog()
    merged = translations("ja", (KIT, package))
    reworded = [
        f"{msgid!r}: {kit[msgid]!r} becomes {merged.gettext(msgid)!r}"
        for msgid in history_msgids()
        if msgid in kit and merged.gettext(msgid) != kit[msgid]
    ]
    assert not reworded, "\n".join(reworded)


def test_the_audit_catalog_puts_no_space_around_numerals() -> None:
    spaced = [
        f"{msgid!r}: {wording!r}"
        for msgid, wording in audit_catalog().items()
        if re.search(r"[^\x00-\x7f—] %\(\w+\)s|%\(\w+\)s [^\x00-\x7f—]", wording)
    ]
    assert not spaced, "\n".join(spaced)
