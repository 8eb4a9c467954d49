"""The registry's queries: who may read what of a group (its people and coordinators the full record with
personal data decrypted; anyone else the public profile of a group that is or was registered), the bylaws
document, and the list and search over the group index."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from kyodo_registry.app_base import RegistryBase
from kyodo_registry.domain import LAPSED, REGISTERED, SUSPENDED, Group, GroupStatus
from kyodo_registry.index import IndexedGroup, search
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal

# What anyone may list: groups that are or were registered (applications and dissolved groups are not listed).
PUBLIC_STATUSES: tuple[GroupStatus, ...] = (REGISTERED, LAPSED, SUSPENDED)
ALL_STATUSES: tuple[GroupStatus, ...] = tuple(GroupStatus)


@dataclass(frozen=True)
class GroupRecord:
    """A group as one reader may see it; personal data only in the full record (None once erased)."""

    group: Group
    full: bool
    representative: dict[str, str] | None = None
    contacts: dict[str, dict[str, str] | None] | None = None


@dataclass(frozen=True)
class Bylaws:
    content: bytes
    media_type: str
    sha256: str


def is_staff_reader(principal: Principal | None) -> bool:
    return principal is not None and (principal.has(Role.COORDINATOR) or principal.has(Role.AUDITOR))


class GroupQueries(RegistryBase):
    def personal_data(self, envelope: dict[str, str]) -> dict[str, str] | None:
        """Decrypted personal data, or None once the person's key was destroyed (erased)."""
        fields = self.vault.decrypt(envelope)
        return {str(k): str(v) for k, v in fields.items()} if fields is not None else None

    def full_record(self, group: Group) -> GroupRecord:
        return GroupRecord(
            group,
            True,
            self.personal_data(group.representative),
            {sub: self.personal_data(sealed) for sub, sealed in group.contacts.items()},
        )

    def _own(self, group: Group, principal: Principal | None) -> bool:
        return principal is not None and (group.acts_for(principal.sub) or principal.has(Role.COORDINATOR))

    def read_group(self, principal: Principal | None, group_id: UUID) -> GroupRecord:
        group = self.get_group(group_id)
        if self._own(group, principal):
            return self.full_record(group)
        if group.status not in PUBLIC_STATUSES:
            # Applications and dissolved groups are not public: answered as if absent.
            raise Refusal("group_not_found")
        return GroupRecord(group, False)

    def bylaws(self, principal: Principal | None, group_id: UUID) -> Bylaws:
        group = self.get_group(group_id)
        if not self._own(group, principal) and group.status not in PUBLIC_STATUSES:
            raise Refusal("group_not_found")
        sha256 = str(group.bylaws["sha256"])
        content = self.documents.get(sha256)
        if content is None:
            raise Refusal("document_not_found")
        return Bylaws(content, str(group.bylaws["media_type"]), sha256)

    @staticmethod
    def listable(principal: Principal | None) -> tuple[GroupStatus, ...]:
        return ALL_STATUSES if is_staff_reader(principal) else PUBLIC_STATUSES

    def find_groups(
        self,
        principal: Principal | None,
        status: GroupStatus | None,
        field: str,
        area: str,
        query: str,
        offset: int,
        limit: int,
    ) -> tuple[list[IndexedGroup], int]:
        """`status` must be one the principal may list (the route answers 422 otherwise)."""
        visible = self.listable(principal)
        statuses = (status,) if status is not None and status in visible else visible
        return search(self.db, statuses=statuses, field=field, area=area, query=query, offset=offset, limit=limit)
