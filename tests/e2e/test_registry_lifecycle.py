"""A group's whole life over HTTP and real NATS, on SQLite and PostgreSQL: information requests, re-application,
re-checks after changed bylaws, lapse by the durable timer and renewal, suspension and dissolution as info-hub
shows them, contacts, handover, and conflicts of interest.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyodo_shared.web.devissuer import DevIssuer

from support.bus import published_bodies, published_types
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.lifecycle import GroupClient
from support.registry import CRITERIA, application, bylaws

pytestmark = pytest.mark.smoke
TOKYO = ZoneInfo("Asia/Tokyo")
PERSON = {"name": "高橋 四郎", "email": "shiro@example.jp", "phone": "042-300-4444"}
TOKYO_MIDNIGHT = time(0, 0, 1)


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "info-hub")}


async def directory_entry(p: Platform, group_id: str) -> dict[str, Any] | None:
    response = await p.clients["info-hub"].get(f"/groups/{group_id}")
    return response.json() if response.status_code == 200 else None


async def test_a_request_for_information_round_trip_then_rejection_and_reapplication(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        asked = await group.post(
            "/information-requests",
            {"criteria": ["formally_organized"], "question": "総会議事録を提出してください"},
            "coord-1",
            "coordinator",
        )
        assert asked.json()["status"] == "information_requested"
        waiting = await group.assess("public_interest")
        assert waiting.status_code == 409
        assert waiting.json()["code"] == "awaiting_information"
        answered = await group.post(
            "/information",
            {"answer": "議事録を添付します", "evidence": {"formally_organized": {"evidence": "議事録"}}},
            "rep-1",
        )
        assert answered.json()["status"] == "under_review", answered.text
        rejected = await group.assess_all(unmet="self_governing")
        assert rejected["status"] == "rejected"

        again = await group.post(
            "/reapplication",
            {k: v for k, v in application().items() if k not in {"representative", "ties"}},
            "rep-1",
        )
        assert again.status_code == 200, again.text
        assert (again.json()["status"], again.json()["round"]) == ("under_review", 2)
        assert (await group.assess_all())["status"] == "registered"
        await eventually(lambda: directory_entry(p, group.group_id), timeout=20)

        types = await published_types(nats_url, bus_namespace, "registry")
        assert "group.information_requested.v1" in types
        assert "group.information_provided.v1" in types
        assert types.index("group.rejected.v1") < types.index("group.reapplied.v1") < types.index("group.registered.v1")


async def test_changed_bylaws_reopen_criteria_5_and_6_and_a_reassessment_closes_them(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        await group.assess_all()
        changed = await group.post("/bylaws", bylaws("改正会則 第3条 入退会は自由".encode()), "rep-1", put=True)
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["status"], body["recheck"]) == ("registered", ["formally_organized", "self_governing"])
        not_open = await group.assess("public_interest")
        assert not_open.json()["code"] == "criterion_not_open"
        await group.assess("formally_organized", True, "改正会則を確認")
        closed = await group.assess("self_governing", True, "役員構成を確認")
        assert (closed.json()["status"], closed.json()["recheck"]) == ("registered", [])
        document = await p.clients["registry"].get(f"/groups/{group.group_id}/bylaws")
        assert document.content == "改正会則 第3条 入退会は自由".encode()
        assert document.headers["Digest"].removeprefix("sha-256=") == closed.json()["bylaws"]["sha256"]

        async def recheck_published() -> bool:
            return (await published_types(nats_url, bus_namespace, "registry"))[-1] == "group.recheck_passed.v1"

        await eventually(recheck_published, timeout=20)
        types = await published_types(nats_url, bus_namespace, "registry")
        assert types[-4:] == [
            "group.recheck_opened.v1",
            "group.criterion_assessed.v1",
            "group.criterion_assessed.v1",
            "group.recheck_passed.v1",
        ]


async def test_an_overdue_renewal_lapses_by_the_timer_and_renewing_brings_the_group_back(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        due = (await group.assess_all())["renewal_due"]
        kernel = p.apps["registry"].state.kernel
        day_after = datetime.fromisoformat(due).date() + timedelta(days=1)
        kernel.clock = lambda: datetime.combine(day_after, TOKYO_MIDNIGHT, TOKYO)

        async def lapsed() -> bool:
            entry = await directory_entry(p, group.group_id)
            return entry is not None and entry["status"] == "lapsed"

        await eventually(lapsed, timeout=20)
        assert (await group.read())["status"] == "lapsed"
        renewed = await group.post(
            "/renewal", {"members_count": 15, "criteria_still_met": True, "bylaws_unchanged": True}, "rep-1"
        )
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["status"] == "registered"
        assert renewed.json()["renewal_due"] == day_after.replace(year=day_after.year + 1).isoformat()

        async def back() -> bool:
            entry = await directory_entry(p, group.group_id)
            return entry is not None and entry["status"] == "registered"

        await eventually(back, timeout=20)
        types = await published_types(nats_url, bus_namespace, "registry")
        assert types.count("group.lapsed.v1") == 1
        assert types[-1] == "group.renewed.v1"


async def test_suspension_is_visible_in_info_hub_and_dissolution_removes_the_group(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        await group.assess_all()
        await eventually(lambda: directory_entry(p, group.group_id), timeout=20)
        suspended = await group.post("/suspension", {"reason": "活動報告が2年間未提出"}, "coord-1", "coordinator")
        assert suspended.json()["status"] == "suspended"

        async def marked() -> bool:
            entry = await directory_entry(p, group.group_id)
            return entry is not None and (entry["status"], entry["status_reason"]) == (
                "suspended",
                "活動報告が2年間未提出",
            )

        await eventually(marked, timeout=20)
        listed = (await p.clients["info-hub"].get("/groups", params={"status": "suspended"})).json()
        assert [item["id"] for item in listed["items"]] == [group.group_id]
        await group.post("/reinstatement", {"reason": "活動報告を受領"}, "coord-1", "coordinator")
        dissolved = await group.post("/dissolution", {"reason": "総会で解散を決議"}, "rep-1")
        assert dissolved.json()["status"] == "dissolved"

        async def removed() -> bool:
            return await directory_entry(p, group.group_id) is None

        await eventually(removed, timeout=20)
        public = await p.clients["registry"].get(f"/groups/{group.group_id}")
        assert public.status_code == 404


async def test_a_contact_acts_for_its_group_only_and_the_representative_is_handed_over(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        mine, other = GroupClient(p, representative="rep-1"), GroupClient(p, representative="rep-2")
        await mine.apply()
        await other.apply(name="西元町史跡の会")
        await mine.assess_all()
        await other.assess_all()
        contact = {"sub": "contact-1", "name": "佐藤 次郎", "email": "jiro@example.jp", "phone": "042-300-1111"}
        added = await mine.post("/contacts", contact, "rep-1")
        assert added.status_code == 201, added.text
        profile = {
            "name": "国分寺みどりの会",
            "purpose": "緑地保全",
            "fields_of_activity": ["環境保全"],
            "area": "南町",
        }
        assert (await mine.post("/profile", profile, "contact-1", put=True)).status_code == 200
        await other.read("rep-2")
        refused = await other.post("/profile", profile, "contact-1", put=True)
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_acting_for_group"

        proposed = await mine.post("/handover", {"new_representative_sub": "rep-new"}, "rep-1")
        assert proposed.json()["handover_pending_for"] == "rep-new"
        intruder = await mine.post(
            "/handover/confirmation", {"name": "x", "email": "x@example.jp", "phone": "042-300-2222"}, "contact-1"
        )
        assert intruder.status_code == 409
        confirmed = await mine.post(
            "/handover/confirmation",
            {"name": "鈴木 三郎", "email": "saburo@example.jp", "phone": "042-300-3333"},
            "rep-new",
        )
        body = confirmed.json()
        assert (body["representative_sub"], body["representative"]["name"]) == ("rep-new", "鈴木 三郎")
        assert (await mine.post("/profile", profile, "rep-1", put=True)).status_code == 403

        async def changed_published() -> bool:
            return (await published_types(nats_url, bus_namespace, "registry"))[-1] == "group.representative_changed.v1"

        await eventually(changed_published, timeout=20)
        types = await published_types(nats_url, bus_namespace, "registry")
        assert "group.contact_added.v1" in types
        assert types[-1] == "group.representative_changed.v1"


async def test_a_coordinator_with_a_declared_interest_is_refused_on_that_group_and_allowed_on_another(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        interested, unrelated = GroupClient(p, representative="rep-1"), GroupClient(p, representative="rep-2")
        await interested.apply()
        await unrelated.apply(name="西元町史跡の会")
        declared = await p.clients["registry"].post(
            "/interests/me",
            json={"group_id": interested.group_id, "kind": "member"},
            headers=p.token("coord-2", "coordinator"),
        )
        assert declared.status_code == 201, declared.text
        refused = await interested.assess(CRITERIA[0], sub="coord-2")
        assert refused.status_code == 403
        assert refused.json()["code"] == "conflict_of_interest"
        assert (await interested.read("coord-1", "coordinator"))["assessments"] == {}
        allowed = await unrelated.assess(CRITERIA[0], sub="coord-2")
        assert allowed.status_code == 200, allowed.text
        # The group's own representative cannot assess it either, whatever role the token carries.
        own = await interested.assess(CRITERIA[0], sub="rep-1")
        assert own.status_code == 403
        # Withdrawing the declaration does not lift the recusal on the spot.
        withdrawn = await p.clients["registry"].post(
            f"/interests/me/{declared.json()['declaration_id']}/withdrawal",
            json={"reason": "退会した"},
            headers={**p.token("coord-2", "coordinator"), "If-Match": declared.headers["ETag"]},
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert (await interested.assess(CRITERIA[0], sub="coord-2")).status_code == 403
        await interested.assess_all(sub="coord-1")
        for path, body in (
            ("/suspension", {"reason": "理由"}),
            ("/reinstatement", {"reason": "理由"}),
            ("/dissolution", {"reason": "理由"}),
            ("/handover/decision", {"new_representative_sub": "coord-2", "reason": "理由", **PERSON}),
        ):
            refused = await interested.post(path, body, "coord-2", "coordinator")
            assert (refused.status_code, refused.json()["code"]) == (403, "conflict_of_interest"), path
        # A delegated contact may not dissolve the group; its representative may.
        await interested.post("/contacts", {"sub": "contact-1", **PERSON}, "rep-1")
        assert (await interested.post("/dissolution", {"reason": "解散"}, "contact-1")).status_code == 403
        assert (await interested.post("/dissolution", {"reason": "解散"}, "rep-1")).json()["status"] == "dissolved"


async def test_each_criterions_failure_is_published_with_its_reason(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        groups = {}
        for index, unmet in enumerate(CRITERIA):
            group = GroupClient(p, representative=f"rep-{index}")
            await group.apply(name=f"団体{index}")
            assert (await group.assess_all(unmet=unmet))["status"] == "rejected"
            groups[group.group_id] = unmet

        async def all_published() -> bool:
            return len(await published_bodies(nats_url, bus_namespace, "registry", "group.rejected.v1")) == len(
                CRITERIA
            )

        await eventually(all_published, timeout=20)
        published = {
            m["group_id"]: m["unmet"]
            for m in await published_bodies(nats_url, bus_namespace, "registry", "group.rejected.v1")
        }
        assert published == {
            group_id: [{"criterion": unmet, "reason": f"{unmet}の判断理由"}] for group_id, unmet in groups.items()
        }


async def test_two_coordinators_assessing_the_same_criterion_at_once_one_wins(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        body = {"criterion": "voluntary", "met": True, "reason": "確認"}
        answers = await asyncio.gather(
            *(
                p.clients["registry"].post(
                    f"/groups/{group.group_id}/assessments",
                    json={**body, "reason": f"確認{n}"},
                    headers={**p.token(f"coord-{n}", "coordinator"), "If-Match": group.etag},
                )
                for n in (1, 2)
            )
        )
        assert sorted(a.status_code for a in answers)[0] == 200
        assert sorted(a.status_code for a in answers)[1] in (409, 412)
        view = await group.read()
        assert list(view["assessments"]) == ["voluntary"]
        assert view["version"] == 2


async def declare(p: Platform, person: str, group_id: str) -> None:
    declared = await p.clients["registry"].post(
        "/interests/me", json={"group_id": group_id, "kind": "member"}, headers=p.token(person, "coordinator")
    )
    assert declared.status_code == 201, declared.text


async def test_an_assessor_who_declares_an_interest_before_the_decision_has_their_assessments_voided(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    """The same rule as a reviewer's late conflict: what coord-1 assessed is redone by someone without an interest."""
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        for criterion in CRITERIA[:3]:
            assert (await group.assess(criterion, sub="coord-1")).status_code == 200
        assert (await group.assess(CRITERIA[3], sub="coord-2")).status_code == 200
        await declare(p, "coord-1", group.group_id)
        read = await group.read("coord-2", "coordinator")
        assert (read["status"], sorted(read["assessments"])) == ("under_review", [CRITERIA[3]])
        refused = await group.assess(CRITERIA[0], sub="coord-1")
        assert (refused.status_code, refused.json()["code"]) == (403, "conflict_of_interest")
        for criterion in (*CRITERIA[:3], *CRITERIA[4:]):
            assert (await group.assess(criterion, sub="coord-2")).status_code == 200
        decided = await group.read("coord-2", "coordinator")
        assert decided["status"] == "registered"
        assert {a["assessor_sub"] for a in decided["assessments"].values()} == {"coord-2"}

        async def voided_published() -> list[dict[str, Any]]:
            return await published_bodies(nats_url, bus_namespace, "registry", "group.recheck_opened.v1")

        messages = await eventually(voided_published, timeout=20)
        assert [(m["criteria"], m["cause"]) for m in messages] == [(list(CRITERIA[:3]), "interest_declared")]


async def test_an_interest_declared_after_the_registration_reopens_all_six_criteria_for_another_coordinator(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        group = GroupClient(p)
        await group.apply()
        assert (await group.assess_all(sub="coord-1"))["status"] == "registered"
        # Someone who assessed nothing changes nothing by declaring.
        await declare(p, "coord-3", group.group_id)
        assert (await group.read("coord-2", "coordinator"))["recheck"] == []
        await declare(p, "coord-1", group.group_id)
        reopened = await group.read("coord-2", "coordinator")
        assert (reopened["status"], reopened["recheck"], reopened["assessments"]) == ("registered", list(CRITERIA), {})
        assert (await group.assess(CRITERIA[0], sub="coord-1")).status_code == 403
        passed = await group.assess_all(sub="coord-2")
        assert (passed["status"], passed["recheck"]) == ("registered", [])

        async def both_published() -> bool:
            types = await published_types(nats_url, bus_namespace, "registry")
            return "interest.declared.v1" in types and types[-1] == "group.recheck_passed.v1"

        await eventually(both_published, timeout=20)
        opened = await published_bodies(nats_url, bus_namespace, "registry", "group.recheck_opened.v1")
        assert [(m["criteria"], m["cause"]) for m in opened] == [(list(CRITERIA), "interest_declared")]
