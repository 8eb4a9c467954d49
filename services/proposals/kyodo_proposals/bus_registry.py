"""The registry's contract events the proposals service follows, kept in read models in its own database: which
groups are in good standing and who acts for them, the review board's members and officers, the acting chairs its
members elected for a call (委員長代理), declared interests (for automatic recusal), the departments a call may
name as the one that runs it (担当部署), and the committees' names and kinds (the review board a call names). The
application reads them through `registry_view.RegistryView` (the pages' choices through `pages/reads.py`).
"""

from __future__ import annotations

import json
from datetime import UTC

from kyodo_contracts import Contract
from kyodo_contracts import registry as r
from kyodo_contracts import registry_org as o
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

READ_MODELS = [
    "reg_groups",
    "reg_group_standing",
    "reg_group_contacts",
    "reg_committee_terms",
    "reg_committee_officers",
    "reg_acting_chairs",
    "reg_interests",
    "reg_departments",
    "reg_committees",
]


def _group_status(tx: Tx, group_id: object, status: str, envelope: Envelope | None = None) -> None:
    tx.execute("UPDATE reg_groups SET status = %s WHERE group_id = %s", (status, str(group_id)))
    if envelope is not None:
        _standing(tx, group_id, status, envelope)


def _standing(tx: Tx, group_id: object, status: str, envelope: Envelope) -> None:
    tx.execute(
        "INSERT INTO reg_group_standing (group_id, at, source_sequence, status) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (str(group_id), envelope.time.astimezone(UTC).isoformat(), envelope.sequence, status),
    )


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
        _standing(tx, event.group_id, status, envelope)
    elif isinstance(event, r.GroupProfileUpdated):
        tx.execute("UPDATE reg_groups SET name = %s WHERE group_id = %s", (event.profile.name, str(event.group_id)))
    elif isinstance(event, r.GroupRejected):
        _group_status(tx, event.group_id, "rejected", envelope)
    elif isinstance(event, r.GroupRenewed | r.GroupReinstated):
        _group_status(tx, event.group_id, "registered", envelope)
    elif isinstance(event, r.GroupLapsed):
        _group_status(tx, event.group_id, "lapsed", envelope)
    elif isinstance(event, r.GroupSuspended):
        _group_status(tx, event.group_id, "suspended", envelope)
    elif isinstance(event, r.GroupDissolved):
        _group_status(tx, event.group_id, "dissolved", envelope)
    elif isinstance(event, r.GroupRepresentativeChanged):
        tx.execute(
            "UPDATE reg_groups SET representative_sub = %s WHERE group_id = %s",
            (event.representative_sub, str(event.group_id)),
        )
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
        _on_org_event(event, tx)


def _on_org_event(event: Contract, tx: Tx) -> None:
    if isinstance(event, o.DepartmentCreated):
        tx.execute(
            "INSERT INTO reg_departments (department_id, code, name_ja, name_en) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (department_id) DO UPDATE SET code = excluded.code, name_ja = excluded.name_ja, "
            "name_en = excluded.name_en",
            (str(event.department_id), event.code, event.name_ja, event.name_en),
        )
    elif isinstance(event, o.CommitteeEstablished):
        tx.execute(
            "INSERT INTO reg_committees (committee_id, kind, name_ja, name_en) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (committee_id) DO UPDATE SET kind = excluded.kind, name_ja = excluded.name_ja, "
            "name_en = excluded.name_en",
            (str(event.committee_id), event.kind.value, event.name_ja, event.name_en),
        )
    elif isinstance(event, o.CommitteeMemberAppointed):
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
        # The term that was running on that day ends there.
        tx.execute(
            "UPDATE reg_committee_terms SET term_end = %s WHERE committee_id = %s AND member_sub = %s "
            "AND term_start <= %s AND term_end >= %s",
            (
                event.ended_on.isoformat(),
                str(event.committee_id),
                event.member_sub,
                event.ended_on.isoformat(),
                event.ended_on.isoformat(),
            ),
        )
    elif isinstance(event, o.CommitteeOfficersChanged):
        tx.execute(
            "INSERT INTO reg_committee_officers (committee_id, chair_sub, vice_chair_sub, effective_on) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (committee_id) DO UPDATE SET chair_sub = excluded.chair_sub, "
            "vice_chair_sub = excluded.vice_chair_sub, effective_on = excluded.effective_on",
            (str(event.committee_id), event.chair_sub, event.vice_chair_sub, event.effective_on.isoformat()),
        )
    elif isinstance(event, o.CommitteeActingChairElected):
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
    elif isinstance(event, o.InterestDeclared):
        tx.execute(
            "INSERT INTO reg_interests (declaration_id, person_sub, group_id, declared_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (str(event.declaration_id), event.person_sub, str(event.group_id), event.declared_at.isoformat()),
        )
    elif isinstance(event, o.InterestWithdrawn):
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
    o.CommitteeEstablished,
    o.CommitteeMemberAppointed,
    o.CommitteeMembershipEnded,
    o.CommitteeOfficersChanged,
    o.CommitteeActingChairElected,
    o.InterestDeclared,
    o.InterestWithdrawn,
)
HANDLERS: dict[type[Contract], Handler] = dict.fromkeys(FOLLOWED, on_registry_event)
