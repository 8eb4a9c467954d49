"""Self-evaluations (自己評価) as use cases: each partner evaluates the project against the published criteria on
its own, once, with a signed receipt; neither reads the other's (nor does anyone else through this API) until both
are in or the deadline passed. What is stored before then is restricted in the audit API to auditors, and no
contract carries it: `evaluation.self_evaluations.unsealed` publishes both at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from kyodo_evaluation.agreement import check_ratings, check_values
from kyodo_evaluation.app_base import EvaluationBase
from kyodo_evaluation.domain import Project
from kyodo_evaluation.vocabulary import Partner
from kyodo_shared.audit.receipts import Receipt, content_hash, new_salt, sign_receipt
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Refusal


def partner_id(project: Project, partner: Partner) -> UUID:
    """Whom a receipt names: the group's id, or the department's."""
    return project.group_id if partner is Partner.GROUP else project.department_id


class SelfEvaluationCommands(EvaluationBase):
    def self_evaluate(
        self,
        actor: Actor,
        project_id: UUID,
        ratings: list[dict[str, Any]],
        achieved: list[dict[str, str]],
        summary_ja: str,
    ) -> tuple[Project, Receipt]:
        """The partner's self-evaluation, final when sent. The receipt (Ed25519 over RFC 8785 JSON, as for
        proposals) names the project in `call_id`, the partner's id in `group_id` and the hash of what was sent
        (ratings, achieved values, summary) salted, so the partner can later prove what it submitted."""
        project = self.get_project(project_id)
        partner = self.partner_of(actor, project)
        agreement = project.agreement
        if agreement is None:
            raise Refusal("project_not_ended")
        check_ratings(project.criteria, ratings, "ratings")
        check_values(agreement["indicators"], achieved, "achieved")
        content = {"ratings": ratings, "achieved": achieved, "summary_ja": summary_ja}
        now = self.clock()
        late = project.deadline is not None and now >= datetime.fromisoformat(project.deadline)
        salt = new_salt()
        private, key_id = self.receipt_key()
        digest = content_hash(content, [], salt)
        receipt = sign_receipt(
            private,
            key_id,
            call_id=project.id,
            group_id=partner_id(project, partner),
            proposal_version=1,
            content_hash=digest,
            salt=salt,
            attachments=[],
            received_at=now,
        )
        evaluation = {
            "partner": partner.value,
            **content,
            "content_hash": digest,
            "submitted_at": now.isoformat(),
            "submitted_by": actor.sub,
        }
        project.self_evaluate(partner, evaluation, receipt.to_json(), late, actor.trace_dict())
        self.save(project)
        return project, receipt

    def read_self_evaluation(self, actor: Actor, project_id: UUID, partner: Partner) -> dict[str, Any]:
        """One's own at any time; the other partner's only once unsealed (both in, or the deadline passed)."""
        project = self._readable(actor, project_id)
        try:
            mine = self.partner_of(actor, project)
        except Refusal:
            mine = None
        if mine is not partner and not project.unsealed:
            raise Refusal("self_evaluation_sealed")
        found = project.self_evaluations.get(partner.value)
        if found is None:
            raise Refusal("self_evaluation_not_found")
        shown = {k: v for k, v in found.items() if k != "submitted_by"}
        if mine is partner:
            shown["receipt"] = found["receipt"]
        else:
            shown.pop("receipt", None)
        return shown
