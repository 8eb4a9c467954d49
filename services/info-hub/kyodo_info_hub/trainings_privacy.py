"""Citizens who register without logging in: their record kind and retention (保存期間), the keyed hashes that stand
for their address and e-mail (never the values themselves), and the per-window rate limit on registrations.

The HMAC secret is random, made once per store and kept in `hub_training_secrets` (operational, not rebuildable:
the registrations' e-mail hashes in the events are keyed by it). The rate-limit counters (`hub_training_rate`) hold
only those hashes and a count per fixed window; windows that ended are deleted as new ones begin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from kyodo_shared.store.db import Database

# The vault's record kind of a citizen's registration, and its default retention: a year after the last
# registration, long enough for the center's yearly report of attendance (the lead merges this into settings).
RECORD_KIND = "training_registration"
DEFAULT_RETENTION_DAYS = {RECORD_KIND: 365}

_SECRET_NAME = "training_registrations_hmac"  # noqa: S105 (the row name, not the secret)


def normalized_email(email: str) -> str:
    """One address, however it was typed: NFKC, trimmed, lower case (local parts are case-insensitive in practice)."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def token_hash(token: str) -> str:
    """What an event keeps of a secret link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Limited:
    """Refused by the rate limit: the next window begins in `retry_after` seconds."""

    retry_after: int


class CitizenGuard:
    """Keyed hashes and the rate limit, over info-hub's database (shared by every replica)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            with self.db.transaction() as tx:
                tx.execute(
                    "INSERT INTO hub_training_secrets (name, secret) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                    (_SECRET_NAME, secrets.token_hex(32)),
                )
                row = tx.fetchone("SELECT secret FROM hub_training_secrets WHERE name = %s", (_SECRET_NAME,))
            assert row is not None
            self._key = bytes.fromhex(str(row[0]))
        return self._key

    def keyed(self, purpose: str, value: str) -> str:
        return hmac.new(self.key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def email_key(self, email: str) -> str:
        """The registration's one-per-address key (in the event): a keyed hash, useless without the secret."""
        return "email:" + self.keyed("email", normalized_email(email))

    def admit(self, address: str, email: str, now: datetime, limit: int, window_seconds: int) -> Limited | None:
        """Count one attempt for the client address and one for the e-mail address; refuse past `limit` in the
        window (either count)."""
        epoch = int(now.timestamp())
        window = epoch // window_seconds
        keys = [self.keyed("addr", address), self.keyed("mail", normalized_email(email))]
        counts = []
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM hub_training_rate WHERE window_no < %s", (window,))
            for k in keys:
                row = tx.fetchone(
                    "INSERT INTO hub_training_rate (key_hash, window_no, attempts) VALUES (%s, %s, 1) "
                    "ON CONFLICT (key_hash, window_no) DO UPDATE SET attempts = hub_training_rate.attempts + 1 "
                    "RETURNING attempts",
                    (k, window),
                )
                counts.append(int(str(row[0])) if row else 1)
        if max(counts) > limit:
            return Limited(retry_after=max((window + 1) * window_seconds - epoch, 1))
        return None
