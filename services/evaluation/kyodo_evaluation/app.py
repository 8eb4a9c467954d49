"""The evaluation service's application service: every use case is one method (projects, agreements and reports
in `projects`, self-evaluations in `selfeval`, the committee in `committee_app`, reads in `queries`). Each command
takes the acting principal and, where the caller edits what it read, the version it saw; it authorizes from the
service's own data, loads the aggregate once, runs the domain command and saves.
"""

from __future__ import annotations

from kyodo_evaluation.committee_app import CommitteeCommands
from kyodo_evaluation.projects import ProjectCommands
from kyodo_evaluation.queries import EvaluationQueries
from kyodo_evaluation.selfeval import SelfEvaluationCommands

__all__ = ["EvaluationApplication"]


class EvaluationApplication(ProjectCommands, SelfEvaluationCommands, CommitteeCommands, EvaluationQueries):
    """Collaboration projects and their evaluation: projects and committee evaluations, each event-sourced."""

    # eventsourcing names an Application's PostgreSQL tables after `name`, and gives every subclass its class
    # name unless it sets one: stated here, on the class the service runs, so the tables stay `evaluation_*`.
    name = "evaluation"
