"""Canary personal data: stored only as ciphertext in the owning service; after erasure, readable nowhere,
while the history still verifies.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
import structlog

from kyodo_contracts import stream_name
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.verify import PinFile
from kyodo_shared.privacy.vault import KeyVault, RetentionNotElapsed, request_keys
from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, eventually, platform, settings_for
from support.lifecycle import GroupClient
from support.registry import CRITERIA, application

CANARY = {"name": "カナリア検査子", "email": "canary-7f3a9c@example.jp", "phone": "042-399-7531"}


def encodings(value: str) -> list[bytes]:
    escaped = json.dumps(value)[1:-1].encode()  # \\u-escaped, as ensure_ascii JSON writes it
    return [value.encode(), escaped, base64.b64encode(value.encode()), base64.urlsafe_b64encode(value.encode())]


def leaks(blob: bytes) -> list[str]:
    return [value for value in CANARY.values() for form in encodings(value) if form in blob]


async def stream_bytes(nats_url: str, namespace: str) -> bytes:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    blob = b""
    try:
        for source in ("registry", "checkpoints"):
            name = stream_name(namespace, source)
            last = (await js.stream_info(name)).state.last_seq
            for seq in range(1, int(last) + 1):
                msg = await js.get_msg(name, seq)
                blob += (msg.data or b"") + json.dumps(msg.headers or {}).encode()
    finally:
        await nc.close()
    return blob


def files_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("*.sqlite*")))


@pytest.mark.smoke
async def test_canary_personal_data_is_only_ciphertext_and_unreadable_after_erasure(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    backend = Backend("sqlite", tmp_path)
    registry_settings = settings_for("registry", backend, nats_url, bus_namespace, issuer)
    registry_settings = registry_settings.model_copy(
        update={"privacy": registry_settings.privacy.model_copy(update={"retention_days": {"group_representative": 0}})}
    )
    services = {
        "registry": registry_settings,
        "info-hub": settings_for("info-hub", backend, nats_url, bus_namespace, issuer),
    }
    with structlog.testing.capture_logs() as logs:
        async with platform(services, issuer) as p:
            registry, hub = p.clients["registry"], p.clients["info-hub"]
            created = await registry.post(
                "/groups", json=application(representative=CANARY), headers=p.token("rep-canary", "group")
            )
            assert created.status_code == 201
            group_id, etag = created.json()["id"], created.headers["ETag"]
            for criterion in CRITERIA:
                response = await registry.post(
                    f"/groups/{group_id}/assessments",
                    json={"criterion": criterion, "met": True, "reason": "確認"},
                    headers={**p.token("coord-1", "coordinator"), "If-Match": etag},
                )
                etag = response.headers["ETag"]

            async def listed_and_checkpointed() -> bool:
                total = (await hub.get("/groups")).json()["total"]
                checkpoints = (await registry.get("/audit/checkpoints")).json()["items"]
                return total == 1 and bool(checkpoints)

            await eventually(listed_and_checkpointed, timeout=20)
            kernel = p.apps["registry"].state.kernel
            # The owning service can still read it, for its own use.
            view = (await registry.get(f"/groups/{group_id}", headers=p.token("rep-canary", "group"))).json()
            assert view["representative"] == CANARY

            assert leaks(files_bytes(tmp_path)) == []
            assert leaks(await stream_bytes(nats_url, bus_namespace)) == []

            with kernel.vault.db.transaction() as tx:
                row = tx.fetchone("SELECT key_material FROM kyodo_person_keys WHERE person = %s", ("rep-canary",))
            assert row is not None
            key_text = str(row[0])
            erased = kernel.vault.erase("rep-canary")
            assert erased
            view = (await registry.get(f"/groups/{group_id}", headers=p.token("rep-canary", "group"))).json()
            assert view["representative"] is None
            assert view["representative_erased"] is True
            group = kernel.application.get_group(uuid.UUID(group_id))
            assert kernel.vault.decrypt(group.representative) is None
            # The destroyed key is nowhere on disk, not even in free pages or the write-ahead log.
            everything = b"".join(f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())
            assert key_text.encode() not in everything
            assert base64.b64decode(key_text) not in everything
            report = verify_local(
                "registry",
                kernel.application,
                kernel.chain,
                dict(kernel.keys_ring().public),
                PinFile(tmp_path / "pins.json"),
            )
            assert report.ok, report.as_dict()
    assert leaks("\n".join(map(str, logs)).encode()) == []


def test_erasure_is_refused_within_the_retention_period_naming_the_earliest_date(tmp_path: Path) -> None:
    vault = KeyVault(SqliteDatabase(tmp_path / "vault.sqlite"), {"group_representative": 365})
    vault.migrate()
    applied = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    envelope = vault.encrypt("rep-1", "group_representative", CANARY, applied)
    with pytest.raises(RetentionNotElapsed) as refused:
        vault.erase("rep-1", applied + timedelta(days=10))
    # 2026-11-25 20:00 UTC is 11-26 05:00 in Tokyo: 365 whole days from 11-27 end with 2027-11-26, so erasure is
    # allowed from 2027-11-27 (Asia/Tokyo).
    assert "2027-11-27" in refused.value.message()
    assert vault.decrypt(envelope) == CANARY
    assert vault.erase("rep-1", applied + timedelta(days=366))
    assert vault.decrypt(envelope) is None


class CountingDatabase(SqliteDatabase):
    """Counts the vault's transactions (each one a key read or write)."""

    transactions = 0

    def transaction(self, *args: Any, **kwargs: Any) -> Any:
        self.transactions += 1
        return super().transaction(*args, **kwargs)


def test_within_one_request_a_key_just_used_to_encrypt_is_not_read_again_to_decrypt(tmp_path: Path) -> None:
    db = CountingDatabase(tmp_path / "vault.sqlite")
    vault = KeyVault(db, {"group_representative": 0})
    vault.migrate()
    now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    with request_keys():
        envelope = vault.encrypt("rep-1", "group_representative", CANARY, now)
        written = db.transactions
        assert vault.decrypt(envelope) == CANARY
        assert vault.decrypt(envelope) == CANARY
        assert db.transactions == written
    # Outside a request nothing is kept: every decryption reads the key.
    assert vault.decrypt(envelope) == CANARY
    assert db.transactions == written + 1


def test_a_key_erased_during_a_request_no_longer_decrypts_in_that_request_or_any_later_one(tmp_path: Path) -> None:
    vault = KeyVault(SqliteDatabase(tmp_path / "vault.sqlite"), {"group_representative": 0})
    vault.migrate()
    now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    with request_keys():
        envelope = vault.encrypt("rep-1", "group_representative", CANARY, now)
        assert vault.decrypt(envelope) == CANARY
        assert vault.erase("rep-1", now + timedelta(days=1))
        assert vault.decrypt(envelope) is None
    with request_keys():
        assert vault.decrypt(envelope) is None


def test_erasure_on_postgresql_destroys_the_key(pg_database: str) -> None:
    from kyodo_shared.store.db import PostgresDatabase

    db = PostgresDatabase(pg_database, "registry_vault", 2)
    try:
        vault = KeyVault(db, {"group_representative": 0})
        vault.migrate()
        envelope = vault.encrypt("rep-pg", "group_representative", CANARY, datetime.now(UTC))
        assert vault.decrypt(envelope) == CANARY
        assert vault.erase("rep-pg")
        assert vault.decrypt(envelope) is None
        assert not vault.erase("rep-pg")
    finally:
        db.close()


CONTACT = {"name": "連絡係検査子", "email": "contact-c41b@example.jp", "phone": "042-399-2468"}
SUCCESSOR = {"name": "後任代表検査子", "email": "successor-9e2d@example.jp", "phone": "042-399-1357"}


def leaked(blob: bytes, *people: dict[str, str]) -> list[str]:
    return [v for person in people for v in person.values() for form in encodings(v) if form in blob]


@pytest.mark.smoke
async def test_contacts_and_a_successor_representative_are_unreadable_after_erasure_and_history_verifies(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    retention = {"group_representative": 0, "group_contact": 0}
    settings = settings.model_copy(
        update={"privacy": settings.privacy.model_copy(update={"retention_days": retention})}
    )
    with structlog.testing.capture_logs() as logs:
        async with platform({"registry": settings}, issuer) as p:
            group = GroupClient(p, representative="rep-first")
            await group.apply()
            await group.assess_all()
            added = await group.post("/contacts", {"sub": "contact-x", **CONTACT}, "rep-first")
            assert added.status_code == 201, added.text
            decided = await group.post(
                "/handover/decision",
                {"new_representative_sub": "rep-next", "reason": "前代表者が転居", **SUCCESSOR},
                "coord-1",
                "coordinator",
            )
            assert decided.status_code == 200, decided.text
            view = await group.read("rep-next")
            assert (view["contacts"]["contact-x"], view["representative"]) == (CONTACT, SUCCESSOR)
            kernel = p.apps["registry"].state.kernel
            await eventually(lambda: kernel.chain.head()[0] >= kernel.application.recorder.max_notification_id())
            assert leaked(files_bytes(tmp_path), CONTACT, SUCCESSOR) == []
            assert leaked(await stream_bytes(nats_url, bus_namespace), CONTACT, SUCCESSOR) == []

            assert kernel.vault.erase("contact-x")
            assert kernel.vault.erase("rep-next")
            view = await group.read("rep-next")
            assert view["contacts"] == {"contact-x": None}
            assert (view["representative"], view["representative_erased"]) == (None, True)
            # `sub` stays: other services still authorize by it.
            assert view["representative_sub"] == "rep-next"
            report = verify_local(
                "registry", kernel.application, kernel.chain, dict(kernel.keys_ring().public), PinFile(tmp_path / "p")
            )
            assert report.ok, report.as_dict()
    assert leaked("\n".join(map(str, logs)).encode(), CONTACT, SUCCESSOR) == []


class LostDatabase(CountingDatabase):
    """A vault whose store went away: every transaction fails as an unreachable server's would."""

    lost = False

    def transaction(self, *args: Any, **kwargs: Any) -> Any:
        if self.lost:
            raise ConnectionError("the store went away")
        return super().transaction(*args, **kwargs)


def test_keys_held_before_a_save_decrypt_the_answer_with_the_store_gone_and_nothing_is_kept_outside(
    tmp_path: Path,
) -> None:
    db = LostDatabase(tmp_path / "vault.sqlite")
    vault = KeyVault(db, {"group_representative": 0})
    vault.migrate()
    now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    first = vault.encrypt("rep-1", "group_representative", CANARY, now)
    second = vault.encrypt("contact-1", "group_representative", CANARY, now)
    plain = {"name": "not sealed"}
    with request_keys():
        before = db.transactions
        vault.hold([first, second, plain, first])
        assert db.transactions == before + 1  # one transaction for both keys
        vault.hold([first, second])
        assert db.transactions == before + 1  # held already
        db.lost = True
        assert vault.decrypt(first) == CANARY
        assert vault.decrypt(second) == CANARY
    db.lost = False
    outside = db.transactions
    vault.hold([first])
    assert db.transactions == outside  # outside a request nothing is read


async def test_a_command_on_a_group_answers_without_reading_the_store_after_its_save(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assessment's answer (the full record, decrypted) needs no key read after the commit: a store lost then
    would answer 503 for an assessment that was written (seen in the chaos run)."""
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        registry = p.clients["registry"]
        created = await registry.post("/groups", json=application(), headers=p.token("rep-1", "group"))
        assert created.status_code == 201
        app = p.apps["registry"].state.kernel.application
        saved_in: set[int] = set()
        save, transaction = app.save, app.vault.db.transaction

        def saving(*args: Any, **kwargs: Any) -> Any:
            result = save(*args, **kwargs)
            saved_in.add(threading.get_ident())
            return result

        def guarded(*args: Any, **kwargs: Any) -> Any:
            # Only the request's own thread, after its save: the kernel's tasks read the store as they please.
            if threading.get_ident() in saved_in:
                raise AssertionError("the vault was read after the save")
            return transaction(*args, **kwargs)

        monkeypatch.setattr(app, "save", saving)
        monkeypatch.setattr(app.vault.db, "transaction", guarded)
        assessed = await registry.post(
            f"/groups/{created.json()['id']}/assessments",
            json={"criterion": CRITERIA[0], "met": True, "reason": "確認"},
            headers={**p.token("coord-1", "coordinator"), "If-Match": created.headers["ETag"]},
        )
        assert saved_in
        assert assessed.status_code == 200, assessed.text
        assert assessed.json()["representative"]["name"] == application()["representative"]["name"]
