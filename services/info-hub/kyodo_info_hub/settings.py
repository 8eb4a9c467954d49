"""info-hub settings (env prefix `KYODO_`)."""

from __future__ import annotations

from kyodo_shared.settings import KernelSettings


class InfoHubSettings(KernelSettings):
    """The kernel's settings are all info-hub needs so far."""
