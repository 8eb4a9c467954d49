"""The auditor's recompute of a committee's evaluation (`/evaluation/audit/projects/{id}`), against the real services:
for a project the committee scored and recommended on, the page agrees, with the recomputed means, in Japanese and
English; for a project still being evaluated it says there is nothing to compare yet; the history's project events
link to it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from support.evaluation_http import evaluating, reported, world
from support.page_reading import text, well_formed
from support.streams import SourceStream
from support.workspace import workspace


async def test_the_recompute_page_agrees_with_a_committees_recommendation(tmp_path: Path, nats_url: str) -> None:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    streams = [SourceStream(nats_url, namespace, source) for source in ("screening", "proposals")]
    for stream in streams:
        await stream.create()
    async with workspace(["registry", "evaluation"], tmp_path, nats_url, namespace) as site:
        w = await world(site.platform, *streams)
        project = await reported(site.platform, w)
        auditor = site.browser("aud-1", "auditor")
        for lang, agrees, overall, first_criterion in (
            ("ja", "再計算は提言および公表された報告書と一致しました。", "総合", "目標の達成度"),
            (
                "en",
                "The recompute agrees with the recommendation and the published report.",
                "Overall",
                "Achievement of the goals",
            ),
        ):
            page = well_formed(await auditor.page(f"/evaluation/audit/projects/{project}", lang=lang))
            assert page.xpath("//*[@data-verdict]/@data-verdict") == ["agrees"]
            assert agrees in text(page)
            means = page.xpath("//table[caption[@id='means-caption']]/tbody/tr")
            assert text(means[-1].xpath("./th")[0]) == overall
            # Each mean named as the committee's pages name its criterion, not by its key.
            assert text(means[0].xpath("./th")[0]) == first_criterion
        history = await auditor.page("/evaluation/audit", aggregate=project)
        assert history.xpath(f"//a[@href='/evaluation/audit/projects/{project}']")

        under_way = await evaluating(site.platform, w)
        page = well_formed(await auditor.page(f"/evaluation/audit/projects/{under_way}", lang="en"))
        assert page.xpath("//*[@data-verdict]/@data-verdict") == ["waiting"]
