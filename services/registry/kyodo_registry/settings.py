"""Registry settings (env prefix `KYODO_`)."""

from __future__ import annotations

from pydantic import model_validator

from kyodo_shared.settings import KernelSettings, PrivacySettings

# Record kinds holding personal data, and how long each is kept (保存期間) before erasure may be granted.
REPRESENTATIVE_RECORD = "group_representative"
CONTACT_RECORD = "group_contact"
COMMITTEE_MEMBER_RECORD = "committee_member"
DEFAULT_RETENTION_DAYS = {REPRESENTATIVE_RECORD: 5 * 365, CONTACT_RECORD: 5 * 365, COMMITTEE_MEMBER_RECORD: 10 * 365}


class RegistrySettings(KernelSettings):
    """The kernel's settings, with the registry's retention periods."""

    privacy: PrivacySettings = PrivacySettings(retention_days=DEFAULT_RETENTION_DAYS)

    @model_validator(mode="after")
    def _keep_default_retention(self) -> RegistrySettings:
        # Setting any KYODO_PRIVACY__* variable replaces the whole group: configured kinds override, none vanish.
        self.privacy.retention_days = {**DEFAULT_RETENTION_DAYS, **self.privacy.retention_days}
        return self
