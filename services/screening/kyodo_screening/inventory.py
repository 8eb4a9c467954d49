"""The inventory (事業一覧): a department's existing projects for a fiscal year, entered one by one or imported
from the CSV file the department keeps. The project number identifies a project within its department and year."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from kyodo_screening.app_base import ScreeningBase
from kyodo_screening.domain import Project, project_id
from kyodo_screening.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from kyodo_shared.domain.actors import Actor
from kyodo_shared.domain.refusals import Expected, Refusal, check_version
from kyodo_shared.store.aggregates import find


def _real_year(fiscal_year: int) -> None:
    if not FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR:
        raise Refusal("fiscal_year_invalid", field="fiscal_year", fiscal_year=str(fiscal_year))


class ImportResult:
    """What an import did: rows entered, updated and unchanged (by project number)."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.updated: list[str] = []
        self.unchanged: list[str] = []


class InventoryCommands(ScreeningBase):
    def enter_project(self, actor: Actor, department_id: UUID, fiscal_year: int, record: dict[str, Any]) -> Project:
        """A new project; its number is unique in the department and year (the store refuses a second: 409)."""
        _real_year(fiscal_year)
        self._keeps_inventory(actor, department_id)
        if project_id(department_id, fiscal_year, str(record["project_number"])) in self.repository:
            raise Refusal("project_number_taken", field="project_number")
        project = Project(department_id, fiscal_year, record, actor.trace_dict())
        self.save(project)
        return project

    def update_project(self, actor: Actor, expected: Expected, project_id_: UUID, record: dict[str, Any]) -> Project:
        project = self.get_project(project_id_)
        self._keeps_inventory(actor, project.department_id)
        check_version(project.version, expected)
        project.update(record, actor.trace_dict())
        self.save(project)
        return project

    def may_import(self, actor: Actor, department_id: UUID, fiscal_year: int) -> None:
        """Who may import, asked before the file is read: reading it costs more than refusing the caller."""
        _real_year(fiscal_year)
        self._keeps_inventory(actor, department_id)

    def import_projects(
        self, actor: Actor, department_id: UUID, fiscal_year: int, records: list[dict[str, Any]]
    ) -> ImportResult:
        """All or nothing: every row becomes an entry or an update, saved in one transaction; an unchanged row adds
        nothing, and a project missing from the file is not deleted. A concurrent writer of the same project makes
        the whole import fail with 409 (nothing stored), and it may be sent again."""
        _real_year(fiscal_year)
        self._keeps_inventory(actor, department_id)
        result, changed = ImportResult(), list[Aggregate]()
        trace = actor.trace_dict()
        for record in records:
            number = str(record["project_number"])
            project = find(self.repository, project_id(department_id, fiscal_year, number), Project)
            if project is None:
                changed.append(Project(department_id, fiscal_year, record, trace))
                result.entered.append(number)
            elif project.update(record, trace):
                changed.append(project)
                result.updated.append(number)
            else:
                result.unchanged.append(number)
        if changed:
            self.save(*changed)
        return result
