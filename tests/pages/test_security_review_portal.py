"""Security review of the portal's state-changing pages (issue 19): the citizen's registration form.

Reuses the portal fixture of test_portal_news_trainings (info-hub behind the gateway, an announced training)."""

from __future__ import annotations

import uuid

from test_portal_news_trainings import FORM, Site, site  # noqa: F401  # `site` is the fixture

from support.calls import ok


async def test_a_registration_posted_from_another_site_is_refused(site: Site) -> None:  # noqa: F811
    """The registration form is open to visitors and carries no token without a session, and the session cookie is
    SameSite=Lax (absent on a cross-site POST) — so any web page can auto-submit it from each of its visitors'
    browsers: every visitor's address is a fresh rate-limit bucket, and the training's seats fill with invented
    registrants (the API's citizen-registrations needs application/json, which a cross-site form cannot send; the page
    form is the only cross-site path). The browser says where the post came from; the page ignores it."""
    tid = site.training["id"]
    before = (await ok(site.web.get(f"/api/info-hub/trainings/{tid}"))).json()["counts"]
    body = f"name=seat-squatter&email=squat-{uuid.uuid4().hex[:8]}@example.jp"
    cross_site = {**FORM, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}

    answer = await site.web.post(f"/trainings/{tid}", content=body, headers=cross_site)
    site.web.cookies.clear()

    assert answer.status_code == 403, answer.status_code
    assert (await ok(site.web.get(f"/api/info-hub/trainings/{tid}"))).json()["counts"] == before
