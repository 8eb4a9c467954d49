"""Every setting in the README's Configuration table takes effect under `kyodo up`, or is one the embedded layout
decides itself (its store, bus URL, identity provider and vault files) — in `up` and in the operator commands that
share its data directory alike."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog

from kyodo_shared.cli.embedded import embedded_settings
from kyodo_shared.cli.operator import service_settings
from kyodo_shared.observability.logs import configure_logging_from_env
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.devissuer import DEV_ISSUER, DevIssuer

README = Path(__file__).resolve().parents[2] / "README.md"
NATS = "nats://127.0.0.1:14999"

# variable -> (value set, how to read it back from a service's settings, the value expected)
HONOURED: dict[str, tuple[str, Callable[[KernelSettings], Any], Any]] = {
    "KYODO_BUS__NAMESPACE": ("acme", lambda s: s.bus.namespace, "acme"),
    "KYODO_BUS__CONNECT_WAIT_SECONDS": ("7", lambda s: s.bus.connect_wait_seconds, 7.0),
    "KYODO_BUS__PROVISION": ("create", lambda s: s.bus.provision, "create"),
    "KYODO_CONSUMER__MAX_FAILURES": ("7", lambda s: s.consumer.max_failures, 7),
    "KYODO_RELAY__BATCH_SIZE": ("42", lambda s: s.relay.batch_size, 42),
    "KYODO_HTTP__MAX_BODY_BYTES": ("2048", lambda s: s.http.max_body_bytes, 2048),
    "KYODO_AUDIT__KEYS_DIR": ("/srv/kyodo-keys", lambda s: s.audit.keys_dir, Path("/srv/kyodo-keys")),
    "KYODO_AUDIT__CHECKPOINT_EVERY_EVENTS": ("3", lambda s: s.audit.checkpoint_every_events, 3),
    "KYODO_AUDIT__CHECKPOINT_EVERY_SECONDS": ("5", lambda s: s.audit.checkpoint_every_seconds, 5.0),
    "KYODO_PRIVACY__VAULT_PG_DSN": (
        "postgresql://vault@db/kyodo",
        lambda s: s.privacy.vault_pg_dsn,
        "postgresql://vault@db/kyodo",
    ),
    "KYODO_PRIVACY__RETENTION_DAYS": (
        '{"group_contact": 10}',
        lambda s: s.privacy.retention_days.get("group_contact"),
        10,
    ),
    "KYODO_LOG_FORMAT": ("json", lambda s: s.log_format, "json"),
    "KYODO_LOG_LEVEL": ("WARNING", lambda s: s.log_level, "WARNING"),
    "KYODO_LEASES__TTL_SECONDS": ("3", lambda s: s.leases.ttl_seconds, 3.0),
    "KYODO_LEASES__ENABLED": ("false", lambda s: s.leases.enabled, False),
    "KYODO_HEALTH__STALL_AFTER_SECONDS": ("12", lambda s: s.health.stall_after_seconds, 12.0),
    "KYODO_CLOCK__OFFSET": ("400d", lambda s: s.clock.offset, timedelta(days=400)),
}
# Decided by the embedded layout (a laptop's SQLite files, its private NATS, the development issuer).
DECIDED_BY_UP = {
    "KYODO_STORE__BACKEND",
    "KYODO_STORE__PG_DSN",
    "KYODO_STORE__PG_SCHEMA",
    "KYODO_STORE__SQLITE_PATH",
    "KYODO_BUS__NATS_URL",
    # Its loopback nats-server has no TLS.
    "KYODO_BUS__TLS_CA_FILE",
    "KYODO_AUTH__ISSUER",
    "KYODO_AUTH__AUDIENCE",
    "KYODO_AUTH__JWKS_URL",
    "KYODO_PRIVACY__VAULT_PATH",
    # /metrics stays on up's loopback gateway.
    "KYODO_METRICS__PORT",
    # A laptop's platform may always be moved in time (`kyodo clock advance`).
    "KYODO_CLOCK__ALLOW_SHIFT",
    # Login: `kyodo up` is its own identity provider (/oidc), at its own origin, with a session key in its data dir.
    "KYODO_LOGIN__CLIENT_ID",
    "KYODO_LOGIN__CLIENT_SECRET",
    "KYODO_LOGIN__DISCOVERY_URL",
    "KYODO_LOGIN__PUBLIC_URL",
    "KYODO_LOGIN__SESSION_KEY",
    "KYODO_LOGIN__SCOPES",
    "KYODO_LOGIN__SESSION_MAX_SECONDS",
}


def documented_variables() -> set[str]:
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in section.splitlines():
        if not row.startswith("| `KYODO_"):
            continue
        first = row.split("|")[1]
        found = re.findall(r"`(KYODO_[A-Z_]+|…_[A-Z_]+)`", first)
        prefix = ""
        for name in found:
            if name.startswith("…"):
                # `KYODO_AUDIT__CHECKPOINT_EVERY_EVENTS`, `…_SECONDS`: the same prefix, another ending.
                name = prefix + name[1:]
            else:
                prefix = name.rsplit("_", 1)[0]
            names.add(name)
    return names


def test_every_documented_variable_is_either_honoured_by_up_or_decided_by_its_layout() -> None:
    documented = documented_variables()
    assert "KYODO_AUDIT__CHECKPOINT_EVERY_SECONDS" in documented
    # KYODO_REPLICA_ID names the holder of leases; operator commands always hold them as `kyodo-cli-<host>-<pid>`
    # (tests/unit/test_replica_id.py covers both).
    assert documented - set(HONOURED) - DECIDED_BY_UP - {"KYODO_REPLICA_ID"} == set()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("KYODO_") and not name.startswith("KYODO_TEST_"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("variable", sorted(HONOURED))
@pytest.mark.parametrize("service", ["registry", "info-hub", "proposals", "screening", "evaluation"])
def test_kyodo_up_honours_the_variable(
    variable: str, service: str, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    value, read, expected = HONOURED[variable]
    if variable == "KYODO_PRIVACY__RETENTION_DAYS" and service not in ("registry", "info-hub"):
        pytest.skip("only the registry and info-hub keep personal-data records with a retention period")
    clean_env.setenv(variable, value)
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")

    up = embedded_settings(service, tmp_path, NATS, issuer)
    operator = service_settings(service, tmp_path, nats_url=NATS)

    assert read(up) == expected
    assert read(operator) == expected
    # ... while the layout still decides where the data lives and which bus it uses.
    assert up.store.sqlite_path == tmp_path / f"{service}.sqlite"
    assert up.bus.nats_url == NATS
    assert operator.store == up.store


def test_kyodo_up_decides_its_store_bus_issuer_and_vault_whatever_the_environment(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("KYODO_STORE__SQLITE_PATH", "/elsewhere.sqlite")
    clean_env.setenv("KYODO_AUTH__ISSUER", "https://id.example.invalid")
    clean_env.setenv("KYODO_PRIVACY__VAULT_PATH", "/elsewhere-vault.sqlite")
    up = embedded_settings("registry", tmp_path, NATS, DevIssuer.load_or_create(tmp_path / "issuer"))
    assert up.store.backend == "sqlite"
    assert up.store.sqlite_path == tmp_path / "registry.sqlite"
    assert up.bus.nats_url == NATS
    assert up.auth.issuer == DEV_ISSUER
    assert up.privacy.vault_path == tmp_path / "registry-vault.sqlite"
    assert up.audit.keys_dir == tmp_path / "keys"


def test_an_operator_command_in_the_embedded_layout_never_defaults_to_the_machines_nats(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # kyodo up is not running for this directory and no bus was started: a URL that reaches nobody.
    assert "127.0.0.1:4222" not in service_settings("registry", tmp_path).bus.nats_url


def test_kyodo_up_logs_in_the_format_and_at_the_level_of_the_environment(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("KYODO_LOG_FORMAT", "json")
    clean_env.setenv("KYODO_LOG_LEVEL", "WARNING")
    try:
        configure_logging_from_env()
        log = structlog.get_logger("test")
        log.info("not_written")
        log.warning("written", detail="x")
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        structlog.reset_defaults()
    assert [json.loads(line)["event"] for line in lines] == ["written"]
    assert json.loads(lines[0])["level"] == "warning"
