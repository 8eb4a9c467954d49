"""The sealed chains in a verification: each event that ended a sealed period recorded the chain of that period's
sealed events (store/sealed.py); recompute it from the sealed store and report any difference.

An event altered, removed or added in the sealed store after the period ended changes the count or the head; the
public chain protects what was recorded (the recorded chain is part of the ending event's stored bytes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kyodo_shared.audit.chain import iter_notifications
from kyodo_shared.audit.verify import Finding
from kyodo_shared.store.sealed import SEALED_CHAIN, SealedChain, chain_of, sealed_entries

_MARK = f'"{SEALED_CHAIN}"'.encode()


def recorded_chains(application: Any) -> Iterator[tuple[int, SealedChain]]:
    """(position, recorded chain) of every stored event that ended a sealed period."""
    for n in iter_notifications(application.recorder):
        if _MARK not in bytes(n.state):
            continue  # most events: no need to decode them
        recorded = getattr(application.mapper.to_domain_event(n), SEALED_CHAIN, None)
        if recorded:
            yield n.id, SealedChain.from_dict(recorded)


def check_sealed(application: Any, sealed: Any) -> tuple[int, list[Finding]]:
    """How many sealed chains were checked, and what differs from them in the sealed store now."""
    recorded = list(recorded_chains(application))
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
