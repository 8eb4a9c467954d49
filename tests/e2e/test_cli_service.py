"""`kyodo` against real services: the audit API's refusals name the token and the role, a receipt the proposals
service issued verifies from the API's answers as they are, and a call not decided yet is said to be so (exit 4).

Every server is the test's own: a nats-server spawned here, `kyodo serve` as a subprocess, or the services in-process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.calls import published_call, registered_group, review_board
from support.cli import run_kyodo
from support.harness import Backend, eventually, platform, settings_for
from support.procs import child, free_port, kyodo_serve, serve_env
from support.servers import spawn_nats

pytestmark = pytest.mark.smoke
ISSUER = "https://id.test.invalid"


@pytest.fixture(scope="module")
def own_nats() -> Iterator[str]:
    with spawn_nats() as url:
        yield url


def kyodo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_kyodo(*args, env=env | {"COLUMNS": "200"})


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


async def test_audit_verify_by_url_names_the_token_and_the_role_it_needs(tmp_path: Path, own_nats: str) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    env = serve_env("registry", tmp_path / "registry.sqlite", own_nats, f"cli{os.getpid()}") | {
        "KYODO_AUTH__ISSUER": ISSUER,
        "KYODO_AUTH__JWKS_URL": f"file://{issuer.jwks_path}",
        "KYODO_AUDIT__CHECKPOINT_EVERY_SECONDS": "0.2",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/registry"
    pins = ["--pin", str(tmp_path / "pins.json")]
    with child(kyodo_serve("registry", port), env, tmp_path / "serve.log"):

        async def serving() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{base}/audit/keys")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(serving, timeout=30)
        missing = await asyncio.to_thread(kyodo, "audit", "verify", "registry", "--url", base, *pins, env=env)
        assert missing.returncode == 2, missing.stderr
        assert "KYODO_AUDIT_TOKEN" in missing.stderr
        assert "kyodo token --role auditor" in missing.stderr
        no_traceback(missing)

        staff = issuer.mint("staff-1", ["staff"], extra_claims={"iss": ISSUER})
        wrong = await asyncio.to_thread(
            kyodo, "audit", "verify", "registry", "--url", base, *pins, env=env | {"KYODO_AUDIT_TOKEN": staff}
        )
        assert wrong.returncode == 3, wrong.stderr
        assert "lacks the `auditor` role (403)" in wrong.stderr
        no_traceback(wrong)

        forged = DevIssuer.load_or_create(tmp_path / "other").mint("x", ["auditor"], extra_claims={"iss": ISSUER})
        invalid = await asyncio.to_thread(
            kyodo, "audit", "verify", "registry", "--url", base, *pins, env=env | {"KYODO_AUDIT_TOKEN": forged}
        )
        assert invalid.returncode == 3, invalid.stderr
        assert "(401)" in invalid.stderr
        no_traceback(invalid)

        auditor = issuer.mint("auditor-1", ["auditor"], extra_claims={"iss": ISSUER})
        good = await asyncio.to_thread(
            kyodo,
            *("audit", "verify", "registry", "--url", base, *pins, "--summary"),
            env=env | {"KYODO_AUDIT_TOKEN": auditor},
        )
        assert good.returncode == 0, good.stdout + good.stderr
        assert good.stdout.startswith("OK registry: the history verifies")


async def test_a_real_receipt_verifies_from_the_api_answers_and_an_undecided_call_is_not_yet(
    tmp_path: Path, own_nats: str
) -> None:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    backend = Backend("sqlite", tmp_path)
    namespace = f"clir{os.getpid()}"
    settings = {n: settings_for(n, backend, own_nats, namespace, issuer) for n in ("registry", "proposals")}
    content = {
        "summary": "子ども食堂を週2回開く",
        "plan": "空き店舗で週2回、子どもと高齢者の居場所を開く。",
        "budget": [{"item": "会場費", "amount_yen": 120000}],
        "schedule": [{"period": "4月〜6月", "activity": "準備"}],
        "team": [{"role": "代表", "description": "統括"}],
    }
    async with platform(settings, issuer) as p:
        committee_id = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", None)
        call_id, _ = await published_call(p, committee_id)
        group_id = await registered_group(p, "rep-1", "ひかり子ども食堂")
        request = {
            "group_id": group_id,
            "content": content,
            "attachments": [
                {
                    "filename": "budget.pdf",
                    "media_type": "application/pdf",
                    "content_base64": base64.b64encode(b"%PDF-1.4\n% kyodo test\n").decode(),
                }
            ],
        }
        answer = await p.clients["proposals"].post(
            f"/calls/{call_id}/proposals", json=request, headers=p.token("rep-1", "group")
        )
        assert answer.status_code == 201, answer.text
        keys = (await p.clients["proposals"].get("/audit/keys")).json()

    files: dict[str, Any] = {
        "answer.json": answer.json(),
        "receipt.json": answer.json()["receipt"],
        "keys.json": keys,
        "bare-keys.json": keys["keys"],
        "request.json": request,
        "content.json": content,
        "altered.json": request | {"content": content | {"summary": "改ざん"}},
    }
    for name, body in files.items():
        (tmp_path / name).write_text(json.dumps(body, ensure_ascii=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}

    def receipt(*args: str) -> subprocess.CompletedProcess[str]:
        return kyodo("receipt", "verify", *(str(tmp_path / a) if a.endswith(".json") else a for a in args), env=env)

    whole = await asyncio.to_thread(receipt, "answer.json", "--keys", "keys.json", "--content", "request.json")
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert "VALID receipt" in whole.stdout
    assert "The content MATCHES the receipt" in whole.stdout
    bare = await asyncio.to_thread(receipt, "receipt.json", "--keys", "bare-keys.json")
    assert bare.returncode == 0, bare.stdout + bare.stderr
    # The bare content without its attachment's hash does not match; the whole request body carries it.
    partial = await asyncio.to_thread(receipt, "receipt.json", "--keys", "keys.json", "--content", "content.json")
    assert partial.returncode == 1
    assert "the attachment hashes differ" in partial.stdout
    altered = await asyncio.to_thread(receipt, "answer.json", "--keys", "keys.json", "--content", "altered.json")
    assert altered.returncode == 1
    assert "does NOT match" in altered.stdout
    missing = await asyncio.to_thread(receipt, "answer.json", "--keys", "nowhere.json")
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr
    assert "/api/proposals/audit/keys" in missing.stderr
    no_traceback(missing)
    unusable = await asyncio.to_thread(receipt, "answer.json", "--keys", "content.json")
    assert unusable.returncode == 1
    assert "the keys file holds no keys" in unusable.stderr
    no_traceback(unusable)

    store = settings["proposals"]
    recompute_env = env | {
        "KYODO_STORE__BACKEND": "sqlite",
        "KYODO_STORE__SQLITE_PATH": str(store.store.sqlite_path),
        "KYODO_AUDIT__KEYS_DIR": str(store.audit.keys_dir),
        "KYODO_PRIVACY__VAULT_PATH": str(store.privacy.vault_path),
    }
    waiting = await asyncio.to_thread(kyodo, "audit", "recompute", call_id, env=recompute_env)
    assert waiting.returncode == 4, waiting.stdout + waiting.stderr
    assert "まだ決定されていません / Not decided yet" in waiting.stdout
    assert "問題" not in waiting.stdout  # not reported as problems found
    no_traceback(waiting)
    as_json = await asyncio.to_thread(kyodo, "audit", "recompute", call_id, "--json", env=recompute_env)
    assert as_json.returncode == 4
    assert {f["code"] for f in json.loads(as_json.stdout)["findings"]} <= {"review_not_found", "not_decided"}
