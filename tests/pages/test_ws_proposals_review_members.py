"""How board members are shown to one another on the review's pages (real stores, real NATS, logged-in sessions):
never by their login id, but by their office on the call's board — 委員長, 副委員長 — and the other members each by a
letter kept for the whole call (the same on every proposal, unlike the published results' labels, drawn anew per
proposal), the reader as あなた, with the review board's public roster linked for the names.
"""

from __future__ import annotations

from pathlib import Path

from test_ws_proposals import SERVICES
from test_ws_proposals_review import review, score_form

from support.calls import close_and_open_review, ok, published_call, registered_group, review_board, submit
from support.page_reading import one, text, well_formed
from support.workspace import workspace

MEMBERS = ["m-1", "m-2", "m-3", "m-4"]
# Each member's comment, so a row tells whose score it is (without naming them).
NOTE = {"m-1": "所見いち", "m-2": "所見に", "m-3": "所見さん", "m-4": "所見よん"}


def rows(page: object) -> dict[str, str]:
    """The other members' scores: each comment (written by one member) → who the page says wrote it."""
    found = page.xpath("//table[caption[@id='others-caption']]/tbody/tr")  # type: ignore[attr-defined]
    return {text(r.xpath("td")[-1]): text(r.xpath("th")[0]) for r in found}


async def test_members_are_shown_by_their_office_or_a_letter_kept_for_the_call_never_by_their_login_id(
    tmp_path: Path, nats_url: str, bus_namespace: str
) -> None:
    async with workspace(SERVICES, tmp_path, nats_url, bus_namespace) as site:
        p = site.platform
        committee = await review_board(p, MEMBERS, "m-1", "m-2")
        green = await registered_group(p, "rep-g", "みどりの会")
        food = await registered_group(p, "rep-f", "子ども食堂")
        call_id, deadline = await published_call(p, committee, quorum=2)
        await submit(p, call_id, green, "rep-g", "緑の居場所づくり")
        await submit(p, call_id, food, "rep-f", "子ども食堂の拡充")
        await close_and_open_review(p, call_id, deadline)
        listed = await ok(
            site.api("proposals").get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer"))
        )
        proposals = [i["proposal_id"] for i in listed.json()["items"]]
        browsers = {m: site.browser(m, "reviewer") for m in MEMBERS}
        for member, browser in browsers.items():
            for proposal_id in proposals:
                sent = await score_form(browser, call_id, proposal_id, "5", "5", comment=NOTE[member])
                assert sent.status_code == 303, sent.text[:2000]

        seen: dict[str, dict[str, str]] = {}
        for proposal_id in proposals:
            page = well_formed(await browsers["m-1"].page(review(call_id, proposal_id)))
            shown = rows(page)
            assert shown[NOTE["m-2"]] == "副委員長"
            letters = {shown[NOTE["m-3"]], shown[NOTE["m-4"]]}
            assert len(letters) == 2, shown
            assert all(w in ("委員 A", "委員 B") for w in letters), shown
            main = text(one(page, "//main"))
            assert not [m for m in MEMBERS if m in main], main
            assert page.xpath(f"//main//a[@href='/registry/committees/{committee}']")
            seen[proposal_id] = shown
        # The same letter for a member on every proposal of the call.
        assert seen[proposals[0]] == seen[proposals[1]]

        # Another member reads the same letters, the chair by office, and not themselves in the table.
        third = rows(well_formed(await browsers["m-3"].page(review(call_id, proposals[0]))))
        assert third == {
            NOTE["m-1"]: "委員長",
            NOTE["m-2"]: "副委員長",
            NOTE["m-4"]: seen[proposals[0]][NOTE["m-4"]],
        }
        english = well_formed(await browsers["m-3"].page(review(call_id, proposals[0]), lang="en"))
        assert "Chair" in [text(th) for th in english.xpath("//table[caption[@id='others-caption']]/tbody/tr/th")]
        assert "The review board's roster" in text(english)
