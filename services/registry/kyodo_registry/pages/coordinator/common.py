"""What the coordinator's pages share: who may see them and the group a URL names. (Errors of one of a page's
several forms go beside that form's controls with the kit's `FormErrors.within(prefix)`.)"""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from kyodo_registry.app import RegistryApplication
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.pages.actions import signed_in
from kyodo_shared.pages.paths import path_uuid

QUEUE = "/registry/assessments"


def coordinator(request: Request) -> tuple[Principal, RegistryApplication]:
    """The signed-in coordinator (401 → login, anyone else 403: the kit's page) and the registry's application."""
    return signed_in(request, Role.COORDINATOR), application(request)


def group_id_of(text: str) -> UUID:
    """A malformed id names no group: the same 404 as an unknown one."""
    return path_uuid(text, "group_not_found")
