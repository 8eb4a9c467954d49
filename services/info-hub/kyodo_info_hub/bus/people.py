"""Who acts for whom, for the center's own rules: the read models `hub_group_people` (each group's representative
and contacts, by `sub`), `hub_staff` (department assignments) and `hub_liaisons` (each department's liaison by
appointment date), fed from the registry's stream (KYODO_REGISTRY). The application reads them through
`people_view.PeopleView`; nothing of them is public.

The same facts are kept by proposals, screening and evaluation in their own databases (services never import each
other). Every write is an upsert or an update to the message's own values: a redelivered message leaves the rows as
they were, and so does the whole stream read again from its beginning (info_hub_0004, info_hub_0011 and info_hub_0012
make the consumer do so). A group's standing (registered, lapsed, suspended; dissolved groups leave) is the
directory's row.
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

TABLES = ["hub_group_people", "hub_staff", "hub_liaisons"]


def _representative(tx: Tx, group_id: object, sub: str) -> None:
    # One representative per group: the new one replaces the old; a contact who becomes representative stops
    # being a contact (as the registry does).
    tx.execute(
        "DELETE FROM hub_group_people WHERE group_id = %s AND (role = 'representative' OR sub = %s)",
        (str(group_id), sub),
    )
    tx.execute(
        "INSERT INTO hub_group_people (group_id, sub, role) VALUES (%s, %s, 'representative')", (str(group_id), sub)
    )


def on_group_people(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, r.GroupApplied | r.GroupReapplied | r.GroupRepresentativeChanged):
        _representative(tx, event.group_id, event.representative_sub)
    elif isinstance(event, r.GroupContactAdded):
        tx.execute(
            "INSERT INTO hub_group_people (group_id, sub, role) VALUES (%s, %s, 'contact') ON CONFLICT DO NOTHING",
            (str(event.group_id), event.contact_sub),
        )
    elif isinstance(event, r.GroupContactRemoved):
        tx.execute(
            "DELETE FROM hub_group_people WHERE group_id = %s AND sub = %s AND role = 'contact'",
            (str(event.group_id), event.contact_sub),
        )


def on_department_people(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, o.StaffAssigned):
        tx.execute(
            "INSERT INTO hub_staff (department_id, staff_sub, since) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (str(event.department_id), event.staff_sub, event.since.isoformat()),
        )
    elif isinstance(event, o.StaffUnassigned):
        # The assignment running on that day ends there: one that began by then (the registry refuses an end before
        # its start), so a later assignment, when the stream is read again, is left running.
        day = event.until.isoformat()
        tx.execute(
            "UPDATE hub_staff SET until = %s WHERE department_id = %s AND staff_sub = %s AND until IS NULL "
            "AND since <= %s",
            (day, str(event.department_id), event.staff_sub, day),
        )
    elif isinstance(event, o.LiaisonAppointed):
        # Kept per appointment: the liaison on a day is the latest appointed by then.
        tx.execute(
            "INSERT INTO hub_liaisons (department_id, since, liaison_sub) VALUES (%s, %s, %s) "
            "ON CONFLICT (department_id, since) DO UPDATE SET liaison_sub = excluded.liaison_sub",
            (str(event.department_id), event.since.isoformat(), event.liaison_sub),
        )


# An application and a reapplication also open the group's row of `hub_applications`: their one handler is
# `bus/applications.py:on_applied`, which applies this effect too.
HANDLERS: dict[type[Contract], Handler] = {
    r.GroupRepresentativeChanged: on_group_people,
    r.GroupContactAdded: on_group_people,
    r.GroupContactRemoved: on_group_people,
    o.StaffAssigned: on_department_people,
    o.StaffUnassigned: on_department_people,
    o.LiaisonAppointed: on_department_people,
}
