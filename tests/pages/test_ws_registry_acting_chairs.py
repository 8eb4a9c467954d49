"""An acting chair on the evaluation committee's page (acceptance F39): its matter is a collaborative project, so the
form asks for the project's id only (no kind to choose, a link to the projects), names a malformed id in Japanese and
English beside the field, and records `evaluation:project:<id>` for the evaluation service to look up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kyodo_registry.app import RegistryApplication

from support.page_reading import doc, error_beside, version_on
from support.portal_b import one, text
from support.workspace import workspace

COORDINATOR = "coord-org"
PROJECT = "5a6b7c8d-1e2f-4a3b-8c9d-0e1f2a3b4c5d"  # a project the registry does not know: it only records the matter


async def test_the_evaluation_committees_acting_chair_is_recorded_for_a_project_by_its_id_alone(
    tmp_path: Path, nats_url: str
) -> None:
    async with workspace(["registry"], tmp_path, nats_url) as site:
        coordinator = site.browser(COORDINATOR, "coordinator")
        api = site.api("registry")
        created = await coordinator.post(
            "/registry/committees", {"kind": "evaluation_committee", "name_ja": "評価委員会"}
        )
        assert created.status_code == 303, created.text
        committee = (await api.get("/committees?per_page=100")).json()["items"][-1]["id"]
        manage = f"/registry/committees/{committee}/manage"
        app: RegistryApplication = site.application("registry")
        term = {"term_start": str(app.today() - timedelta(days=1)), "term_end": str(app.today() + timedelta(days=700))}
        for sub in ("ev-1", "ev-2"):
            page = await coordinator.page(manage)
            answer = await coordinator.post(
                manage, {"member_sub": sub, "name": sub, **term, "version": version_on(page, manage)}
            )
            assert answer.status_code == 303, answer.text

        form = f"{manage}/acting-chairs"
        page = await coordinator.page(form, lang="en")
        assert not page.xpath("//select[@name='matter_kind']")
        one(page, "//a[@href='/evaluation/projects']")
        assert not page.xpath("//a[@href='/proposals/calls']")
        assert "The project's id" in text(one(page, "//label[@for=//input[@name='matter_id']/@id]"))
        data = {
            "matter_id": "project-1",
            "acting_chair_sub": "ev-1",
            "elector_subs": ["ev-1", "ev-2"],
            "version": version_on(page, form),
        }
        for lang, said in (
            ("ja", "協働事業のページのアドレスにある ID"),
            ("en", "Paste the id from the address of the project's page"),
        ):
            wrong = await coordinator.post(f"{form}?lang={lang}", data)
            assert wrong.status_code == 422
            assert said in error_beside(doc(wrong.text), "matter_id")

        data["matter_id"] = f"https://kyodo.example/evaluation/projects/{PROJECT}"
        answer = await coordinator.post(form, data)
        assert answer.status_code == 303, answer.text
        acting = (await api.get(f"/committees/{committee}/acting-chairs")).json()["items"]
        assert [(a["matter"], a["acting_chair_sub"]) for a in acting] == [(f"evaluation:project:{PROJECT}", "ev-1")]
