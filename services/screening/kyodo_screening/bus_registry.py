"""The registry's contract events the screening service follows, kept in read models in its own database: the
departments, their staff and liaisons, the cross-department team, declared interests (for recusal), and the civic
groups by name and standing (the groups a project names, chosen on its form). The
application reads them through `registry_view.RegistryView`.

Every write is an upsert or an update to the message's own values: a redelivered message leaves the rows as they
were, and so does the whole stream read again from its beginning (screening_0003 makes the consumer do so).
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

READ_MODELS = ["reg_departments", "reg_staff", "reg_liaisons", "reg_team", "reg_interests", "reg_groups"]
_STANDING: dict[type[Contract], str] = {
    r.GroupRejected: "rejected",
    r.GroupRenewed: "registered",
    r.GroupReinstated: "registered",
    r.GroupLapsed: "lapsed",
    r.GroupSuspended: "suspended",
    r.GroupDissolved: "dissolved",
}


def on_registry_event(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, o.DepartmentCreated):
        tx.execute(
            "INSERT INTO reg_departments (department_id, code, name_ja, name_en) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (department_id) DO UPDATE SET code = excluded.code, name_ja = excluded.name_ja, "
            "name_en = excluded.name_en",
            (str(event.department_id), event.code, event.name_ja, event.name_en),
        )
    elif isinstance(event, o.StaffAssigned):
        tx.execute(
            "INSERT INTO reg_staff (department_id, staff_sub, since) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (str(event.department_id), event.staff_sub, event.since.isoformat()),
        )
    elif isinstance(event, o.StaffUnassigned):
        # The assignment running on that day ends there: one that began by then (the registry refuses an end before
        # its start), so a later assignment, when the stream is read again, is left running.
        day = event.until.isoformat()
        tx.execute(
            "UPDATE reg_staff SET until = %s WHERE department_id = %s AND staff_sub = %s AND until IS NULL "
            "AND since <= %s",
            (day, str(event.department_id), event.staff_sub, day),
        )
    elif isinstance(event, o.LiaisonAppointed):
        tx.execute(
            "INSERT INTO reg_liaisons (department_id, liaison_sub, since) VALUES (%s, %s, %s) "
            "ON CONFLICT (department_id) DO UPDATE SET liaison_sub = excluded.liaison_sub, since = excluded.since",
            (str(event.department_id), event.liaison_sub, event.since.isoformat()),
        )
    elif isinstance(event, r.GroupApplied | r.GroupRegistered | r.GroupReapplied | r.GroupProfileUpdated):
        _on_group(event, tx)
    elif isinstance(
        event,
        r.GroupRejected | r.GroupRenewed | r.GroupReinstated | r.GroupLapsed | r.GroupSuspended | r.GroupDissolved,
    ):
        tx.execute(
            "UPDATE reg_groups SET status = %s WHERE group_id = %s", (_STANDING[type(event)], str(event.group_id))
        )
    else:
        _on_team_or_interest(event, tx)


def _on_group(event: Contract, tx: Tx) -> None:
    if isinstance(event, r.GroupProfileUpdated):
        tx.execute("UPDATE reg_groups SET name = %s WHERE group_id = %s", (event.profile.name, str(event.group_id)))
    elif isinstance(event, r.GroupApplied | r.GroupRegistered | r.GroupReapplied):
        status = "registered" if isinstance(event, r.GroupRegistered) else "under_review"
        tx.execute(
            "INSERT INTO reg_groups (group_id, name, status) VALUES (%s, %s, %s) "
            "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, status = excluded.status",
            (str(event.group_id), event.profile.name, status),
        )


def _on_team_or_interest(event: Contract, tx: Tx) -> None:
    if isinstance(event, o.TeamMemberJoined):
        tx.execute(
            "INSERT INTO reg_team (staff_sub, joined_on, department_id) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (event.staff_sub, event.joined_on.isoformat(), str(event.department_id)),
        )
    elif isinstance(event, o.TeamMemberLeft):
        # The stint running on that day ends there: one begun by then (the registry refuses a leaving before the
        # joining), so a later stint, when the stream is read again, is left running.
        day = event.left_on.isoformat()
        tx.execute(
            "UPDATE reg_team SET left_on = %s WHERE staff_sub = %s AND left_on IS NULL AND joined_on <= %s",
            (day, event.staff_sub, day),
        )
    elif isinstance(event, o.InterestDeclared):
        tx.execute(
            "INSERT INTO reg_interests (declaration_id, person_sub, group_id, declared_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (str(event.declaration_id), event.person_sub, str(event.group_id), event.declared_at.isoformat()),
        )
    elif isinstance(event, o.DepartmentInterestDeclared):
        tx.execute(
            "INSERT INTO reg_interests (declaration_id, person_sub, department_id, declared_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (str(event.declaration_id), event.person_sub, str(event.department_id), event.declared_at.isoformat()),
        )
    elif isinstance(event, o.InterestWithdrawn | o.DepartmentInterestWithdrawn):
        tx.execute(
            "UPDATE reg_interests SET withdrawn_at = %s WHERE declaration_id = %s",
            (event.withdrawn_at.isoformat(), str(event.declaration_id)),
        )


FOLLOWED: tuple[type[Contract], ...] = (
    o.DepartmentCreated,
    o.StaffAssigned,
    o.StaffUnassigned,
    o.LiaisonAppointed,
    o.TeamMemberJoined,
    o.TeamMemberLeft,
    o.InterestDeclared,
    o.InterestWithdrawn,
    o.DepartmentInterestDeclared,
    o.DepartmentInterestWithdrawn,
    r.GroupApplied,
    r.GroupRegistered,
    r.GroupReapplied,
    r.GroupProfileUpdated,
    *_STANDING,
)
HANDLERS: dict[type[Contract], Handler] = dict.fromkeys(FOLLOWED, on_registry_event)
