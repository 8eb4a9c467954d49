"""info-hub settings (env prefix `KYODO_`): the kernel's, and the center's (`KYODO_CENTER__…`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kyodo_shared.settings import KernelSettings


class CenterSettings(BaseModel):
    """The civic activity center's own rules that an operator may tune."""

    # Citizens register for trainings without logging in: at most this many registrations per client address
    # and per e-mail address in the window (the third is refused with 429 and Retry-After).
    citizen_registrations_per_window: int = Field(default=5, ge=1)
    citizen_window_seconds: int = Field(default=3600, ge=60)
    # Where a citizen's secret link points (the portal's public origin); links are built as
    # `<public_url>/api/info-hub/registrations/<id>?token=<secret>`.
    public_url: str = "http://127.0.0.1:8000"
    # How long a routed department has to acknowledge a coordination case (working time is not modelled: days).
    acknowledge_days: int = Field(default=5, ge=1)


class InfoHubSettings(KernelSettings):
    center: CenterSettings = Field(default_factory=CenterSettings)
