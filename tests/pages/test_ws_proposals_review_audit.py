"""What the review board's pages keep from a member — every proposal's group and content, and who is recused from
which proposal — stays out of the audit history for an auditor's account that also holds a committee role (real
stores, real NATS, logged-in sessions): through `/audit/events` the review's opening and its conflicts come as
`[restricted]`, and the history page marks them withheld, while an auditor holding no committee role reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from test_ws_proposals import SERVICES
from test_ws_proposals_review import pin_conflict, reviewed_call

from kyodo_proposals.review import review_id

from support.calls import audit_bodies, ok
from support.page_reading import doc, well_formed
from support.workspace import workspace

OPENED, DECLARED, REMOVED = (f"proposals.Review.{n}" for n in ("Opened", "ConflictDeclared", "ConflictRemoved"))


async def test_the_review_s_proposals_and_conflicts_are_withheld_from_an_auditor_on_a_committee(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        call_id, green, food = await reviewed_call(site)
        p, api = site.platform, site.api("proposals")
        await pin_conflict(site, call_id, "m-3", green, "取引関係")
        member = p.token("m-2", "reviewer")
        conflict = {"proposal_id": food, "kind": "member", "reason": "会員です"}
        await ok(api.post(f"/calls/{call_id}/review/conflicts", json=conflict, headers=member), 201)
        await ok(api.post(f"/calls/{call_id}/review/conflicts/removal", json={"proposal_id": food}, headers=member))
        aggregate = str(review_id(UUID(call_id)))

        async def bodies(*roles: str) -> dict[str, list[Any]]:
            return await audit_bodies(api, p.token("aud", *roles), aggregate)

        auditor = await bodies("auditor")
        assert {e["proposal_id"] for e in auditor[OPENED][0]["entries"]} == {green, food}
        assert len(auditor[DECLARED]) == 2
        assert len(auditor[REMOVED]) == 1
        for roles in (("auditor", "reviewer"), ("auditor", "evaluator"), ("auditor", "coordinator", "reviewer")):
            judge = await bodies(*roles)
            for kind in (OPENED, DECLARED, REMOVED):
                assert judge[kind] == ["[restricted]"] * len(auditor[kind]), (roles, kind)

        plain = await site.browser("aud-1", "auditor").get("/proposals/audit", aggregate=aggregate)
        assert all(shown in plain.text for shown in (green, food, "取引関係", "会員です"))
        both = site.browser("aud-2", "auditor", "reviewer")
        answer = await both.get("/proposals/audit", aggregate=aggregate)
        assert answer.status_code == 200, answer.text[:2000]
        page = well_formed(doc(answer))
        assert len(page.xpath("//*[@data-hidden='withheld']")) == 4  # the opening, two declared, one removed
        for secret in (green, food, "取引関係", "会員です", "緑の居場所づくり"):
            assert secret not in answer.text
