"""An auditor's account that also holds a committee role (reviewer or evaluator), against the real services: the
members' score events, conflicts and the decision naming who is behind each label are withheld from it — through the
audit API (the body `[restricted]`) and on the history page, which says why and to audit with a separate account, in
Japanese and English — while everything else of the history stays as an auditor reads it; an auditor holding no
committee role reads them; an auditor's account that also coordinates reads no scores either. The notice shows only
where the service's policy withholds something from the account (not on the registry's audit page)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kyodo_evaluation.visibility import POLICY as EVALUATION
from kyodo_proposals.visibility import POLICY as PROPOSALS
from kyodo_registry.visibility import POLICY as REGISTRY
from kyodo_screening.visibility import POLICY as SCREENING
from kyodo_shared.audit.visibility import RESTRICTED_MARK, restricted
from kyodo_shared.domain.actors import Principal, Role

from support.calls import audit_bodies
from support.evaluation_http import reported, world
from support.page_reading import text, well_formed
from support.streams import SourceStream
from support.workspace import workspace

SCORED = "evaluation.CommitteeEvaluation.Scored"
CONFLICT = "evaluation.CommitteeEvaluation.ConflictDeclared"
DECIDED = "evaluation.CommitteeEvaluation.Recommended"
WITHHELD = (SCORED, CONFLICT, DECIDED)


async def test_score_bodies_are_withheld_from_an_auditor_who_also_holds_a_committee_role(
    tmp_path: Path, nats_url: str
) -> None:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    streams = [SourceStream(nats_url, namespace, source) for source in ("screening", "proposals")]
    for stream in streams:
        await stream.create()
    async with workspace(["registry", "evaluation"], tmp_path, nats_url, namespace) as site:
        p = site.platform
        project = await reported(p, await world(p, *streams))
        committee = str(site.application("evaluation").find_committee(uuid.UUID(project)).id)
        api = p.clients["evaluation"]

        async def bodies(*roles: str) -> dict[str, list[Any]]:
            return await audit_bodies(api, p.token("aud", *roles), committee)

        auditor = await bodies("auditor")
        assert [b["member_sub"] for b in auditor[SCORED]] == ["ev-chair", "ev-1", "ev-2"]
        for role in ("evaluator", "reviewer"):
            judge = await bodies("auditor", role)
            assert judge[SCORED] == [RESTRICTED_MARK] * 3, role
            # Who declared a conflict, and who is behind each label: kept from a member, so from this account too.
            assert RESTRICTED_MARK not in auditor[CONFLICT]
            assert judge[CONFLICT] == [RESTRICTED_MARK] * len(auditor[CONFLICT])
            assert judge[DECIDED] == [RESTRICTED_MARK]
            # The rest of the history as any auditor reads it: the opening, the report.
            rest = {k: v for k, v in judge.items() if k not in WITHHELD}
            assert rest == {k: v for k, v in auditor.items() if k not in WITHHELD}
        # A coordinator's account that audits too: the conflicts and decision as the center reads them, no scores.
        center = await bodies("auditor", "coordinator")
        assert center[SCORED] == [RESTRICTED_MARK] * 3
        assert {k: v for k, v in center.items() if k != SCORED} == {k: v for k, v in auditor.items() if k != SCORED}

        plain = site.browser("aud-1", "auditor")
        page = await plain.page("/evaluation/audit", aggregate=committee)
        assert not page.xpath("//*[@id='withheld-notice']")
        assert not page.xpath("//*[@data-hidden='withheld']")
        both = site.browser("aud-2", "auditor", "evaluator")
        # Nothing of the registry's history is withheld from the account: no notice there.
        assert not (await both.page("/registry/audit")).xpath("//*[@id='withheld-notice']")
        for lang, notice, reason in (
            ("ja", "監査の役割だけを持つ別のアカウントを使ってください", "別のアカウントを使ってください"),
            ("en", "audit with a separate account that holds the auditor role only", "Audit with a separate account"),
        ):
            page = well_formed(await both.page("/evaluation/audit", aggregate=committee, lang=lang))
            assert notice in text(page.xpath("//*[@id='withheld-notice']")[0])
            withheld = page.xpath("//*[@data-hidden='withheld']")
            assert len(withheld) == 3 + len(auditor[CONFLICT]) + 1
            assert reason in text(withheld[0])
            # The other bodies are shown (the published report's points by label among them: public).
            assert page.xpath("//details[contains(@class, 'event-body')]")


def test_a_rule_unless_a_role_closes_what_the_other_roles_open() -> None:
    rule = restricted(Role.AUDITOR, unless=frozenset({Role.EVALUATOR}))
    now = datetime.now(UTC)
    assert rule.open_for(Principal("a", frozenset({Role.AUDITOR})), {}, now)
    assert not rule.open_for(Principal("b", frozenset({Role.AUDITOR, Role.EVALUATOR})), {}, now)
    assert not rule.open_for(Principal("c", frozenset({Role.EVALUATOR})), {}, now)


def test_both_services_withhold_their_score_events_from_a_judges_account() -> None:
    now = datetime.now(UTC)
    auditor = Principal("a", frozenset({Role.AUDITOR}))
    scored = {"member_sub": "m", "points": {"x": 3}}
    for policy, topic, other in (
        (PROPOSALS, "kyodo_proposals.review:Review.Scored", "kyodo_proposals.review:Review.SubstituteAdded"),
        (
            EVALUATION,
            "kyodo_evaluation.committee:CommitteeEvaluation.Scored",
            # (its SubstituteAdded names the recused members, so it is withheld as the conflicts are)
            "kyodo_evaluation.committee:CommitteeEvaluation.Opened",
        ),
    ):
        assert policy.render(topic, scored, auditor, now) == scored
        # The coordinator's role closes the scores too (SCORES_WITHHELD_FROM), in both services.
        for role in (Role.REVIEWER, Role.EVALUATOR, Role.COORDINATOR):
            judge = Principal("j", frozenset({Role.AUDITOR, role}))
            assert policy.render(topic, scored, judge, now) == RESTRICTED_MARK
            assert policy.withheld(topic, judge)
            assert policy.render(other, scored, judge, now) == scored
            assert not policy.withheld(other, judge)
        assert not policy.withheld(topic, auditor)


def test_the_review_s_proposals_and_recusals_are_withheld_from_an_auditor_or_coordinator_on_a_committee() -> None:
    """Review.Opened names every proposal's group and content, the conflicts and the decision's voided scores who
    is recused from which proposal: what the board's pages keep from a member stays out of the history for an
    account that also holds a committee role, whichever of auditor or coordinator opens the review's records to it."""
    now = datetime.now(UTC)
    opened = {"entries": [{"proposal_id": "p", "group_id": "g", "content": {"title": "t"}}], "board": ["m"]}
    conflict = {"member_sub": "m", "proposal_id": "p", "kind": "other", "reason": "r", "by_sub": "c", "pinned": True}
    bodies = {
        "Opened": opened,
        "ConflictDeclared": conflict,
        "ConflictRemoved": {"member_sub": "m", "proposal_id": "p", "by_sub": "m"},
        "Decided": {"decision": {"voided": [{"member_sub": "m", "proposal_id": "p", "reason": "conflict"}]}},
    }
    for name, body in bodies.items():
        topic = f"kyodo_proposals.review:Review.{name}"
        for role in (Role.AUDITOR, Role.COORDINATOR):
            assert PROPOSALS.render(topic, body, Principal("a", frozenset({role})), now) == body, (name, role)
            for judge_role in (Role.REVIEWER, Role.EVALUATOR):
                judge = Principal("j", frozenset({role, judge_role}))
                assert PROPOSALS.render(topic, body, judge, now) == RESTRICTED_MARK, (name, role, judge_role)
                assert PROPOSALS.withheld(topic, judge)
        assert PROPOSALS.render(topic, body, Principal("r", frozenset({Role.REVIEWER})), now) == RESTRICTED_MARK
        assert PROPOSALS.render(topic, body, Principal("x", frozenset()), now) == RESTRICTED_MARK
    # The results are published: their record stays open to auditors and coordinators, judges or not.
    results = {"results": {"proposals": []}}
    judge = Principal("j", frozenset({Role.COORDINATOR, Role.REVIEWER}))
    assert PROPOSALS.render("kyodo_proposals.review:Review.ResultsPublished", results, judge, now) == results


def test_a_policy_says_whether_it_withholds_anything_from_an_account_so_the_notice_shows_only_there() -> None:
    plain = Principal("a", frozenset({Role.AUDITOR}))
    policies = (EVALUATION, PROPOSALS, REGISTRY, SCREENING)
    for role in (Role.REVIEWER, Role.EVALUATOR, Role.COORDINATOR):
        both = Principal("b", frozenset({Role.AUDITOR, role}))
        assert [p.withholds_from(both) for p in policies] == [True, True, False, False], role
    for policy in policies:
        assert not policy.withholds_from(plain)
    # A role the rules exclude but no rule would open to: nothing is withheld, it is simply not shown.
    assert not EVALUATION.withholds_from(Principal("e", frozenset({Role.EVALUATOR})))


def test_the_evaluation_s_substitute_names_the_recused_so_it_is_withheld_as_their_conflicts_are() -> None:
    now = datetime.now(UTC)
    topic = "kyodo_evaluation.committee:CommitteeEvaluation.SubstituteAdded"
    added = {"member_sub": "s", "reason": "回避により定足数に満たないため", "recused": ["m1", "m2"]}
    assert EVALUATION.render(topic, added, Principal("a", frozenset({Role.AUDITOR})), now) == added
    assert EVALUATION.render(topic, added, Principal("c", frozenset({Role.COORDINATOR})), now) == added
    for holder in (frozenset({Role.EVALUATOR}), frozenset({Role.AUDITOR, Role.EVALUATOR}), frozenset()):
        assert EVALUATION.render(topic, added, Principal("x", holder), now) == RESTRICTED_MARK
