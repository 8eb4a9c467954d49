"""Personal data encryption with one key per person (crypto-shredding), keys held outside the event store,
and the retention rule (保存期間) that decides when a person's key may be destroyed.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database, Row, Tx
from kyodo_shared.store.migrations import upgrade_vault

ENCRYPTION = "aes-256-gcm/v1"


class RetentionNotElapsed(Exception):
    """A person's data must still be kept: erasure is refused until `allowed_from`."""

    def __init__(self, allowed_from: datetime) -> None:
        super().__init__(allowed_from.isoformat())
        self.allowed_from = allowed_from

    def message(self) -> str:
        day = self.allowed_from.astimezone(TOKYO).strftime("%Y-%m-%d")
        return (
            f"保存期間中のため消去できません。{day} 以降に消去できます "
            f"(within the retention period: erasable from {day}, Asia/Tokyo)"
        )


def retention_end(now: datetime, days: int) -> datetime:
    """When a retention period of `days` whole days, starting at `now`, has passed (UTC).

    Periods are counted in days of the Asia/Tokyo calendar as the Civil Code counts them: the day `now` falls on is
    not counted unless `now` is exactly midnight (art. 140), and the period ends at the end of its last day
    (art. 141), that is at the next midnight in Tokyo at or after `now + days`. So every record a person leaves on
    one Tokyo day ends on the same instant, and "erasable from <day>" names the first moment erasure is allowed.
    `days == 0` means no retention at all: the period ends at `now`.
    """
    if now.tzinfo is None:
        raise ValueError("retention needs an aware time")
    if days < 0:
        raise ValueError("a retention period cannot be negative")
    if days == 0:
        return now.astimezone(UTC)
    local = now.astimezone(TOKYO)
    first_day = local.date() if local.time() == time() else local.date() + timedelta(days=1)
    # Tokyo keeps no daylight saving time, so a calendar midnight there is one instant.
    return datetime.combine(first_day + timedelta(days=days), time(), TOKYO).astimezone(UTC)


def _reaches(stored: object, until: datetime) -> bool:
    """Whether a stored retain_until (ISO 8601 text, None when there is no row) is at or after `until`."""
    return stored is not None and datetime.fromisoformat(str(stored)) >= until


def _stored(moment: datetime) -> str:
    """A retention end as the vault stores it: UTC, always with microseconds, so every value has the same width.

    retain_until is text, and the retention upsert compares it as text (`retain_until < excluded.retain_until`):
    ISO 8601 of one offset and one width orders as the times do, byte by byte and under any collation, where a
    mix of offsets or an optional fraction would not. (Rows written before this rule are rewritten into it, rounded
    to a Tokyo midnight, by the vault lineage's revision vault_0002.)
    """
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _key_row(tx: Tx, person: str) -> Row | None:
    """The person's key row (key id, material or None once destroyed), locked on PostgreSQL until the transaction ends.

    On PostgreSQL this row is the lock that orders whatever changes a person's key or retention: making or reviving
    the key and extending retention (`_provide`) against destroying it (`erase`), so erasure never acts on a
    retention that a concurrent extension is about to move. SQLite has no FOR UPDATE and needs none: every write
    transaction begins IMMEDIATE and holds the database's one write lock throughout.
    """
    if tx.backend == "postgres":
        return tx.fetchone("SELECT key_id, key_material FROM kyodo_person_keys WHERE person = %s FOR UPDATE", (person,))
    return tx.fetchone("SELECT key_id, key_material FROM kyodo_person_keys WHERE person = %s", (person,))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Sealed:
    """Encrypted personal fields as stored in an event: ciphertext only, bound to its person and key."""

    person: str
    key_id: str
    nonce: str
    ciphertext: str

    def as_dict(self) -> dict[str, str]:
        return {
            "enc": ENCRYPTION,
            "person": self.person,
            "key_id": self.key_id,
            "nonce": self.nonce,
            "ct": self.ciphertext,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Sealed:
        if data.get("enc") != ENCRYPTION:
            raise ValueError("not an encrypted personal-data envelope")
        return Sealed(str(data["person"]), str(data["key_id"]), str(data["nonce"]), str(data["ct"]))


# Key material read or made during one request, by (person, key id): a command that encrypts a person's data and
# answers with it decrypted (every registry command on a group) reads the key once, not twice. Only inside
# `request_keys()`, which the service's HTTP middleware opens per request; erasure drops the person's entries, and
# nothing outlives the request, so a key destroyed by another request is not used by any later one.
_REQUEST_KEYS: ContextVar[dict[tuple[str, str], str] | None] = ContextVar("kyodo_request_keys", default=None)


@contextmanager
def request_keys() -> Iterator[None]:
    """Keys read inside (and in threads started inside, which copy the context) are kept until the block ends."""
    token = _REQUEST_KEYS.set({})
    try:
        yield
    finally:
        _REQUEST_KEYS.reset(token)


def seal_under(person: str, key_id: str, material: str, fields: dict[str, Any]) -> dict[str, str]:
    """The fields encrypted under the person's key (read or made in this request, which keeps it for the answer)."""
    cached = _REQUEST_KEYS.get()
    if cached is not None:
        cached[(person, key_id)] = material
    nonce = os.urandom(12)
    plaintext = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
    ciphertext = AESGCM(base64.b64decode(material)).encrypt(nonce, plaintext, f"{person}|{key_id}".encode())
    return Sealed(person, key_id, _b64(nonce), _b64(ciphertext)).as_dict()


class KeyVault:
    """Per-person AES-256-GCM keys and retention dates, in a database apart from the event store."""

    def __init__(self, db: Database, retention_days: dict[str, int]) -> None:
        self.db, self.retention_days = db, retention_days

    def migrate(self) -> None:
        # The vault's database has its own lineage (store/migrations/vault).
        upgrade_vault(self.db)

    def encrypt(self, person: str, record_kind: str, fields: dict[str, Any], now: datetime) -> dict[str, str]:
        """Encrypt under the person's key (made on first use) and extend their retention for this kind."""
        if record_kind not in self.retention_days:
            raise KeyError(f"no retention period configured for record kind {record_kind!r}")
        until = retention_end(now, self.retention_days[record_kind])
        # The common case, a person acting again on a Tokyo day their retention already reaches, only looks: one
        # statement in a read-only transaction, whose commit waits for no flush of the log. A key to make or a
        # retention to extend takes the write transaction.
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT k.key_id, k.key_material, r.retain_until FROM kyodo_person_keys k "
                "LEFT JOIN kyodo_retention r ON r.person = k.person AND r.record_kind = %s WHERE k.person = %s",
                (record_kind, person),
            )
        if row is not None and row[1] is not None and _reaches(row[2], until):
            key_id, material = str(row[0]), str(row[1])
        else:
            key_id, material = self._provide(person, record_kind, until, now)
        return seal_under(person, key_id, material, fields)

    def _provide(self, person: str, record_kind: str, until: datetime, now: datetime) -> tuple[str, str]:
        """Make the person's key and extend this kind's retention to `until`, as far as each is still needed.

        Both are read again in this transaction, the key row locked first: another request may have done either
        since the read-only look, and an erasure must wait for this extension (or this one for the erasure).
        """
        with self.db.transaction() as tx:
            row = _key_row(tx, person)
            if row is None or row[1] is None:
                # Two first requests for one person both find no row to lock, and both get here. The upsert only
                # revives a destroyed key: a live one is never replaced, or the loser's key would overwrite the
                # winner's, whose events were already sealed under it and could never be read again. The loser's
                # insert waits for the winner's commit, updates nothing and returns nothing; it then reads the
                # winner's key, which this statement (READ COMMITTED) sees, and uses that.
                made = tx.fetchone(
                    "INSERT INTO kyodo_person_keys (person, key_id, key_material, created_at) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (person) DO UPDATE SET key_id = excluded.key_id, "
                    "key_material = excluded.key_material, created_at = excluded.created_at, erased_at = NULL "
                    "WHERE kyodo_person_keys.key_material IS NULL RETURNING key_id, key_material",
                    (person, str(uuid.uuid4()), _b64(AESGCM.generate_key(bit_length=256)), now.isoformat()),
                )
                row = made if made is not None else _key_row(tx, person)
            if row is None or row[1] is None:
                raise RuntimeError(f"the key vault holds no key for {person!r} right after making one")
            key_id, material = str(row[0]), str(row[1])
            current = tx.fetchone(
                "SELECT retain_until FROM kyodo_retention WHERE person = %s AND record_kind = %s", (person, record_kind)
            )
            if current is None or not _reaches(current[0], until):
                # Never backwards, whatever this request read: a later end stays.
                tx.execute(
                    "INSERT INTO kyodo_retention (person, record_kind, retain_until) VALUES (%s, %s, %s) "
                    "ON CONFLICT (person, record_kind) DO UPDATE SET retain_until = excluded.retain_until "
                    "WHERE kyodo_retention.retain_until < excluded.retain_until",
                    (person, record_kind, _stored(until)),
                )
        return key_id, material

    def hold(self, envelopes: Iterable[dict[str, Any]]) -> None:
        """Inside a request (`request_keys`): read now, in one transaction, the keys of these envelopes the request
        has not read yet, so that its answer decrypts them without the store. A command holds the keys of what it
        will answer with before it saves: a store lost between the save and the answer would otherwise answer 503
        for a command that was written (found by the chaos suite), and a client retrying a 503 trusts nothing was.
        Outside a request there is nothing to keep, and nothing is read."""
        cached = _REQUEST_KEYS.get()
        if cached is None:
            return
        sealed = [Sealed.from_dict(e) for e in envelopes if e.get("enc") == ENCRYPTION]
        wanted = {(s.person, s.key_id) for s in sealed} - cached.keys()
        if not wanted:
            return
        with self.db.transaction(read_only=True) as tx:
            for person, key_id in sorted(wanted):
                row = tx.fetchone(
                    "SELECT key_material FROM kyodo_person_keys WHERE person = %s AND key_id = %s", (person, key_id)
                )
                if row is not None and row[0] is not None:
                    cached[(person, key_id)] = str(row[0])

    def decrypt(self, envelope: dict[str, Any]) -> dict[str, Any] | None:
        """The fields, or None once the person's key was destroyed."""
        sealed = Sealed.from_dict(envelope)
        cached = _REQUEST_KEYS.get()
        material = cached.get((sealed.person, sealed.key_id)) if cached is not None else None
        if material is None:
            with self.db.transaction(read_only=True) as tx:
                row = tx.fetchone(
                    "SELECT key_material FROM kyodo_person_keys WHERE person = %s AND key_id = %s",
                    (sealed.person, sealed.key_id),
                )
            if row is None or row[0] is None:
                return None
            material = str(row[0])
            if cached is not None:
                cached[(sealed.person, sealed.key_id)] = material
        try:
            plaintext = AESGCM(base64.b64decode(material)).decrypt(
                base64.b64decode(sealed.nonce),
                base64.b64decode(sealed.ciphertext),
                f"{sealed.person}|{sealed.key_id}".encode(),
            )
        except InvalidTag:
            return None
        value: dict[str, Any] = json.loads(plaintext)
        return value

    def erasable_from(self, person: str) -> datetime | None:
        """The first moment the person may be erased (None: nothing is retained)."""
        with self.db.transaction(read_only=True) as tx:
            return _retained_until(tx, person)

    def erase(self, person: str, now: datetime | None = None) -> bool:
        """Destroy the person's key once every retention period has passed; False if there was none.

        Retention is checked and the key destroyed in one transaction, the key row locked first (see `_key_row`), so
        an extension committed by a concurrent request is either seen here (and refused) or waits for erasure.
        """
        now = now or datetime.now(UTC)
        with self.db.transaction() as tx:
            _key_row(tx, person)  # the lock, on PostgreSQL: taken before retention is read
            allowed = _retained_until(tx, person)
            if allowed is not None and now < allowed:
                raise RetentionNotElapsed(allowed)
            erased = tx.execute(
                "UPDATE kyodo_person_keys SET key_material = NULL, erased_at = %s "
                "WHERE person = %s AND key_material IS NOT NULL",
                (now.isoformat(), person),
            )
        cached = _REQUEST_KEYS.get()
        if cached is not None:
            for key in [k for k in cached if k[0] == person]:
                del cached[key]
        if erased:
            self.db.purge("kyodo_person_keys")
        return erased > 0


def _retained_until(tx: Tx, person: str) -> datetime | None:
    """The latest end of the person's retention periods, compared as times: rows written before retention had one
    fixed width (`_stored`) would not compare as text."""
    rows = tx.fetchall("SELECT retain_until FROM kyodo_retention WHERE person = %s", (person,))
    return max((datetime.fromisoformat(str(row[0])) for row in rows), default=None)
