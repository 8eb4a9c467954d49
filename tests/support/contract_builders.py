"""Other services' contracts, built for the tests of the services that consume them: a screening project record, an
evaluation agreement and its published report, each contract's CloudEvent as the producer's relay writes it, and
streams published on the bus as the relay would (sequences from `first`).

A builder's defaults are ordinary values no test depends on; a test passes what it asserts as a keyword override.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import nats
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from kyodo_contracts import Contract, stream_name, stream_subjects
from kyodo_contracts import evaluation as ev
from kyodo_contracts import screening as s
from kyodo_shared.bus.cloudevents import Envelope, encode, message_id

ACHIEVEMENT = ev.Criterion(key="achievement", name_ja="目標の達成度")


def project_record(department_id: uuid.UUID, **overrides: Any) -> s.ProjectRecord:
    """A project of the department's inventory (a new id unless one is given)."""
    values: dict[str, Any] = {
        "project_id": uuid.uuid4(),
        "department_id": department_id,
        "fiscal_year": 2026,
        "project_number": "2026-001",
        "title": "見守り事業",
        "purpose": "地域の見守り",
        "legal_basis": "",
        "budget_yen": 1_200_000,
        "beneficiaries": "高齢者",
        "delivery": "直営",
        "period": "通年",
        "contact_section": "市民協働課 協働推進係",
        "group_ids": [],
        **overrides,
    }
    return s.ProjectRecord(**values)


def agreement(fiscal_year: int, **overrides: Any) -> ev.Agreement:
    """An agreement for the fiscal year (April to March) with one interim report at the end of September."""
    values: dict[str, Any] = {
        "title_ja": "子育てひろば協働事業",
        "role_group_ja": "運営",
        "role_department_ja": "会場の提供",
        "budget": ev.Budget(total_yen=1_000_000, city_yen=500_000, group_yen=500_000),
        "period_start": date(fiscal_year, 4, 1),
        "period_end": date(fiscal_year + 1, 3, 31),
        "deliverables": ["報告書"],
        "indicators": [],
        "report_dates": [date(fiscal_year, 9, 30)],
        **overrides,
    }
    return ev.Agreement(**values)


def report_published(
    project_id: uuid.UUID, group_id: uuid.UUID, department_id: uuid.UUID, terms: ev.Agreement, **overrides: Any
) -> ev.ReportPublished:
    """The committee's report on the project under its first agreement: one member's points on achievement (the
    recommendation, its reasons and the time of publication are the test's)."""
    values: dict[str, Any] = {
        "project_id": project_id,
        "group_id": group_id,
        "department_id": department_id,
        "agreement_version": 1,
        "agreement_hash": "1" * 64,
        "agreement": terms,
        "indicators": [],
        "self_evaluations": [],
        "criteria": [ACHIEVEMENT],
        "evaluations": [ev.LabelledEvaluation(label="A", points={"achievement": 4})],
        "criterion_means": {"achievement": "4/1"},
        "overall_mean": "4/1",
        "recusals": 0,
        "confirmed_by": "chair",
        **overrides,
    }
    return ev.ReportPublished(**values)


def envelope(event: Contract, sequence: int, at: datetime, **overrides: Any) -> Envelope:
    """The CloudEvent of the producer's `sequence`th notification, as its relay writes it."""
    source = event.source_service()
    values: dict[str, Any] = {
        "id": message_id(source, sequence, 0),
        "source": f"/kyodo/{source}",
        "type": event.ce_type(),
        "time": at,
        "subject": source,
        "sequence": sequence,
        "correlation_id": "c",
        "causation_id": "c",
        "data": event,
        "notification_id": sequence,
        **overrides,
    }
    return Envelope(**values)


async def published_on_the_bus(
    nats_url: str, namespace: str, streams: dict[str, list[Contract]], at: datetime, first: int = 1
) -> None:
    """Publish each source's contracts on its stream (made if missing), as its relay would, sequences from `first`."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for source, events in streams.items():
            try:
                await js.stream_info(stream_name(namespace, source))
            except NotFoundError:
                subjects = [stream_subjects(namespace, source)]
                await js.add_stream(StreamConfig(name=stream_name(namespace, source), subjects=subjects))
            for sequence, event in enumerate(events, start=first):
                headers, data = encode(envelope(event, sequence, at))
                await js.publish(event.subject(namespace), data, headers=headers)
    finally:
        await nc.close()
