"""The canary sweep's scene and readers (tests/security/test_canary_sweep.py; this module holds no tests): every
service behind the gateway, the canaries put through the registry and info-hub, who reads what (the API's every GET
operation, the pages a browser reaches), everything at rest, erasure as `kyodo privacy erase` does it, and the
services' JSON log lines."""

from __future__ import annotations

import base64
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog

from kyodo_shared.observability.logs import configure_logging
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import coordinator, ok
from support.canaries import (
    Blobs,
    answered,
    api_reads,
    audit_exports,
    crawl,
    every_export,
    files_under,
    leaks_in,
    stream_messages,
    table_rows,
)
from support.harness import Backend, Platform, eventually, settings_for
from support.info_hub_cases import HUB, case_body, hub_settings, people
from support.info_hub_surveys import announced as survey_announced
from support.info_hub_surveys import answer, drafted, put_answer, questionnaire, survey_status
from support.info_hub_trainings import announced as training_announced
from support.info_hub_trainings import move_hub_clock, plan
from support.lifecycle import GroupClient
from support.workspace import Site, login_settings

SERVICES = ["registry", HUB, "proposals", "screening", "evaluation"]
REP_SUB, OTHER_SUB, MEMBER_SUB, CONTACT_SUB = "rep-sweep", "rep-other-sweep", "member-sweep", "contact-sweep"
STRANGER = ("staff-nowhere-sweep", "staff")
# Readers with a role of their own but no relationship to what the scene made: the auditor (the audit history, which
# is redacted), a reviewer on no review board, an evaluator on no committee, a member of the center's team.
AUDITOR = ("auditor-sweep", "auditor")
ROLES = {
    "auditor": AUDITOR,
    "reviewer": ("reviewer-nowhere-sweep", "reviewer"),
    "evaluator": ("evaluator-nowhere-sweep", "evaluator"),
    "team": ("team-sweep", "team"),
}
AUDIT_PAGES = [f"/{service}/audit" for service in SERVICES]
REP = {"name": "代表掃引一郎", "email": "sweep-rep-5b2c@example.jp", "phone": "042-555-0191"}
CONTACT = {"name": "連絡掃引二子", "email": "sweep-contact-5b2c@example.jp", "phone": "042-555-0192"}
MEMBER = "委員掃引三郎"
CITIZEN = {"name": "研修掃引四郎", "email": "sweep-trainee-5b2c@example.jp"}
CASE_CONTACT = {"name": "窓口掃引五子", "email": "sweep-case-5b2c@example.jp", "phone": "042-555-0195"}
PERSONAL = [*REP.values(), *CONTACT.values(), MEMBER, *CITIZEN.values(), *CASE_CONTACT.values()]
PROBLEM = "相談内容の掃引文5b2c"
GROUP = "掃引のまちの会"
FREE_TEXT = "調査への自由記述の掃引文5b2c"
FREE = [PROBLEM, FREE_TEXT]


def sweep_settings(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    """Every service, with login configured (its pages behind the gateway); info-hub keeps contacts for a year."""
    login = login_settings()
    settings: dict[str, Any] = {
        name: settings_for(name, backend, nats_url, namespace, issuer, login=login) for name in SERVICES
    }
    hub = hub_settings(backend, nats_url, namespace, issuer)[HUB]
    settings[HUB] = hub.model_copy(update={"login": login})
    return settings


async def persons_entered(p: Platform) -> dict[str, str]:
    """The canaries put through the registry and info-hub; the ids of what holds them."""
    client = GroupClient(p, representative=REP_SUB)
    await client.apply(name=GROUP, representative=REP, fields_of_activity=["子育て"], area="本町")
    await client.assess_all()
    await ok(client.post("/contacts", {**CONTACT, "sub": CONTACT_SUB}, REP_SUB), 201)
    other = GroupClient(p, representative=OTHER_SUB)
    await other.apply(name="となりの会", fields_of_activity=["子育て"], area="本町")
    await other.assess_all()
    registry = p.clients["registry"]
    board = await ok(
        registry.post("/committees", json={"kind": "review_board", "name_ja": "審査会"}, headers=coordinator(p)), 201
    )
    today = datetime.now(UTC).date()
    term = {"term_start": str(today - timedelta(days=1)), "term_end": str(today + timedelta(days=700))}
    member = {"member_sub": MEMBER_SUB, "name": MEMBER, **term}
    headers = {**coordinator(p), "If-Match": board.headers["ETag"]}
    await ok(registry.post(f"/committees/{board.json()['id']}/members", json=member, headers=headers))
    view = people(p)
    await eventually(lambda: view.acts_for(CONTACT_SUB, client.group_id, registered_only=True), timeout=30)

    hub = p.clients[HUB]
    training = await training_announced(p, plan())
    placed = (await ok(hub.post(f"/trainings/{training['id']}/citizen-registrations", json=CITIZEN), 201)).json()
    case = case_body("citizen", contact=CASE_CONTACT, problem_ja=PROBLEM)
    raised = (await ok(hub.post("/cases", json=case, headers=coordinator(p)), 201)).json()

    body = questionnaire()
    survey = await drafted(p, body)
    await survey_announced(p, (await hub.get(f"/surveys/{survey['id']}", headers=coordinator(p))).json())
    move_hub_clock(p, datetime.fromisoformat(body["opens_at"]) + timedelta(minutes=1))
    p.apps[HUB].state.kernel.nudge()

    async def reached() -> bool:
        found: str = await survey_status(p, survey["id"])
        return found == status

    status = "open"
    await eventually(reached, timeout=30)
    values = answer(5, "kids", comment=FREE_TEXT)
    await ok(put_answer(p, survey["id"], client.group_id, values, who=(REP_SUB, "group")))
    move_hub_clock(p, datetime.fromisoformat(body["closes_at"]) + timedelta(minutes=1))
    status = "closed"
    p.apps[HUB].state.kernel.nudge()
    await eventually(reached, timeout=30)
    return {
        "group": client.group_id,
        "training": training["id"],
        "case": raised["id"],
        "survey": survey["id"],
        "committee": board.json()["id"],
        "registration": placed["registration_id"],
        "link_secret": placed["link"].split("#token=", 1)[1],
    }


async def entitled_answers(p: Platform, ids: dict[str, str]) -> Blobs:
    """The API answers that carry a person's data to who may read it (each in ALLOWED)."""
    registry, hub = p.clients["registry"], p.clients[HUB]
    registration = f"registrations/{ids['registration']}"
    reads = [
        ("rep", registry, f"/groups/{ids['group']}", p.token(REP_SUB, "group")),
        ("coordinator", registry, f"/groups/{ids['group']}", coordinator(p)),
        ("coordinator", hub, f"/cases/{ids['case']}", coordinator(p)),
        ("coordinator", hub, f"/trainings/{ids['training']}/registrations", coordinator(p)),
        ("coordinator", hub, f"/surveys/{ids['survey']}/answers", coordinator(p)),
        ("citizen", hub, f"/trainings/{ids['training']}/{registration}", {"X-Registration-Token": ids["link_secret"]}),
    ]
    found: Blobs = {}
    for reader, client, path, token in reads:
        found[f"{reader} api:{path}"] = answered(await ok(client.get(path, headers=token)))
    return found


def readers(p: Platform) -> dict[str, dict[str, str]]:
    """Who reads the API: the representative and the coordinator (entitled, per ALLOWED), and people who are not —
    another group's representative, a member of staff of no department, a visitor, and the `ROLES`."""
    return {
        "rep": p.token(REP_SUB, "group"),
        "coordinator": coordinator(p),
        "other-group": p.token(OTHER_SUB, "group"),
        "stranger": p.token(*STRANGER),
        "visitor": {},
        **{reader: p.token(*person) for reader, person in ROLES.items()},
    }


async def api_answers(p: Platform, ids: dict[str, str]) -> Blobs:
    """Every GET operation of every service whose path names only what the scene made, as each reader."""
    values = {
        "group_id": ids["group"],
        "case_id": ids["case"],
        "training_id": ids["training"],
        "survey_id": ids["survey"],
        "committee_id": ids["committee"],
        "sub": REP_SUB,
        "contact_sub": CONTACT_SUB,
        "member_sub": MEMBER_SUB,
        "person_sub": REP_SUB,
        "registration_id": ids["registration"],
        "respondent": ids["group"],
    }
    found: Blobs = {}
    for reader, token in readers(p).items():
        for service, client in p.clients.items():
            answers = await api_reads(service, client, token, values)
            found.update({f"{reader} api:{path}": blob for path, blob in answers.items()})
    return found


async def entitled_pages(site: Site) -> Blobs:
    """The pages the representative and the coordinator reach from the portal, by reader."""
    found: Blobs = {}
    for reader, person in (("rep", (REP_SUB, "group")), ("coordinator", ("coord-1", "coordinator"))):
        pages = await crawl(site.browser(*person).client, ["/"])
        found.update({f"{reader} page:{path}": blob for path, blob in pages.items()})
    return found


async def others_pages(site: Site, entitled: Blobs) -> Blobs:
    """The pages a visitor, another group's representative, a member of staff of no department and the `ROLES` reach
    from the portal (the auditor from each service's audit pages too), and every page the representative and the
    coordinator reached, asked for by each of them directly."""
    readers = {
        "visitor": site.visitor(),
        "other-group": site.browser(OTHER_SUB, "group").client,
        "stranger": site.browser(*STRANGER).client,
        **{reader: site.browser(*person).client for reader, person in ROLES.items()},
    }
    paths = sorted({place.split(" page:", 1)[1] for place in entitled if " page:" in place})
    found: Blobs = {}
    for reader, client in readers.items():
        pages = await crawl(client, ["/", *(AUDIT_PAGES if reader == "auditor" else [])])
        for path in paths:
            answer = await client.get(path)
            assert answer.status_code < 500, (reader, path, answer.status_code)
            pages.setdefault(path, answered(answer))
        found.update({f"{reader} page:{path}": blob for path, blob in pages.items()})
    return found


async def at_rest(p: Platform, backend: Backend, nats_url: str, namespace: str) -> dict[str, Blobs]:
    """Every table of every service's store and key vault, the files on disk, every stream's messages, every audit
    export and every open-data export and feed."""
    tables: Blobs = {}
    for name, app in p.apps.items():
        tables.update(table_rows(app.state.kernel.db, name))
        tables.update(table_rows(app.state.kernel.vault.db, f"{name}-vault"))
    audits: Blobs = {}
    for name, client in p.clients.items():
        audits.update(await audit_exports(name, client, p.token(*AUDITOR)))
    _, exports = await every_export(p.clients[HUB])
    streams = await stream_messages(nats_url, namespace)
    return {"table": tables, "file": files_under(backend.folder), "stream": streams, "audit": audits, "export": exports}


def erase_everyone(p: Platform) -> list[str]:
    """`kyodo privacy erase` for every person of every service, each once their retention has passed (the citizens'
    are erased by info-hub's own timers at that moment): their keys destroyed. The keys' material, as the vaults
    held it."""
    destroyed: list[str] = []
    for app in p.apps.values():
        kernel = app.state.kernel
        with kernel.vault.db.transaction(read_only=True) as tx:
            rows = tx.fetchall("SELECT person, key_material FROM kyodo_person_keys WHERE key_material IS NOT NULL")
        for person, material in rows:
            now = kernel.clock()
            until = kernel.vault.erasable_from(person)
            assert kernel.vault.erase(person, max(now, until) if until is not None else now)
            destroyed.append(str(material))
    return destroyed


def key_copies(blobs: Blobs, materials: list[str]) -> dict[str, int]:
    """Where a destroyed key is still written (as the vault's base64 text, or its raw bytes): how many there."""
    found = leaks_in(blobs, materials)
    raw = [base64.b64decode(material) for material in materials]
    for where, blob in blobs.items():
        if hits := [key for key in raw if key in blob]:
            found.setdefault(where, []).extend(k.hex() for k in hits)
    return {where: len(keys) for where, keys in found.items()}


class JsonLogs:
    """The services' structlog output as `kyodo serve` writes it (kyodo_shared.observability.logs: JSON lines, here
    from DEBUG on), into a buffer; the configuration before is restored on `close`. Loggers are not cached, so every
    module's logger writes here whatever configuration it saw before."""

    def __init__(self) -> None:
        self.saved, self.buffer = structlog.get_config(), io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stderr", self.buffer)
            configure_logging("json", "DEBUG")
        structlog.configure(cache_logger_on_first_use=False)

    def close(self) -> None:
        structlog.configure(**self.saved)


def logged(logs: JsonLogs, caplog: pytest.LogCaptureFixture) -> Blobs:
    lines = logs.buffer.getvalue().splitlines()
    assert lines, "the services log"
    assert all(json.loads(line)["event"] for line in lines), "as JSON lines"
    found = {f"structlog line {n}": line.encode() for n, line in enumerate(lines)}
    found.update(
        {f"logging {r.name} {n}": (r.getMessage() + repr(r.__dict__)).encode() for n, r in enumerate(caplog.records)}
    )
    return found
