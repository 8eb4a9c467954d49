"""Issue 15: a department's inventory CSV (5,000 rows of ~1 KB, CP932) imported through screening's FastAPI app,
beside parsing alone and a plain one-transaction INSERT of the same rows, on SQLite and PostgreSQL, same run.

    flock /tmp/k/bench.lock .venv/bin/python bench/screening_import.py [--pg-dsn DSN] [--reps 3] [--json F] [--profile]

Each measurement runs in a child process of its own (its peak-RSS growth is its own) on a fresh store: a SQLite
folder, or a PostgreSQL schema `bimp_<hex>` (+ `_vault`) dropped afterwards. The app is `kyodo_screening.main`'s
`create_app` over `httpx.ASGITransport` without its lifespan: the kernel's background tasks never start (no NATS;
only the request is timed). The department is known to screening by rows written straight into its registry read
models (`reg_departments`, `reg_staff`); the caller holds a DevIssuer coordinator token. A one-row file for another
fiscal year warms the path (JWKS, routing, the store's first write) before the timed request. A measurement not
done after `--timeout` s is killed and reported as hung (a PostgreSQL import whose events pass ~5 MB can deadlock in
psycopg's pipeline mode: RESULTS.md, issue 15); the re-imports then run on projects entered untimed (`seed`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import io
import json
import os
import pstats
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict

from kyodo_screening.inventory_csv import parse_inventory
from kyodo_screening.main import create_app
from kyodo_screening.settings import ScreeningSettings
from kyodo_shared.domain.actors import Actor, Principal, Role
from kyodo_shared.settings import AuditSettings, StoreSettings
from kyodo_shared.web.devissuer import DevIssuer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import CpuMeter, listener_pid, machine_info, pg_server_version, pid_tree, workdir  # noqa: E402

YEAR, WARM_YEAR, DEPT = 2026, 2025, "5f0c2a5e-1b7e-4c51-9a3e-2f1d6b0c8a11"
PHASES = ("parse", "insert", "import", "reimport", "reimport_10pct")

# What a row's text is drawn from (seeded): aims, means, laws, beneficiaries, sections, one block each.
PHRASES = """
子育て世帯の孤立を防ぎ、 地域の見守り体制を強化し、 高齢者の社会参加を促進するとともに、 防災意識の向上を図り、
商店街のにぎわいを取り戻すため、 外国人住民が安心して暮らせるよう、 障害のある方の就労機会を広げ、
若者の地元定着を支援し、 公共施設の利用者満足度を高めるため、 環境負荷の少ない暮らしを普及させ、

市民活動団体と協働して相談窓口を運営する。 講座・イベントを年間を通じて開催する。
専門職による訪問支援を行い、関係機関と情報を共有する。 ボランティアの育成研修を実施する。
ＮＰＯ法人への委託により事業を実施し、効果を検証する。 地域包括支援センターと連携し、個別の支援計画を作成する。

児童福祉法第２１条の９ 介護保険法第１１５条の４５ 災害対策基本法第８条 社会福祉法第１０６条の３ 市条例第１２号

市内在住の子育て世帯（０～１８歳の子を養育する世帯） ６５歳以上の市民及びその家族 市内の自治会・町内会
市内在住・在勤・在学の外国人住民 市内の中小事業者及び創業予定者

こども家庭部・子育て支援課 福祉部・高齢福祉課 危機管理室・防災課 市民協働部・地域振興課 産業振興部・商工課
"""
HEADER = "事業番号 事業名 目的 根拠法令 予算額（円） 対象者 実施方法 実施期間 担当課 関係団体ID"
AIMS, MEANS, LAWS, TARGETS, UNITS = (block.split() for block in PHRASES.strip().split("\n\n"))


def inventory(rows: int, changed: bool) -> bytes:
    """`rows` realistic rows (seeded: the same file every time), CP932 as Excel writes it, CRLF; `changed` alters
    the budget and purpose of every 10th row."""
    rng, out = random.Random(15), io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER.split(" "))
    for n in range(1, rows + 1):
        purpose = "".join(rng.choice(AIMS) + rng.choice(MEANS) for _ in range(8)) + "\n成果指標：参加者数、満足度。"
        budget = rng.randrange(100, 90_000) * 1000
        if changed and n % 10 == 0:
            budget, purpose = budget + 1000, purpose + "（令和８年度拡充）"
        groups = ";".join(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(rng.randint(0, 3)))
        unit, law, target, means = rng.choice(UNITS), rng.choice(LAWS), rng.choice(TARGETS), rng.choice(MEANS)
        head = [f"KD-{YEAR}-{n:05d}", f"{unit.split('・')[1]}事業その{n}", purpose, law, f"{budget:,}円", target]
        period, contact = (
            "令和８年４月１日～令和９年３月３１日",
            f"{unit.replace('・', ' ')} 内線{rng.randint(1000, 9999)}",
        )
        writer.writerow([*head, means + rng.choice(MEANS), period, contact, groups])
    return out.getvalue().encode("cp932")


def measure(work: Any, meter_groups: dict[str, Any]) -> dict[str, Any]:
    """Wall and process CPU time of `work()`, peak-RSS growth, and the CPU of the machine's others meanwhile."""
    # This process is a group of its own, so `other` is only what the rest of the machine (a CI run) used meanwhile.
    meter = CpuMeter({"bench": [os.getpid()], **meter_groups})
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    meter.start()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    outcome = work()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    window = meter.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_growth_mib": rss / 1024, "outcome": outcome, "window": window}


def settings_for(spec: dict[str, Any], folder: Path) -> ScreeningSettings:
    store = StoreSettings(backend="sqlite", sqlite_path=folder / "screening.sqlite")
    if spec["backend"] == "postgres":  # the pool size tests use (tests/support/harness.py)
        store = StoreSettings(backend="postgres", pg_dsn=spec["pg_dsn"], pg_schema=spec["schema"], pg_pool_size=4)
    privacy = ScreeningSettings().privacy.model_copy(update={"vault_path": folder / "vault.sqlite"})
    auth, audit = DevIssuer.load_or_create(folder / "issuer").settings(), AuditSettings(keys_dir=folder / "keys")
    return ScreeningSettings(store=store, auth=auth, privacy=privacy, audit=audit)  # as tests/support/harness.py


def baseline_insert(spec: dict[str, Any], data: bytes, groups: dict[str, Any]) -> dict[str, Any]:
    """One transaction, `executemany` of (number, JSON text of the parsed row) into a scratch table; JSON included."""
    rows = [row.fields for row in parse_inventory(data)]
    sql = "INSERT INTO scratch (n, body) VALUES ({0}, {0})"

    def insert(executemany: Any, commit: Any, mark: str) -> int:
        executemany(sql.format(mark), [(i, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(rows)])
        commit()
        return len(rows)

    if spec["backend"] == "sqlite":
        lite = sqlite3.connect(Path(spec["dir"]) / "scratch.sqlite")
        lite.execute("PRAGMA journal_mode=WAL")  # as eventsourcing's SQLite store runs (synchronous: the default)
        lite.execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        return measure(lambda: insert(lite.executemany, lite.commit, "?"), groups)

    with psycopg.connect(spec["pg_dsn"], options=f"-c search_path={spec['schema']}") as pg:
        pg.execute(f'CREATE SCHEMA IF NOT EXISTS "{spec["schema"]}"')  # the store's schema, made before the store
        pg.execute("CREATE TABLE scratch (n integer PRIMARY KEY, body jsonb NOT NULL)")
        pg.commit()
        result = measure(lambda: insert(pg.cursor().executemany, pg.commit, "%s"), groups)
        pg.execute("DROP TABLE scratch")
        pg.commit()
        return result


async def through_app(spec: dict[str, Any], data: bytes, groups: dict[str, Any]) -> dict[str, Any]:
    app = create_app(settings_for(spec, Path(spec["dir"])))
    kernel = app.state.kernel
    if spec["phase"] == "import":  # the registry's read models, as its events would have filled them
        with kernel.db.transaction() as tx:
            tx.execute("INSERT INTO reg_departments VALUES (%s, %s, %s, %s)", (DEPT, "KD", "こども家庭部", None))
            tx.execute("INSERT INTO reg_staff VALUES (%s, %s, %s, NULL)", (DEPT, "bench-staff", "2020-04-01"))
    token = DevIssuer.load_or_create(Path(spec["dir"]) / "issuer").mint("bench-coordinator", ["coordinator"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    url = f"/departments/{DEPT}/projects/import"
    loop = asyncio.get_running_loop()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=600) as c:
            warm = await c.post(url, params={"fiscal_year": WARM_YEAR}, content=inventory(1, False), headers=headers)
            assert warm.status_code == 200, warm.text

            def post() -> dict[str, int]:  # from a worker thread, so `measure` stays synchronous: the loop serves
                answer = asyncio.run_coroutine_threadsafe(
                    c.post(url, params={"fiscal_year": YEAR}, content=data, headers=headers), loop
                ).result()
                assert answer.status_code == 200, answer.text[:2000]
                return {key: len(value) for key, value in answer.json().items()}

            if spec["phase"] == "seed":  # the file's first fifth, two fifths, …: ≤ 1,000 new rows' events a time
                for part in range(1, 6):
                    content = inventory(spec["rows"] * part // 5, False)
                    done = await c.post(url, params={"fiscal_year": YEAR}, content=content, headers=headers)
                    assert done.status_code == 200, done.text[:2000]
                return {"outcome": {key: len(value) for key, value in done.json().items()}}
            if spec.get("profile"):  # cProfile sees one thread: the application's path, called in this one
                return {"outcome": await asyncio.to_thread(profiled, app, data)}
            return await asyncio.to_thread(measure, post, groups)
    finally:
        kernel.close()


def profiled(app: Any, data: bytes) -> dict[str, Any]:
    """Parse + `import_projects` in this thread under cProfile (HTTP is the difference to the measured figure)."""
    actor = Actor(Principal("bench-coordinator", frozenset({Role.COORDINATOR})), {"actor": "bench-coordinator"})
    profile = cProfile.Profile()
    profile.enable()
    parsed = parse_inventory(data)
    app.state.kernel.application.import_projects(actor, uuid.UUID(DEPT), YEAR, [row.fields for row in parsed])
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
    return {"profile_top_cumulative": text.getvalue().splitlines()}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    data = inventory(spec["rows"], spec["phase"] == "reimport_10pct")
    port = int(conninfo_to_dict(spec["pg_dsn"]).get("port") or 5432)
    pg = listener_pid(port) if spec["backend"] == "postgres" else None
    groups = {"postgres": lambda: pid_tree(pg)} if pg else {}
    if spec["phase"] == "parse":
        result = measure(lambda: len(parse_inventory(data)), groups)
    elif spec["phase"] == "insert":
        result = baseline_insert(spec, data, groups)
    else:
        result = asyncio.run(through_app(spec, data, groups))
    return {**result, "bytes": len(data)}


def run_child(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One measurement in its own process; one that has not answered after `timeout` s is killed and reported."""
    args = [sys.executable, __file__, "--child", json.dumps(spec)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"hung_after_s": timeout}
    if done.returncode:
        raise RuntimeError(f"{spec['backend']} {spec['phase']} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def fresh_store(
    backend: str, args: argparse.Namespace, folder: Path, phases: tuple[str, ...], **extra: Any
) -> dict[str, Any]:
    """The phases in order on one fresh store, by phase; the schema dropped after (a killed child's session is gone,
    and with it any lock it held). The re-imports need the projects: after an import that hung, `seed` enters them
    untimed in fifths (each fifth's events well under the size at which an import hangs; RESULTS.md, issue 15)."""
    schema = f"bimp_{uuid.uuid4().hex[:8]}"
    base = {"backend": backend, "pg_dsn": args.pg_dsn, "schema": schema, "dir": str(folder), "rows": args.rows}
    results: dict[str, Any] = {}
    try:
        for phase in phases:
            results[phase] = run_child({**base, **extra, "phase": phase}, args.timeout)
            if phase == "import" and "hung_after_s" in results[phase]:
                results["seed"] = run_child({**base, "phase": "seed"}, args.timeout)
                if "hung_after_s" in results["seed"]:
                    break
        return results
    finally:
        if backend == "postgres":
            with psycopg.connect(args.pg_dsn, autocommit=True) as conn:
                for name in (schema, f"{schema}_vault"):
                    conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def summary(every: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    runs = [run for run in every if "wall_s" in run]
    if not runs:
        return {"hung": sum("hung_after_s" in run for run in every), "runs": len(every)}

    def stat(key: str) -> dict[str, float]:
        values = [run[key] for run in runs]
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    wall, cpu, rss = stat("wall_s"), stat("cpu_s"), stat("peak_rss_growth_mib")
    return {"wall_s": wall, "cpu_s": cpu, "rows_per_s": rows / wall["median"], "peak_rss_growth_mib": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-dsn", default="postgresql://root@127.0.0.1:5432/postgres")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", action="store_true", help="also cProfile one import per backend (not timed)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a measurement counts as hung")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child)), default=str))  # one line: the parent reads the last
        return
    backends = args.backends.split(",")
    report: dict[str, Any] = {"machine": machine_info(), "rows": args.rows, "runs": {}, "summary": {}, "profile": {}}
    report["machine"]["env"] = {k: v for k, v in os.environ.items() if k.startswith(("POSTGRES_", "KYODO_"))}
    if "postgres" in backends:
        report["machine"]["postgres"] = pg_server_version(args.pg_dsn)
    for rep in range(args.reps):
        for backend in backends:
            with workdir("import") as folder:
                results = fresh_store(backend, args, Path(folder), PHASES)
            for phase, result in results.items():
                report["runs"].setdefault(backend, {}).setdefault(phase, []).append(result)
                print(
                    rep + 1, backend, phase, {k: result.get(k) for k in ("wall_s", "cpu_s", "outcome", "hung_after_s")}
                )
    for backend, phases in report["runs"].items():
        s = report["summary"][backend] = {phase: summary(runs, args.rows) for phase, runs in phases.items()}
        for phase in [phase for phase in PHASES[2:] if "wall_s" in s.get(phase, {})]:
            for base in ("parse", "insert"):
                s[phase][f"wall_ratio_to_{base}"] = s[phase]["wall_s"]["median"] / s[base]["wall_s"]["median"]
                s[phase][f"cpu_ratio_to_{base}"] = s[phase]["cpu_s"]["median"] / s[base]["cpu_s"]["median"]
        print(backend, {phase: f.get("wall_s", f) for phase, f in s.items()})
    for backend in backends if args.profile else []:  # an import, then the same file again (all unchanged)
        with workdir("import-profile") as folder:
            both = fresh_store(backend, args, Path(folder), PHASES[2:4], profile=True)
        for phase, result in both.items():
            report["profile"][f"{backend} {phase}"] = lines = result.get("outcome", {}).get(
                "profile_top_cumulative", [str(result)]
            )
            print(f"--- {backend} {phase}", *lines[:40], sep="\n")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
