"""`kyodo privacy erase` judges retention by each service's clock, for the check and for the erasure alike: on a
staging platform moved ahead in time, a person whose retention ended on the moved clock is erased."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kyodo_shared.cli import privacy
from kyodo_shared.cli.errors import REFUSED, CliError
from kyodo_shared.privacy.vault import KeyVault
from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.tasks.clock import ServiceClock

KIND = "group_representative"
FIELDS = {"name": "消去検査子", "email": "erase-cli-41c7@example.jp"}


class StagingKernel:
    """What `erase_person` uses of a kernel: its name, its vault and its clock, 400 days ahead of real time."""

    def __init__(self, tmp_path: Path) -> None:
        self.service = "registry"
        self.clock = ServiceClock(timedelta(days=400))
        self.db = SqliteDatabase(tmp_path / "vault.sqlite")
        self.vault = KeyVault(self.db, {KIND: 30})
        self.vault.migrate()
        self.closed = False

    def close(self) -> None:
        # The vault stays open for the test to look at afterwards; the fixture closes it.
        self.closed = True


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingKernel]:
    staging = StagingKernel(tmp_path)
    monkeypatch.setattr(privacy, "open_kernel", lambda service, data_dir: staging)
    yield staging
    staging.db.close()


def test_a_person_whose_retention_ended_on_the_staging_clock_is_erased_though_real_time_is_earlier(
    kernel: StagingKernel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Stored 40 staging days ago: 30 days of retention have passed on the staging clock, none in real time.
    envelope = kernel.vault.encrypt("rep-1", KIND, FIELDS, kernel.clock() - timedelta(days=40))
    allowed = kernel.vault.erasable_from("rep-1")
    assert allowed is not None
    assert datetime.now(UTC) < allowed < kernel.clock()
    assert privacy.erase_person("rep-1", ["registry"], tmp_path) == 0
    assert json.loads(capsys.readouterr().out) == {"service": "registry", "person": "rep-1", "erased": True}
    assert kernel.vault.decrypt(envelope) is None
    assert kernel.closed


def test_a_person_whose_retention_runs_on_the_staging_clock_is_refused_and_nothing_is_erased(
    kernel: StagingKernel, tmp_path: Path
) -> None:
    envelope = kernel.vault.encrypt("rep-1", KIND, FIELDS, kernel.clock() - timedelta(days=10))
    with pytest.raises(CliError) as refused:
        privacy.erase_person("rep-1", ["registry"], tmp_path)
    assert refused.value.code == REFUSED
    assert "保存期間中のため消去できません" in refused.value.message
    assert kernel.vault.decrypt(envelope) == FIELDS


def test_a_person_who_acts_between_the_check_and_the_erasure_is_refused_and_keeps_their_data(
    kernel: StagingKernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kernel.vault.encrypt("rep-1", KIND, FIELDS, kernel.clock() - timedelta(days=40))
    erase = kernel.vault.erase
    acted: list[dict[str, str]] = []

    def acting_first(person: str, now: datetime | None = None) -> bool:
        # The person files something again after the CLI checked: their retention now runs 30 more days.
        acted.append(kernel.vault.encrypt(person, KIND, FIELDS, kernel.clock()))
        return erase(person, now)

    monkeypatch.setattr(kernel.vault, "erase", acting_first)
    with pytest.raises(CliError) as refused:
        privacy.erase_person("rep-1", ["registry"], tmp_path)
    assert refused.value.code == REFUSED
    assert "保存期間中のため消去できません" in refused.value.message
    assert refused.value.hint is not None
    assert "erased so far: none" in refused.value.hint
    assert kernel.vault.decrypt(acted[0]) == FIELDS
