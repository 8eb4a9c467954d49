"""`kyodo audit export` then offline `verify --export`, and the audit API's history filters (by published type)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kyodo_shared.web.devissuer import DevIssuer

from support.audit import History
from support.harness import Backend, eventually, platform, settings_for
from support.registry import CRITERIA, application


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_an_exported_history_verifies_offline_and_tampering_in_the_export_is_found(history: History) -> None:
    for n in range(3):
        history.add_group(f"g{n}")
    history.chain_and_sign()
    export = history.path.parent / "history.jsonl"
    env = {
        "PATH": "/usr/bin:/bin",
        "KYODO_STORE__BACKEND": "sqlite",
        "KYODO_STORE__SQLITE_PATH": str(history.path),
        "KYODO_PRIVACY__VAULT_PATH": str(history.path.parent / "vault.sqlite"),
    }
    # The service reads its keys from <keys_dir>/<service>; the fixture made them in <tmp>/keys.
    env["KYODO_AUDIT__KEYS_DIR"] = str(history.keys.directory.parent)
    (history.keys.directory.parent / "registry").symlink_to(history.keys.directory)
    exported = run("audit", "export", "registry", "--output", str(export), env=env)
    assert exported.returncode == 0, exported.stderr
    ok = run("audit", "verify", "registry", "--export", str(export), "--pin", str(export) + ".pins", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    lines = export.read_text().splitlines()
    record = json.loads(lines[1])
    # Each record names its event by published type as well as by the stored topic.
    assert (record["type"], record["stored"]["topic"]) == (
        "registry.Group.Applied",
        "kyodo_registry.domain:Group.Applied",
    )
    record["stored"]["state_hash"] = "00" * 32
    lines[1] = json.dumps(record)
    export.write_text("\n".join(lines) + "\n")
    bad = run("audit", "verify", "registry", "--export", str(export), "--pin", str(export) + ".pins2", env=env)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["first_problem_position"] == 2


async def test_the_history_can_be_filtered_by_aggregate_type_and_correlation_id(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        registry = p.clients["registry"]
        ids = []
        for n, correlation in enumerate(("flow-a", "flow-b")):
            created = await registry.post(
                "/groups",
                json=application(name=f"会{n}"),
                headers={**p.token(f"rep-{n}", "group"), "X-Correlation-Id": correlation},
            )
            ids.append(created.json()["id"])
        await registry.post(
            f"/groups/{ids[0]}/assessments",
            json={"criterion": CRITERIA[0], "met": True, "reason": "確認"},
            headers={**p.token("coord", "coordinator"), "If-Match": '"1"'},
        )
        auditor = p.token("auditor-1", "auditor")

        async def query(**params: str) -> list[dict[str, object]]:
            items: list[dict[str, object]] = (
                await registry.get("/audit/events", params=params, headers=auditor)
            ).json()["items"]
            return items

        await eventually(lambda: query())
        assert {i["originator_id"] for i in await query(aggregate=ids[0])} == {ids[0]}
        assessed = await query(type="registry.Group.CriterionAssessed")
        assert [(i["originator_id"], i["type"]) for i in assessed] == [(ids[0], "registry.Group.CriterionAssessed")]
        # The topic's tail still matches, for clients written before type names.
        assert await query(type="Group.CriterionAssessed") == assessed
        flow_b = await query(correlation_id="flow-b")
        assert [i["originator_id"] for i in flow_b] == [ids[1]]
        assert await query(since="2999-01-01T00:00:00+00:00") == []
