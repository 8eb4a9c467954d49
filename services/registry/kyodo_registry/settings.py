"""Registry settings (env prefix `KYODO_`)."""

from __future__ import annotations

from kyodo_shared.settings import KernelSettings, PrivacySettings

# Record kinds holding personal data, and how long each is kept (保存期間) before erasure may be granted.
REPRESENTATIVE_RECORD = "group_representative"
DEFAULT_RETENTION_DAYS = {REPRESENTATIVE_RECORD: 5 * 365}


class RegistrySettings(KernelSettings):
    """The kernel's settings, with the registry's retention periods."""

    privacy: PrivacySettings = PrivacySettings(retention_days=DEFAULT_RETENTION_DAYS)
