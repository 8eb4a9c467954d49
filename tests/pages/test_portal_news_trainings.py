"""The portal's news and trainings pages through the gateway (real NATS; info-hub on SQLite): the published news,
paged, with its Atom feed linked; an item with its files, corrections and a withdrawal as the API shows them; the
trainings with seats left and their iCalendar links; and the citizen's registration page — a form without
JavaScript: the right token shows the registration and cancels it, a wrong one is the API's refusal and changes
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from lxml import html

from kyodo_info_hub.settings import CenterSettings
from kyodo_shared.pages.session import SESSION_PURPOSE, csrf_token, seal, session_keys
from kyodo_shared.settings import LoginSettings
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.calls import coordinator, ok
from support.harness import Backend, Platform, eventually, platform, settings_for
from support.info_hub_news import news_at
from support.info_hub_trainings import announced, drafted, plan
from support.servers import delete_streams_sync

CITIZEN = {"name": "頁検査花子", "email": "page-canary-5d1e@example.jp"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
LOGIN = LoginSettings(session_key="k" * 40)


@dataclass
class Site:
    p: Platform
    web: httpx.AsyncClient
    transport: httpx.ASGITransport
    published: dict[str, Any]
    corrected: dict[str, Any]
    withdrawn: dict[str, Any]
    draft: dict[str, Any]
    training: dict[str, Any]
    draft_training: dict[str, Any]


async def corrected_item(p: Platform) -> dict[str, Any]:
    item = await news_at(p, "published")
    hub = p.clients["info-hub"]
    body = {"title_ja": "講座のご案内", "body_ja": "会場を第2会議室に変更しました。", "note_ja": "会場を訂正しました"}
    headers = {**coordinator(p), "If-Match": f'"{item["version"]}"'}
    return dict((await ok(hub.post(f"/news/{item['id']}/corrections", json=body, headers=headers))).json())


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Site]:
    folder = tmp_path_factory.mktemp("portal-news")
    namespace = f"t{uuid.uuid4().hex[:8]}"
    issuer = DevIssuer.load_or_create(folder / "issuer")
    center = CenterSettings(public_url="https://center.example")
    backend = Backend("sqlite", folder)
    settings = settings_for("info-hub", backend, nats_url, namespace, issuer, center=center, login=LOGIN)
    try:
        async with platform({"info-hub": settings}, issuer) as p:
            published = await news_at(p, "published")
            corrected = await corrected_item(p)
            withdrawn = await news_at(p, "withdrawn")
            draft = await news_at(p, "draft")
            training = await announced(p, plan(timedelta(days=6), capacity=5))
            draft_training = await drafted(p, plan(timedelta(days=8)))
            transport = httpx.ASGITransport(app=mount_services(p.apps))
            async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as web:
                site = Site(p, web, transport, published, corrected, withdrawn, draft, training, draft_training)

                async def listed() -> bool:
                    news = await web.get("/news")
                    trainings = await web.get("/trainings")
                    return corrected["id"] in news.text and training["id"] in trainings.text

                await eventually(listed, timeout=20)  # the query tables follow the events
                yield site
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


async def page(site: Site, path: str, status: int = 200, **kwargs: Any) -> html.HtmlElement:
    method = "POST" if "content" in kwargs else "GET"
    response = await site.web.request(method, path, **kwargs)
    site.web.cookies.clear()  # a language chosen by `?lang=` is not kept for the next request
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def main_text(doc: html.HtmlElement) -> str:
    return " ".join(doc.xpath("//main")[0].text_content().split())


def hrefs(doc: html.HtmlElement) -> dict[str, str]:
    return {a.get("href"): " ".join(a.text_content().split()) for a in doc.xpath("//main//a[@href]")}


async def test_the_news_list_shows_published_items_only_and_links_its_atom_feed(site: Site) -> None:
    doc = await page(site, "/news")
    found = hrefs(doc)
    assert f"/news/{site.published['id']}" in found
    assert found[f"/news/{site.corrected['id']}"] == "講座のご案内"
    assert f"/news/{site.draft['id']}" not in found
    assert f"/news/{site.withdrawn['id']}" not in found, "the list shows published items, as the API's"
    feed = doc.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href")
    assert feed == ["/api/info-hub/news.atom"]
    assert "/api/info-hub/news.atom" in found, "a visible link too"
    atom = await site.web.get(feed[0])
    assert atom.status_code == 200
    assert atom.headers["content-type"].startswith("application/atom+xml")


async def test_the_news_list_pages_by_the_kernels_convention(site: Site) -> None:
    doc = await page(site, "/news?per_page=1")
    pager = doc.xpath("//nav[contains(@class, 'pagination')]//a/@href")
    assert any("page=2" in h and "per_page=1" in h for h in pager), pager
    assert len(doc.xpath("//main//ul[contains(@class, 'news-list')]/li")) == 1


async def test_a_news_item_shows_its_body_files_and_corrections_as_the_api_does(site: Site) -> None:
    doc = await page(site, f"/news/{site.published['id']}")
    assert doc.xpath("//h1/text()") == ["ボランティア募集"]
    assert "夏祭りのボランティアを募集します。" in main_text(doc)
    (attachment,) = site.published["attachments"]
    href = f"/api/info-hub/news/{site.published['id']}/attachments/{attachment['sha256']}"
    assert hrefs(doc)[href] == "flyer.pdf"
    download = await site.web.get(href)
    assert (download.status_code, download.headers["content-type"]) == (200, "application/pdf")
    corrected = await page(site, f"/news/{site.corrected['id']}")
    assert "会場を第2会議室に変更しました。" in main_text(corrected)
    corrections = corrected.xpath("//section[@aria-labelledby='corrections-heading']//li")
    assert len(corrections) == 1
    assert "第2版" in corrections[0].text_content()
    assert "会場を訂正しました" in corrections[0].text_content()
    (first,) = corrected.xpath("//details[contains(@class, 'earlier-version')]")
    assert "第1版" in first.xpath("./summary")[0].text_content()
    assert "夏祭りのボランティアを募集します。" in first.text_content(), "the first revision stays readable"


async def test_a_withdrawn_item_shows_the_reason_in_place_of_its_body(site: Site) -> None:
    doc = await page(site, f"/news/{site.withdrawn['id']}")
    text = main_text(doc)
    assert "募集を終了しました" in text
    assert "夏祭りのボランティアを募集します。" not in text
    assert not doc.xpath("//main//a[contains(@href, '/attachments/')]")


async def test_a_draft_or_unknown_news_item_is_a_404_page(site: Site) -> None:
    for path in (f"/news/{site.draft['id']}", f"/news/{uuid.uuid4()}", "/news/not-an-id"):
        doc = await page(site, path, 404)
        assert doc.xpath("//h1/text()") == ["お知らせが見つかりません"]
    english = await page(site, f"/news/{uuid.uuid4()}?lang=en", 404)
    assert english.xpath("//h1/text()") == ["News item not found"]


async def test_the_trainings_show_seats_left_and_their_icalendar_links(site: Site) -> None:
    doc = await page(site, "/trainings")
    found = hrefs(doc)
    tid = site.training["id"]
    assert found[f"/trainings/{tid}"] == "市民活動のための会計講座"
    assert f"/trainings/{site.draft_training['id']}" not in found
    upcoming = doc.xpath("//section[@aria-labelledby='upcoming-heading']")[0]
    assert "残り5席（定員5名）" in " ".join(upcoming.text_content().split())
    assert "/api/info-hub/trainings.ics" in found
    one = await page(site, f"/trainings/{tid}")
    assert f"/api/info-hub/trainings/{tid}.ics" in hrefs(one)
    for link in (f"/api/info-hub/trainings/{tid}.ics", "/api/info-hub/trainings.ics"):
        calendar = await site.web.get(link)
        assert calendar.status_code == 200
        assert calendar.headers["content-type"].startswith("text/calendar")
    english = await page(site, f"/trainings/{tid}?lang=en")
    assert english.xpath("//h1/text()") == ["Bookkeeping for civic groups"]
    # Who it is for, joined as each language joins a list.
    assert english.xpath("string(//dt[. = 'For']/following-sibling::dd[1])") == (
        "Civic activity groups, City staff, Citizens"
    )
    japanese = await page(site, f"/trainings/{tid}?lang=ja")
    assert japanese.xpath("string(//dt[. = '対象']/following-sibling::dd[1])") == "市民活動団体、市職員、市民"


async def test_a_draft_training_is_a_404_page(site: Site) -> None:
    doc = await page(site, f"/trainings/{site.draft_training['id']}", 404)
    assert doc.xpath("//h1/text()") == ["研修会・講座が見つかりません"]


async def citizen_link(site: Site) -> tuple[str, str]:
    """A citizen's registration through the API: the page's path and the token from the link's fragment."""
    citizen = {**CITIZEN, "email": f"page-{uuid.uuid4().hex[:8]}@example.jp"}  # one registration per address
    made = await ok(
        site.p.clients["info-hub"].post(f"/trainings/{site.training['id']}/citizen-registrations", json=citizen), 201
    )
    link = urlsplit(made.json()["link"])
    return link.path, link.fragment.removeprefix("token=")


async def seat_by_api(site: Site, path: str, token: str) -> str:
    read = await ok(site.web.get(f"/api/info-hub{path}", headers={"X-Registration-Token": token}))
    return str(read.json()["seat"])


async def test_the_registration_page_without_javascript_is_a_labelled_token_form_and_a_script(site: Site) -> None:
    path, _ = await citizen_link(site)
    response = await site.web.get(path)
    assert response.headers["cache-control"] == "no-store"
    doc = html.fromstring(response.text)
    form = doc.xpath("//form[@id='registration-token-form']")[0]
    assert (form.get("method"), form.get("action")) == ("post", "")
    field = form.xpath(".//input[@name='token']")[0]
    assert doc.xpath(f"//label[@for='{field.get('id')}']")
    scripts = doc.xpath("//script")
    assert all(s.get("src") and not (s.text or "").strip() for s in scripts), "no inline script"
    (ours,) = [s for s in scripts if s.get("src").startswith("/static/registration.js?")]
    assert ours.get("defer") is not None
    assert (await site.web.get(ours.get("src"))).status_code == 200


async def test_the_right_token_shows_the_registration_and_cancels_it(site: Site) -> None:
    path, token = await citizen_link(site)
    doc = await page(site, path, content=f"token={token}&action=view", headers=FORM)
    text = main_text(doc)
    assert CITIZEN["name"] in text
    assert "参加確定" in text
    assert doc.xpath("//form[contains(@class, 'cancel-form')]//input[@name='token']/@value") == [token]
    cancelled = await page(site, path, content=f"token={token}&action=cancel", headers=FORM)
    assert "お申込みを取り消しました。" in main_text(cancelled)
    assert "申込取消済み" in main_text(cancelled)
    assert not cancelled.xpath("//form[contains(@class, 'cancel-form')]")
    assert await seat_by_api(site, path, token) == "cancelled"
    for public in ("/trainings", f"/trainings/{site.training['id']}", "/"):
        assert CITIZEN["name"] not in (await site.web.get(public)).text, "a registrant is never on a public page"


async def test_a_wrong_token_is_the_apis_refusal_and_changes_nothing(site: Site) -> None:
    path, token = await citizen_link(site)
    wrong = "x" * 43
    for action in ("view", "cancel"):
        doc = await page(site, path, 404, content=f"token={wrong}&action={action}", headers=FORM)
        assert doc.xpath("//*[@role='alert']/p[1]/text()") == ["申込が見つかりません"]
        assert CITIZEN["name"] not in main_text(doc)
    english = await page(site, f"{path}?lang=en", 404, content="token=short&action=cancel", headers=FORM)
    assert english.xpath("//*[@role='alert']/p[1]/text()") == ["Registration not found"]
    assert await seat_by_api(site, path, token) == "registered", "nothing changed"
    api = await site.web.get(f"/api/info-hub{path}", headers={"X-Registration-Token": wrong})
    assert (api.status_code, api.json()["title_ja"]) == (404, "申込が見つかりません"), "the API's own refusal"


async def test_a_citizen_registers_on_the_training_page_and_is_shown_the_link_once(site: Site) -> None:
    tid = site.training["id"]
    form = (await page(site, f"/trainings/{tid}")).xpath("//form[contains(@class, 'citizen-form')]")[0]
    for name in ("name", "email"):
        control = form.xpath(f".//input[@name='{name}']")[0]
        assert form.xpath(f".//label[@for='{control.get('id')}']")
    email = f"page-{uuid.uuid4().hex[:8]}@example.jp"
    response = await site.web.post(f"/trainings/{tid}", content=f"name=頁登録太郎&email={email}", headers=FORM)
    assert response.status_code == 201, response.text
    assert (response.headers["cache-control"], response.headers["referrer-policy"]) == ("no-store", "no-referrer")
    doc = html.fromstring(response.text)
    (link,) = doc.xpath("//section[@aria-labelledby='placed-heading']//a/@href")
    path, token = link.split("#token=")
    assert path.startswith(f"/trainings/{tid}/registrations/")
    assert doc.xpath("//code[contains(@class, 'secret-link')]/text()") == [f"https://center.example{link}"]
    shown = await page(site, path, content=f"token={token}&action=view", headers=FORM)
    assert "頁登録太郎" in main_text(shown)


async def test_a_bad_email_on_the_training_page_is_shown_beside_its_field_and_registers_nobody(site: Site) -> None:
    tid = site.training["id"]
    before = (await ok(site.web.get(f"/api/info-hub/trainings/{tid}"))).json()["counts"]
    doc = await page(site, f"/trainings/{tid}", 422, content="name=頁検査&email=not-an-address", headers=FORM)
    field = doc.xpath("//input[@name='email']")[0]
    assert field.get("aria-invalid") == "true"
    assert "citizen-email-error" in field.get("aria-describedby")
    assert doc.xpath("//*[@role='alert']//a/@href") == ["#citizen-email"]
    assert doc.xpath("//input[@name='name']/@value") == ["頁検査"], "what was typed is kept"
    after = (await ok(site.web.get(f"/api/info-hub/trainings/{tid}"))).json()["counts"]
    assert after == before


async def test_a_refused_registration_echoing_what_was_typed_is_neither_cached_nor_sent_on_as_a_referrer(
    site: Site,
) -> None:
    """The 422 (a bad e-mail) and 429 (too many registrations from one address) pages show the name and e-mail the
    citizen typed: the same headers as the page showing their link."""
    private = ("no-store", "no-referrer")
    tid = site.training["id"]
    # An address of its own, so this test's registrations fill no other test's rate-limit bucket.
    own = httpx.ASGITransport(app=site.transport.app, client=("203.0.113.77", 40000))
    async with httpx.AsyncClient(transport=own, base_url="http://portal.test") as browser:
        bad = await browser.post(f"/trainings/{tid}", content="name=頁秘匿&email=not-an-address", headers=FORM)
        assert bad.status_code == 422
        assert (bad.headers["cache-control"], bad.headers["referrer-policy"]) == private
        for n in range(20):
            answer = await browser.post(
                f"/trainings/{tid}", content=f"name=頁連続{n}&email=rate{n}@example.jp", headers=FORM
            )
            if answer.status_code != 201:
                break
        assert answer.status_code == 429, answer.text
        assert (answer.headers["cache-control"], answer.headers["referrer-policy"]) == private
        assert answer.headers["retry-after"]
        assert "rate" in html.fromstring(answer.text).xpath("//input[@name='email']/@value")[0]


async def test_a_post_made_with_a_session_needs_its_csrf_token(site: Site) -> None:
    keys = session_keys(LOGIN)
    assert keys is not None
    session = {"sid": "s-portal", "at": site.p.issuer.mint("staff-9", ["staff"]), "exp": 4_000_000_000}
    tid = site.training["id"]
    async with httpx.AsyncClient(transport=site.transport, base_url="http://portal.test") as browser:
        browser.cookies.set("kyodo_session", seal(keys, SESSION_PURPOSE, session))
        doc = html.fromstring((await browser.get(f"/trainings/{tid}")).text)
        token = csrf_token(keys, "s-portal")
        assert doc.xpath("//form[contains(@class, 'citizen-form')]//input[@name='csrf_token']/@value") == [token]
        before = (await ok(site.web.get(f"/api/info-hub/trainings/{tid}"))).json()["counts"]
        body = f"name=頁検査次郎&email=page-{uuid.uuid4().hex[:8]}@example.jp"
        refused = await browser.post(f"/trainings/{tid}", content=body, headers=FORM)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert (await ok(site.web.get(f"/api/info-hub/trainings/{tid}"))).json()["counts"] == before
        accepted = await browser.post(f"/trainings/{tid}", content=f"{body}&csrf_token={token}", headers=FORM)
        assert accepted.status_code == 201, accepted.text
