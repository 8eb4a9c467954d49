"""The staging clock's parts: durations as operators write them, the offset setting, the persisted shift (only
honoured where allowed), and how an offset is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from kyodo_shared.runtime import open_foundation
from kyodo_shared.settings import ClockSettings, KernelSettings, StoreSettings, parse_duration
from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.tasks.clock import ClockShifts, ServiceClock, iso_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("400d", timedelta(days=400)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("45s", timedelta(seconds=45)),
        ("3600", timedelta(hours=1)),
    ],
)
def test_a_duration_is_read_as_an_operator_writes_it(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "d", "400x", "1.5d", "-3d", "400 d"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_the_offset_comes_from_kyodo_clock_offset_in_any_of_its_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYODO_CLOCK__ALLOW_SHIFT", "true")
    for value, expected in [("400d", timedelta(days=400)), ("P1DT2H", timedelta(days=1, hours=2)), ("60", None)]:
        monkeypatch.setenv("KYODO_CLOCK__OFFSET", value)
        assert KernelSettings().clock.offset == (expected or timedelta(minutes=1))
    assert KernelSettings().clock.allow_shift


def test_an_offset_beyond_fifty_years_is_refused() -> None:
    """Every date must stay writable (deadlines are bounded) and no datetime may overflow."""
    with pytest.raises(ValidationError, match="at most"):
        ClockSettings(offset=timedelta(days=60 * 366), allow_shift=True)
    with pytest.raises(ValueError, match="more than a staging clock may move"):
        parse_duration("3000000d")


def test_the_clock_stays_on_real_time_and_fixed_by_default() -> None:
    assert ClockSettings() == ClockSettings(offset=timedelta(0), allow_shift=False)


def test_an_offset_back_in_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="forward only"):
        ClockSettings(offset=timedelta(days=-1))


def test_an_offset_is_shown_in_iso_8601() -> None:
    assert iso_duration(timedelta(days=400)) == "P400D"
    assert iso_duration(timedelta(days=1, hours=2, minutes=30)) == "P1DT2H30M"
    assert iso_duration(timedelta(seconds=5)) == "PT5S"
    assert iso_duration(timedelta(0)) == "PT0S"
    assert iso_duration(timedelta(seconds=-5)) == "-PT5S"


def test_the_service_clock_is_real_time_plus_its_offset_and_says_so_only_when_moved() -> None:
    clock = ServiceClock(timedelta(days=3))
    ahead = clock() - datetime.now(UTC)
    assert timedelta(days=3) - timedelta(seconds=5) < ahead <= timedelta(days=3)
    assert clock.describe() is not None
    assert clock.describe()["offset"] == "P3D"  # type: ignore[index]
    assert ServiceClock().describe() is None
    clock.move_to(lambda: datetime.now(UTC) + timedelta(days=10))
    assert clock.offset == timedelta(days=10)


def test_advances_add_up_and_outlast_the_connection(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "store.sqlite")
    shifts = ClockShifts(db)
    assert shifts.read() == timedelta(0)
    assert shifts.advance(timedelta(days=400)) == timedelta(days=400)
    assert shifts.advance(timedelta(hours=1)) == timedelta(days=400, hours=1)
    with pytest.raises(ValueError, match="forward only"):
        shifts.advance(timedelta(0))
    db.close()
    reopened = SqliteDatabase(tmp_path / "store.sqlite")
    assert ClockShifts(reopened).read() == timedelta(days=400, hours=1)
    reopened.close()


def settings(tmp_path: Path, clock: ClockSettings) -> KernelSettings:
    return KernelSettings(store=StoreSettings(sqlite_path=tmp_path / "store.sqlite"), clock=clock).model_copy(
        update={"privacy": KernelSettings().privacy.model_copy(update={"vault_path": tmp_path / "vault.sqlite"})}
    )


def test_a_recorded_shift_is_honoured_only_by_a_service_that_allows_shifting(tmp_path: Path) -> None:
    staging = open_foundation("registry", settings(tmp_path, ClockSettings(offset=timedelta(days=1), allow_shift=True)))
    ClockShifts(staging.store.db).advance(timedelta(days=400))
    staging.store.close()
    restarted = open_foundation(
        "registry", settings(tmp_path, ClockSettings(offset=timedelta(days=1), allow_shift=True))
    )
    assert restarted.clock.offset == timedelta(days=401)
    restarted.store.close()
    fixed = open_foundation("registry", settings(tmp_path, ClockSettings()))
    assert fixed.clock.offset == timedelta(0)
    assert fixed.clock.shifts is None
    fixed.store.close()
