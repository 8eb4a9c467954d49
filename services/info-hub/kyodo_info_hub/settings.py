"""info-hub settings (env prefix `KYODO_`): the kernel's, and the center's (`KYODO_CENTER__…`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from kyodo_shared.settings import KernelSettings, PrivacySettings

# Record kinds holding personal data, and how long each is kept (保存期間) before erasure may be granted: a citizen's
# registration for a training (name, e-mail) for a year after it was made; the contact details of a citizen on whose
# behalf the center raised a coordination case for three years (the case's usual follow-up period).
TRAINING_REGISTRATION_RECORD = "training_registration"
CASE_CONTACT_RECORD = "case_contact"
DEFAULT_RETENTION_DAYS = {TRAINING_REGISTRATION_RECORD: 365, CASE_CONTACT_RECORD: 3 * 365}


class CenterSettings(BaseModel):
    """The civic activity center's own rules that an operator may tune."""

    # Citizens register for trainings without logging in: at most this many registrations per client address
    # and per e-mail address in the window (one more is refused with 429 and Retry-After).
    citizen_registrations_per_window: int = Field(default=5, ge=1)
    citizen_window_seconds: int = Field(default=3600, ge=60)
    # The portal's public origin (`kyodo up` serves on 8080). A citizen's secret link is built on it:
    # `<public_url>/trainings/<training_id>/registrations/<registration_id>#token=<secret>`, the portal's page, which
    # sends the token from the fragment in `X-Registration-Token` (the fragment never reaches a server or a log).
    # It also names the Atom feed (its id and links).
    public_url: str = "http://127.0.0.1:8080"
    # How long a routed department has to acknowledge a coordination case (working time is not modelled: days).
    acknowledge_days: int = Field(default=5, ge=1)


class InfoHubSettings(KernelSettings):
    """The kernel's settings, with the center's and its retention periods."""

    center: CenterSettings = Field(default_factory=CenterSettings)
    privacy: PrivacySettings = PrivacySettings(retention_days=DEFAULT_RETENTION_DAYS)

    @model_validator(mode="after")
    def _keep_default_retention(self) -> InfoHubSettings:
        # Setting any KYODO_PRIVACY__* variable replaces the whole group: configured kinds override, none vanish.
        self.privacy.retention_days = {**DEFAULT_RETENTION_DAYS, **self.privacy.retention_days}
        return self
