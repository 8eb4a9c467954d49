"""The contracts as their own distribution: pydantic only, versioned with the platform, a wheel holding nothing
else, and the CloudEvents binding a reader uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from kyodo_contracts.cloudevents import H_TYPE, PoisonMessage, UnexpectedType, decode_as
from kyodo_contracts.registry import GroupRegistered, GroupRejected

from support.bus import message, registered

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_contract_and_the_binding_loads_nothing_of_the_kernel_services_or_bus() -> None:
    probe = (
        "import sys, pkgutil, importlib, kyodo_contracts;"
        "prefix = 'kyodo_contracts.';"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(kyodo_contracts.__path__, prefix)];"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(
        subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()
    )
    forbidden = {"kyodo_shared", "kyodo_registry", "kyodo_proposals", "kyodo_info_hub", "nats", "fastapi", "psycopg"}
    assert loaded & forbidden == set()
    assert "pydantic" in loaded


def test_the_package_is_versioned_with_the_platform_and_the_platform_pins_it() -> None:
    platform = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    package = tomllib.loads((ROOT / "contracts" / "pyproject.toml").read_text())["project"]
    assert package["version"] == platform["version"]
    assert f"kyodo-contracts=={platform['version']}" in platform["dependencies"]
    assert [d.split(">")[0].split("=")[0].split("<")[0] for d in package["dependencies"]] == ["pydantic"]
    released = json.loads((ROOT / "docs" / "contracts" / "release.json").read_text())["version"]
    assert released == platform["version"], "the committed schemas are the release's: `kyodo contracts release`"


@pytest.mark.slow
def test_the_wheel_holds_the_contracts_and_requires_only_pydantic(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT / "contracts")],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("kyodo_contracts-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"kyodo_contracts"}
    assert "kyodo_contracts/py.typed" in names
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert [r.split(">")[0].split("<")[0].strip() for r in requires] == ["pydantic"]


def test_decode_as_reads_its_own_type_and_refuses_another_type_or_version() -> None:
    headers, body = message(4, "g4")
    envelope, event = decode_as(GroupRegistered, headers, body)
    assert (envelope.sequence, event) == (4, registered("g4"))

    with pytest.raises(UnexpectedType) as other:
        decode_as(GroupRejected, headers, body)
    assert (other.value.expected, other.value.found) == (GroupRejected.ce_type(), GroupRegistered.ce_type())

    newer = {**headers, H_TYPE: GroupRegistered.ce_type().replace(".v1", ".v2")}
    with pytest.raises(UnexpectedType, match=r"registered\.v2"):
        decode_as(GroupRegistered, newer, body)
    with pytest.raises(UnexpectedType, match="no Kyodo event type"):
        decode_as(GroupRegistered, {**headers, H_TYPE: "com.example.other"}, body)
    with pytest.raises(PoisonMessage):
        decode_as(GroupRegistered, headers, b"{}")
