"""Screening settings (env prefix `KYODO_`)."""

from __future__ import annotations

from kyodo_shared.settings import KernelSettings

# A department's inventory CSV may be up to 5 MB (the importer's own limit). Only its route takes bodies that large
# (`main.py` passes it to the body limit); every other route keeps `http.max_body_bytes`.
CSV_LIMIT_BYTES = 5 * 1024 * 1024
CSV_IMPORT_PATH = r"/departments/[^/]+/projects/import$"
# The same file through the department's import page (a multipart form: the file and a few fields beside it).
CSV_IMPORT_PAGE = r"^/screening/inventory/import$"
FORM_OVERHEAD_BYTES = 64 * 1024


class ScreeningSettings(KernelSettings):
    """The kernel's settings; the screening service adds none of its own yet."""
