"""Acceptance review of issue 19 (proof of a defect): `kyodo up --port N` tells info-hub where the portal is, so the
secret registration link a citizen is shown (`<public_url>/trainings/…#token=…`), the open data's URLs, the Atom feed
and the iCalendar files name the port the gateway listens on — not the default 8080 of another server."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyodo_shared.cli import embedded
from kyodo_shared.web.devissuer import DevIssuer


def test_kyodo_up_on_another_port_gives_info_hub_that_port_as_the_portals_public_url(
    tmp_path: Path, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KYODO_CENTER__PUBLIC_URL", raising=False)
    login = embedded.embedded_login(tmp_path, 18990)
    settings = embedded.embedded_settings("info-hub", tmp_path, "nats://127.0.0.1:1", issuer, login)
    assert settings.center.public_url.rstrip("/") == "http://127.0.0.1:18990"  # type: ignore[attr-defined]
