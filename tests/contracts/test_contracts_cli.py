"""`kyodo contracts check` and `kyodo contracts release` as a release manager runs them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from kyodo_contracts.registry import GroupRegistered

from support.cli import run_kyodo

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "docs" / "contracts"


def released_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "contracts"
    shutil.copytree(RELEASE, copy)
    return copy


def test_check_passes_in_the_repository_and_names_the_release() -> None:
    done = run_kyodo("contracts", "check", "--against", str(RELEASE), env=os.environ)
    assert done.returncode == 0, done.stderr
    assert "contracts compatible with release" in done.stderr


def test_check_fails_on_a_breaking_change_naming_the_type_the_field_and_what_to_do(tmp_path: Path) -> None:
    # As if the last release had published a required field that today's GroupRegistered no longer has.
    copy = released_copy(tmp_path)
    path = copy / f"{GroupRegistered.ce_type()}.json"
    schema = json.loads(path.read_text())
    schema["properties"]["district"] = {"type": "string"}
    schema["required"].append("district")
    path.write_text(json.dumps(schema))

    done = run_kyodo("contracts", "check", "--against", str(copy), env={**os.environ, "COLUMNS": "300"})
    assert done.returncode == 1
    assert f"breaking   {GroupRegistered.ce_type()} district: removed" in done.stdout
    assert "1 breaking change(s)" in done.stderr
    assert "publish the change as a new version" in done.stderr
    assert "Traceback" not in done.stderr

    as_json = run_kyodo("contracts", "check", "--against", str(copy), "--json", env=os.environ)
    breaking = [c for c in map(json.loads, as_json.stdout.splitlines()) if c["breaking"]]
    assert breaking == [
        {
            "ce_type": GroupRegistered.ce_type(),
            "path": "district",
            "kind": "removed",
            "detail": "a field of the version is gone",
            "breaking": True,
        }
    ]

    index = json.loads((copy / "release.json").read_text())
    (copy / "release.json").write_text(json.dumps({**index, "version": "0.0.9"}))
    refused = run_kyodo("contracts", "release", "--against", str(copy), env=os.environ)
    assert refused.returncode == 3
    assert "cannot change a released version incompatibly" in refused.stderr
    assert "district" in json.loads(path.read_text())["properties"], "a refused release writes nothing"


def test_release_writes_todays_schemas_as_the_next_versions_and_check_then_passes(tmp_path: Path) -> None:
    copy = released_copy(tmp_path)
    (copy / f"{GroupRegistered.ce_type()}.json").unlink()
    index = json.loads((copy / "release.json").read_text())
    earlier = {**index, "version": "0.0.9", "types": [t for t in index["types"] if "registered" not in t]}
    (copy / "release.json").write_text(json.dumps(earlier))
    assert run_kyodo("contracts", "release", "--against", str(copy), env=os.environ).returncode == 0
    assert json.loads((copy / "release.json").read_text())["version"] == index["version"]
    written = (copy / f"{GroupRegistered.ce_type()}.json").read_text()
    assert written == (RELEASE / f"{GroupRegistered.ce_type()}.json").read_text()
    assert run_kyodo("contracts", "check", "--against", str(copy), env=os.environ).returncode == 0


def test_release_refuses_a_version_already_released_and_a_directory_without_a_release(tmp_path: Path) -> None:
    again = run_kyodo("contracts", "release", "--against", str(released_copy(tmp_path)), env=os.environ)
    assert again.returncode == 3
    assert "is already committed" in again.stderr
    assert "bump the version" in again.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    refused = run_kyodo("contracts", "release", "--against", str(empty), env=os.environ)
    assert refused.returncode == 3
    assert "--first only for the very first release" in refused.stderr
    assert list(empty.iterdir()) == []
    first = run_kyodo("contracts", "release", "--against", str(empty), "--first", env=os.environ)
    assert first.returncode == 0
    assert (empty / "release.json").is_file()


def test_check_without_released_schemas_says_where_they_are_expected(tmp_path: Path) -> None:
    done = run_kyodo("contracts", "check", "--against", str(tmp_path), env=os.environ)
    assert done.returncode == 2
    assert "release.json is missing" in done.stderr
    assert "run from the repository root" in done.stderr
