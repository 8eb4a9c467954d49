"""What the proposals pages read beyond the API's own queries, from this service's read models only: the groups a
person acts for (to offer their workspace), the committees and departments a draft may name (choices on the form),
and, for a coordinator once the review is open, which proposals it holds (ids and group names, never content: the
coordinator pins a member's conflict by them, as the review's events show coordinators in the audit).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from kyodo_proposals.app import ProposalsApplication
from kyodo_shared.domain.refusals import Refusal


@dataclass(frozen=True)
class OwnGroup:
    group_id: str
    name: str
    status: str


def groups_of(app: ProposalsApplication, sub: str) -> list[OwnGroup]:
    """The groups `sub` represents or is a contact of, as the registry's events told this service."""
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT group_id, name, status FROM reg_groups WHERE representative_sub = %s OR group_id IN "
            "(SELECT group_id FROM reg_group_contacts WHERE contact_sub = %s) ORDER BY name, group_id",
            (sub, sub),
        )
    return [OwnGroup(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def acting_group(app: ProposalsApplication, sub: str, wanted: str | None) -> OwnGroup | None:
    """The group the page acts for: the one named (`?group=`), else the viewer's only group; None when the viewer
    acts for several and named none (the page asks which). A group the viewer does not act for, or none at all, is
    answered as a missing proposal (404), exactly as the API answers an outsider."""
    groups = groups_of(app, sub)
    if wanted:
        found = [g for g in groups if g.group_id == wanted]
        if found:
            return found[0]
        raise Refusal("proposal_not_found")
    if len(groups) == 1:
        return groups[0]
    if groups:
        return None
    raise Refusal("proposal_not_found")


@dataclass(frozen=True)
class Committee:
    committee_id: str
    name_ja: str | None  # None for a committee whose establishment this service has not heard of
    name_en: str | None
    members_today: int


def committees(app: ProposalsApplication) -> list[Committee]:
    """The review boards (協働事業審査会) this service has heard of, with their names and today's member count: a
    call is reviewed by a review board, never by the evaluation committee (協働事業評価委員会), so only they are
    offered. The kind comes with each appointment; the name with the committee's establishment."""
    today = app.today().isoformat()
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT t.committee_id, c.name_ja, c.name_en, "
            "COUNT(DISTINCT CASE WHEN t.term_start <= %s AND t.term_end >= %s THEN t.member_sub END) "
            "FROM reg_committee_terms t LEFT JOIN reg_committees c ON c.committee_id = t.committee_id "
            "WHERE t.committee_kind = 'review_board' GROUP BY t.committee_id, c.name_ja, c.name_en "
            "ORDER BY c.name_ja, t.committee_id",
            (today, today),
        )
    return [
        Committee(str(r[0]), None if r[1] is None else str(r[1]), None if r[2] is None else str(r[2]), int(r[3]))
        for r in rows
    ]


def committee_name(app: ProposalsApplication, committee_id: str) -> tuple[str, str | None] | None:
    """A committee's (Japanese, English) name, if this service has heard of its establishment."""
    with app.db.transaction(read_only=True) as tx:
        row = tx.fetchone("SELECT name_ja, name_en FROM reg_committees WHERE committee_id = %s", (committee_id,))
    return None if row is None else (str(row[0]), None if row[1] is None else str(row[1]))


def screening_decisions(app: ProposalsApplication) -> list[tuple[str, str, str, int]]:
    """(decision id, project number, title, fiscal year) of the screening decisions "suitable for collaboration"
    not superseded by a correction: the ones a partner-selection call may follow."""
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT decision_id, project_number, title, fiscal_year FROM scr_decisions "
            "WHERE outcome = 'suitable' AND superseded_by IS NULL ORDER BY fiscal_year DESC, project_number"
        )
    return [(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


def departments(app: ProposalsApplication) -> list[tuple[str, str, str | None]]:
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT department_id, name_ja, name_en FROM reg_departments ORDER BY name_ja")
    return [(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]


@dataclass(frozen=True)
class ReviewState:
    status: str
    board: list[str]
    quorum: int
    blocked: list[str]
    proposals: list[tuple[str, str]]  # (proposal id, group name)
    eligible: list[str]  # review-board members who may join as substitutes
    pinned: list[tuple[str, str, str]]  # (member, group name, kind) of the coordinator's pinned conflicts
    count: int  # how many proposals the board reviews
    # The reader sits on this call's board: the proposals' groups, the pinned conflicts and the proposals short of the
    # quorum are kept from them here as from any member (another coordinator records conflicts).
    on_board: bool = False


def review_state(app: ProposalsApplication, call_id: UUID, reader: str | None = None) -> ReviewState | None:
    """The open review as the coordinator's commands on it need it; None before the review opens. A coordinator
    who also sits on the call's board (`reader`) is told only the quorum and how many proposals there are."""
    call = app.get_call(call_id)
    try:
        review = app.get_review(call_id)
    except Refusal:
        return None
    current = app.view.board(str(call.spec["committee_id"]), app.today()).members
    eligible = [m for m in current if m not in review.board]
    count = len(review.entries)
    if reader is not None and reader in review.board:
        board, quorum = list(review.board), int(review.quorum)
        return ReviewState(str(review.status), board, quorum, [], [], eligible, [], count, on_board=True)
    names = []
    for proposal_id, entry in sorted(review.entries.items()):
        group = app.view.group(str(entry["group_id"]))
        names.append((proposal_id, group[0] if group else str(entry["group_id"])))
    groups = dict(names)
    pinned = []
    for key, conflict in sorted(review.conflicts.items()):
        if conflict.get("pinned"):
            member, proposal_id = key.rsplit("|", 1)
            pinned.append((member, groups.get(proposal_id, proposal_id), str(conflict["kind"])))
    return ReviewState(
        str(review.status),
        list(review.board),
        int(review.quorum),
        list(review.blocked),
        names,
        eligible,
        pinned,
        count,
    )


def board_of(app: ProposalsApplication, call_id: UUID) -> list[tuple[str, str | None]]:
    """The call's board as it stands (for a decided call: as it stood for the decision): once the review is open,
    the review's board — the members fixed at publication, then each substitute with the reason they joined —
    before it, the board fixed at publication. (member, None) for a member fixed at publication."""
    call = app.get_call(call_id)
    try:
        review = app.get_review(call_id)
    except Refusal:
        return [(member, None) for member in call.board]
    return [(member, review.substitutes.get(member)) for member in review.board]
