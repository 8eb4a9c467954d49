"""info-hub settings (env prefix `KYODO_`): the kernel's, the center's (`KYODO_CENTER__…`) and open data's
(`KYODO_OPEN_DATA__…`)."""

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
    # It also names the Atom feed (its id and links). Unset, it is the origin people log in at
    # (`KYODO_LOGIN__PUBLIC_URL`, which `kyodo up` sets from its port), else the default below.
    public_url: str = "http://127.0.0.1:8080"
    # How long a routed department has to acknowledge a coordination case (working time is not modelled: days).
    acknowledge_days: int = Field(default=5, ge=1)


class OpenDataSettings(BaseModel):
    """What the open data catalogue says of every dataset (`KYODO_OPEN_DATA__…`): its licence and publisher."""

    # Creative Commons Attribution 4.0 International, the licence the government's open data guidelines recommend
    # (公共データ利用規約 is compatible with it).
    licence_name: str = "CC BY 4.0"
    licence_title_ja: str = "クリエイティブ・コモンズ 表示 4.0 国際"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/deed.ja"
    publisher_ja: str = "国分寺市"
    publisher_en: str = "Kokubunji City"
    # The municipality as the standard datasets' first columns name it (全国地方公共団体コード with its check digit).
    municipality_code: str = "132152"
    prefecture_ja: str = "東京都"
    municipality_ja: str = "国分寺市"
    # Where to ask about the data (a page or a mailto: URL); empty: not said.
    contact_url: str = ""


class InfoHubSettings(KernelSettings):
    """The kernel's settings, with the center's, its retention periods and open data's licence."""

    center: CenterSettings = Field(default_factory=CenterSettings)
    open_data: OpenDataSettings = Field(default_factory=OpenDataSettings)
    privacy: PrivacySettings = PrivacySettings(retention_days=DEFAULT_RETENTION_DAYS)

    @model_validator(mode="after")
    def _keep_default_retention(self) -> InfoHubSettings:
        # Setting any KYODO_PRIVACY__* variable replaces the whole group: configured kinds override, none vanish.
        self.privacy.retention_days = {**DEFAULT_RETENTION_DAYS, **self.privacy.retention_days}
        return self

    @model_validator(mode="after")
    def _public_url_is_the_login_origin(self) -> InfoHubSettings:
        # One origin: the links the center hands out (a citizen's registration, the feeds) name where people are.
        if "public_url" not in self.center.model_fields_set and self.login.public_url is not None:
            self.center = self.center.model_copy(update={"public_url": self.login.public_url})
        return self
