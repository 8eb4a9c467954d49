"""Commands and queries over departments, the team, committees and declared interests (a mixin of the registry's
Application)."""

from __future__ import annotations

from uuid import UUID


class OrgCommands:
    def declared_interest(self, person_sub: str, group_id: UUID) -> bool:
        """Whether the person has a current declared interest in the group."""
        return False
