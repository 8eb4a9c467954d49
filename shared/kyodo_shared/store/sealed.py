"""A service's sealed store: events whose very existence must stay secret until a deadline (sealed proposals).

Its own tables — so its own notification sequence — and nothing public reads it: no relay, no chainer or
checkpointer, no audit listing, no metric. Were sealed events kept in the service's store, the public notification
ids, stream sequences, audit totals and checkpoint positions would each count the submissions of an open call.

Its history is still verifiable once the deadline has passed: the event that ends the sealed period records the
**sealed chain** of exactly the aggregates it closes (their ids, how many events, the chain's head), computed
here; `kyodo audit verify` and `kyodo audit recompute` recompute it from the sealed store. The chain links each
event to the previous one like the public chain (audit/chain.py), by its position within this one call's sealed
events (1, 2, …) rather than the store's notification id, so the chain of one call says nothing of how many sealed
events other, still open, calls have.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from kyodo_shared.audit.chain import GENESIS, ChainEntry, iter_notifications, next_link, state_hash
from kyodo_shared.settings import StoreSettings

# The recorded chain's key in the body of the event that ends a sealed period.
SEALED_CHAIN = "sealed_chain"


def sealed_env(store: StoreSettings, env: dict[str, str]) -> dict[str, str]:
    """The eventsourcing environment of the sealed store beside `env` (the service's).

    PostgreSQL: the same schema; eventsourcing names the tables after the application (`<name>_events`), so the
    sealed application's own name gives it its own tables and sequence. SQLite names its table `stored_events`
    whatever the application, so the sealed store is a file of its own beside the service's.
    """
    if store.backend == "sqlite":
        path = store.sqlite_path
        return {**env, "SQLITE_DBNAME": str(path.with_name(f"{path.stem}.sealed{path.suffix or '.sqlite'}"))}
    # A pool of its own, small: only submissions and closes write here (eventsourcing overflows it when busy).
    return {**env, "POSTGRES_POOL_SIZE": "2"}


@dataclass(frozen=True)
class SealedChain:
    """The chain over one sealed period's events: which aggregates, how many events, the last link."""

    ids: tuple[str, ...]
    count: int
    head: str

    def as_dict(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "count": self.count, "head": self.head}

    @staticmethod
    def from_dict(body: dict[str, Any]) -> SealedChain:
        return SealedChain(tuple(body["ids"]), int(body["count"]), str(body["head"]))


def sealed_entries(notifications: Iterable[Any], ids: Collection[str]) -> list[ChainEntry]:
    """The chain entries of the stored events of `ids`, in the order the sealed store recorded them; an entry's
    position is its place in this chain (1, 2, …), not the store's notification id."""
    wanted, previous = set(ids), GENESIS
    entries: list[ChainEntry] = []
    for n in notifications:
        if str(n.originator_id) not in wanted:
            continue
        position, hashed = len(entries) + 1, state_hash(bytes(n.state))
        previous = next_link(previous, position, str(n.originator_id), n.originator_version, n.topic, hashed)
        entries.append(
            ChainEntry(position, str(n.originator_id), n.originator_version, n.topic, hashed.hex(), previous.hex())
        )
    return entries


def sealed_chain(recorder: Any, ids: Collection[str]) -> SealedChain:
    """The sealed chain of `ids` as the sealed store holds it now (read in pages, every sealed event once)."""
    return chain_of(sealed_entries(iter_notifications(recorder), ids), ids)


def chain_of(entries: list[ChainEntry], ids: Collection[str]) -> SealedChain:
    head = entries[-1].link if entries else GENESIS.hex()
    return SealedChain(tuple(sorted(ids)), len(entries), head)
