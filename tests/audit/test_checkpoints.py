"""Signed checkpoints: rotation, rejection of bad ones, and a pinned verifier that re-signing cannot fool."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kyodo_shared.audit.chain import GENESIS, Chainer, next_link, state_hash
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.checkpoints import Checkpoint, sign_checkpoint
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.audit.records import records_from_store
from kyodo_shared.audit.verify import VerifyReport, verify

from support.audit import History

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def rewrite_history(history: History) -> str:
    """Alter event 2 and recompute the whole chain table to match; returns the new link at position 3."""
    history.sql(
        "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), 'g1', 'gX') AS BLOB) WHERE rowid = 2"
    )
    link, at_3 = GENESIS, ""
    for rowid, oid, version, topic, state in history.sql(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    ):
        hashed = state_hash(bytes(state))  # type: ignore[arg-type]
        link = next_link(link, int(rowid), str(uuid.UUID(str(oid))), int(version), str(topic), hashed)  # type: ignore[call-overload]
        history.sql(
            "UPDATE kyodo_audit_chain SET state_hash = ?, link = ? WHERE notification_id = ?",
            (hashed.hex(), link.hex(), rowid),
        )
        at_3 = link.hex() if rowid == 3 else at_3
    return at_3


def check(history: History, checkpoints: list[Checkpoint], keys: dict[str, str] | None = None) -> VerifyReport:
    records = records_from_store(history.app.recorder, history.chain)
    return verify("registry", records, checkpoints, keys or dict(history.keys.public), history.pins)


def test_a_checkpoint_with_a_bad_signature_or_an_unknown_key_is_rejected(history: History) -> None:
    for n in range(3):
        history.add_group(f"g{n}")
    history.chain_and_sign()
    good = stored_checkpoints(history.app, "registry")[0]
    tampered = good.model_copy(update={"link": "00" * 32})
    stranger = SigningKeys.load_or_create(history.path.parent / "stranger")
    foreign = sign_checkpoint(stranger, "registry", good.position, good.link, NOW)
    report = check(history, [tampered, foreign])
    assert sorted(reason for _, reason in report.rejected_checkpoints) == [
        "bad signature",
        f"unknown key id {stranger.active}",
    ]
    assert not report.ok


def test_after_key_rotation_old_and_new_checkpoints_verify_for_a_verifier_that_pinned_the_old_key(
    history: History,
) -> None:
    for n in range(3):
        history.add_group(f"g{n}")
    history.chain_and_sign()
    old_kid = history.keys.active
    assert history.verify().ok  # pins the old key and the first checkpoint
    new_kid = history.keys.rotate()
    history.add_group("g3")
    history.chain_and_sign()  # signed by the old key, announcing the new one
    history.add_group("g4")
    history.chain_and_sign()  # signed by the new key
    kids = [c.kid for c in stored_checkpoints(history.app, "registry")]
    assert kids == [old_kid, old_kid, new_kid]
    # Only the old key is published to this verifier: the new one is trusted through the announcement.
    report = history.verify()
    assert report.ok, report.as_dict()
    assert report.checkpoints_valid == 3


def test_rewritten_history_with_every_checkpoint_re_signed_is_detected_by_a_verifier_that_pinned_earlier(
    history: History,
) -> None:
    for n in range(3):
        history.add_group(f"g{n}")
    history.chain_and_sign()
    assert history.verify().ok
    new_link = rewrite_history(history)
    # The operator holds the signing key and re-signs a checkpoint over the rewritten history.
    forged = sign_checkpoint(history.keys, "registry", 3, new_link, NOW)
    report = check(history, [forged])
    assert report.pin_violations == ["checkpoint at position 3 contradicts the pinned one"]
    # Dropping the pinned checkpoint instead is caught too.
    report = check(history, [])
    assert report.pin_violations == ["pinned checkpoint at position 3 is no longer published"]


def test_rewritten_history_re_signed_with_a_rotated_key_is_detected_too(history: History) -> None:
    for n in range(3):
        history.add_group(f"g{n}")
    history.chain_and_sign()
    assert history.verify().ok
    new_link = rewrite_history(history)
    history.keys.rotate()
    announcing = sign_checkpoint(history.keys, "registry", 3, new_link, NOW)
    history.keys.promote()
    later = sign_checkpoint(history.keys, "registry", 5, new_link, NOW)
    report = check(history, [announcing, later])
    assert "checkpoint at position 3 contradicts the pinned one" in report.pin_violations


def test_the_service_refuses_to_sign_over_a_history_that_contradicts_its_last_checkpoint(history: History) -> None:
    for n in range(3):
        history.add_group(f"g{n}")
    history.chain_and_sign()
    # With database access only: alter an event, drop the stored checkpoints and the chain, let it rebuild.
    history.sql(
        "UPDATE stored_events SET state = CAST(REPLACE(CAST(state AS TEXT), 'g1', 'gX') AS BLOB) WHERE rowid = 2"
    )
    history.sql("DELETE FROM stored_events WHERE topic LIKE 'kyodo_shared.audit.checkpointer:%'")
    history.sql("DELETE FROM kyodo_audit_chain")
    history.add_group("g3")
    Chainer(history.app, history.chain).extend()
    assert history.checkpointer.sign_if_due(force=True) is None
    assert history.checkpointer.status.startswith("refusing to sign")
    assert stored_checkpoints(history.app, "registry") == []
