"""KYODO_REPLICA_ID names a replica as lease holder (a pod name); `kyodo up` honours it, while an operator command
always holds its leases as `kyodo-cli-<host>-<pid>`, so a refusal says plainly who holds what."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kyodo_shared.cli.embedded import embedded_settings
from kyodo_shared.cli.operator import service_settings
from kyodo_shared.runtime import open_foundation
from kyodo_shared.web.devissuer import DevIssuer

NATS = "nats://127.0.0.1:14999"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("KYODO_") and not name.startswith("KYODO_TEST_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_up_honours_kyodo_replica_id_and_an_operator_command_names_itself(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("KYODO_REPLICA_ID", "pod-registry-0")
    up = embedded_settings("registry", tmp_path, NATS, DevIssuer.load_or_create(tmp_path / "issuer"))
    assert up.replica_id == "pod-registry-0"
    operator = service_settings("registry", tmp_path, nats_url=NATS)
    assert operator.replica_id == f"kyodo-cli-{socket.gethostname()}-{os.getpid()}"


def test_the_kernel_s_replica_is_kyodo_replica_id_when_set_else_a_fresh_one(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    named = embedded_settings("registry", tmp_path, NATS, issuer).model_copy(update={"replica_id": "pod-a"})
    foundation = open_foundation("registry", named)
    try:
        assert foundation.replica == "pod-a"
    finally:
        foundation.store.close()
    unnamed = embedded_settings("registry", tmp_path / "b", NATS, issuer)
    first, second = open_foundation("registry", unnamed), open_foundation("registry", unnamed)
    try:
        assert first.replica != second.replica
    finally:
        first.store.close()
        second.store.close()
