"""The language of parts (WCAG 3.1.2), Jinja filters and a global of the page kit (registered by `format.register`).

Data is printed as it was entered, often in Japanese only, sometimes in English only.

| filter / global         | what it gives                                                                        |
|-------------------------|--------------------------------------------------------------------------------------|
| `text \\| lang_of`      | "ja" if the text has kana or kanji, "en" if Latin words and no Japanese, else ""     |
| `text \\| lang_attr`    | ` lang="ja"` for an element's start tag, when the text is not in the page's language |
| `text \\| in_lang`      | the text escaped, in `<span lang="ja">` when it is not in the page's language        |
| `_("…") \\| ja_parts`   | English page: each run of Japanese in catalog text (協働事業審査会) in a `lang` span |
| `_("…") \\| without_ja` | English page: the text without its Japanese glosses in brackets (for `<option>`)     |
| `pick(ja, en)`          | the page's language of a ja/en pair (else the other), marked as `in_lang` marks it   |
"""

from __future__ import annotations

import re

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape


def page_lang(context: Context) -> str:
    """The page's language in a template's context: "en", else "ja"."""
    return "en" if context.get("lang") == "en" else "ja"


# Hiragana, katakana (with the prolonged sound mark), CJK ideographs (with extension A and the compatibility block),
# the iteration mark 々, and half-width katakana.
_JA_CHAR = "\u3005\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_JA = re.compile(f"[{_JA_CHAR}]")
# A run of Japanese as a reader hears it: Japanese characters, with the Japanese punctuation, brackets and
# full-width forms between them (「協働事業審査会」, 継続・拡充, 実行委員会・協議会).
_JA_RUN = re.compile(f"[{_JA_CHAR}][{_JA_CHAR}\u3000-\u303f\u30fb\uff01-\uff65]*")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def lang_of(value: object) -> str:
    """The language a piece of data is written in, as far as its characters say: "ja" when it has kana or kanji
    (a Japanese sentence may hold Latin words: NPO法人), "en" when it has Latin words and no Japanese, "" when it
    tells nothing (numbers, codes like K-002, an empty value)."""
    text = "" if value is None else str(value)
    if _JA.search(text):
        return "ja"
    return "en" if _LATIN_WORD.search(text) else ""


def _other_lang(value: object, page_lang: str) -> str:
    found = lang_of(value)
    return found if found and found != page_lang else ""


def lang_attribute(value: object, page_lang: str) -> Markup:
    """` lang="…"` (with its leading space) when `value` is written in another language than `page_lang`, else
    nothing — for markup built in Python; templates use the `lang_attr` filter."""
    other = _other_lang(value, page_lang)
    return Markup(' lang="{}"').format(other) if other else Markup("")


@pass_context
def lang_attr(context: Context, value: object) -> Markup:
    """` lang="ja"` (with its leading space) for the start tag of an element holding `value`, when `value` is not in
    the page's language; else nothing: `<dd{{ group.area|lang_attr }}>{{ group.area }}</dd>`."""
    return lang_attribute(value, page_lang(context))


@pass_context
def in_lang(context: Context, value: object) -> Markup:
    """`value` escaped, inside `<span lang="…">` when it is not in the page's language: `{{ group.name|in_lang }}`
    is `<span lang="ja">こくぶんじ緑の会</span>` on an English page and `こくぶんじ緑の会` on a Japanese one."""
    if value is None:
        return Markup("")
    other = _other_lang(value, page_lang(context))
    if other:
        return Markup('<span lang="{}">{}</span>').format(other, value)
    return escape(value)


@pass_context
def ja_parts(context: Context, value: object) -> Markup:
    """Catalog text with Japanese terms in it (`Commission (委託)`), each run of Japanese inside
    `<span lang="ja">` on an English page; as is (escaped) on a Japanese one. Markup passes through, its text runs
    wrapped (tags and attributes hold no Japanese in the kit's catalogs)."""
    text = escape(value)
    if page_lang(context) != "en":
        return text
    # Safe: `text` is escaped, and a run holds only Japanese characters and punctuation (no <, >, & or quotes).
    return Markup(_JA_RUN.sub(lambda run: f'<span lang="ja">{run.group(0)}</span>', str(text)))  # noqa: S704


_JA_GLOSS = re.compile(f"\\s*[(（][^()（）]*[{_JA_CHAR}][^()（）]*[)）]")


@pass_context
def without_ja(context: Context, value: object) -> Markup:
    """Catalog text for a place that holds text only (`<option>`, an attribute): on an English page, its Japanese
    glosses in brackets left out (`Continue and expand (継続・拡充)` → `Continue and expand`); as is on a Japanese
    page."""
    text = escape(value)
    if page_lang(context) != "en":
        return text
    return Markup(_JA_GLOSS.sub("", str(text)))  # noqa: S704 - `text` is escaped; only bracketed text is taken out


@pass_context
def pick(context: Context, ja: object, en: object = None) -> Markup:
    """The page's language of a ja/en pair (`pick(c.name_ja, c.name_en)`), the other when it is missing, marked with
    `lang` when what is printed is not in the page's language."""
    chosen = en if page_lang(context) == "en" and en else (ja if ja else en)
    return in_lang(context, chosen)
