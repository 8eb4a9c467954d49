"""Proposals settings (env prefix `KYODO_`)."""

from __future__ import annotations

from pydantic import Field

from kyodo_shared.settings import KernelSettings


class ProposalsSettings(KernelSettings):
    """The kernel's settings, with the proposals service's own."""

    # Published with every call: an amendment must extend the deadline by at least this many days.
    amendment_extension_days: int = Field(default=7, ge=0, le=365)
