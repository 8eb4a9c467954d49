"""`kyodo audit export` then offline `verify --export`, and the audit API's history filters (by published type)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kyodo_shared.audit import api
from kyodo_shared.web.devissuer import DevIssuer

from support.audit import History
from support.harness import Backend, Platform, eventually, platform, settings_for
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


async def mixed_history(p: Platform) -> list[str]:
    """Two groups applied (correlation ids flow-a, flow-b), the first one assessed: the groups' ids."""
    registry = p.clients["registry"]
    ids = []
    for n, correlation in enumerate(("flow-a", "flow-b")):
        created = await registry.post(
            "/groups",
            json=application(name=f"会{n}"),
            headers={**p.token(f"rep-{n}", "group"), "X-Correlation-Id": correlation},
        )
        ids.append(created.json()["id"])
    assessed = await registry.post(
        f"/groups/{ids[0]}/assessments",
        json={"criterion": CRITERIA[0], "met": True, "reason": "確認"},
        headers={**p.token("coord", "coordinator"), "If-Match": '"1"'},
    )
    assert assessed.status_code == 200, assessed.text
    return ids


async def test_the_history_can_be_filtered_by_aggregate_type_and_correlation_id(
    tmp_path: Path, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    settings = settings_for("registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        registry = p.clients["registry"]
        ids = await mixed_history(p)
        auditor = p.token("auditor-1", "auditor")

        async def query(**params: str) -> list[dict[str, object]]:
            items: list[dict[str, object]] = (
                await registry.get("/audit/events", params=params, headers=auditor)
            ).json()["items"]
            return items

        async def chained() -> bool:
            # Queries compared below must not see an event before and after it was chained (its link set).
            groups = [i for i in await query() if ":Group." in str(i["topic"])]
            return len(groups) == 3 and all(i["link"] for i in groups)

        await eventually(chained)
        assert {i["originator_id"] for i in await query(aggregate=ids[0])} == {ids[0]}
        assessed = await query(type="registry.Group.CriterionAssessed")
        assert [(i["originator_id"], i["type"]) for i in assessed] == [(ids[0], "registry.Group.CriterionAssessed")]
        # The topic's tail still matches, for clients written before type names.
        assert await query(type="Group.CriterionAssessed") == assessed
        flow_b = await query(correlation_id="flow-b")
        assert [i["originator_id"] for i in flow_b] == [ids[1]]
        assert await query(since="2999-01-01T00:00:00+00:00") == []


def named(wanted: str, item: dict[str, Any]) -> bool:
    """The filter's promise, by the listed item: its published type, its topic, or the topic's tails."""
    topic = str(item["topic"])
    return wanted in (item["type"], topic, topic.split(":", 1)[-1], topic.rsplit(".", 1)[-1])


async def test_a_type_filter_decodes_only_events_of_that_type_and_lists_what_filtering_the_whole_history_would(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for("registry", backend, nats_url, bus_namespace, issuer)
    async with platform({"registry": settings}, issuer) as p:
        registry = p.clients["registry"]
        await mixed_history(p)
        auditor = p.token("auditor-1", "auditor")

        async def listed(**params: Any) -> dict[str, Any]:
            response = await registry.get("/audit/events", params=params, headers=auditor)
            assert response.status_code == 200, response.text
            page: dict[str, Any] = response.json()
            return page

        async def chained() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await listed(limit=5000))["items"]
            linked = list(itertools.takewhile(lambda i: i["link"], items))
            return linked if sum(":Group." in i["topic"] for i in linked) == 3 else None

        # The history once its groups' events are chained (a link, once set, stays). The checkpointer keeps adding
        # its own events: compare what lies within this range.
        everything = await eventually(chained)
        end = everything[-1]["position"]
        decoded: list[str] = []
        decode = api._event_item

        def counting(*args: Any) -> dict[str, Any] | None:
            decoded.append(args[6])  # the stored topic
            return decode(*args)

        monkeypatch.setattr(api, "_event_item", counting)
        types = {str(i["type"]) for i in everything if i["type"]}
        assert {"registry.Group.Applied", "registry.Group.CriterionAssessed"} <= types
        for wanted in [*sorted(types), "Group.Applied", "kyodo_registry.domain:Group.Applied", "Applied", "Nothing"]:
            decoded.clear()
            listing = (await listed(type=wanted, limit=5000))["items"]
            assert [i for i in listing if i["position"] <= end] == [i for i in everything if named(wanted, i)], wanted
            # Only the listed events were decoded: rows of other types were skipped by their stored topic.
            assert sorted(decoded) == sorted(i["topic"] for i in listing), wanted
        # One item a page: each page ends where the next begins, and together they are the filtered history.
        pages, after = [], 0
        while True:
            page = await listed(type="registry.Group.Applied", limit=1, after=after)
            pages += page["items"]
            if page["next_after"] is None:
                break
            assert page["next_after"] == page["items"][0]["position"]
            after = page["next_after"]
        assert [i for i in pages if i["position"] <= end] == [i for i in everything if named("Group.Applied", i)]
