"""Operator commands that disturb a service (`replay`, `relay reset`) hold the leases of the roles they disturb.

Checking that no replica holds a lease and then acting would leave a window in which the service starts and takes
it; holding the lease closes it: while this command holds `relay:<svc>`, no relay of that service runs, and the
consumers and projections it rebuilds write under their leases (a write checks the epoch in its transaction). The
holder is the command's replica id (`kyodo-cli-<host>-<pid>`), so a refusal names who holds a lease, and a lease
taken here is renewed every ttl/3 by a thread until the command releases it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import structlog

from kyodo_shared.cli.bus_target import explicit_layout
from kyodo_shared.cli.errors import REFUSED, CliError
from kyodo_shared.runtime import Kernel
from kyodo_shared.tasks.leases import Lease, LeaseStore

log = structlog.get_logger(__name__)


def disturbed_roles(kernel: Kernel, *, relay: bool = False) -> list[str]:
    """The lease roles `relay reset` (relay) or `replay` (consumers and projections) disturbs."""
    if relay:
        return [f"relay:{kernel.service}"]
    return [f"consumer:{kernel.service}:{s.source}" for s in kernel.subscriptions] + [
        f"projection:{kernel.service}:{name}" for name in kernel.projections
    ]


@contextmanager
def hold_leases(kernel: Kernel, roles: Sequence[str], what: str) -> Iterator[dict[str, Lease]]:
    """Take every lease in `roles` for this command (all or none), keep them renewed, release them at the end.

    Refuses (exit 3, naming the holder) when a replica holds one of them."""
    store = LeaseStore(kernel.db)
    holder, ttl = kernel.replica, kernel.settings.leases.ttl_seconds
    held: dict[str, Lease] = {}
    try:
        for role in roles:
            lease = store.acquire(role, holder, ttl)
            if lease is None:
                raise _refusal(kernel, role, what)
            held[role] = lease
        with _renewing(store, list(held.values())):
            yield held
    finally:
        for lease in held.values():
            try:
                store.release(lease)
            except Exception as exc:  # noqa: BLE001 - it expires on its own within ttl
                log.warning("lease_release_failed", role=lease.role, error=type(exc).__name__)


def _refusal(kernel: Kernel, role: str, what: str) -> CliError:
    row = None
    with kernel.db.transaction(read_only=True) as tx:
        row = tx.fetchone("SELECT holder, expires_at FROM kyodo_leases WHERE role = %s", (role,))
    holder, left = (str(row[0]), max(0.0, float(row[1]) - time.time())) if row else ("(unknown)", 0.0)
    stop = (
        "stop the service first (scale its Deployment to 0 replicas), then run this again"
        if explicit_layout()
        else "stop what runs the service first (`kyodo up`, `kyodo serve`), then run this again"
    )
    return CliError(
        f"refusing to {what}: {kernel.service} is running — lease {role} is held by replica {holder} "
        f"(expires in {left:.0f}s unless renewed)",
        hint=f"{stop}; a lease left by a stopped replica expires within KYODO_LEASES__TTL_SECONDS",
        code=REFUSED,
    )


@contextmanager
def _renewing(store: LeaseStore, leases: list[Lease]) -> Iterator[None]:
    if not leases:
        yield
        return
    stop = threading.Event()
    interval = leases[0].ttl / 3

    def renew() -> None:
        while not stop.wait(interval):
            for lease in leases:
                try:
                    renewed = store.renew(lease)
                except Exception as exc:  # noqa: BLE001 - retried at the next tick; a lost lease refuses writes
                    log.warning("lease_renewal_failed", role=lease.role, error=type(exc).__name__)
                    continue
                if not renewed:
                    # Writes under it now fail with LeaseLost: the command stops rather than race a replica.
                    log.warning("lease_lost", role=lease.role)

    thread = threading.Thread(target=renew, name="kyodo-cli-leases", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
