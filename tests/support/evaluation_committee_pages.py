"""What the evaluation service's page tests share (the workspace's, the project page's, the committee's): a scene
(the registry and evaluation behind the gateway, the partners and the evaluation committee of
`evaluation_http.world`), the scoring form as a browser sends it, and the committee's record as the application holds
it (to assert what was stored, or that nothing was)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.evaluation_http import CRITERIA, World, world
from support.harness import Platform, eventually
from support.portal_b import text
from support.streams import SourceStream
from support.workspace import Browser, Site, workspace


@dataclass(frozen=True)
class Scene:
    site: Site
    w: World

    @property
    def p(self) -> Platform:
        return self.site.platform


@asynccontextmanager
async def committee_scene(folder: Path, nats_url: str) -> AsyncIterator[Scene]:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    streams = [SourceStream(nats_url, namespace, source) for source in ("screening", "proposals")]
    for stream in streams:
        await stream.create()
    async with workspace(["registry", "evaluation"], folder, nats_url, namespace) as site:
        yield Scene(site, await world(site.platform, *streams))


def score_form(*points: int, comment: str = "") -> dict[str, str]:
    """The scoring form: each criterion's points in the published order (4 each unless given), a comment on the
    first criterion if given."""
    given = points or (4,) * len(CRITERIA)
    fields = {f"points.{key}": str(value) for key, value in zip(CRITERIA, given, strict=True)}
    return fields | ({f"comments.{CRITERIA[0]}": comment} if comment else {})


def committee_of(scene: Scene, pid: str) -> Any:
    """The project's committee evaluation as the application holds it."""
    return scene.site.application("evaluation").find_committee(uuid.UUID(pid))


async def listed(browser: Browser, pid: str, words: str) -> Any:
    """The committee listing once it shows the project saying `words` (the project index it reads trails the
    project by a moment)."""

    async def shown() -> list[Any]:
        page = await browser.page("/evaluation/committee")
        return [page] if committee_path(pid) in page.xpath("//main//a/@href") and words in text(page) else []

    return (await eventually(shown, timeout=20))[0]


def committee_path(pid: str, tail: str = "") -> str:
    return f"/evaluation/projects/{pid}/committee{tail}"
