"""No personal data in any export (SQLite and PostgreSQL, real NATS, the real registry): recognisable canaries are put
through the center — a group's representative and contact (name, e-mail, phone, subs), a citizen registering for a
training, a member of staff registering and acknowledging a case, a citizen's case raised by the center (contact
details, the problem's wording, a field of activity of the raiser's own), a news item by a coordinator, a survey's
invited group's name and a free-text answer — the survey closes and the month's figures are published on the moved
clock. The producers the platform does not run publish their contracts on the test's bus, with canaries in every
field a person could be named in: a call's board (its members' and chair's subs) and its results (each member's
points by label), a screening round's team, a decision's self-check reasons and assessments, an evaluation report's
members' points and comments. Then the catalogue, every dataset (CSV, every JSON page, its dictionary), every feed
(news, calls, results, the trainings' calendar), the register's document and the survey's public routes (the list,
each survey, its statistics, each question's history) are fetched: every dataset holds rows (so no check is
vacuous), and no canary is in any of them: not as UTF-8, not `\\u`-escaped as JSON writes it, not percent-encoded,
not in base64 (at any alignment). With every dataset holding rows, each one's CSV is also read back as its users read
it (the csv module and pandas; BOM, header, Japanese intact, formula-looking cells neutralised).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_contracts import proposals as pr
from kyodo_contracts import screening as s
from kyodo_info_hub.cases_figures import first_day, month_of, next_month
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import ok
from support.canaries import every_export
from support.canaries import leaked as canaries_in
from support.contract_builders import agreement, project_record, published_on_the_bus, report_published
from support.evaluation import TOKYO, tokyo_today
from support.harness import Backend, Platform, eventually, platform
from support.info_hub_cases import HUB, act, case_body, hub_now, hub_settings, move_hub_clock, people
from support.info_hub_open_data import call, check_csv_reads_back, result
from support.info_hub_surveys import announced as survey_announced
from support.info_hub_surveys import answer, center, drafted, invited, put_answer, questionnaire, survey_status
from support.info_hub_trainings import announced as training_announced
from support.info_hub_trainings import plan
from support.lifecycle import GroupClient
from support.screening import department

REPRESENTATIVE = {"name": "代表検査七郎", "email": "canary-rep-7f3e@example.jp", "phone": "042-399-7342"}
CONTACT = {"sub": "contact-canary-7f3e", "name": "連絡検査八子", "email": "canary-contact-7f3e@example.jp"}
CITIZEN = {"name": "研修検査太郎", "email": "canary-trainee-7f3e@example.jp"}
CASE_CONTACT = {"name": "窓口検査花子", "email": "canary-case-7f3e@example.jp", "phone": "042-399-7341"}
SUBS = {"rep": "rep-canary-7f3e", "staff": "staff-canary-7f3e", "liaison": "liaison-canary-7f3e"}
COORDINATOR = ("coord-canary-7f3e", "coordinator")
PROBLEM = "相談内容の検査文7f3e"
FREE_FIELD = "自由記述の分野7f3e"
INVITED = "駅前検査の会7f3e"
FREE_TEXT = "センターへの自由記述検査7f3e"
BOARD = ["board-canary-7f3e-1", "board-canary-7f3e-2"]
TEAM = "team-canary-7f3e"
SELF_CHECK = "自己点検の検査理由7f3e"
ASSESSMENT = "評価者の検査理由7f3e"
COMMENT = "委員の検査コメント7f3e"
# A decision's checklist reasons are published by design in the register's structured document
# (/open-data/screening-register.json, open_register.py: the self-check and the labelled assessments); no flat
# dataset carries them. They are checked in every other export.
WORDS = [SELF_CHECK, ASSESSMENT]
CANARIES = [
    *BOARD,
    TEAM,
    COMMENT,
    *REPRESENTATIVE.values(),
    *CONTACT.values(),
    *CITIZEN.values(),
    *CASE_CONTACT.values(),
    *SUBS.values(),
    COORDINATOR[0],
    PROBLEM,
    FREE_FIELD,
    INVITED,
    FREE_TEXT,
]


def leaked(blob: bytes, canaries: list[str] = CANARIES) -> list[str]:
    return canaries_in(blob, canaries)


def test_the_check_finds_a_canary_however_it_is_written() -> None:
    value = CASE_CONTACT["name"]
    for prefix in (b"", b"a", b"ab"):
        assert leaked(base64.b64encode(prefix + value.encode() + b"tail")) == [value]
    assert leaked(json.dumps({"n": value}).encode()) == [value]  # ensure_ascii: \\u escapes
    assert leaked(f"mailto:{quote(CITIZEN['email'])}".encode()) == [CITIZEN["email"]]
    assert leaked("市民活動のための会計講座".encode()) == []


async def group_with_canaries(p: Platform) -> str:
    client = GroupClient(p, representative=SUBS["rep"])
    await client.apply(name="検査のまちの会", representative=REPRESENTATIVE, fields_of_activity=["子育て"], area="本町")
    await client.assess_all()
    await ok(client.post("/contacts", {**CONTACT, "phone": "042-399-7343"}, SUBS["rep"]), 201)
    view = people(p)
    await eventually(lambda: view.acts_for(CONTACT["sub"], client.group_id, registered_only=True), timeout=30)
    return client.group_id


async def plain_group(p: Platform, rep: str, name: str) -> str:
    client = GroupClient(p, representative=rep)
    await client.apply(name=name, fields_of_activity=["子育て"], area="本町")
    await client.assess_all()
    await eventually(lambda: people(p).acts_for(rep, client.group_id, registered_only=True), timeout=30)
    return client.group_id


async def center_activity(p: Platform, groups: list[str]) -> tuple[str, str]:
    """A training with a citizen, a member of staff and a group registered; a citizen's case routed and acknowledged;
    a news item published. Returns the case's month and the department's id."""
    hub = p.clients[HUB]
    since = tokyo_today() - timedelta(days=30)
    dept = await department(p, "KENSA", "検査課", [SUBS["liaison"], SUBS["staff"]], since)
    await eventually(lambda: people(p).is_liaison(SUBS["liaison"], dept.id, tokyo_today()), timeout=30)
    training = await training_announced(p, plan())
    tid = training["id"]
    await ok(hub.post(f"/trainings/{tid}/citizen-registrations", json=CITIZEN), 201)
    await ok(hub.post(f"/trainings/{tid}/registrations", json={}, headers=p.token(SUBS["staff"], "staff")), 201)
    body = {"group_id": groups[0]}
    await ok(hub.post(f"/trainings/{tid}/registrations", json=body, headers=p.token(CONTACT["sub"], "group")), 201)

    case = case_body("citizen", contact=CASE_CONTACT, problem_ja=PROBLEM, fields_of_activity=["子育て", FREE_FIELD])
    raised = (await ok(hub.post("/cases", json=case, headers=p.token(*COORDINATOR)), 201)).json()
    await act(p, raised["id"], "/routings", {"department_ids": [dept.id]})
    path = f"/cases/{raised['id']}/routings/{dept.id}/acknowledgement"
    await ok(hub.post(path, headers=p.token(SUBS["liaison"], "staff")))

    news = {"category": "center", "title_ja": "センターからのお知らせ", "body_ja": "研修の参加者を募集します。"}
    drafted_news = (await ok(hub.post("/news", json=news, headers=p.token(*COORDINATOR)), 201)).json()
    headers = {**p.token(*COORDINATOR), "If-Match": f'"{drafted_news["version"]}"'}
    await ok(hub.post(f"/news/{drafted_news['id']}/publication", headers=headers))
    restricted = await ok(hub.get(f"/cases/{raised['id']}", headers=p.token(*COORDINATOR)))
    assert CASE_CONTACT["email"] in leaked(restricted.content), "the check sees the contact where it may be"
    return month_of(raised["raised_at"]), dept.id


async def survey_closed(p: Platform, groups: list[str]) -> None:
    """A survey of every registered group and an invited one, answered (a free text among them), closed."""
    hub = p.clients[HUB]
    body = questionnaire()
    survey = await drafted(p, body)
    sid = survey["id"]
    link = await invited(p, sid, INVITED)
    await survey_announced(p, (await hub.get(f"/surveys/{sid}", headers=center(p))).json())
    move_hub_clock(p, datetime.fromisoformat(body["opens_at"]) + timedelta(minutes=1))
    await _status(p, sid, "open")
    who = [(CONTACT["sub"], "group"), ("rep-canary-h", "group"), ("rep-canary-k", "group")]
    for respondent, person, members in zip(groups, who, (5, 12, 30), strict=True):
        values = answer(members, "kids", comment=FREE_TEXT)
        await ok(put_answer(p, sid, respondent, values, who=person))
    await ok(put_answer(p, sid, link["invitation_id"], answer(8, "kids", comment=FREE_TEXT), token=link["token"]))
    restricted = await ok(hub.get(f"/surveys/{sid}/answers", headers=center(p)))
    assert FREE_TEXT in leaked(restricted.content), "the check sees the free text where it may be"
    move_hub_clock(p, datetime.fromisoformat(body["closes_at"]) + timedelta(minutes=1))
    await _status(p, sid, "closed")


async def _status(p: Platform, survey_id: str, status: str) -> None:
    p.apps[HUB].state.kernel.nudge()

    async def reached() -> bool:
        return await survey_status(p, survey_id) == status

    await eventually(reached, timeout=30)


async def month_published(p: Platform, month: str) -> None:
    """The month is over on the moved clock (unless the survey's close already passed its end): its figures are
    published by their timer."""
    over = datetime.combine(first_day(next_month(month)), datetime.min.time(), tzinfo=TOKYO) + timedelta(hours=1)
    move_hub_clock(p, max(over, hub_now(p)))
    p.apps[HUB].state.kernel.nudge()

    async def published() -> bool:
        return (await p.clients[HUB].get(f"/cases/statistics/{month}")).status_code == 200

    await eventually(published, timeout=30)


def proposals_with_canaries(groups: list[str]) -> list[Contract]:
    """A call whose board is named by canary subs, and its results: each member's points by label."""
    published = call("検査の協働事業")
    published = published.model_copy(update={"board_subs": BOARD, "chair_sub": BOARD[0], "vice_chair_sub": BOARD[1]})
    ranked = [uuid.UUID(groups[0]), uuid.UUID(groups[1])]
    results = result(published.call_id, ranked, uuid.UUID(groups[2]), "地域の課題に即した提案を選定した")
    closed = pr.CallClosed(call_id=published.call_id, closed_at=published.rules.deadline)
    return [published, closed, results]


def screening_with_canaries(department_id: str) -> list[Contract]:
    """A round with a canary team member, a project and its decision with canary reasons in its self-check and its
    labelled assessment."""
    round_id, dept = uuid.uuid4(), uuid.UUID(department_id)
    record = project_record(dept, title="見守り検査事業", contact_section="検査課 協働係")
    own = s.ChecklistAnswer(key="public_benefit", rating=s.Rating.YES, reason=SELF_CHECK)
    theirs = s.ChecklistAnswer(key="public_benefit", rating=s.Rating.YES, reason=ASSESSMENT)
    return [
        s.RoundOpened(
            round_id=round_id,
            fiscal_year=2026,
            title_ja="2026年度 事業の選別",
            title_en=None,
            checklist=[s.ChecklistItem(key="public_benefit", name_ja="公益性", name_en=None)],
            department_ids=[dept],
            self_check_deadline=datetime(2026, 5, 31, 8, 0, tzinfo=UTC),
            opened_on=date(2026, 5, 1),
            team_subs=[TEAM],
        ),
        s.ProjectEntered(project=record),
        s.DecisionMade(
            decision_id=uuid.uuid4(),
            round_id=round_id,
            project=record,
            outcome=s.Outcome.SUITABLE,
            forms=[s.CollaborationForm.COMMISSION],
            reasons_ja="地域の団体と進められる",
            reasons_en=None,
            rescreen_on=None,
            replaces=None,
            self_check=[own],
            assessments=[s.LabelledAssessment(label="A", from_owner_department=False, answers=[theirs])],
            recusals=1,
            cycle=1,
            round_fiscal_year=2026,
            decided_at=datetime(2026, 6, 1, 1, 0, tzinfo=UTC),
        ),
    ]


def evaluation_with_canaries(group_id: str, department_id: str) -> list[Contract]:
    """A collaboration project and its published report, with a member's points and a canary comment."""
    project_id, group, dept = uuid.uuid4(), uuid.UUID(group_id), uuid.UUID(department_id)
    criteria = [ev.Criterion(key="achievement", name_ja="目標の達成度")]
    return [
        ev.ProjectCreated(
            project_id=project_id,
            source=ev.Source.ADOPTION,
            group_id=group,
            department_id=dept,
            title_ja="子育てひろば検査事業",
            call_id=uuid.uuid4(),
            proposal_id=uuid.uuid4(),
            criteria=criteria,
        ),
        report_published(
            project_id,
            group,
            dept,
            agreement(2026, title_ja="子育てひろば検査事業"),
            criteria=criteria,
            comments={"achievement": [COMMENT]},
            recusals=1,
            recommendation=ev.Recommendation.IMPROVE,
            reasons_ja="目標を達成し、継続する",
            confirmed_by="chair",
            published_at=datetime(2027, 6, 1, 3, 0, tzinfo=UTC),
        ),
    ]


async def projected(p: Platform, name: str, text: str) -> None:
    """Wait until a dataset's CSV holds `text` (its projection has applied what the aggregates already say)."""

    async def holds() -> bool:
        found = await p.clients[HUB].get(f"/open-data/datasets/{name}.csv")
        return text in found.content.decode("utf-8-sig")

    await eventually(holds, timeout=30)


async def test_no_canary_put_through_the_center_appears_in_any_dataset_feed_or_the_catalogue(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(hub_settings(backend, nats_url, bus_namespace, issuer), issuer) as p:
        groups = [
            await group_with_canaries(p),
            await plain_group(p, "rep-canary-h", "ひだまり検査の会"),
            await plain_group(p, "rep-canary-k", "=けやき検査の会"),  # a name a spreadsheet would run
        ]
        month, dept = await center_activity(p, groups)
        streams = {
            "proposals": proposals_with_canaries(groups),
            "screening": screening_with_canaries(dept),
            "evaluation": evaluation_with_canaries(groups[0], dept),
        }
        await published_on_the_bus(nats_url, bus_namespace, streams, at=datetime.now(UTC))
        await survey_closed(p, groups)
        await month_published(p, month)
        await projected(p, "coordination-figures", month)
        await projected(p, "survey-statistics", "comment")
        await projected(p, "trainings", "市民活動のための会計講座")
        await projected(p, "call-results", "ひだまり検査の会")
        await projected(p, "screening-register", "見守り検査事業")
        await projected(p, "evaluation-reports", "子育てひろば検査事業")
        totals, exports = await every_export(p.clients[HUB])
    assert {
        "groups",
        "calls",
        "call-criteria",
        "call-results",
        "call-result-scores",
        "trainings",
        "coordination-figures",
        "evaluation-reports",
        "evaluation-criterion-means",
        "screening-register",
        "survey-statistics",
    } <= set(totals)
    assert {name: total for name, total in totals.items() if total == 0} == {}, "every dataset is checked on rows"
    japanese: set[str] = set()
    for name in totals:
        # Fed, each dataset's JSON keys are its dictionary's fields, and its CSV reads back as its users read it
        # (the header is the dictionary's CSV headers; the cells are the JSON items', neutralised where needed).
        fields = json.loads(exports[f"/open-data/datasets/{name}"])["fields"]
        items = [
            item
            for path, blob in exports.items()
            if path.startswith(f"/open-data/datasets/{name}.json#")
            for item in json.loads(blob)["items"]
        ]
        assert all(list(item) == [f["field"] for f in fields] for item in items), name
        if check_csv_reads_back(name, exports[f"/open-data/datasets/{name}.csv"], fields, items):
            japanese.add(name)
    # Every dataset but the reviewers' points (ids, a label, a criterion's key, points) has Japanese text to check.
    assert set(totals) - japanese == {"call-result-scores"}
    assert "'=けやき検査の会" in exports["/open-data/datasets/groups.csv"].decode("utf-8-sig"), "neutralised"
    closed = [json.loads(blob) for path, blob in exports.items() if path.endswith("/statistics")]
    # The one survey: three registered groups and the invited one targeted, all four answered.
    assert [(c["statistics"]["targets"], c["statistics"]["answered"]) for c in closed] == [(4, 4)]
    histories = [json.loads(blob) for path, blob in exports.items() if path.startswith("/survey-questions/")]
    assert histories, "the questions' histories are read"
    assert all(h["items"] for h in histories), "each question's history holds the closed survey"
    assert month in exports["/open-data/datasets/coordination-figures.csv"].decode("utf-8-sig")
    statistics = exports["/open-data/datasets/survey-statistics.csv"].decode("utf-8-sig")
    assert "comment" in statistics, "the free-text question is there, by its number of answers only"
    assert "市民活動のための会計講座" in exports["/open-data/datasets/trainings.csv"].decode("utf-8-sig")
    assert "センターからのお知らせ" in exports["/news.atom"].decode()
    assert "検査の協働事業" in exports["/call-results.atom"].decode()
    found = {path: leaked(blob) for path, blob in exports.items()}
    assert {path: values for path, values in found.items() if values} == {}
    structured = "/open-data/screening-register.json"
    assert leaked(exports[structured], WORDS) == WORDS, "the check sees the reasons where they are published"
    words = {path: leaked(blob, WORDS) for path, blob in exports.items() if path != structured}
    assert {path: values for path, values in words.items() if values} == {}
