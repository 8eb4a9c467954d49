"""The kit's one way for a workspace form to act (`pages/actions.py`), through a tiny page of the test's own mounted on
a real service's pages app behind the gateway: `Form` (CSRF, a session required), `signed_in`, `seen_version`, `act`
(a refusal the reader can fix re-renders the form with its errors and status; who may not act gets the error page;
success is a 303 with `?done=`), and the notice it names shown in Japanese and English — a key, never text."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from fastapi.responses import Response
from jinja2 import ChoiceLoader, DictLoader
from lxml import html as lxml_html
from pydantic import BaseModel, Field

from kyodo_shared.domain.refusals import Expected, Refusal, StaleVersion
from kyodo_shared.pages.actions import Form, act, page_actor, seen_version, signed_in, text
from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.web.auth import Role

from support.workspace import Site, workspace

PATH = "/registry/kit-test/thing"
NOTICE = "thing_saved"
NOTICE_MSGID = N_("Public documents")  # a msgid the kit's catalog translates: 公開している文書
TEMPLATE = """{% extends "kit/base.html" %}
{% import "kit/forms.html" as forms with context %}
{% block title %}Thing{% endblock %}
{% block main %}
<h1>Thing</h1>
{{ forms.error_summary(errors) }}
<form method="post" novalidate>{{ forms.csrf_field() }}{{ forms.version_field(3) }}
{{ forms.field("name", "Name", values.get("name", ""), errors, required=true) }}
{{ forms.button("Save") }}
</form>
{% endblock %}
"""


class ThingIn(BaseModel):
    name: str = Field(min_length=1, max_length=20)


@dataclasses.dataclass
class Done:
    """What the page's command did: the names stored, who acted and with which version condition."""

    stored: list[str] = dataclasses.field(default_factory=list)
    actors: list[str] = dataclasses.field(default_factory=list)
    versions: list[Expected] = dataclasses.field(default_factory=list)


def _thing_page(request: Request, values: dict[str, str], errors: FormErrors | None, status: int = 200) -> Response:
    return render(request, "kittest/thing.html", {"values": values, "errors": errors or FormErrors()}, status=status)


def _mount(site: Site) -> Done:
    """The test's page on the registry's pages app (routes are looked up per request), its template first in the
    loader, its notice in the site's table."""
    done = Done()
    router = page_router("/registry/kit-test")

    @router.get("/thing")
    def thing(request: Request) -> Response:
        signed_in(request, Role.GROUP)
        return _thing_page(request, {}, None)

    @router.post("/thing")
    def save_thing(request: Request, form: Form) -> Response:
        principal = signed_in(request, Role.GROUP)
        name = text(form, "name")

        def command() -> None:
            version = seen_version(form)
            if name == "closed":
                raise Refusal("invalid_state", state="closed")  # 409
            if name == "stale":
                raise StaleVersion(4)  # 412
            if name == "not-theirs":
                raise Refusal("not_acting_for_group")  # 403
            if name == "taken":
                raise Refusal("invalid_state", field="name", state="closed")  # 409, naming the field
            thing = ThingIn.model_validate({"name": name})  # 422 when blank or too long
            done.stored.append(thing.name)
            done.actors.append(page_actor(request, principal).sub)
            done.versions.append(version)

        return act(
            request,
            command,
            again=lambda errors, status: _thing_page(request, {"name": name}, errors, status),
            then=PATH,
            notice=NOTICE,
        )

    @router.post("/things")
    def make_thing(request: Request, form: Form) -> Response:
        """A command creating something: the redirect goes to its page, known only from the command's result."""
        signed_in(request, Role.GROUP)

        def command() -> str:
            thing = ThingIn.model_validate({"name": text(form, "name")})
            done.stored.append(thing.name)
            return f"thing-{len(done.stored)}"

        return act(
            request,
            command,
            again=lambda errors, status: _thing_page(request, {"name": text(form, "name")}, errors, status),
            then=lambda made: f"/registry/kit-test/{made}",
            notice=NOTICE,
        )

    pages = site.platform.apps["registry"].state.pages
    pages.include_router(router)
    env = pages.state.templates
    env.loader = ChoiceLoader([DictLoader({"kittest/thing.html": TEMPLATE}), env.loader])
    pages.state.site = dataclasses.replace(pages.state.site, notices={**pages.state.site.notices, NOTICE: NOTICE_MSGID})
    return done


@pytest.fixture
async def kit_site(tmp_path: Path, nats_url: str, bus_namespace: str) -> AsyncIterator[tuple[Site, Done]]:
    async with workspace(["registry"], tmp_path, nats_url, bus_namespace) as site:
        yield site, _mount(site)


def _texts(page: Any, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in page.xpath(xpath)]


async def test_a_visitor_without_a_session_is_sent_to_login_on_get_and_refused_401_on_post(
    kit_site: tuple[Site, Done],
) -> None:
    site, done = kit_site
    visitor = site.visitor()
    got = await visitor.get(PATH)
    assert got.status_code == 303
    assert got.headers["location"] == f"/auth/login?next={PATH}"
    posted = await visitor.post(PATH, data={"name": "x", "csrf_token": "guessed"})
    assert posted.status_code == 401, posted.text[:500]
    assert posted.headers["content-type"].startswith("text/html")
    assert done.stored == []


async def test_a_post_without_the_csrf_token_or_from_another_site_is_refused_403_and_nothing_runs(
    kit_site: tuple[Site, Done],
) -> None:
    site, done = kit_site
    group = site.browser("rep-1", "group")
    await group.page(PATH)
    without = await group.post(PATH, {"name": "no-token"}, csrf=False)
    assert without.status_code == 403
    assert _texts(lxml_html.document_fromstring(without.text), "//h1") == ["フォームの確認ができませんでした"]
    wrong = await group.post(PATH, {"name": "wrong-token", "csrf_token": "not-the-sessions"}, csrf=False)
    assert wrong.status_code == 403
    elsewhere = await group.post(PATH, {"name": "elsewhere"}, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    cross = await group.post(PATH, {"name": "cross"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert done.stored == []


async def test_a_session_without_the_role_gets_the_403_page(kit_site: tuple[Site, Done]) -> None:
    site, done = kit_site
    staff = site.browser("staff-1", "staff")
    await staff.page(PATH, status=403)
    posted = await staff.post(PATH, {"name": "staff"})
    assert posted.status_code == 403
    assert done.stored == []


@pytest.mark.parametrize(
    ("name", "status", "code_words"),
    [
        ("", 422, "入力内容に誤りがあります"),
        ("x" * 21, 422, "入力内容に誤りがあります"),
        ("closed", 409, "現在の状態ではこの操作はできません"),
        ("stale", 412, ""),
    ],
)
async def test_a_refusal_the_reader_can_fix_renders_the_form_again_with_its_errors_and_status(
    kit_site: tuple[Site, Done], name: str, status: int, code_words: str
) -> None:
    site, done = kit_site
    group = site.browser("rep-1", "group")
    answer = await group.post(PATH, {"name": name, "version": '"3"'})
    assert answer.status_code == status, answer.text[:2000]
    page = lxml_html.document_fromstring(answer.text)
    assert page.xpath("//form[@method='post']//input[@name='name']"), "the form is not shown again"
    assert page.xpath("//input[@name='name']/@value") == [name], "the reader's input is not kept"
    summary = _texts(page, "//*[contains(@class,'error-summary')]")
    assert summary, "no error summary at the top of the re-rendered form"
    if code_words:
        assert code_words in summary[0]
    if status == 422:  # the field's own reason beside it, tied to the input
        assert page.xpath("//input[@name='name']/@aria-invalid") == ["true"]
        assert _texts(page, "//p[@id='field-name-error']"), "no reason beside the field"
    assert done.stored == []


async def test_a_refusal_naming_a_field_shows_its_reason_beside_that_field(kit_site: tuple[Site, Done]) -> None:
    site, done = kit_site
    group = site.browser("rep-1", "group")
    answer = await group.post(PATH, {"name": "taken", "version": '"3"'})
    assert answer.status_code == 409, answer.text[:2000]
    page = lxml_html.document_fromstring(answer.text)
    assert page.xpath("//input[@name='name']/@aria-invalid") == ["true"], "the refusal's field is not marked"
    assert _texts(page, "//p[@id='field-name-error']"), "no reason beside the field the refusal names"
    assert page.xpath("//*[contains(@class,'error-summary')]//a[@href='#field-name']"), "the summary does not link it"
    assert done.stored == []


async def test_a_created_things_page_is_where_success_redirects_when_then_is_a_function_of_the_result(
    kit_site: tuple[Site, Done],
) -> None:
    site, done = kit_site
    group = site.browser("rep-1", "group")
    answer = await group.post("/registry/kit-test/things", {"name": "あたらしい"})
    assert answer.status_code == 303, answer.text[:2000]
    assert answer.headers["location"] == f"/registry/kit-test/thing-1?done={NOTICE}"
    assert done.stored == ["あたらしい"]
    refused = await group.post("/registry/kit-test/things", {"name": ""})
    assert refused.status_code == 422
    assert done.stored == ["あたらしい"]


async def test_a_403_refusal_from_the_command_is_the_kits_error_page(kit_site: tuple[Site, Done]) -> None:
    site, done = kit_site
    group = site.browser("rep-1", "group")
    answer = await group.post(PATH, {"name": "not-theirs"})
    assert answer.status_code == 403
    page = lxml_html.document_fromstring(answer.text)
    assert "この団体を代表する権限がありません" in _texts(page, "//h1")[0]
    assert not page.xpath("//input[@name='name']"), "a refusal of who acts is a page of its own, not the form"
    assert done.stored == []


async def test_success_redirects_with_the_notice_shown_in_japanese_and_english_and_an_unknown_key_shows_nothing(
    kit_site: tuple[Site, Done],
) -> None:
    site, done = kit_site
    group = site.browser("rep-1", "group")
    answer = await group.post(PATH, {"name": "みどり", "version": '"3"'})
    assert answer.status_code == 303, answer.text[:2000]
    assert answer.headers["location"] == f"{PATH}?done={NOTICE}"
    assert done.stored == ["みどり"]
    assert done.actors == ["rep-1"]
    assert done.versions == [frozenset({3})], "the hidden version field is not the If-Match the command sees"

    ja = await group.page(PATH, done=NOTICE)
    assert _texts(ja, "//*[@role='status']") == ["公開している文書"]
    en = await group.page(PATH, done=NOTICE, lang="en")
    assert _texts(en, "//*[@role='status']") == ["Public documents"]
    for unknown in ("no_such_notice", "<b>hello</b>", "Public documents"):
        page = await group.page(PATH, done=unknown)
        assert _texts(page, "//*[@role='status']") == [], f"?done={unknown} put words on the page"
        assert "hello" not in page.text_content()
