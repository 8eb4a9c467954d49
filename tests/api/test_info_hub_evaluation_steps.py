"""info-hub's read models of the partners' steps (`evaluation_drafts`, `evaluation_self_evaluations_sent`) on SQLite
and PostgreSQL, fed through its own handlers one message per transaction as its consumer applies them: a redraft
clears the confirmations, a confirmation marks only the draft drafted before it, a self-evaluation sent keeps the
partner and the time, and every message applied again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_info_hub.bus import SUBSCRIPTIONS
from kyodo_info_hub.bus.evaluation_steps import TABLES
from kyodo_shared.bus.cloudevents import Envelope, message_id
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for

START = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
PROJECT, OTHER = uuid.UUID(int=0xE1), uuid.UUID(int=0xE2)


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer)
    async with platform({"info-hub": settings}, issuer) as p_:
        yield p_


class Feed:
    """The evaluation stream's messages applied by info-hub's handlers, each in its own transaction, in order."""

    def __init__(self, hub: Platform) -> None:
        self.db = hub.apps["info-hub"].state.kernel.db
        self.handlers = {sub.source: sub.handlers for sub in SUBSCRIPTIONS}["evaluation"]
        self.applied: list[Envelope] = []

    def __call__(self, *events: Contract) -> None:
        for event in events:
            sequence = len(self.applied) + 1
            self.apply(
                Envelope(
                    id=message_id("evaluation", sequence, 0),
                    source="/kyodo/evaluation",
                    type=event.ce_type(),
                    time=START + timedelta(minutes=sequence),
                    subject=str(sequence),
                    sequence=sequence,
                    correlation_id="c",
                    causation_id="c",
                    data=event,
                    notification_id=sequence,
                )
            )

    def apply(self, message: Envelope) -> None:
        with self.db.transaction() as tx:
            self.handlers[type(message.data)](message, tx)
        if message not in self.applied:
            self.applied.append(message)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        with self.db.transaction(read_only=True) as tx:
            return {t: sorted(tx.fetchall(f"SELECT * FROM {t}"), key=repr) for t in TABLES}


def drafted(version: int, project: uuid.UUID = PROJECT) -> ev.AgreementDrafted:
    return ev.AgreementDrafted(project_id=project, agreement_version=version, amendment=version > 1)


def confirmed(partner: ev.Partner, project: uuid.UUID = PROJECT) -> ev.AgreementConfirmed:
    return ev.AgreementConfirmed(project_id=project, partner=partner)


async def test_a_redraft_clears_the_confirmations_and_an_earlier_confirmation_applied_again_never_marks_it(
    info_hub: Platform,
) -> None:
    feed = Feed(info_hub)
    feed(drafted(1), confirmed(ev.Partner.GROUP), drafted(1, OTHER))
    # Tokyo time of the message: the nth minute after START for the nth message.
    assert feed.rows()["evaluation_drafts"] == sorted(
        [
            (str(PROJECT), 1, False, "2027-04-01T09:01:00+09:00", "2027-04-01T09:02:00+09:00", None, 1),
            (str(OTHER), 1, False, "2027-04-01T09:03:00+09:00", None, None, 3),
        ],
        key=repr,
    )
    # The same version drafted again: both partners must confirm it anew, and the group's earlier confirmation,
    # delivered again (a redelivery, a replay), does not count for it.
    feed(drafted(1))
    group_confirmation = feed.applied[1]
    feed.apply(group_confirmation)
    row = [r for r in feed.rows()["evaluation_drafts"] if r[0] == str(PROJECT)]
    assert [(r[1], r[4], r[5], r[6]) for r in row] == [(1, None, None, 4)]
    feed(confirmed(ev.Partner.DEPARTMENT))
    row = [r for r in feed.rows()["evaluation_drafts"] if r[0] == str(PROJECT)]
    assert [(r[4], r[5]) for r in row] == [(None, "2027-04-01T09:05:00+09:00")]
    # The other project's draft is untouched by this project's confirmations.
    other = [r for r in feed.rows()["evaluation_drafts"] if r[0] == str(OTHER)]
    assert [(r[4], r[5]) for r in other] == [(None, None)]


async def test_a_message_published_before_this_release_with_the_drafts_hash_is_read_and_the_hash_kept_nowhere(
    info_hub: Platform,
) -> None:
    feed = Feed(info_hub)
    old_hash = "ab" * 32
    old_draft = {"project_id": str(PROJECT), "agreement_version": 1, "agreement_hash": old_hash, "amendment": False}
    old_confirmation = {"project_id": str(PROJECT), "agreement_hash": old_hash, "partner": "group"}
    feed(ev.AgreementDrafted.model_validate(old_draft), ev.AgreementConfirmed.model_validate(old_confirmation))
    rows = feed.rows()
    assert [(r[1], r[4]) for r in rows["evaluation_drafts"]] == [(1, "2027-04-01T09:02:00+09:00")]
    assert old_hash not in repr(rows)


async def test_a_self_evaluation_sent_keeps_its_partner_and_time_and_messages_applied_again_change_nothing(
    info_hub: Platform,
) -> None:
    feed = Feed(info_hub)
    sent_at = datetime(2028, 4, 10, 0, 30, tzinfo=UTC)
    feed(
        drafted(2),
        confirmed(ev.Partner.DEPARTMENT),
        ev.SelfEvaluationSent(project_id=PROJECT, partner=ev.Partner.GROUP, sent_at=sent_at),
    )
    rows = feed.rows()
    assert rows["evaluation_self_evaluations_sent"] == [(str(PROJECT), "group", "2028-04-10T09:30:00+09:00", 3)]
    assert [(r[1], r[2], r[5]) for r in rows["evaluation_drafts"]] == [(2, True, "2027-04-01T09:02:00+09:00")]
    for message in list(feed.applied):
        feed.apply(message)
    assert feed.rows() == rows
