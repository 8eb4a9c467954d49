"""Forms of the page kit in a small pages app: a problem's errors beside their fields (labels tied, described by
hint and error, marked invalid), a summary announced at the top whose links reach each field, dotted and indexed
field names as safe ids, the CSRF token in a logged-in viewer's forms, and page links that keep the query."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, DictLoader
from pydantic import BaseModel, Field, ValidationError

from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.forms import errors_in, field_id, form_errors
from kyodo_shared.pages.paging import pagination
from kyodo_shared.pages.render import build_environment, render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.pages.session import SESSION_PURPOSE, csrf_token, seal, session_keys
from kyodo_shared.pages.site import PageSite
from kyodo_shared.settings import LoginSettings
from kyodo_shared.web.messages import Message, MessageTable

NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
LOGIN = LoginSettings(session_key="k" * 40)

FORM = """{% extends "kit/base.html" %}
{% import "kit/forms.html" as forms with context %}
{% block title %}{{ "Sign up" }}{% endblock %}
{% block main %}
<h1>Sign up</h1>
{{ forms.error_summary(errors, labels={"name": "Group name", "content.title": "Title"}) }}
<form method="post" action="/signup" novalidate>
{{ forms.csrf_field() }}
{{ forms.field("name", "Group name", values.get("name"), errors, required=true, hint="As registered") }}
{{ forms.field("content.title", "Title", values.get("content.title"), errors) }}
{{ forms.field("items[2].name", "Third item", "", errors) }}
{{ forms.textarea("bio", "About the group", "", errors, hint="A few lines") }}
{{ forms.select("area", "Area", [("north", "North"), ("south", "South")], "south", errors, blank="Choose") }}
{{ forms.checkboxes("fields", "Fields of activity", [("welfare", "Welfare"), ("culture", "Culture")], ["culture"],
   errors) }}
{{ forms.button("Send") }}
</form>
{% endblock %}
"""


class SignUp(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    fields: list[str] = Field(min_length=1)


class FakeVerifier:
    async def verify(self, token: str) -> Principal:
        assert token == "access-token"
        return Principal(sub="demo-group", roles=frozenset({Role.GROUP}))


def pages_app() -> FastAPI:
    app = FastAPI()
    app.state.site = PageSite(service="test")
    env = build_environment(None)
    env.loader = ChoiceLoader([DictLoader({"test/form.html": FORM}), env.loader])  # type: ignore[list-item]
    app.state.templates = env
    app.state.kernel = SimpleNamespace(service="test", service_clock=lambda: NOW, settings=SimpleNamespace(login=LOGIN))
    app.state.settings = app.state.kernel.settings
    app.state.verifier = FakeVerifier()
    router = page_router()

    @router.get("/signup")
    def show(request: Request) -> HTMLResponse:
        problem = {
            "title_ja": "入力内容に誤りがあります",
            "title_en": "The input is not valid",
            "errors": [
                {"field": "name", "code": "missing", "reason_ja": "必須項目です", "reason_en": "Field required"},
                {"field": "content.title", "code": "too_long", "reason_ja": "長すぎます", "reason_en": "Too long"},
                {"field": "items.2.name", "code": "missing", "reason_ja": "品目名は必須です", "reason_en": "Name it"},
                {"field": "body", "code": "rule", "reason_ja": "締切を過ぎています", "reason_en": "Past the deadline"},
            ],
        }
        return render(request, "test/form.html", {"errors": form_errors(request, problem), "values": {}}, status=422)

    @router.post("/signup")
    async def submit(request: Request) -> HTMLResponse:
        submitted = parse_qsl((await request.body()).decode())
        values = {"name": dict(submitted).get("name", ""), "fields": [v for k, v in submitted if k == "fields"]}
        try:
            SignUp.model_validate(values)
        except ValidationError as error:
            context = {"errors": form_errors(request, error), "values": values}
            return render(request, "test/form.html", context, status=422)
        return render(request, "test/form.html", {"errors": None, "values": values})

    app.include_router(router)
    return app


class Page(HTMLParser):
    """Every element's attributes by id, every link, and the text of the page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, tuple[str, dict[str, str]]] = {}
        self.hrefs: list[str] = []
        self.labels_for: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if "id" in values:
            assert values["id"] not in self.by_id, f"duplicate id {values['id']}"
            self.by_id[values["id"]] = (tag, values)
        if tag == "a":
            self.hrefs.append(values.get("href", ""))
        if tag == "label":
            self.labels_for.append(values["for"])


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=pages_app()), base_url="http://test") as client:
        yield client


def test_field_names_become_ids_safe_in_html_and_fragments_in_either_notation() -> None:
    assert field_id("name") == "field-name"
    assert field_id("content.title") == "field-content-title"
    assert field_id("items[2].name") == "field-items-2-name"
    assert field_id("items.2.name") == "field-items-2-name"
    assert field_id('a"b <c>') == "field-a-b-c-"
    assert field_id("") == "field-form"


async def test_a_problems_errors_stand_beside_their_fields_in_japanese(client: httpx.AsyncClient) -> None:
    response = await client.get("/signup")
    assert response.status_code == 422
    page = Page(response.text)
    tag, name = page.by_id["field-name"]
    assert tag == "input"
    assert name["aria-invalid"] == "true"
    assert name["aria-required"] == "true"
    assert name["aria-describedby"] == "field-name-hint field-name-error"
    assert "必須項目です" in response.text
    assert "Field required" not in response.text
    # Each described-by id exists; each label points at a control.
    for _, attrs in page.by_id.values():
        for ref in attrs.get("aria-describedby", "").split():
            assert ref in page.by_id, ref
    for target in page.labels_for:
        assert page.by_id[target][0] in ("input", "select", "textarea"), target
    # The indexed name given as items.2.name finds the control named items[2].name.
    assert page.by_id["field-items-2-name"][1]["aria-invalid"] == "true"
    assert page.by_id["field-items-2-name"][1]["name"] == "items[2].name"
    # A field without an error is neither invalid nor described by an error.
    assert "aria-invalid" not in page.by_id["field-bio"][1]
    assert page.by_id["field-bio"][1]["aria-describedby"] == "field-bio-hint"


async def test_the_summary_is_announced_and_links_to_every_field_in_error(client: httpx.AsyncClient) -> None:
    page = Page((await client.get("/signup")).text)
    summary = [attrs for tag, attrs in page.elements if attrs.get("class") == "error-summary"]
    assert summary[0]["role"] == "alert"
    assert summary[0]["aria-labelledby"] == "error-summary-title"
    targets = [href[1:] for href in page.hrefs if href.startswith("#field-")]
    assert targets == ["field-name", "field-content-title", "field-items-2-name"]
    assert all(target in page.by_id for target in targets)
    text = (await client.get("/signup")).text
    assert "入力内容に誤りがあります" in text
    assert "Group name: 必須項目です" in text
    # The error about the whole form is in the summary, without a link.
    assert "<li>締切を過ぎています</li>" in text


async def test_the_same_form_in_english_keeps_the_english_reasons(client: httpx.AsyncClient) -> None:
    text = (await client.get("/signup?lang=en")).text
    assert '<html lang="en">' in text
    assert "Field required" in text
    assert "The input is not valid" in text
    assert "必須項目です" not in text


async def test_a_submission_the_model_refuses_renders_the_form_again_with_its_errors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/signup", content="name=", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 422
    page = Page(response.text)
    assert page.by_id["field-name"][1]["aria-invalid"] == "true"
    # The checkbox group's first box carries the group's id, so the summary's link lands on it.
    assert page.by_id["field-fields"][1]["type"] == "checkbox"
    assert page.by_id["field-fields"][1]["aria-invalid"] == "true"
    assert "#field-fields" in page.hrefs
    fieldset = next(attrs for tag, attrs in page.elements if tag == "fieldset")
    assert fieldset["aria-describedby"] == "field-fields-error"


async def test_nobody_logged_in_gets_no_csrf_field_and_a_login_link_back_here(client: httpx.AsyncClient) -> None:
    text = (await client.get("/signup?q=1")).text
    assert 'name="csrf_token"' not in text
    assert 'href="/auth/login?next=/signup%3Fq%3D1"' in text


async def test_a_logged_in_viewers_forms_carry_the_sessions_csrf_token_and_a_logout_button(
    client: httpx.AsyncClient,
) -> None:
    keys = session_keys(LOGIN)
    assert keys is not None
    cookie = seal(keys, SESSION_PURPOSE, {"sid": "s1", "at": "access-token", "exp": int(NOW.timestamp()) + 10**9})
    client.cookies.set("kyodo_session", cookie)
    text = (await client.get("/signup")).text
    token = csrf_token(keys, "s1")
    # Twice: the logout form in the header and the page's own form.
    assert text.count(f'<input type="hidden" name="csrf_token" value="{token}">') == 2
    assert '<form class="account__logout" method="post" action="/auth/logout">' in text
    assert '<button class="button button--secondary button--small" type="submit">ログアウト</button>' in text
    assert "demo-group" in text
    assert "団体の代表者" in text


def test_errors_of_a_problem_body_read_in_the_pages_language() -> None:
    body: dict[str, Any] = {
        "title_ja": "タイトル",
        "title_en": "Title",
        "errors": [{"field": "a.b", "code": "x", "reason_ja": "理由", "reason_en": "reason"}],
    }
    assert errors_in(body, "ja").reasons("a.b") == ("理由",)
    assert errors_in(body, "en").reasons("a.b") == ("reason",)
    assert errors_in(body, "en").title == "Title"
    assert not errors_in(None, "ja")


def test_errors_within_one_of_several_forms_are_named_after_that_forms_controls() -> None:
    body: dict[str, Any] = {
        "title_ja": "入力内容に誤りがあります",
        "title_en": "The request has invalid fields",
        "errors": [
            {"field": "reason", "code": "missing", "reason_ja": "理由は必須です", "reason_en": "Give a reason"},
            {"field": "body", "code": "rule", "reason_ja": "締切を過ぎています", "reason_en": "Past the deadline"},
        ],
    }
    errors = errors_in(body, "ja").within("voluntary")
    assert errors.reasons("voluntary.reason") == ("理由は必須です",)
    assert errors.reasons("reason") == ()
    assert [e.id for e in errors.items] == ["field-voluntary-reason", None]
    # An error about the whole form stays in the summary, with the problem's title.
    assert [e.reason for e in errors.general()] == ["締切を過ぎています"]
    assert errors.title == "入力内容に誤りがあります"
    assert errors_in(body, "en").within("democratic").reasons("democratic.reason") == ("Give a reason",)


def _request(lang: str, messages: MessageTable) -> Request:
    app = FastAPI()
    app.state.messages = messages
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": f"lang={lang}".encode(), "headers": []}
    return Request({**scope, "app": app})


RULES = MessageTable(
    {
        "agreement_invalid": Message(422, "協定の内容に誤りがあります", "The agreement is not valid"),
        "items_do_not_add_up": Message(
            422, "内訳の合計が{total}円で、予算と一致しません", "The items add up to {total} yen, not the budget"
        ),
        "deadline_passed": Message(409, "締切を過ぎています", "The deadline has passed"),
    }
)


def test_a_refusal_naming_its_field_reaches_the_form_beside_that_field_in_either_language() -> None:
    refusal = Refusal("agreement_invalid", field="budget.items", rule="items_do_not_add_up", total="12000")
    ja = form_errors(_request("ja", RULES), refusal)
    assert ja.reasons("budget.items") == ("内訳の合計が12000円で、予算と一致しません",)
    assert ja.title == "協定の内容に誤りがあります"
    named = [(e.field, e.code, e.id) for e in ja.items]
    assert named == [("budget.items", "items_do_not_add_up", "field-budget-items")]
    en = form_errors(_request("en", RULES), refusal)
    assert en.reasons("budget[items]") == ("The items add up to 12000 yen, not the budget",)
    assert en.title == "The agreement is not valid"


def test_a_refusal_naming_its_field_without_a_rule_gives_its_own_wording_as_the_reason() -> None:
    refusal = Refusal("deadline_passed", field="self_check_deadline")
    assert form_errors(_request("ja", RULES), refusal).reasons("self_check_deadline") == ("締切を過ぎています",)
    assert form_errors(_request("en", RULES), refusal).reasons("self_check_deadline") == ("The deadline has passed",)
    # A refusal naming no field stays about the whole form: its title, no field's error.
    unnamed = form_errors(_request("en", RULES), Refusal("deadline_passed"))
    assert unnamed.title == "The deadline has passed"
    assert unnamed.items == ()


def test_page_links_keep_the_query_and_show_a_window_around_the_current_page() -> None:
    p = pagination("/groups", [("q", "森"), ("field", "welfare"), ("page", "6")], 6, 20, 400)
    assert p.last == 20
    assert (p.first_item, p.last_item) == (101, 120)
    assert [link.number for link in p.links] == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert [link.number for link in p.links if link.current] == [6]
    assert p.prev == "/groups?q=%E6%A3%AE&field=welfare&page=5"
    assert p.next == "/groups?q=%E6%A3%AE&field=welfare&page=7"
    assert p.links[0].href == "/groups?q=%E6%A3%AE&field=welfare"
    kept = pagination("/groups", [("per_page", "50")], 1, 50, 120)
    assert kept.next == "/groups?per_page=50&page=2"
    assert kept.prev is None
    one = pagination("/groups", [], 1, 20, 0)
    assert not one.needed
    assert (one.first_item, one.last_item) == (0, 0)
    # Beyond the end, "previous" leads back to the last page with items.
    beyond = pagination("/groups", [], 9, 20, 45)
    assert beyond.prev == "/groups?page=3"
    assert beyond.next is None


async def test_the_pagination_macro_marks_the_current_page_for_assistive_technology() -> None:
    app = pages_app()
    source = '{% import "kit/pagination.html" as paging with context %}{{ paging.pagination(listing) }}'
    app.state.templates.loader = ChoiceLoader([DictLoader({"test/list.html": source}), app.state.templates.loader])
    router = page_router()

    @router.get("/groups")
    def groups(request: Request) -> HTMLResponse:
        return render(request, "test/list.html", {"listing": {"page": 2, "per_page": 20, "total": 45}})

    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        text = (await client.get("/groups?q=x&page=2")).text
    assert '<nav class="pagination" aria-label="ページ送り">' in text
    assert (
        '<a class="pagination__link pagination__link--current" href="/groups?q=x&amp;page=2" aria-current="page">'
        '<span class="visually-hidden">2ページ目</span><span aria-hidden="true">2</span></a>'
    ) in text
    assert 'href="/groups?q=x" rel="prev"' in text
    assert 'href="/groups?q=x&amp;page=3" rel="next"' in text
