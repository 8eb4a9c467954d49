"""The sealed chains in a verification: each event that ended a sealed period recorded the chain of that period's
sealed events (store/sealed.py); recompute it from the sealed store and report any difference.

An event altered, removed or added in the sealed store after the period ended changes the count or the head; the
public chain protects what was recorded (the recorded chain is part of the ending event's stored bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kyodo_shared.audit.chain import GENESIS, iter_notifications, next_link
from kyodo_shared.audit.verify import Finding
from kyodo_shared.store.sealed import SEALED_CHAIN, SealedChain, chain_of, sealed_entries

# In the stored bytes of every event that records a sealed chain (and, rarely, of others: each is decoded to check).
MARK = f'"{SEALED_CHAIN}"'.encode()


def recorded_chains(application: Any, positions: Iterable[int] | None = None) -> Iterator[tuple[int, SealedChain]]:
    """(position, recorded chain) of every stored event that ended a sealed period; `positions`: only those events
    (the ones whose bytes hold MARK, noticed by a verification's own pass), else the whole log is read."""
    if positions is None:
        notifications: Iterable[Any] = iter_notifications(application.recorder)
    else:
        notifications = (
            n for p in positions for n in application.recorder.select_notifications(start=p, limit=1, stop=p)
        )
    for n in notifications:
        if MARK not in bytes(n.state):
            continue  # most events: no need to decode them
        recorded = getattr(application.mapper.to_domain_event(n), SEALED_CHAIN, None)
        if recorded:
            yield n.id, SealedChain.from_dict(recorded)


def check_sealed(application: Any, sealed: Any, positions: Iterable[int] | None = None) -> tuple[int, list[Finding]]:
    """How many sealed chains were checked, and what differs from them in the sealed store now."""
    recorded = list(recorded_chains(application, positions))
    if not recorded:
        return 0, []
    if sealed is None:
        return len(recorded), [
            Finding(position, "sealed_mismatch", "a sealed chain is recorded here but the service has no sealed store")
            for position, _ in recorded
        ]
    notifications = list(iter_notifications(sealed.recorder))
    findings = []
    for position, chain in recorded:
        now = chain_of(sealed_entries(notifications, chain.ids), chain.ids)
        if now != chain:
            findings.append(
                Finding(
                    position,
                    "sealed_mismatch",
                    f"the sealed store now holds {now.count} events (head {now.head[:16]}…) for the sealed period "
                    f"this event ended; it recorded {chain.count} (head {chain.head[:16]}…)",
                )
            )
    return len(recorded), findings


def sealed_listing(application: Any, sealed: Any) -> list[dict[str, Any]]:
    """What the audit API serves of the ended sealed periods (`/audit/sealed`): each one's position, the chain its
    ending event recorded, and the chain fields (never the bodies) of the sealed events as the store holds them now."""
    if sealed is None:
        return []
    recorded = list(recorded_chains(application))
    if not recorded:
        return []
    notifications = list(iter_notifications(sealed.recorder))
    return [
        {
            "position": position,
            "recorded": chain.as_dict(),
            "entries": [e.as_dict() for e in sealed_entries(notifications, chain.ids)],
        }
        for position, chain in recorded
    ]


def check_listing(items: list[dict[str, Any]]) -> list[Finding]:
    """Verification by the audit API alone: each period's entries must link up (recomputed from their fields) to
    the count and head its ending event recorded. The recorded chain is part of that event's stored bytes, which the
    public chain and the signed checkpoints protect."""
    findings = []
    for item in items:
        position, recorded = int(item["position"]), SealedChain.from_dict(item["recorded"])
        link, count, broken = GENESIS, 0, False
        for count, entry in enumerate(item["entries"], 1):
            link = next_link(
                link,
                count,
                str(entry["originator_id"]),
                int(entry["originator_version"]),
                str(entry["topic"]),
                bytes.fromhex(str(entry["state_hash"])),
            )
            broken = broken or link.hex() != entry["link"] or int(entry["position"]) != count
        if broken or (count, link.hex()) != (recorded.count, recorded.head):
            findings.append(
                Finding(
                    position,
                    "sealed_mismatch",
                    f"the sealed store now holds {count} events (head {link.hex()[:16]}…) for the sealed period this "
                    f"event ended; it recorded {recorded.count} (head {recorded.head[:16]}…)"
                    + ("; the entries' links do not follow from their fields" if broken else ""),
                )
            )
    return findings
