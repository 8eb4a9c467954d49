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


async def test_every_answer_of_a_pages_app_carries_the_baseline_security_headers_redirects_and_files_too(
    tmp_path: Path, nats_url: str
) -> None:
    """A rendered page has its full CSP; a redirect after a form, a download, an asset — answers a route builds
    itself — still may not be framed, sniffed or run as a document (pages/site.py PageHeaders)."""
    async with workspace(["registry"], tmp_path, nats_url, f"t{uuid.uuid4().hex[:8]}") as site:
        visitor = site.visitor()
        answers = [
            await visitor.get("/registry/"),  # a page: its own CSP (render.security_headers)
            await visitor.get("/registry/mine"),  # a workspace asks a visitor to log in: a redirect
            await visitor.get("/static/kit.css"),  # an asset
        ]
        for answer in answers:
            assert answer.headers["x-content-type-options"] == "nosniff", answer.url
            assert answer.headers["x-frame-options"] == "DENY", answer.url
            assert answer.headers["referrer-policy"] == "same-origin", answer.url
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], answer.url
        assert "default-src 'self'" in answers[0].headers["content-security-policy"]
        assert answers[1].status_code in (302, 303, 307)
        assert answers[1].headers["content-security-policy"].startswith("default-src 'none'")


async def test_a_form_post_over_the_pages_body_limit_is_answered_with_a_page_in_both_languages(
    tmp_path: Path, nats_url: str
) -> None:
    """A person who chose too large a file gets a page saying so (the form cannot be shown again: nothing of the
    body was read), not the API's problem+json."""
    async with workspace(["registry"], tmp_path, nats_url, f"t{uuid.uuid4().hex[:8]}") as site:
        browser = site.browser("rep-1", "group")
        answer = await browser.post("/registry/mine", {"note": "x" * (300 * 1024)})
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("text/html")
        assert "送信内容が大きすぎます" in answer.text
        assert '<p lang="en">The data sent is too large' in answer.text
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
