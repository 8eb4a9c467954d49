"""Citizens who register without logging in: their record kind and retention (保存期間), the keyed hashes that stand
for their address and e-mail (never the values themselves), and the per-window rate limit on registrations.

The HMAC secret is random, made once per store and kept in `hub_training_secrets`. No event holds a hash of an
address: one registration per e-mail address and training is a row of `hub_training_emails` (the keyed hash, the
registration and the registrant's subject), claimed before the registration is saved and deleted when the registrant
is erased, so after erasure nothing links an address to a registration. The rate-limit counters
(`hub_training_rate`) hold keyed hashes and a count per fixed window; windows that ended are deleted as new ones
begin. IPv6 clients count by their /64 (one subscriber's prefix), IPv4 ones by their address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kyodo_shared.store.db import Database

# The vault's record kind of a citizen's registration, and its default retention: a year after the last
# registration, long enough for the center's yearly report of attendance (the lead merges this into settings).
RECORD_KIND = "training_registration"
DEFAULT_RETENTION_DAYS = {RECORD_KIND: 365}

_SECRET_NAME = "training_registrations_hmac"  # noqa: S105 (the row name, not the secret)
# A claimed address whose registration the training does not show yet is another request's, being saved — unless
# the claim is older than this (a registration that was never saved: a crash between the claim and the save).
CLAIM_PENDING_SECONDS = 600


def client_bucket(address: str) -> str:
    """What the rate limit counts a client by: an IPv4 address (or an IPv4-mapped IPv6 one), an IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


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
        """The one-per-address key of a registration (in `hub_training_emails` only, never in an event)."""
        return "email:" + self.keyed("email", normalized_email(email))

    def claim_email(self, training_id: str, email: str, registration_id: str, subject: str, training: Any) -> bool:
        """Claim the address for this registration of the training; False when a registration of the training
        (`training`, just loaded) holds it still: not cancelled, or not yet saved by another request."""
        key = self.email_key(email)
        now = int(time.time())
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO hub_training_emails (training_id, email_hash, registration_id, subject, claimed_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (training_id, email_hash) DO NOTHING",
                (training_id, key, registration_id, subject, now),
            )
            row = tx.fetchone(
                "SELECT registration_id, claimed_at FROM hub_training_emails "
                "WHERE training_id = %s AND email_hash = %s",
                (training_id, key),
            )
            assert row is not None
            held = str(row[0])
            if held == registration_id:
                return True
            holder = training.registrations.get(held)
            pending = holder is None and now - int(str(row[1])) < CLAIM_PENDING_SECONDS
            if pending or (holder is not None and holder["seat"] != "cancelled"):
                return False
            # The holder's registration was cancelled, or never saved: the address is free again.
            tx.execute(
                "UPDATE hub_training_emails SET registration_id = %s, subject = %s, claimed_at = %s "
                "WHERE training_id = %s AND email_hash = %s AND registration_id = %s",
                (registration_id, subject, now, training_id, key, held),
            )
            again = tx.fetchone(
                "SELECT registration_id FROM hub_training_emails WHERE training_id = %s AND email_hash = %s",
                (training_id, key),
            )
        return again is not None and str(again[0]) == registration_id

    def release_email(self, training_id: str, registration_id: str) -> None:
        """A registration refused when saved gives its address back."""
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM hub_training_emails WHERE training_id = %s AND registration_id = %s",
                (training_id, registration_id),
            )

    def forget_subject(self, subject: str) -> None:
        """At erasure: nothing links the registrant's address to their registration any more."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM hub_training_emails WHERE subject = %s", (subject,))

    def admit(self, address: str, email: str, now: datetime, limit: int, window_seconds: int) -> Limited | None:
        """Count one attempt for the client address and one for the e-mail address; refuse past `limit` in the
        window (either count)."""
        epoch = int(now.timestamp())
        window = epoch // window_seconds
        keys = [self.keyed("addr", client_bucket(address)), self.keyed("mail", normalized_email(email))]
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
