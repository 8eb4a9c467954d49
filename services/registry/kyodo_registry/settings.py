"""Registry settings (env prefix `KYODO_`)."""

from __future__ import annotations

from pydantic import model_validator

from kyodo_registry.documents import MAX_BYTES
from kyodo_shared.settings import KernelSettings, PrivacySettings

# Requests that carry the bylaws (up to documents.MAX_BYTES) may exceed `http.max_body_bytes`, and only they: the
# API's application, re-application and changed bylaws (base64 in JSON: 4/3 of the file, plus the application's
# text), and the pages' forms that upload the file (multipart: the file and the form's fields).
BYLAWS_API_PATHS = r"^/groups(/[^/]+/(bylaws|reapplication))?$"
BYLAWS_JSON_BYTES = MAX_BYTES * 4 // 3 + 256 * 1024
BYLAWS_PAGE_PATHS = r"^/registry/(apply|groups/[^/]+/(bylaws|reapplication))$"
# A form's limit is well above the file's own: a file a few megabytes too large still reaches the page, which shows
# the form again with the 2 MB rule beside the file input instead of the bare 413 (the page reads no more of the file
# than the limit and one byte).
BYLAWS_FORM_BYTES = 3 * MAX_BYTES + 256 * 1024

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
