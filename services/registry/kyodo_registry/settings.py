"""Registry settings (env prefix `KYODO_`)."""

from __future__ import annotations

from kyodo_shared.settings import KernelSettings


class RegistrySettings(KernelSettings):
    """The kernel's settings are all the registry needs so far."""
