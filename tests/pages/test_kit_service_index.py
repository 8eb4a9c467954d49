"""A service's index (`/<service>/`) is where a logged-in reader's work there starts: it lists the workspaces for
the reader's roles (a group's, a coordinator's), and to a visitor it offers the login instead of any."""

from __future__ import annotations

import uuid
from pathlib import Path

from support.workspace import workspace


def links(page: object) -> list[str]:
    return [str(href) for href in page.xpath("//main//ul[@class='card-list'][1]//a/@href")]  # type: ignore[attr-defined]


async def test_the_index_lists_the_workspaces_of_the_readers_roles_and_a_login_for_a_visitor(
    tmp_path: Path, nats_url: str
) -> None:
    async with workspace(["registry"], tmp_path, nats_url, f"t{uuid.uuid4().hex[:8]}") as site:
        group = await site.browser("rep-1", "group").page("/registry/")
        assert links(group) == ["/registry/apply", "/registry/mine"]
        assert group.xpath("string(//main//h2[1])") == "あなたの作業"

        coordinator = await site.browser("coord-1", "coordinator").page("/registry/", lang="en")
        assert links(coordinator)[:4] == [
            "/registry/assessments",
            "/registry/decisions",
            "/registry/departments",
            "/registry/team",
        ]
        assert "/registry/apply" not in links(coordinator)
        assert coordinator.xpath("string(//main//h2[1])") == "Your work here"

        visitor = await site.visitor().get("/registry/")
        assert visitor.status_code == 200
        assert "あなたの作業" not in visitor.text
        assert 'href="/auth/login?next=/registry/"' in visitor.text
