"""City departments by name: the read model `hub_departments`, fed from the registry's `registry.department.created`
(stream KYODO_REGISTRY), so public pages name a department rather than show its id.
"""

from __future__ import annotations

from kyodo_contracts import Contract
from kyodo_contracts import registry_org as o
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

TABLES = ["hub_departments"]


def on_department_created(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, o.DepartmentCreated)
    # An older message applied again (a replay from an earlier position) never overwrites a later one.
    tx.execute(
        "INSERT INTO hub_departments (department_id, code, name_ja, name_en, source_sequence) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (department_id) DO UPDATE SET code = excluded.code, "
        "name_ja = excluded.name_ja, name_en = excluded.name_en, source_sequence = excluded.source_sequence "
        "WHERE hub_departments.source_sequence <= excluded.source_sequence",
        (str(event.department_id), event.code, event.name_ja, event.name_en, envelope.sequence),
    )


HANDLERS: dict[type[Contract], Handler] = {o.DepartmentCreated: on_department_created}
