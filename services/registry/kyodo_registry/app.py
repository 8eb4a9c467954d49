"""The registry's eventsourcing Application: short commands and queries over groups."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from kyodo_registry.domain import CRITERIA, Group, RegistryError
from kyodo_registry.org.app import OrgCommands
from kyodo_registry.settings import REPRESENTATIVE_RECORD
from kyodo_shared.privacy import KeyVault


class GroupNotFound(RegistryError):
    def __init__(self) -> None:
        super().__init__("group_not_found", "団体が見つかりません", "Group not found")


class RegistryApplication(OrgCommands, Application[UUID]):
    """Groups and their registration, one event-sourced aggregate per group."""

    name = "registry"
    # Set by the composition root: personal data is encrypted per person before it reaches an event.
    vault: KeyVault | None = None
    # The kernel's clock (tests move it); due dates and receipt times come from here, never from inside an event.
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    def _vault(self) -> KeyVault:
        if self.vault is None:
            raise RuntimeError("the registry needs its key vault to handle personal data")
        return self.vault

    def representative_of(self, group: Group) -> dict[str, str] | None:
        """The representative's personal data, or None once their key was destroyed (erased)."""
        fields = self._vault().decrypt(group.representative)
        return {str(k): str(v) for k, v in fields.items()} if fields is not None else None

    def apply_for_registration(
        self,
        group_id: UUID,
        profile: dict[str, Any],
        representative_sub: str,
        representative: dict[str, str],
        declarations: dict[str, str],
        trace: dict[str, str],
    ) -> Group:
        missing = [c for c in CRITERIA if not declarations.get(c, "").strip()]
        if missing:
            raise RegistryError(
                "criteria_not_declared",
                "6つの基準すべてに根拠を記入してください",
                "Every one of the six criteria needs evidence",
            )
        sealed = self._vault().encrypt(representative_sub, REPRESENTATIVE_RECORD, representative, datetime.now(UTC))
        group = Group(group_id, profile, representative_sub, sealed, declarations, trace, secrets.token_hex(16))
        self.save(group)
        return group

    def get_group(self, group_id: UUID) -> Group:
        try:
            group: Group = self.repository.get(group_id)
        except AggregateNotFoundError:
            raise GroupNotFound() from None
        return group

    def assess(
        self,
        group_id: UUID,
        criterion: str,
        met: bool,
        reason: str,
        assessor_sub: str,
        trace: dict[str, str],
        expected_version: int | None = None,
    ) -> Group:
        group = self.get_group(group_id)
        if expected_version is not None and group.version != expected_version:
            raise StaleVersion(group.version)
        group.assess(criterion, met, reason, assessor_sub, trace)
        # A concurrent writer makes this save fail with IntegrityError: the API answers 409.
        self.save(group)
        return group


class StaleVersion(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(current)
        self.current = current
