"""eventsourcing's PostgreSQL persistence with the store's circuit breaker in front of its pool (store/breaker.py).

Named by `PERSISTENCE_MODULE` (store/eventstore.py). eventsourcing builds its datastore inside the factory's
constructor from environment strings, with no class to name and no object to hand in, so the factory turns the
datastore it built into a `GuardedPostgresDatastore` (same state, one method more) and gives it its breaker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg import Connection
from psycopg.rows import DictRow

from kyodo_shared.store.breaker import StoreBreaker, connect_probe


class GuardedPostgresDatastore(PostgresDatastore):
    breaker: StoreBreaker

    @contextmanager
    def get_connection(self) -> Iterator[Connection[DictRow]]:
        # Before eventsourcing's retry loop sees an error: StoreUnavailable is not one it retries, so a statement
        # fails at once while the breaker is open instead of trying ten times.
        self.breaker.guard()
        try:
            with super().get_connection() as conn:
                yield conn
        except (OperationalError, InterfaceError) as exc:
            self.breaker.failed(exc)
            raise


class GuardedPostgresFactory(PostgresFactory):
    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        datastore = cast(GuardedPostgresDatastore, self.datastore)
        datastore.__class__ = GuardedPostgresDatastore
        kwargs = datastore.pool.kwargs
        conninfo: dict[str, Any] = dict(kwargs() if callable(kwargs) else kwargs or {})
        conninfo.pop("row_factory", None)
        target = f"{conninfo.get('host')}:{conninfo.get('port')}/{conninfo.get('dbname')} (events)"
        datastore.breaker = StoreBreaker(target, connect_probe(**conninfo))
