"""What every request body shares: strict parsing (an unknown field is an error, surrounding spaces are trimmed)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """The base of every request body: a misspelt field is refused (422 naming it), never silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
