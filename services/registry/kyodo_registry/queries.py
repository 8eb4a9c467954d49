"""The registry's queries: who may read what of a group (its people and coordinators the full record with
personal data decrypted; anyone else the public profile of a group that is or was registered), the bylaws
document, and the list and search over the group index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
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


# The events that make someone a group's person (or offer to make them its representative), by their stored topic.
_PERSON_EVENTS = {
    "kyodo_registry.domain:Group.Applied": "representative_sub",
    "kyodo_registry.domain:Group.ContactAdded": "contact_sub",
    "kyodo_registry.domain:Group.RepresentativeChanged": "new_sub",
    "kyodo_registry.domain:Group.HandoverProposed": "new_sub",
}
_BATCH = 500


@dataclass(frozen=True)
class PersonsGroup:
    """A group as someone's own: `relation` is "representative", "contact" or "handover" (offered to them)."""

    group: Group
    relation: str


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
        """The group's people (signed in with the group role: the record says who they are, the role that they act
        as the group now) and coordinators; anyone else reads what the public reads."""
        if principal is None:
            return False
        return (principal.has(Role.GROUP) and group.acts_for(principal.sub)) or principal.has(Role.COORDINATOR)

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

    def groups_of(self, principal: Principal) -> list[PersonsGroup]:
        """The groups `principal` represents or is a contact of, and those whose representative offered them the
        handover, in name order (the workspace's `/registry/mine`).

        Read from the event log (the events naming a person), not the group index: the index is a projection that
        may lag a moment behind, and a group just applied for must be there when its applicant looks. Each group
        found is loaded and asked who acts for it now, so a removed contact or a past representative drops out."""
        found: set[UUID] = set()
        start = 1
        while True:
            batch = self.recorder.select_notifications(start, _BATCH, topics=tuple(_PERSON_EVENTS))
            for notification in batch:
                event: Any = self.mapper.to_domain_event(notification)
                if getattr(event, _PERSON_EVENTS[notification.topic], None) == principal.sub:
                    found.add(UUID(str(notification.originator_id)))
            if len(batch) < _BATCH:
                break
            start = batch[-1].id + 1
        mine = []
        for group_id in found:
            group = self.get_group(group_id)
            if group.representative_sub == principal.sub:
                mine.append(PersonsGroup(group, "representative"))
            elif principal.sub in group.contacts:
                mine.append(PersonsGroup(group, "contact"))
            elif group.handover is not None and group.handover.new_sub == principal.sub:
                mine.append(PersonsGroup(group, "handover"))
        return sorted(mine, key=lambda g: (str(g.group.profile["name"]), str(g.group.id)))

    def handover_offer(self, principal: Principal, group_id: UUID) -> Group:
        """The group whose representative offered `principal` the handover (what they confirm); refused when no
        handover waits for them."""
        group = self.get_group(group_id)
        if group.handover is None or group.handover.new_sub != principal.sub:
            if not group.acts_for(principal.sub) and group.status not in PUBLIC_STATUSES:
                raise Refusal("group_not_found")
            raise Refusal("no_handover_for_you")
        return group

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
