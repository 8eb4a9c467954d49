"""What `/me` reads for the center's coordinators and the cross-department team, from info-hub's own read models
(never calling the owning services): a closed call's review (`hub_call_reviews`), adoptions still without a
department (`hub_adoptions` against `evaluation_projects`), the screening rounds a person is on the team of
(`hub_round_team`) and how many projects of an open round await a decision.

Which projects a round screens follows the screening service (kyodo_screening/index.py `_in_round`): the projects
of its departments of its fiscal year, and those of its departments waiting for a round since a 'needs study'
decision's date came after its round had closed (whatever their year); a project is undecided while it has no
current decision in the round, or its decision there was reopened by its re-screen date. Where this read model can
differ: it knows a project waits for a round from `screening.project.rescreen_due` (`next_round`), while the
service clears that wait when a round takes the project (its first work there), which no contract says — so such a
project counts in every open round of its department until one decides it; the service also lists a project with
work in the round (a self-check) that left its scope, which info-hub cannot see; and info-hub is as current as the
bus has made it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kyodo_info_hub.domain import NEXT_ROUND, REOPENED_IN_ROUND
from kyodo_shared.store.db import Database, Tx

SHOWN = 50


@dataclass(frozen=True)
class Review:
    stage: str  # under_review or decision_blocked
    reasons: list[str]


@dataclass(frozen=True)
class Adoption:
    proposal_id: str
    call_id: str
    group_id: str
    title_ja: str | None
    title_en: str | None  # the call's, when its rules have one
    rank: int | None  # the proposal's rank in the call's published results, when info-hub has them
    adopted_at: str


@dataclass(frozen=True)
class TeamRound:
    round_id: str
    title_ja: str
    title_en: str | None
    status: str
    self_check_deadline: str


def reviews(db: Database, call_ids: list[str]) -> dict[str, Review]:
    """The review of each of these calls that has one; a closed call absent here waits for its review to open."""
    if not call_ids:
        return {}
    marks = ", ".join(["%s"] * len(call_ids))
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT call_id, stage, reasons FROM hub_call_reviews WHERE call_id IN ({marks})",  # noqa: S608
            call_ids,
        )
    return {str(r[0]): Review(str(r[1]), [str(x) for x in json.loads(str(r[2]))]) for r in rows}


def adoptions_without_department(db: Database) -> list[Adoption]:
    """Adopted proposals whose call named no department and whose project the evaluation service has not created
    yet (it does once the center names the department), the oldest first; each with its group, its call's titles
    and its rank in the call's published results (`portal_calls`), which tell one adoption of a call from another."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT a.proposal_id, a.call_id, a.group_id, a.title_ja, a.adopted_at, c.rules, c.results "
            "FROM hub_adoptions a LEFT JOIN portal_calls c ON c.call_id = a.call_id "
            "WHERE a.department_id IS NULL AND NOT EXISTS (SELECT 1 FROM evaluation_projects e "
            "WHERE e.call_id = a.call_id AND e.proposal_id = a.proposal_id) "
            "ORDER BY a.adopted_at, a.proposal_id LIMIT %s",
            (SHOWN,),
        )
    found = []
    for proposal_id, call_id, group_id, title_ja, adopted_at, rules_text, results_text in rows:
        rules = json.loads(str(rules_text)) if rules_text else {}
        results = json.loads(str(results_text)) if results_text else {}
        ranks = {str(r["proposal_id"]): int(r["rank"]) for r in results.get("proposals", [])}
        found.append(
            Adoption(
                str(proposal_id),
                str(call_id),
                str(group_id),
                None if title_ja is None else str(title_ja),
                rules.get("title_en"),
                ranks.get(str(proposal_id)),
                str(adopted_at),
            )
        )
    return found


def team_rounds(db: Database, member_sub: str) -> list[TeamRound]:
    """The rounds not closed whose team (fixed when they opened) includes this person, the soonest deadline first."""
    with db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT r.round_id, r.title_ja, r.title_en, r.status, r.self_check_deadline FROM screening_rounds r "
            "JOIN hub_round_team t ON t.round_id = r.round_id WHERE t.member_sub = %s AND r.status <> 'closed' "
            "ORDER BY r.self_check_deadline, r.round_id",
            (member_sub,),
        )
    return [TeamRound(str(r[0]), str(r[1]), None if r[2] is None else str(r[2]), str(r[3]), str(r[4])) for r in rows]


def undecided(db: Database, round_ids: list[str]) -> dict[str, int]:
    """How many projects of each of these rounds await a decision (the rule in the module's docstring)."""
    with db.transaction(read_only=True) as tx:
        return {round_id: _undecided(tx, round_id) for round_id in round_ids}


def _undecided(tx: Tx, round_id: str) -> int:
    found = tx.fetchone("SELECT fiscal_year, department_ids FROM screening_rounds WHERE round_id = %s", (round_id,))
    if found is None:
        return 0
    fiscal_year, scope = int(str(found[0])), [str(d) for d in json.loads(str(found[1]))]
    if not scope:
        return 0
    marks = ", ".join(["%s"] * len(scope))
    projects = tx.fetchall(
        f"SELECT project_id, fiscal_year FROM screening_projects WHERE department_id IN ({marks})",  # noqa: S608
        scope,
    )
    # Each project's current decisions (not superseded), the latest last: in this round, and anywhere.
    decisions = tx.fetchall(
        f"SELECT d.project_id, d.round_id, d.rescreen FROM screening_decisions d WHERE d.superseded_by IS NULL "  # noqa: S608
        f"AND d.department_id IN ({marks}) ORDER BY d.decided_at, d.source_sequence",
        scope,
    )
    here: dict[str, str | None] = {}
    latest: dict[str, tuple[str, str | None]] = {}
    for project_id, decided_in, rescreen in decisions:
        state = None if rescreen is None else str(rescreen)
        latest[str(project_id)] = (str(decided_in), state)
        if str(decided_in) == round_id:
            here[str(project_id)] = state
    count = 0
    for project_id, year in projects:
        pid = str(project_id)
        last = latest.get(pid)
        # In scope: the round's year, or waiting for the department's next round since an earlier round.
        waiting = last is not None and last[0] != round_id and last[1] == NEXT_ROUND
        if int(str(year)) != fiscal_year and not waiting:
            continue
        if pid not in here or here[pid] == REOPENED_IN_ROUND or waiting:
            count += 1
    return count
