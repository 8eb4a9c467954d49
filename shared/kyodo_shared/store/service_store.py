"""One service's persistence, opened by its composition root before anything is built on it.

The event store's environment, the service's own database (the kernel's tables: relay position, consumer
ledger, audit chain, leases, durable timers, projection positions — created and changed by the kernel's versioned
migrations), and the key vault for personal data (its own lineage). The service's own tables follow by its
lineage (`kyodo_<service>/migrations`) in its composition root. The application, the bus and the background tasks
are then constructed from these parts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from kyodo_shared.audit.chain import ChainStore
from kyodo_shared.bus.dlq import ConsumerLedger
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.settings import KernelSettings, StoreSettings
from kyodo_shared.store.db import Database, open_database
from kyodo_shared.store.eventstore import eventsourcing_env
from kyodo_shared.store.migrations import upgrade_kernel, upgrade_vault
from kyodo_shared.store.sealed import sealed_env
from kyodo_shared.tasks.clock import ServiceClock
from kyodo_shared.tasks.leases import LeaseStore
from kyodo_shared.tasks.timers import Timers

A = TypeVar("A")


class ServiceStore:
    def __init__(self, settings: KernelSettings, clock: ServiceClock, *, replica: str) -> None:
        self.settings = settings
        self.db: Database = open_database(settings.store)
        self.env = eventsourcing_env(settings.store)
        self.vault = KeyVault(open_database(vault_settings(settings)), settings.privacy.retention_days)
        self.ledger = ConsumerLedger(self.db)
        self.chain = ChainStore(self.db)
        self.leases = LeaseStore(self.db)
        self.timers = Timers(self.db, clock=clock, replica=replica)
        # Versioned migrations (store/migrations): the vault's lineage and the kernel's, each at its head before
        # anything reads them; a database made before migrations existed is adopted with its rows.
        upgrade_vault(self.vault.db)
        upgrade_kernel(self.db)
        self._closed = False

    def construct(self, make: Callable[[dict[str, str]], A]) -> A:
        """The eventsourcing application over this store (it creates its tables when constructed).

        Replicas starting together race on the store's CREATE … IF NOT EXISTS: the loser retries.
        """
        for attempt in range(5):
            try:
                return make(self.env)
            except Exception as exc:
                # PostgreSQL answers a concurrent CREATE … IF NOT EXISTS of a function or type with "tuple
                # concurrently updated" rather than "already exists": the same race, retried the same way.
                raced = "already exists" in str(exc) or "tuple concurrently updated" in str(exc)
                if not raced or attempt == 4:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def construct_sealed(self, make: Callable[[dict[str, str]], A]) -> A:
        """The service's sealed application (store/sealed.py): tables of its own, which nothing public reads."""
        return self.construct(lambda env: make(sealed_env(self.settings.store, env)))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.db.close()
        self.vault.db.close()


def vault_settings(settings: KernelSettings) -> StoreSettings:
    """The vault lives apart from the event store: its own SQLite file, or its own PostgreSQL schema."""
    store, privacy = settings.store, settings.privacy
    if store.backend == "sqlite":
        return StoreSettings(backend="sqlite", sqlite_path=privacy.vault_path)
    return StoreSettings(
        backend="postgres",
        pg_dsn=privacy.vault_pg_dsn or store.pg_dsn,
        pg_schema=f"{store.pg_schema}_vault",
        # Request threads decrypt personal data for their answers: as many connections as the store has.
        pg_pool_size=store.pg_pool_size,
    )
