"""P5 seeding: N stored events in the registry's and the proposals' PostgreSQL stores, by COPY, chained and
checkpointed as the services' own chainer and checkpointer would have done.

The bodies are real events: every Group aggregate of the registry and every Call and Review aggregate of proposals
in `tests/fixtures/store-v1` (written by the services' code through their HTTP APIs), copied with fresh aggregate and
correlation ids (every id of a copied aggregate is replaced wherever the bytes name it, hex or dashed) in the
fixture's own interleaved order. The chain fields come from the kernel's functions (`state_hash`, `next_link`,
`correlation_of`), the checkpoints from `sign_checkpoint` and the `AuditCheckpoints` aggregate every
`checkpoint_every_events` (1000) events, stored where the checkpointer stores them: `kyodo audit verify` accepting
the result is the proof that the seed is faithful.

    .venv/bin/python -m bench.p5_seed --events 1000000 --pg-dsn postgresql://root@127.0.0.1:5432/kyodo_bench_x
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPO

FIXTURE = REPO / "tests" / "fixtures" / "store-v1"
NAMESPACE = uuid.UUID("6f1d3b1e-5b0a-4c55-9e53-5f35c0a1e14d")
# The aggregates copied, by the topic of their first event; the others (directories, interests, the kernel's) are
# singletons or the checkpoint log, which the seed writes itself.
ROOTS = {
    "registry": ("kyodo_registry.domain:Group.Applied",),
    "proposals": ("kyodo_proposals.domain:Call.Drafted", "kyodo_proposals.review:Review.Opened"),
}
SHARE = {"registry": 0.6, "proposals": 0.4}
EVERY = 1000


@dataclass(frozen=True)
class Template:
    originator: str  # hex
    version: int
    topic: str
    state: bytes
    # (bytes as the template holds them, key, dashed?) of every id this state names
    names: tuple[tuple[bytes, str, bool], ...]


def templates(service: str) -> list[Template]:
    """The fixture's events of the copied aggregates, in log order, with the ids each one's bytes name."""
    with sqlite3.connect(FIXTURE / f"{service}.sqlite") as conn:
        rows = conn.execute("SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid")
        events = [(str(o), int(v), str(t), bytes(s)) for o, v, t, s in rows]
    roots = {o for o, v, t, _ in events if v == 1 and t in ROOTS[service]}
    chosen = [e for e in events if e[0] in roots]
    ids = set(roots)
    for _, _, _, state in chosen:
        trace = json.loads(state).get("trace") or {}
        if trace.get("correlation_id"):
            ids.add(uuid.UUID(trace["correlation_id"]).hex)
    out = []
    for originator, version, topic, state in chosen:
        names = []
        for key in sorted(ids):
            dashed = str(uuid.UUID(key)).encode()
            if key.encode() in state:
                names.append((key.encode(), key, False))
            if dashed in state:
                names.append((dashed, key, True))
        out.append(Template(originator, version, topic, state, tuple(names)))
    return out


def copies(service: str, events: int, start: int = 0) -> Iterator[tuple[uuid.UUID, int, str, bytes]]:
    """`events` stored events (originator, version, topic, bytes): the templates copied again and again."""
    found = templates(service)
    made, copy = 0, start
    while True:
        fresh: dict[str, uuid.UUID] = {}
        for t in found:
            state = t.state
            for old, key, dashed in t.names:
                new = fresh.get(key) or fresh.setdefault(key, uuid.uuid5(NAMESPACE, f"{service}:{copy}:{key}"))
                state = state.replace(old, str(new).encode() if dashed else new.hex.encode())
            originator = fresh.get(t.originator) or fresh.setdefault(
                t.originator, uuid.uuid5(NAMESPACE, f"{service}:{copy}:{t.originator}")
            )
            yield originator, t.version, t.topic, state
            made += 1
            if made == events:
                return
        copy += 1


def seed_service(kernel: Any, service: str, events: int, every: int = EVERY) -> dict[str, Any]:
    """Write `events` stored events (copies plus the checkpoint log's own) with their chain rows and checkpoints
    into the kernel's PostgreSQL store, by COPY in one transaction; returns what was written."""
    import psycopg

    from kyodo_shared.audit.chain import GENESIS, correlation_of, next_link, state_hash
    from kyodo_shared.audit.checkpointer import AuditCheckpoints
    from kyodo_shared.audit.checkpoints import sign_checkpoint

    app, db = kernel.application, kernel.chain.db
    mapper, keys = app.mapper, kernel.keys_ring()
    table = app.recorder.events_table_name
    log: AuditCheckpoints | None = None
    signed_at = datetime.now(UTC)
    started = time.perf_counter()
    position, link, last_signed, checkpoints = 0, GENESIS, 0, 0
    body = copies(service, events)
    options = f"-c search_path={db.schema}"
    # One COPY at a time per connection: events on one, chain rows on the other; events commit first, as a chainer
    # only ever chains committed events.
    with psycopg.connect(db.dsn, options=options) as conn, psycopg.connect(db.dsn, options=options) as chain_conn:
        with conn.cursor() as cur:
            cur.execute("SELECT COALESCE(MAX(notification_id), 0) FROM kyodo_audit_chain")
            row = cur.fetchone()
            if row and row[0]:
                raise RuntimeError(f"{service}'s store is not empty")
        with (
            conn.cursor() as ecur,
            chain_conn.cursor() as ccur,
            ecur.copy(
                f"COPY {table} (notification_id, originator_id, originator_version, topic, state) "
                "FROM STDIN (FORMAT BINARY)"
            ) as ecopy,
            ccur.copy(
                "COPY kyodo_audit_chain (notification_id, originator_id, originator_version, topic, state_hash, "
                "link, correlation_id) FROM STDIN (FORMAT BINARY)"
            ) as ccopy,
        ):
            ecopy.set_types(["int8", "uuid", "int8", "text", "bytea"])
            ccopy.set_types(["int8", "text", "int8", "text", "text", "text", "text"])

            def store(originator: uuid.UUID, version: int, topic: str, state: bytes) -> None:
                nonlocal position, link
                position += 1
                hashed = state_hash(state)
                link = next_link(link, position, str(originator), version, topic, hashed)
                ecopy.write_row((position, originator, version, topic, state))
                ccopy.write_row(
                    (position, str(originator), version, topic, hashed.hex(), link.hex(), correlation_of(mapper, state))
                )

            while position < events:
                # The checkpointer signs the chain's head once `every` events followed the last checkpoint's own.
                if position - last_signed - (1 if checkpoints else 0) >= every:
                    checkpoint = sign_checkpoint(keys, service, position, link.hex(), signed_at)
                    if log is None:
                        log = AuditCheckpoints(service)
                    log.signed(checkpoint.model_dump(mode="json"))
                    for event in log.collect_events():
                        stored = mapper.to_stored_event(event)
                        store(stored.originator_id, stored.originator_version, stored.topic, stored.state)
                    last_signed, checkpoints = checkpoint.position, checkpoints + 1
                    memory = (checkpoint.position, checkpoint.link)
                    continue
                store(*next(body))
        with conn.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)", (f"{db.schema}.{table}", position)
            )
        conn.commit()
        chain_conn.commit()
    copied = time.perf_counter() - started
    if checkpoints:
        # Where the checkpointer remembers its last signature (beside the keys): a serving replica checks it.
        (keys.directory / "last-checkpoint.json").write_text(json.dumps({"position": memory[0], "link": memory[1]}))
    with psycopg.connect(db.dsn, options=f"-c search_path={db.schema}", autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("VACUUM ANALYZE kyodo_audit_chain")
        # The service's own query tables are not seeded (the audit reads none): its projection starts at the end.
        for name in kernel.projections:
            conn.execute(
                "INSERT INTO kyodo_projection_position (name, position) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position",
                (name, position),
            )
    return {
        "service": service,
        "events": position,
        "checkpoints": checkpoints,
        "copy_s": round(copied, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


def service_settings(service: str, pg_dsn: str, keys_dir: Path, vault_dir: Path) -> Any:
    from kyodo_shared.service import discover

    spec = discover()[service]
    return spec.settings_type.model_validate(
        {
            "store": {"backend": "postgres", "pg_dsn": pg_dsn, "pg_schema": spec.pg_schema},
            "audit": {"keys_dir": keys_dir},
            "privacy": {"vault_path": vault_dir / f"{service}-vault.sqlite"},
        }
    )


def open_kernel(service: str, pg_dsn: str, keys_dir: Path, vault_dir: Path) -> Any:
    """The service's kernel over the bench store, not started (no bus): its tables made as `kyodo serve` makes them."""
    from kyodo_shared.service import discover

    settings = service_settings(service, pg_dsn, keys_dir, vault_dir)
    return discover()[service].create_app(settings, None).state.kernel


def seed(pg_dsn: str, events: int, keys_dir: Path, vault_dir: Path) -> list[dict[str, Any]]:
    """Both services' stores, `events` in all (registry 60 %, proposals 40 %)."""
    done = []
    for service, share in SHARE.items():
        kernel = open_kernel(service, pg_dsn, keys_dir, vault_dir)
        try:
            done.append(seed_service(kernel, service, round(events * share)))
        finally:
            kernel.close()
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--pg-dsn", required=True, help="an empty database")
    parser.add_argument("--data-dir", type=Path, required=True, help="checkpoint keys and vaults go here")
    args = parser.parse_args()
    print(json.dumps(seed(args.pg_dsn, args.events, args.data_dir / "keys", args.data_dir)))


if __name__ == "__main__":
    main()
