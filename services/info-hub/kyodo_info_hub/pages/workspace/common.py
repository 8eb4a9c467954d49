"""What the workspace pages share (the application is `pages.home.application`): the viewer's groups and departments
as info-hub's read models of the registry know them (`people_view.PeopleView`), and names to show for them. Nothing
here decides who may act: the application does, when the page calls it as the API would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request

from kyodo_info_hub.app import Portal
from kyodo_info_hub.bus.applications import applications_of
from kyodo_info_hub.pages.home import Text, application, day, localized
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs

# A crumb names a record by the start of its text (a case's problem) at most this many characters long.
CRUMB_CHARACTERS = 30


def me_crumbs(request: Request, *trail: tuple[str, str]) -> list[tuple[str, str]]:
    """Home › My page › …: where a page under `/me` sits (the last of `trail` is this page), as the center's pages
    say Home › The center's programmes › …"""
    return breadcrumbs(request, ("/me", gettext(request, "My page")), *trail)


def crumb_text(words: str) -> str:
    """A long text's start as a crumb's name: cut at CRUMB_CHARACTERS with "…"."""
    words = " ".join(words.split())
    return words if len(words) <= CRUMB_CHARACTERS else words[: CRUMB_CHARACTERS - 1] + "…"


@dataclass(frozen=True)
class Party:
    """A group or a department the viewer acts for: its id, its name as the read models know it, and for a group its
    standing (None: an application the directory does not list yet)."""

    id: str
    name: Text
    status: str | None = None
    renewal_due: date | None = None


def groups_of(request: Request, principal: Principal) -> list[Party]:
    """The groups this person represents or is a contact of: those in the directory (registered, lapsed, suspended)
    with their name, then their applications not in the directory yet (status None; a dissolved group has none).
    None without the group role: the record says who the person is, the role that they act for a group now."""
    if not principal.has(Role.GROUP):
        return []
    app = application(request)
    listed = app.people.groups_of(principal.sub)
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT group_id FROM hub_group_people WHERE sub = %s ORDER BY group_id", (principal.sub,))
    parties, portal = [], Portal(app.db)
    for group_id in listed:
        entry = portal.group(group_id)
        if entry is not None:
            name = Text(entry.name, "ja")
            parties.append(Party(group_id, name, entry.status, day(entry.renewal_due)))
    pending = [str(row[0]) for row in rows if str(row[0]) not in listed]
    for applied in applications_of(app.db, pending):
        parties.append(Party(applied.group_id, Text(applied.name, "ja")))
    return parties


def department_names(request: Request, ids: list[str]) -> list[Party]:
    app = application(request)
    found = []
    for department_id in ids:
        names = app.people.department_name(department_id)
        name = localized(request, names[0], names[1]) if names else Text(department_id, "en")
        found.append(Party(department_id, name))
    return found


def departments_of(request: Request, principal: Principal) -> tuple[list[Party], set[str]]:
    """The departments this person works in today (assigned staff or liaison), and of them those they are the
    liaison of (who acknowledges a routed case). None without the staff role, as the cases' queries decide."""
    if not principal.has(Role.STAFF):
        return [], set()
    app = application(request)
    today = app.today()
    liaison = set(app.people.liaison_departments(principal.sub, today))
    ids = sorted(set(app.people.staff_departments(principal.sub, today)) | liaison)
    return department_names(request, ids), liaison


def group_name(request: Request, group_id: str | None) -> Text | None:
    if group_id is None:
        return None
    card = application(request).people.group(group_id)
    return Text(card.name, "ja") if card is not None else None
