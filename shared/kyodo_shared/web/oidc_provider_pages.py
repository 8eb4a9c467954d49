"""The embedded OIDC provider's pages (`web/oidc_provider.py`): choosing a demo user to sign in as, and the refusal
of an unregistered client — the kit's layout, small, in Japanese or English, every value escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from fastapi import Request

from kyodo_shared.pages.i18n import LANG_QUERY, LOCALES, negotiate
from kyodo_shared.pages.render import static_url

if TYPE_CHECKING:
    from kyodo_shared.web.oidc_provider import DemoUser

# The pages' words, Japanese first (`?lang=en`, or the portal's language cookie, for English).
_TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "skip": "本文へ移動",
        "site": "Kyodo 開発用認証",
        "language": "言語",
        "login": "開発用ログイン",
        "intro": "これは <code>kyodo up</code> の開発用認証です。"
        "デモ利用者を選んでログインします（パスワードはありません）。",
        "legend": "ログインする利用者",
        "submit": "ログイン",
        "problem": "入力内容を確認してください",
        "choose": "利用者を選んでください。",
        "refused": "ログインできません",
        "refused_why": "このアプリケーションまたは戻り先（redirect_uri）は開発用認証に登録されていません。",
    },
    "en": {
        "skip": "Skip to main content",
        "site": "Kyodo development sign-in",
        "language": "Language",
        "login": "Development login",
        "intro": "The development provider of <code>kyodo up</code>: choose a demo user to sign in as (no password).",
        "legend": "Sign in as",
        "submit": "Sign in",
        "problem": "There is a problem",
        "choose": "Choose a user.",
        "refused": "Cannot sign in",
        "refused_why": "This client or its redirect URI is not registered with the development provider.",
    },
}
_SWITCH = {"ja": "日本語", "en": "English"}
# The authorize parameters a page keeps (in its form, and in its language switch's link).
_KEEP = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
)


def page_language(request: Request, params: dict[str, str]) -> str:
    """The form's `lang` (the choice page posts it as a field), else the pages' own choice (`?lang=`, the cookie)."""
    asked = params.get(LANG_QUERY)
    return asked if asked in LOCALES else negotiate(request)


def _page(lang: str, params: dict[str, str], title: str, main: str) -> str:
    """The kit's layout, small: a skip link, the language switch (this page, the other language), `main`."""
    text = _TEXT[lang]
    other = "en" if lang == "ja" else "ja"
    kept = {name: params[name] for name in _KEEP if params.get(name) is not None}
    switch = html.escape("authorize?" + urlencode({**kept, LANG_QUERY: other}))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title} | Kyodo</title><link rel="stylesheet" href="{static_url("kit.css")}"></head><body>'
        f'<a class="skip-link" href="#main">{text["skip"]}</a>'
        '<header class="site-header"><div class="site-header__bar"><div class="site-header__inner">'
        f'<p class="site-name">{text["site"]}</p>'
        f'<nav class="lang-switch" aria-label="{text["language"]}"><ul class="lang-switch__list"><li>'
        f'<a class="lang-switch__link" href="{switch}" lang="{other}" hreflang="{other}">{_SWITCH[other]}</a>'
        "</li></ul></nav></div></div></header>"
        f'<div class="page"><main id="main" class="main" tabindex="-1">{main}</main></div></body></html>'
    )


def refusal_page(lang: str, params: dict[str, str]) -> str:
    text = _TEXT[lang]
    return _page(lang, params, text["refused"], f"<h1>{text['refused']}</h1><p>{text['refused_why']}</p>")


def choose_page(lang: str, params: dict[str, str], users: Sequence[DemoUser], missing: bool = False) -> str:
    text = _TEXT[lang]
    hidden = (
        "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in _KEEP
            if params.get(name) is not None
        )
        + f'<input type="hidden" name="{LANG_QUERY}" value="{lang}">'
    )
    first = f"user-{html.escape(users[0].sub)}" if users else "user"
    options = "".join(
        f'<label class="form-choice"><input class="form-choice__input" type="radio" id="user-{html.escape(user.sub)}"'
        f' name="user" value="{html.escape(user.sub)}"{" checked" if index == 0 and not missing else ""}>'
        f'<span class="form-choice__label">{html.escape(user.label_ja if lang == "ja" else user.label_en)}'
        f" — <code>{html.escape(user.sub)}</code></span></label>"
        for index, user in enumerate(users)
    )
    summary = (
        '<div class="error-summary" role="alert" tabindex="-1">'
        f'<h2 class="error-summary__title">{text["problem"]}</h2>'
        f'<ul class="error-summary__list"><li><a href="#{first}">{text["choose"]}</a></li></ul></div>'
        if missing
        else ""
    )
    group = "form-group form-group--error" if missing else "form-group"
    described = ' aria-describedby="user-error"' if missing else ""
    error = f'<p class="form-error" id="user-error">{text["choose"]}</p>' if missing else ""
    main = (
        f"<h1>{text['login']}</h1>{summary}<p>{text['intro']}</p>"
        f'<form method="post" action="authorize">{hidden}<div class="{group}">'
        f'<fieldset class="form-fieldset"{described}><legend class="form-legend">{text["legend"]}</legend>'
        f'{error}<div class="form-choices">{options}</div></fieldset></div>'
        f'<button class="button" type="submit">{text["submit"]}</button></form>'
    )
    return _page(lang, params, text["login"], main)
