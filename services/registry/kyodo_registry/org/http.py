"""What the org routes share: the application and the request-body building blocks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from pydantic import Field

from kyodo_registry.app import RegistryApplication
from kyodo_shared.web.routes import actor_of, expected_version, nudge

# An identity provider's subject id: printable ASCII without spaces, so a name typed by mistake is refused.
Sub = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[!-~]+$")]
SubPath = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[!-~]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


def org_app(request: Request) -> RegistryApplication:
    app: RegistryApplication = request.app.state.kernel.application
    return app


__all__ = ["actor_of", "expected_version", "nudge", "org_app"]
