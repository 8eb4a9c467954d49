"""The registry's contract events the evaluation service follows, kept in read models in its own database: groups
(standing and who acts for them), departments with their staff and liaisons, the committees with their names, members'
terms, officers and acting chairs (委員長代理), and declared interests in groups and departments (for recusal). The
application reads them through `registry_view.RegistryView`.

The SQL is the proposals' and the screening service's (services never import each other: each keeps its own copy
of what it reads). Every write is an upsert or an update to the message's own values: a redelivered message leaves
the rows as they were, and so does the whole stream read again from its beginning (evaluation_0002 makes the
consumer do so).
"""

from __future__ import annotations

import json

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

READ_MODELS = [
    "reg_groups",
    "reg_group_contacts",
    "reg_departments",
    "reg_staff",
    "reg_liaisons",
    "reg_committees",
    "reg_committee_terms",
    "reg_committee_officers",
    "reg_acting_chairs",
    "reg_interests",
]


def on_registry_event(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, r.GroupApplied | r.GroupRegistered | r.GroupReapplied):
        status = "registered" if isinstance(event, r.GroupRegistered) else "under_review"
        tx.execute(
            "INSERT INTO reg_groups (group_id, name, status, representative_sub) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, status = excluded.status, "
            "representative_sub = excluded.representative_sub",
            (str(event.group_id), event.profile.name, status, event.representative_sub),
        )
    elif isinstance(event, r.GroupProfileUpdated):
        tx.execute("UPDATE reg_groups SET name = %s WHERE group_id = %s", (event.profile.name, str(event.group_id)))
    elif isinstance(event, r.GroupRejected):
        _group_status(tx, event.group_id, "rejected")
    elif isinstance(event, r.GroupRenewed | r.GroupReinstated):
        _group_status(tx, event.group_id, "registered")
    elif isinstance(event, r.GroupLapsed):
        _group_status(tx, event.group_id, "lapsed")
    elif isinstance(event, r.GroupSuspended):
        _group_status(tx, event.group_id, "suspended")
    elif isinstance(event, r.GroupDissolved):
        _group_status(tx, event.group_id, "dissolved")
    elif isinstance(event, r.GroupRepresentativeChanged):
        tx.execute(
            "UPDATE reg_groups SET representative_sub = %s WHERE group_id = %s",
            (event.representative_sub, str(event.group_id)),
        )
        # The registry makes a contact who becomes representative stop being a contact.
        tx.execute(
            "DELETE FROM reg_group_contacts WHERE group_id = %s AND contact_sub = %s",
            (str(event.group_id), event.representative_sub),
        )
    elif isinstance(event, r.GroupContactAdded):
        tx.execute(
            "INSERT INTO reg_group_contacts (group_id, contact_sub) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (str(event.group_id), event.contact_sub),
        )
    elif isinstance(event, r.GroupContactRemoved):
        tx.execute(
            "DELETE FROM reg_group_contacts WHERE group_id = %s AND contact_sub = %s",
            (str(event.group_id), event.contact_sub),
        )
    else:
        _on_department_event(event, tx)


def _group_status(tx: Tx, group_id: object, status: str) -> None:
    tx.execute("UPDATE reg_groups SET status = %s WHERE group_id = %s", (status, str(group_id)))


def _on_department_event(event: Contract, tx: Tx) -> None:
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
        # Kept per appointment: the liaison on a day is the latest appointed by then (a new one replaces the
        # previous from its `since`; the registry refuses a `since` before the current liaison's).
        tx.execute(
            "INSERT INTO reg_liaisons (department_id, since, liaison_sub) VALUES (%s, %s, %s) "
            "ON CONFLICT (department_id, since) DO UPDATE SET liaison_sub = excluded.liaison_sub",
            (str(event.department_id), event.since.isoformat(), event.liaison_sub),
        )
    else:
        _on_committee_event(event, tx)


def _committee(tx: Tx, committee_id: object, kind: str) -> None:
    # Every committee event names the committee's kind: whichever arrives first makes the committee known.
    tx.execute(
        "INSERT INTO reg_committees (committee_id, kind) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (str(committee_id), kind),
    )


def _on_committee_event(event: Contract, tx: Tx) -> None:
    if isinstance(event, o.CommitteeEstablished):
        # Its names, even when a member's appointment made the committee known first.
        tx.execute(
            "INSERT INTO reg_committees (committee_id, kind, name_ja, name_en) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (committee_id) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en",
            (str(event.committee_id), event.kind.value, event.name_ja, event.name_en),
        )
    elif isinstance(event, o.CommitteeMemberAppointed):
        _committee(tx, event.committee_id, event.committee_kind.value)
        tx.execute(
            "INSERT INTO reg_committee_terms (committee_id, committee_kind, member_sub, term_start, term_end) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (
                str(event.committee_id),
                event.committee_kind.value,
                event.member_sub,
                event.term_start.isoformat(),
                event.term_end.isoformat(),
            ),
        )
    elif isinstance(event, o.CommitteeMembershipEnded):
        _committee(tx, event.committee_id, event.committee_kind.value)
        # The term that was running on that day ends there.
        day = event.ended_on.isoformat()
        tx.execute(
            "UPDATE reg_committee_terms SET term_end = %s WHERE committee_id = %s AND member_sub = %s "
            "AND term_start <= %s AND term_end >= %s",
            (day, str(event.committee_id), event.member_sub, day, day),
        )
    elif isinstance(event, o.CommitteeOfficersChanged):
        _committee(tx, event.committee_id, event.committee_kind.value)
        # Kept per change: the officers on a day are the latest in effect by then.
        tx.execute(
            "INSERT INTO reg_committee_officers (committee_id, effective_on, chair_sub, vice_chair_sub) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (committee_id, effective_on) DO UPDATE SET "
            "chair_sub = excluded.chair_sub, vice_chair_sub = excluded.vice_chair_sub",
            (str(event.committee_id), event.effective_on.isoformat(), event.chair_sub, event.vice_chair_sub),
        )
    elif isinstance(event, o.CommitteeActingChairElected):
        _committee(tx, event.committee_id, event.committee_kind.value)
        # The latest election for a matter replaces an earlier one (e.g. the first elected turned out recused).
        tx.execute(
            "INSERT INTO reg_acting_chairs (committee_id, matter, acting_chair_sub, elector_subs, elected_on) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (committee_id, matter) DO UPDATE SET "
            "acting_chair_sub = excluded.acting_chair_sub, elector_subs = excluded.elector_subs, "
            "elected_on = excluded.elected_on",
            (
                str(event.committee_id),
                event.matter,
                event.acting_chair_sub,
                json.dumps(sorted(event.elector_subs)),
                event.elected_on.isoformat(),
            ),
        )
    else:
        _on_interest_event(event, tx)


def _on_interest_event(event: Contract, tx: Tx) -> None:
    if isinstance(event, o.InterestDeclared):
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
        # Kept, marked: a withdrawn interest still recuses (RegistryView.interested).
        tx.execute(
            "UPDATE reg_interests SET withdrawn_at = %s WHERE declaration_id = %s",
            (event.withdrawn_at.isoformat(), str(event.declaration_id)),
        )


FOLLOWED: tuple[type[Contract], ...] = (
    r.GroupApplied,
    r.GroupRegistered,
    r.GroupReapplied,
    r.GroupProfileUpdated,
    r.GroupRejected,
    r.GroupRenewed,
    r.GroupReinstated,
    r.GroupLapsed,
    r.GroupSuspended,
    r.GroupDissolved,
    r.GroupRepresentativeChanged,
    r.GroupContactAdded,
    r.GroupContactRemoved,
    o.DepartmentCreated,
    o.StaffAssigned,
    o.StaffUnassigned,
    o.LiaisonAppointed,
    o.CommitteeEstablished,
    o.CommitteeMemberAppointed,
    o.CommitteeMembershipEnded,
    o.CommitteeOfficersChanged,
    o.CommitteeActingChairElected,
    o.InterestDeclared,
    o.InterestWithdrawn,
    o.DepartmentInterestDeclared,
    o.DepartmentInterestWithdrawn,
)
HANDLERS: dict[type[Contract], Handler] = dict.fromkeys(FOLLOWED, on_registry_event)
