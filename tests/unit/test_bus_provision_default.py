"""Services check the bus rather than make it unless told otherwise: KYODO_BUS__PROVISION defaults to `check` (the
production mode, `kyodo bus init` makes streams and durable consumers). tests/conftest.py sets `create` in the
environment for the test rigs, which would hide a changed default from every other test."""

from __future__ import annotations

import pytest

from kyodo_shared.service import discover
from kyodo_shared.settings import BusSettings, KernelSettings


def test_bus_settings_check_the_bus_by_default() -> None:
    assert BusSettings().provision == "check"


def test_every_service_reads_check_from_an_environment_without_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYODO_BUS__PROVISION", raising=False)
    assert KernelSettings().bus.provision == "check"
    for name, spec in discover().items():
        assert spec.settings_type().bus.provision == "check", name


def test_the_environment_still_chooses_create_for_a_rig_nobody_provisions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYODO_BUS__PROVISION", "create")
    assert KernelSettings().bus.provision == "create"
