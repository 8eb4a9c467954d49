"""Portal pages: home (issue 19; being built)."""

from __future__ import annotations

from kyodo_shared.pages.routing import page_router

router = page_router()
