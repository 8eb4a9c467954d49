"""The authorization matrix's relationship rows about a collaboration project's partners (issue 22): who acts for the
group or the department in the agreement and the reports, and who reads a self-evaluation while it is sealed.

The scene (support.evaluation_http.world): the department KYODO (liaison-1 its liaison; staff-2 on its staff, not
liaison), group G (rep-g, contact-g) and group H (rep-h, party to nothing); a project whose agreement the liaison
drafted, and a project that has ended with only group G's self-evaluation in — sealed from the department until the
department's is in too (selfeval.read_self_evaluation). Each refusal is the exact status and problem `code`, beside
the same request by the one the relationship lets in; sealed words must appear in no refusal and no page of anyone
else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from support.authz import load_table, refusal
from support.calls import coordinator, ok
from support.evaluation_committee_pages import Scene, committee_scene
from support.evaluation_http import current_agreement, drafted, ended, read, self_evaluation

SEALED_WORDS = "封緘中の自己評価：来館者数は目標の一・五倍"
CHECKED = [
    "evaluation GET /projects/{project_id}/self-evaluations/{partner}",
    "evaluation PUT /projects/{project_id}/agreement",
    "evaluation POST /projects/{project_id}/agreement/confirmations",
    "evaluation POST /projects/{project_id}/reports/{index}",
    "page GET /evaluation/projects/{project_id}",
    "page GET /evaluation/projects/{project_id}/agreement",
    "page GET /evaluation/projects/{project_id}/committee",
    "page GET /evaluation/projects/{project_id}/reports/{index}",
    "page GET /evaluation/projects/{project_id}/self-evaluation",
    "page POST /evaluation/projects/{project_id}/agreement",
    "page POST /evaluation/projects/{project_id}/agreement/confirmations",
    "page POST /evaluation/projects/{project_id}/reports/{index}",
    "page POST /evaluation/projects/{project_id}/self-evaluation",
]


@dataclass
class Partners:
    scene: Scene
    draft: str  # the liaison drafted its agreement; nobody confirmed it
    sealed: str  # ended; group G's self-evaluation in, the department's not

    def ask(self, pid: str, sub: str, role: str, method: str, tail: str = "", **more: Any) -> Any:
        headers = {**self.scene.p.token(sub, role), **more.pop("headers", {})}
        return self.scene.p.clients["evaluation"].request(method, f"/projects/{pid}{tail}", headers=headers, **more)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def partners(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Partners]:
    async with committee_scene(tmp_path_factory.mktemp("authz-partners"), nats_url) as scene:
        p = scene.p
        sealed = await ended(p, scene.w)
        body = {**self_evaluation(), "summary_ja": SEALED_WORDS}
        evaluation = p.clients["evaluation"]
        await ok(
            evaluation.put(f"/projects/{sealed}/self-evaluation", json=body, headers=p.token("rep-g", "group")), 201
        )
        draft = await drafted(p, scene.w)
        yield Partners(scene, draft, sealed)


def test_every_relationship_named_here_is_a_row_of_the_table() -> None:
    table = load_table()
    for key in CHECKED:
        assert table[key].get("relationship"), key


async def test_a_sealed_self_evaluation_is_read_by_its_own_partner_only(partners: Partners) -> None:
    pid, tail = partners.sealed, "/self-evaluations/group"
    # Party to the project but not the group: sealed, whoever they are (a partner's word is its own till both are in).
    for sub, role in (
        ("liaison-1", "staff"),
        ("staff-2", "staff"),
        ("coord-1", "coordinator"),
        ("ev-1", "evaluator"),
        ("aud-1", "auditor"),
    ):
        answer = await partners.ask(pid, sub, role, "GET", tail)
        assert refusal(answer) == (403, "self_evaluation_sealed"), (sub, answer.text)
        assert SEALED_WORDS not in answer.text
    outsider = await partners.ask(pid, "rep-h", "group", "GET", tail)
    assert refusal(outsider) == (404, "project_not_found"), outsider.text
    # The department's own, not in yet, is sealed from the group all the same: whether it is in is not told.
    theirs = await partners.ask(pid, "rep-g", "group", "GET", "/self-evaluations/department")
    assert refusal(theirs) == (403, "self_evaluation_sealed"), theirs.text
    for sub in ("rep-g", "contact-g"):
        own = await ok(partners.ask(pid, sub, "group", "GET", tail))
        assert own.json()["summary_ja"] == SEALED_WORDS
        assert "receipt" in own.json()


async def test_no_other_read_of_the_project_shows_a_sealed_self_evaluation(partners: Partners) -> None:
    p, pid = partners.scene.p, partners.sealed
    for sub, role in (("liaison-1", "staff"), ("staff-2", "staff"), ("coord-1", "coordinator"), ("ev-1", "evaluator")):
        for tail in ("", "/timeline", "/reports"):
            answer = await ok(partners.ask(pid, sub, role, "GET", tail))
            assert SEALED_WORDS not in answer.text, (sub, tail)
        page = await partners.scene.site.browser(sub, role).get(f"/evaluation/projects/{pid}/self-evaluation")
        assert page.status_code == 200, (sub, page.status_code)
        assert SEALED_WORDS not in page.text, sub
    own = await partners.scene.site.browser("rep-g", "group").get(f"/evaluation/projects/{pid}/self-evaluation")
    assert SEALED_WORDS in own.text, "the group reads its own self-evaluation on the page"
    receipt = await partners.scene.site.browser("liaison-1", "staff").get(
        f"/evaluation/projects/{pid}/self-evaluation/receipt"
    )
    assert receipt.status_code == 404, "the department has no receipt of its own; the group's is not shown"
    assert SEALED_WORDS not in receipt.text
    assert (await read(p, pid))["status"] == "ended"


async def test_only_the_partners_and_the_center_draft_the_agreement_and_only_the_partners_confirm_it(
    partners: Partners,
) -> None:
    p, pid = partners.scene.p, partners.draft
    body = {"agreement": current_agreement(p)}
    for sub, role, code in (("rep-h", "group", "not_a_partner"), ("staff-2", "staff", "not_a_partner")):
        answer = await partners.ask(pid, sub, role, "PUT", "/agreement", json=body, headers={"If-Match": "*"})
        assert refusal(answer) == (403, code), (sub, answer.text)
    version = (await read(p, pid))["version"]
    await ok(
        p.clients["evaluation"].put(
            f"/projects/{pid}/agreement", json=body, headers={**coordinator(p), "If-Match": f'"{version}"'}
        )
    )
    confirmation = {"agreement_hash": (await read(p, pid))["draft"]["hash"]}
    for sub, role, expected in (
        ("rep-h", "group", (403, "not_a_partner")),
        ("staff-2", "staff", (403, "not_a_partner")),
        ("contact-g", "group", (403, "representative_only")),
    ):
        answer = await partners.ask(pid, sub, role, "POST", "/agreement/confirmations", json=confirmation)
        assert refusal(answer) == expected, (sub, answer.text)
    confirmed = await ok(partners.ask(pid, "rep-g", "group", "POST", "/agreement/confirmations", json=confirmation))
    assert confirmed.json()["status"] == "drafting", "one partner's confirmation concludes nothing yet"


async def test_only_a_partner_files_an_interim_report(partners: Partners) -> None:
    pid = partners.draft
    report = {"values": self_evaluation()["achieved"], "summary_ja": "中間報告"}
    for sub, role in (("rep-h", "group"), ("staff-2", "staff")):
        answer = await partners.ask(pid, sub, role, "POST", "/reports/1", json=report)
        assert refusal(answer) == (403, "not_a_partner"), (sub, answer.text)
    # The group is let through and stopped by the project's state: no agreement in force yet.
    own = await partners.ask(pid, "contact-g", "group", "POST", "/reports/1", json=report)
    assert refusal(own) == (409, "agreement_not_concluded"), own.text


async def test_the_project_pages_show_someone_party_to_nothing_no_project_and_take_no_form_from_them(
    partners: Partners,
) -> None:
    site, pid = partners.scene.site, partners.draft
    outsider, own = site.browser("rep-h", "group"), site.browser("rep-g", "group")
    seen: dict[str, tuple[int, int]] = {}
    for tail in ("", "/agreement", "/committee", "/reports/1", "/self-evaluation"):
        page = f"/evaluation/projects/{pid}{tail}"
        seen[f"GET {tail}"] = ((await outsider.get(page)).status_code, (await own.get(page)).status_code)
    for tail in ("/agreement", "/agreement/confirmations", "/reports/1", "/self-evaluation"):
        page = f"/evaluation/projects/{pid}{tail}"
        form = {"summary_ja": "乗っ取り"}
        seen[f"POST {tail}"] = ((await outsider.post(page, form)).status_code, (await own.post(page, form)).status_code)
    assert seen == PAGES_SEEN, repr(sorted(seen.items()))


# (party to nothing, the project's own group): a page 404s for an outsider as the API does, and so does a form post,
# before the form is read; the group's own post, a form the page cannot take, gets its form back (422).
PAGES_SEEN = {
    **{f"GET {tail}": (404, 200) for tail in ("", "/agreement", "/committee", "/reports/1", "/self-evaluation")},
    **{
        f"POST {tail}": (404, 422)
        for tail in ("/agreement", "/agreement/confirmations", "/reports/1", "/self-evaluation")
    },
}


async def test_a_partys_people_read_and_list_its_project_only_signed_in_with_their_role(partners: Partners) -> None:
    """The group's person with the group role, the department's liaison and staff with the staff role: the registry's
    record and the role alike (as partner_of), so a role withdrawn at the login provider withdraws the reach."""
    pid, w = partners.draft, partners.scene.w
    for sub, role in (("rep-g", "group"), ("liaison-1", "staff"), ("staff-2", "staff")):
        assert (await partners.ask(pid, sub, role, "GET")).status_code == 200, (sub, role)
    for sub, role in (("rep-g", "staff"), ("rep-g", "public"), ("liaison-1", "group"), ("staff-2", "public")):
        answer = await partners.ask(pid, sub, role, "GET")
        assert refusal(answer) == (404, "project_not_found"), (sub, role, answer.text)
    evaluation = partners.scene.p.clients["evaluation"]
    own = {"rep-g": {"group_id": w.group}, "liaison-1": {"department_id": w.department_id}}
    for sub, params in own.items():
        right = "group" if sub == "rep-g" else "staff"
        wrong = "staff" if sub == "rep-g" else "group"
        listed = await evaluation.get("/projects", params=params, headers=partners.scene.p.token(sub, right))
        assert listed.status_code == 200, listed.text
        assert pid in {item["project_id"] for item in listed.json()["items"]}
        refused = await evaluation.get("/projects", params=params, headers=partners.scene.p.token(sub, wrong))
        assert refusal(refused) == (403, "name_own_partner"), (sub, refused.text)


async def test_a_departments_liaison_acts_for_it_only_as_staff(partners: Partners) -> None:
    """Runs last: were the role not asked, it would confirm the draft for the department."""
    pid = partners.draft
    confirmation = {"agreement_hash": (await read(partners.scene.p, pid))["draft"]["hash"]}
    answer = await partners.ask(pid, "liaison-1", "group", "POST", "/agreement/confirmations", json=confirmation)
    assert refusal(answer) == (403, "not_a_partner"), answer.text
