"""The subscriber kit (examples/subscriber/) against a real NATS JetStream, run as a city's other system runs it.

A nats-server of our own runs with the kit's own `nats-reader.conf`: the relay side publishes Kyodo-shaped
CloudEvents as the full-permission `kyodo` user and, as Kyodo's operator would, creates the reader's durable consumer;
the kit consumes as the read-only `grants-ledger` user, in a subprocess (`python -m kyodo_subscriber`), and the test
reads its SQLite database read-only (tests/support/subscriber_kit.py). One test runs the configuration's development
variant, in which the kit creates its own consumer.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from kyodo_contracts.proposals import ProposalAdopted
from kyodo_contracts.registry import GroupRegistered
from kyodo_shared.bus.cloudevents import H_MSG_ID

from support.cli import wait_for
from support.subscriber_kit import (
    KIT,
    NAMESPACE,
    READER,
    RELAY,
    SOURCE,
    STREAM,
    V2,
    Kit,
    Relay,
    adopted,
    applied,
    development_config,
    event,
    nats_server,
    registered,
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The kit's own nats-reader.conf, as shipped."""
    with nats_server(KIT / "nats-reader.conf") as url:
        yield url


@pytest.fixture
def relay(server: str) -> Relay:
    """The registry stream, fresh, and the reader's consumer on it as Kyodo's operator creates it (README §2)."""
    relay = Relay(server)
    relay.fresh_stream()
    relay.create_consumer()
    return relay


@pytest.fixture
def kit(server: str, tmp_path: Path) -> Iterator[Kit]:
    kit = Kit(server, tmp_path)
    try:
        yield kit
    finally:
        kit.stop()


def test_every_event_is_applied_exactly_once_in_order_and_unfollowed_types_only_move_tracking(
    relay: Relay, kit: Kit
) -> None:
    # Every third event is an application, which the ledger does not follow.
    relay.publish([event(s, applied(f"g{s}") if s % 3 == 0 else registered(f"g{s}")) for s in range(1, 31)])
    kit.start()
    kit.wait_tracked(30)
    # A copy of event 5 (another Nats-Msg-Id, so the stream keeps it): acked as a duplicate, not applied again.
    headers, body = event(5, registered("g5"))
    relay.publish([({**headers, H_MSG_ID: "copy-of-5"}, body)])
    wait_for(lambda: relay.consumer() == (31, 31), 15, "the copy acked")

    assert kit.journal() == [s for s in range(1, 31) if s % 3]
    assert kit.query("SELECT COUNT(*) FROM groups") == [(20,)]
    assert kit.tracked() == 30


def test_a_transiently_failing_handler_is_retried_with_back_off_and_order_is_kept(relay: Relay, kit: Kit) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 11)])
    # Fault injection: the handler fails the first 2 times it sees sequence 4 (below MAX_FAILURES=3).
    kit.start(FAULT="registry:4:2")
    kit.wait_tracked(10)

    assert kit.journal() == list(range(1, 11))
    assert kit.parked() == []
    assert kit.query("SELECT COUNT(*) FROM failures") == [(0,)]
    log = kit.log()
    assert "sequence=4 type=jp.kyodo.registry.group.registered.v1 failures=2 error=InjectedFault" in log
    assert "failures=3" not in log


def test_a_subscriber_killed_mid_batch_resumes_with_every_event_applied_once_in_order(relay: Relay, kit: Kit) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 301)])
    kit.start()
    # A tight poll of its own: the kill must land while events are still in flight.
    deadline = time.monotonic() + 30
    while kit.tracked_or_zero() < 100:
        assert time.monotonic() < deadline, kit.log()[-3000:]
        time.sleep(0.005)
    kit.kill()
    at_kill = kit.tracked()
    assert at_kill < 300, "the kill came after the last event: nothing was in flight"

    kit.start()
    kit.wait_tracked(300, timeout=60)
    journal = kit.journal()
    assert journal == list(range(1, 301))
    assert kit.query("SELECT COUNT(*) FROM applied_events") == [(300,)]


def test_a_poison_message_is_parked_after_n_tries_holds_later_ones_and_can_be_skipped(relay: Relay, kit: Kit) -> None:
    headers, _ = event(4, registered("g4"))
    relay.publish(
        [event(s, registered(f"g{s}")) for s in (1, 2, 3)]
        + [(headers, b'{"group_id": "not a uuid", "personal": "\xe7\xa7\x98\xe5\xaf\x86"}')]
        + [event(s, registered(f"g{s}")) for s in (5, 6)]
    )
    kit.start()
    wait_for(lambda: kit.parked(), 30, "sequence 4 parked", tolerate=(sqlite3.OperationalError,))
    (sequence, failures, error_class, first_parked_at) = kit.parked()[0]
    assert (sequence, failures, error_class) == (4, 3, "PoisonMessage")
    # Held: 5 and 6 were delivered to the kit, and are still not applied.
    wait_for(lambda: relay.consumer()[0] >= 6, 15, "5 and 6 delivered")
    assert kit.tracked() == 3
    assert kit.journal() == [1, 2, 3]

    listing = kit.cli("parked", "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.startswith(f"{SOURCE}\t4\tjp.kyodo.registry.group.registered.v1\t")
    assert "PoisonMessage" in listing.stdout
    assert "failures=3" in listing.stdout
    # Neither the list nor the logs carry the body.
    assert "秘密" not in listing.stdout + kit.log()
    assert "not a uuid" not in kit.log()

    # A retry of a message that cannot change parks it again after a fresh budget: retry is for fixes of ours.
    assert kit.cli("parked", "retry", "registry", "4").returncode == 0
    wait_for(lambda: kit.parked() and kit.parked()[0][3] != first_parked_at, 30, "parked again")
    assert kit.tracked() == 3

    skipped = kit.cli("parked", "skip", "registry", "4")
    assert skipped.returncode == 0, skipped.stderr
    kit.wait_tracked(6)
    assert kit.journal() == [1, 2, 3, 5, 6]
    assert kit.query("SELECT sequence FROM skipped") == [(4,)]
    assert kit.cli("parked", "list").stdout == ""
    assert kit.cli("parked", "retry", "registry", "4").returncode == 1


def test_a_parked_failure_is_retried_after_the_fix_is_deployed_and_the_held_ones_follow_in_order(
    relay: Relay, kit: Kit
) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 6)])
    # The "bug": the handler always fails at sequence 3.
    kit.start(FAULT="registry:3:always")
    wait_for(lambda: kit.parked(), 30, "sequence 3 parked", tolerate=(sqlite3.OperationalError,))
    wait_for(lambda: relay.consumer()[0] >= 5, 15, "4 and 5 delivered")
    assert kit.journal() == [1, 2]

    # The fix is deployed (a restart without the fault); the source stays parked until the operator retries.
    kit.stop()
    kit.start()
    assert "InjectedFault" in kit.cli("parked", "list", "registry").stdout
    assert kit.cli("parked", "retry", "/kyodo/registry", "3").returncode == 0
    kit.wait_tracked(5)
    assert kit.journal() == [1, 2, 3, 4, 5]
    assert kit.parked() == []


def test_a_subscriber_whose_database_was_lost_refuses_to_start_until_its_consumer_is_recreated(
    relay: Relay, kit: Kit
) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 6)])
    kit.start()
    kit.wait_tracked(5)
    wait_for(lambda: relay.consumer()[1] == 5, 15, "all acked")
    kit.stop()
    for path in kit.root.glob("ledger.sqlite*"):
        path.unlink()

    # The consumer acked 1..5, the new database applied nothing: starting would silently skip them.
    kit.start()
    line = kit.refused("ConsumerAheadOfDatabase")
    assert "acked up to 5 but the database applied 0: have the consumer recreated" in line

    # What the operator does: recreate the consumer from the database's position (nothing applied: all).
    relay.delete_consumer()
    relay.create_consumer()
    kit.start()
    kit.wait_tracked(5)
    assert kit.journal() == [1, 2, 3, 4, 5]


def test_in_the_development_variant_the_subscriber_creates_its_own_consumer_as_the_readme_says(
    tmp_path: Path,
) -> None:
    with nats_server(development_config(tmp_path)) as url:
        relay = Relay(url)
        relay.fresh_stream()
        relay.publish([event(s, registered(f"g{s}")) for s in range(1, 4)])
        kit = Kit(url, tmp_path)
        try:
            kit.start(CONSUMER_PRECREATED="false")
            kit.wait_tracked(3)
            assert kit.journal() == [1, 2, 3]
        finally:
            kit.stop()
        config = relay.consumer_config()
        assert config is not None
        assert (config.ack_policy, config.max_deliver, config.filter_subject) == (
            AckPolicy.EXPLICIT,
            -1,
            f"{NAMESPACE}.registry.>",
        )


def test_the_default_reader_cannot_create_a_consumer_so_it_cannot_have_the_server_deliver_anywhere(
    relay: Relay, kit: Kit
) -> None:
    relay.delete_consumer()
    relay.fresh_stream("proposals")
    relay.publish([event(1, registered("g1"))])
    # Without the operator's consumer the subscriber refuses to start, saying who creates it.
    kit.start()
    assert "Kyodo's operator creates it" in kit.refused("ConsumerMissing")
    kit.start(faststream=True)  # the README's other way to run it says the same
    assert "Kyodo's operator creates it" in kit.refused("ConsumerMissing")

    errors: list[Exception] = []

    async def go() -> None:
        async def on_error(exc: Exception) -> None:
            errors.append(exc)

        nc = await nats.connect(
            relay.url, user=READER[0], password=READER[1], inbox_prefix="_INBOX_grants_ledger", error_cb=on_error
        )
        try:
            js = nc.jetstream(timeout=1.0)
            # The escalation a create right would allow: a push consumer delivering into Kyodo's proposals stream.
            push = ConsumerConfig(
                name="grants-ledger-registry",
                durable_name="grants-ledger-registry",
                filter_subject=f"{NAMESPACE}.registry.>",
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
                deliver_subject=f"{NAMESPACE}.proposals.call.published",
            )
            with pytest.raises(NatsTimeoutError):  # a denied request gets no answer
                await js.add_consumer(STREAM, push)
            pull = ConsumerConfig(name="grants-ledger-registry", ack_policy=AckPolicy.EXPLICIT)
            with pytest.raises(NatsTimeoutError):  # nor a pull consumer of its own name
                await js.add_consumer(STREAM, pull)
            deadline = time.monotonic() + 5
            while len(errors) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await nc.close()

    asyncio.run(go())
    assert any("permissions violation" in str(e).lower() and "consumer.create" in str(e).lower() for e in errors)
    assert relay.consumer_config() is None
    assert relay.stream_length("proposals") == 0


def test_the_reader_user_cannot_publish_to_a_stream_subject_nor_delete_the_stream(relay: Relay) -> None:
    relay.publish([event(1, registered("g1"))])
    errors: list[Exception] = []

    async def go() -> None:
        async def on_error(exc: Exception) -> None:
            errors.append(exc)

        nc = await nats.connect(relay.url, user=READER[0], password=READER[1], error_cb=on_error)
        try:
            headers, body = event(2, registered("g2"))
            await nc.publish(GroupRegistered.subject(NAMESPACE), body, headers=headers)
            await nc.flush()
            js = nc.jetstream(timeout=1.0)
            with pytest.raises(NatsTimeoutError):  # a denied request gets no answer
                await js.delete_stream(STREAM)
            wait_deadline = asyncio.get_running_loop().time() + 5
            while not errors and asyncio.get_running_loop().time() < wait_deadline:
                await asyncio.sleep(0.05)
        finally:
            await nc.close()

    asyncio.run(go())
    assert any("permissions violation" in str(e).lower() and "kyodo.registry" in str(e) for e in errors), errors
    assert relay.stream_length() == 1


def test_an_event_with_fields_this_release_does_not_know_is_applied_and_a_v2_beside_it_is_skipped(
    relay: Relay, kit: Kit
) -> None:
    headers, body = event(1, registered("g1"))
    data = json.loads(body)
    data["added_in_a_later_release"] = {"any": "thing"}
    data["profile"]["mascot"] = "たぬき"
    # A v2 of the same event, published beside the v1 until the v1's deprecation date: not this reader's version.
    v2_headers, v2_body = event(2, registered("g2"), ce_type="jp.kyodo.registry.group.registered.v2")
    relay.publish([(headers, json.dumps(data).encode()), (v2_headers, v2_body), event(3, registered("g3"))])
    kit.start()
    kit.wait_tracked(3)

    assert kit.journal() == [1, 3]
    assert kit.query("SELECT name FROM groups ORDER BY name") == [("g1",), ("g3",)]
    assert kit.parked() == []


# ------------------------------------------------------------------------------- permissions: its own inbox


def test_the_reader_user_cannot_listen_on_other_users_inboxes_so_it_never_sees_what_they_pull(relay: Relay) -> None:
    relay.publish([event(1, registered("secret-group"))])
    errors: list[Exception] = []
    seen: list[bytes] = []

    async def go() -> None:
        async def on_error(exc: Exception) -> None:
            errors.append(exc)

        async def on_message(msg: Msg) -> None:
            seen.append(msg.data)

        reader = await nats.connect(relay.url, user=READER[0], password=READER[1], error_cb=on_error)
        kyodo = await nats.connect(relay.url, user=RELAY[0], password=RELAY[1])
        try:
            await reader.subscribe("_INBOX.>", cb=on_message)
            await reader.subscribe("_INBOX_grants_ledger.>", cb=on_message)  # its own: allowed
            await reader.flush()
            # Kyodo's own consumer pulls through its `_INBOX.` inbox, from a stream the reader may not consume.
            pulled = await kyodo.jetstream().pull_subscribe(f"{NAMESPACE}.registry.>", durable="kyodo-internal")
            [msg] = await pulled.fetch(1, timeout=5)
            await msg.ack()
            await reader.flush()  # anything routed to the reader before now has arrived
            deadline = time.monotonic() + 5
            while not errors and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await kyodo.close()
            await reader.close()

    asyncio.run(go())
    # nats-py lower-cases the server's error text.
    assert any("permissions violation" in str(e).lower() and '"_inbox.>"' in str(e).lower() for e in errors), errors
    assert not any(b"secret-group" in data for data in seen)
    assert not [e for e in errors if "_inbox_grants_ledger" in str(e).lower()]


# ---------------------------------------------------------------------------- versions: v1 and v2 of one event

V2_HANDLER = """
from typing import ClassVar

from kyodo_contracts.registry import GroupRegistered
from kyodo_subscriber import effects


class GroupRegisteredV2(GroupRegistered):
    version: ClassVar[int] = 2


effects.follows(GroupRegisteredV2)(effects.registered)
"""


ADOPTED_HANDLERS = """
import sqlite3
from typing import ClassVar

from kyodo_contracts.cloudevents import Envelope
from kyodo_contracts.proposals import ProposalAdopted
from kyodo_subscriber import effects


class ProposalAdoptedV2(ProposalAdopted):
    version: ClassVar[int] = 2


def adopted(conn: sqlite3.Connection, envelope: Envelope, event: ProposalAdopted) -> None:
    effects._journal(conn, envelope, event.proposal_id)


effects.follows(ProposalAdopted)(adopted)
effects.follows(ProposalAdoptedV2)(adopted)
"""


def _v1_and_v2(sequence: int, notification: int) -> list[tuple[dict[str, str], bytes]]:
    """One stored event as the relay publishes it during a deprecation period: v1, then v2 at the next sequence."""
    data = registered(f"n{notification}")
    return [
        event(sequence, data, notification=notification, index=0),
        event(sequence + 1, data, notification=notification, index=1, ce_type=V2),
    ]


def test_a_stored_event_published_as_v1_and_v2_takes_effect_once_when_both_versions_are_followed(
    relay: Relay, kit: Kit
) -> None:
    (kit.root / "both_versions.py").write_text(V2_HANDLER)
    relay.publish(_v1_and_v2(1, 1) + _v1_and_v2(3, 2))
    kit.start(preload="both_versions")
    kit.wait_tracked(4)

    # The first one seen of each stored event (v1 here) takes effect; its v2 is tracked, not applied again.
    assert kit.query("SELECT sequence, event_type FROM group_journal ORDER BY id") == [
        (1, GroupRegistered.ce_type()),
        (3, GroupRegistered.ce_type()),
    ]
    assert kit.query("SELECT COUNT(*) FROM groups") == [(2,)]


def test_moving_a_handler_from_v1_to_v2_across_a_restart_neither_loses_nor_doubles_an_event(
    relay: Relay, kit: Kit
) -> None:
    # Release N follows v1 only, and stops between the v1 and the v2 of stored event 2.
    relay.publish(_v1_and_v2(1, 1) + _v1_and_v2(3, 2)[:1])
    kit.start()
    kit.wait_tracked(3)
    kit.stop()

    # Release N+1 follows v2 only.
    (kit.root / "v2_only.py").write_text(V2_HANDLER + "\ndel effects.HANDLERS[GroupRegistered.ce_type()]\n")
    relay.publish(_v1_and_v2(3, 2)[1:] + _v1_and_v2(5, 3))
    kit.start(preload="v2_only")
    kit.wait_tracked(6)

    # Event 2's v2 (4) is not applied again; event 3's v1 (5) is not followed, its v2 (6) is applied: no loss.
    assert kit.query("SELECT sequence, event_type FROM group_journal ORDER BY id") == [
        (1, GroupRegistered.ce_type()),
        (3, GroupRegistered.ce_type()),
        (6, V2),
    ]
    assert kit.query("SELECT COUNT(*) FROM groups") == [(3,)]
    assert "effect_not_run source=/kyodo/registry sequence=4" in kit.log()


def test_every_proposal_adopted_of_one_stored_event_takes_effect_once_also_with_v1_and_v2_followed(
    relay: Relay, kit: Kit
) -> None:
    """Kyodo's relay maps Call.ResultsPublished to one ProposalAdopted per selected proposal: several contract events
    of one name from one stored event (same ce-kyodonotificationid, different ce-kyodoindex)."""
    (kit.root / "adopted_handlers.py").write_text(ADOPTED_HANDLERS)
    relay.fresh_stream("proposals")
    relay.create_consumer("proposals")
    v1, v2 = ProposalAdopted.ce_type(), ProposalAdopted.ce_type().replace(".v1", ".v2")
    # Stored event 7: three adoptions, v1 only. Stored event 8: each adoption as v1 then v2. Stored event 9: the
    # three v1s, then the three v2s.
    layout = [(7, [(r, v1) for r in (1, 2, 3)])]
    layout.append((8, [(r, t) for r in (1, 2, 3) for t in (v1, v2)]))
    layout.append((9, [(r, t) for t in (v1, v2) for r in (1, 2, 3)]))
    messages, sequence = [], 0
    for notification, contracts in layout:
        for index, (rank, ce_type) in enumerate(contracts):
            sequence += 1
            messages.append(
                event(
                    sequence,
                    adopted(rank),
                    ce_type=ce_type,
                    notification=notification,
                    index=index,
                    service="proposals",
                )
            )
    relay.publish(messages, service="proposals")
    kit.start(preload="adopted_handlers", SOURCES="proposals")
    kit.wait_tracked(15, source="/kyodo/proposals")

    # Three effects per stored event, each adoption once: the first version seen of each.
    assert kit.journal() == [1, 2, 3, 4, 6, 8, 10, 11, 12]
    adoptions = kit.query("SELECT sequence, group_id FROM group_journal ORDER BY id")
    for first, last in ((1, 3), (4, 9), (10, 15)):
        assert len({proposal for seq, proposal in adoptions if first <= seq <= last}) == 3


def test_a_parked_v1_skipped_by_the_operator_does_not_take_effect_as_its_v2_either(relay: Relay, kit: Kit) -> None:
    (kit.root / "both_versions.py").write_text(V2_HANDLER)
    relay.publish(_v1_and_v2(1, 1) + _v1_and_v2(3, 2) + _v1_and_v2(5, 3))
    # The handler always fails on stored event 2's v1 (sequence 3): parked after MAX_FAILURES=3.
    kit.start(preload="both_versions", FAULT="registry:3:always")
    wait_for(lambda: kit.parked(), 30, "sequence 3 parked", tolerate=(sqlite3.OperationalError,))
    assert kit.tracked() == 2

    skipped = kit.cli("parked", "skip", "registry", "3")
    assert skipped.returncode == 0, skipped.stderr
    kit.wait_tracked(6)
    # The operator's decision holds for the stored event: its v2 (4) is not applied in the v1's place.
    assert kit.journal() == [1, 5]
    assert kit.query("SELECT sequence, outcome FROM notification_messages ORDER BY sequence") == [
        (1, "applied"),
        (2, "duplicate"),
        (3, "skipped"),
        (4, "duplicate"),
        (5, "applied"),
        (6, "duplicate"),
    ]
    assert "effect_not_run source=/kyodo/registry sequence=4" in kit.log()


# ------------------------------------------------------------------------------ the source's history at start


def test_a_subscriber_refuses_to_start_when_its_source_was_republished_with_another_history(
    relay: Relay, kit: Kit
) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in (1, 2, 3)])
    kit.start()
    kit.wait_tracked(3)
    kit.stop()

    # Kyodo's store restored from a backup and its stream rebuilt: same ids, other events (other times).
    relay.fresh_stream()
    later = datetime(2026, 12, 1, tzinfo=UTC)
    relay.publish([event(s, registered(f"other{s}"), time=later) for s in (1, 2, 3)])
    kit.start()
    line = kit.refused("SourceHistoryChanged")
    assert f"stream {STREAM}'s message at sequence 3 differs in ce-time" in line
    assert "re-published with a different history" in line

    # A rebuilt stream shorter than what the database applied.
    relay.fresh_stream()
    relay.publish([event(s, registered(f"g{s}")) for s in (1, 2)])
    kit.start()
    assert f"stream {STREAM} has no message at sequence 3" in kit.refused("SourceHistoryChanged")
    assert kit.journal() == [1, 2, 3]


def test_a_database_of_the_first_kit_release_is_migrated_and_carries_on_where_it_stopped(
    relay: Relay, kit: Kit
) -> None:
    messages = [event(s, registered(f"g{s}")) for s in range(1, 6)]
    relay.publish(messages)
    # The first release's bookkeeping (no user_version, no event_time), having applied 1..3.
    conn = sqlite3.connect(kit.db)
    conn.executescript((KIT / "kyodo_subscriber" / "schema.py").read_text().split('V1 = """')[1].split('"""')[0])
    conn.execute("INSERT INTO tracking VALUES (?, 3, ?, 'then')", (SOURCE, messages[2][0]["ce-id"]))
    conn.executemany(
        "INSERT INTO applied_events VALUES (?, ?, ?)",
        [(m[0]["ce-id"], SOURCE, s) for s, m in enumerate(messages[:3], 1)],
    )
    conn.commit()
    conn.close()

    kit.start()
    kit.wait_tracked(5)
    assert kit.journal() == [4, 5]
    assert kit.query("PRAGMA user_version") == [(3,)]
    assert kit.query("SELECT event_time FROM tracking") == [("2026-11-25T00:00:00Z",)]


def test_a_database_written_by_a_newer_kit_release_is_refused_not_migrated_back(relay: Relay, kit: Kit) -> None:
    conn = sqlite3.connect(kit.db)
    conn.executescript((KIT / "kyodo_subscriber" / "schema.py").read_text().split('V1 = """')[1].split('"""')[0])
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    relay.publish([event(1, registered("g1"))])

    kit.start()
    line = kit.refused("DatabaseFromNewerKit")
    assert "written by a newer release of the subscriber kit (schema version 4, this kit knows 3)" in line
    assert kit.query("PRAGMA user_version") == [(4,)]


# ---------------------------------------------------------------------------------- gaps and consumer settings


def test_a_gap_held_too_long_is_recorded_once_and_the_operator_can_move_past_it(relay: Relay, kit: Kit) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 6)])
    relay.delete_message(3)  # the stream no longer holds 3: JetStream will never deliver it
    kit.start(GAP_ALERT="0.5")
    wait_for(
        lambda: kit.query("SELECT expected FROM gaps") == [(3,)],
        30,
        "the gap recorded",
        tolerate=(sqlite3.OperationalError,),
    )
    assert kit.tracked() == 2

    listing = kit.cli("parked", "list")
    assert f"{SOURCE}\t3\tgap\tmissing, held=" in listing.stdout, listing.stdout
    assert kit.cli("parked", "skip-gap", "registry", "4").returncode == 1  # not a recorded gap
    assert kit.cli("parked", "skip-gap", "registry", "3").returncode == 0
    kit.wait_tracked(5)
    assert kit.journal() == [1, 2, 4, 5]
    assert kit.query("SELECT sequence, event_type FROM skipped") == [(3, "(missing)")]
    assert kit.query("SELECT COUNT(*) FROM gaps") == [(0,)]
    assert kit.log().count("gap source=/kyodo/registry expected=3") == 1


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ({"max_deliver": 5}, "max deliver is 5, must be -1"),
        ({"filter_subject": f"{NAMESPACE}.registry.group.>"}, "filter subject is kyodo.registry.group.>"),
    ],
)
def test_an_operator_created_consumer_that_could_lose_messages_is_refused_naming_the_setting(
    relay: Relay, kit: Kit, setting: dict[str, object], complaint: str
) -> None:
    relay.delete_consumer()
    relay.create_consumer(**setting)
    kit.start()
    assert complaint in kit.refused("ConsumerMisconfigured")


# ------------------------------------------------------------------------------------- a busy database, two sources


def test_a_locked_database_holds_messages_without_counting_them_as_failures(relay: Relay, kit: Kit) -> None:
    relay.publish([event(1, registered("g1"))])
    kit.start(DB_BUSY_TIMEOUT="0.2")
    kit.wait_tracked(1)
    operator = sqlite3.connect(kit.db, isolation_level=None)
    try:
        operator.execute("BEGIN IMMEDIATE")  # e.g. the operator's CLI in the middle of a write
        relay.publish([event(s, registered(f"g{s}")) for s in (2, 3)])
        # More busy answers than MAX_FAILURES=3: none of them counts.
        kit.wait_log("database_busy source=/kyodo/registry sequence=2", count=4)
        assert kit.tracked() == 1
    finally:
        operator.execute("ROLLBACK")
        operator.close()
    kit.wait_tracked(3)
    assert kit.journal() == [1, 2, 3]
    assert kit.parked() == []
    assert "handler_failed" not in kit.log()


def test_two_sources_consumed_together_are_each_applied_in_order_exactly_once(relay: Relay, kit: Kit) -> None:
    relay.fresh_stream("proposals")
    relay.create_consumer("proposals")
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 61)])
    relay.publish([event(s, adopted(s), service="proposals") for s in range(1, 61)], service="proposals")
    kit.start(SOURCES="registry,proposals")
    kit.wait_tracked(60)
    kit.wait_tracked(60, source="/kyodo/proposals")

    assert kit.applied_in_order(SOURCE) == list(range(1, 61))
    assert kit.applied_in_order("/kyodo/proposals") == list(range(1, 61))
    assert kit.journal() == list(range(1, 61))  # the ledger follows registry events only
