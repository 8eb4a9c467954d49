"""Screening settings (env prefix `KYODO_`)."""

from __future__ import annotations

from kyodo_shared.settings import HttpSettings, KernelSettings

# A department's inventory CSV may be up to 5 MB (the importer's own limit); other bodies stay small by their schemas.
CSV_LIMIT_BYTES = 5 * 1024 * 1024


class ScreeningSettings(KernelSettings):
    """The kernel's settings, with a request body limit that admits the inventory CSV."""

    http: HttpSettings = HttpSettings(max_body_bytes=CSV_LIMIT_BYTES)
