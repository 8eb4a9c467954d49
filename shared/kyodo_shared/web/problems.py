"""RFC 9457 problem details in Japanese and English; never echoing submitted text.

A rule-level reason (`rule_error`, or a refusal naming a field) may name the values its rule involves — numbers and
keys the schema has already constrained, normalized (a passing score as `61/2`, a deadline in Asia/Tokyo) — because
"the passing score 61/2 is above the highest reachable 30" is what the client needs; free text never appears.

The wording of every code lives in the message tables (`kyodo_shared.web.messages`); the handlers that turn
exceptions into these responses are in `kyodo_shared.web.handlers`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

PROBLEM_BASE = "https://kyodo.example/problems/"
MEDIA_TYPE = "application/problem+json"

# Japanese reasons for pydantic error types; the English one is pydantic's own message, which never holds input.
# A limit (`{max_length}`, `{le}` …) comes from the error's context: the schema's own bound, never submitted data.
_REASONS_JA = {
    "missing": "必須項目です",
    "extra_forbidden": "定義されていない項目です",
    "string_too_short": "{min_length}文字以上で入力してください",
    "string_too_long": "{max_length}文字以内で入力してください",
    "too_short": "{min_length}件以上指定してください",
    "too_long": "{max_length}件以内で指定してください",
    "enum": "選択肢にない値です",
    "literal_error": "選択肢にない値です",
    "string_type": "文字列で指定してください",
    "int_type": "整数で指定してください",
    "int_parsing": "整数で指定してください",
    "bool_type": "真偽値で指定してください",
    "bool_parsing": "真偽値で指定してください",
    "list_type": "配列で指定してください",
    "dict_type": "オブジェクトで指定してください",
    "model_type": "オブジェクトで指定してください",
    "uuid_parsing": "UUID の形式で指定してください",
    "uuid_type": "UUID の形式で指定してください",
    "value_error": "値が正しくありません",
    "greater_than_equal": "{ge}以上の値を指定してください",
    "greater_than": "{gt}より大きい値を指定してください",
    "less_than_equal": "{le}以下の値を指定してください",
    "less_than": "{lt}未満の値を指定してください",
    "string_pattern_mismatch": "形式が正しくありません",
    "url_parsing": "URL の形式が正しくありません",
    "date_from_datetime_parsing": "日付の形式が正しくありません",
    "date_parsing": "日付の形式が正しくありません",
}


class FieldProblem(BaseModel):
    """One field a refusal names (`errors` of a 422): the field, a code, and the reason in both languages."""

    field: str
    code: str
    reason_ja: str
    reason_en: str


class ProblemDetails(BaseModel):
    """How every refusal is answered (`application/problem+json`): what `Problem.body` writes. A code may add
    members of its own (`retry_after`, `proposal_id`, …), so the object is open."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int
    code: str
    title_ja: str
    title_en: str
    instance: str
    detail: str | None = None
    detail_ja: str | None = None
    detail_en: str | None = None
    errors: list[FieldProblem] | None = None


class Problem(Exception):
    """An error answered as problem+json. Messages are fixed text: no user input is interpolated."""

    def __init__(
        self,
        status: int,
        code: str,
        title_ja: str,
        title_en: str,
        *,
        detail_ja: str | None = None,
        detail_en: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.title_ja, self.title_en = status, code, title_ja, title_en
        self.detail_ja, self.detail_en = detail_ja, detail_en
        self.errors, self.headers, self.extra = errors or [], headers or {}, extra or {}

    def body(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": f"{self.title_ja} ({self.title_en})",
            "status": self.status,
            "code": self.code,
            "title_ja": self.title_ja,
            "title_en": self.title_en,
            "instance": instance,
        }
        if self.detail_ja or self.detail_en:
            body["detail"] = f"{self.detail_ja or ''} ({self.detail_en or ''})"
            body["detail_ja"], body["detail_en"] = self.detail_ja, self.detail_en
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(request.url.path),
        status_code=problem.status,
        headers=problem.headers,
        media_type=MEDIA_TYPE,
    )


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as the client reads them: the field, a code, and the reason in both languages."""
    fields = []
    for error in errors:
        loc = [_field_part(part) for part in error.get("loc", ()) if part not in ("body",)]
        kind = str(error.get("type", "value_error"))
        ctx = error.get("ctx") or {}
        worded = isinstance(ctx.get(_RULE_JA), str)
        if worded and ctx.get(_RULE_FIELD):
            # A model's rule is raised at the model's own location: the error says which of its fields breaks it.
            loc += str(ctx[_RULE_FIELD]).split(".")
        reason_ja = str(ctx[_RULE_JA]) if worded else _reason_ja(kind, ctx)
        reason_en = str(error.get("msg", "Invalid value"))
        if not worded and kind in _NOTHING_GIVEN and error.get("input") in ("", None):
            # Left blank (a form's empty field, a select or radio not chosen): say so, not what type was expected.
            reason_ja, reason_en = _NOTHING_GIVEN[kind]
        elif kind == "value_error" and "email address" in reason_en:
            reason_ja, reason_en = _EMAIL
        fields.append({"field": ".".join(loc) or "body", "code": kind, "reason_ja": reason_ja, "reason_en": reason_en})
    return fields


_ENTER = ("入力してください", "Enter a value")
_EMAIL = ("メールアドレスの形式が正しくありません", "Enter an e-mail address such as name@example.jp")
_CHOOSE = ("選んでください", "Choose one")
# Error types whose empty input means the reader left the field blank (a form sends "" for it).
_NOTHING_GIVEN = {
    "string_too_short": _ENTER,
    "int_parsing": _ENTER,
    "float_parsing": _ENTER,
    "decimal_parsing": _ENTER,
    "date_parsing": _ENTER,
    "datetime_parsing": _ENTER,
    "datetime_from_date_parsing": _ENTER,
    "date_from_datetime_parsing": _ENTER,
    "url_parsing": _ENTER,
    "enum": _CHOOSE,
    "literal_error": _CHOOSE,
    "uuid_parsing": _CHOOSE,
    "bool_parsing": _CHOOSE,
}


_RULE_FIELD, _RULE_JA = "kyodo_field", "kyodo_reason_ja"


def rule_error(code: str, reason_ja: str, reason_en: str, field: str = "") -> PydanticCustomError:
    """What a validator raises for a rule of its own: its code and reason in both languages, and — from a model
    validator — the field (dotted, relative to the model) the client must correct.

    The reasons are the service's wording; they may name values the schema has already constrained (numbers,
    keys of a fixed pattern) but never free text a caller submitted.
    """
    # The English is passed as context, not as the template: pydantic would otherwise read braces in it.
    return PydanticCustomError(
        code, "{kyodo_reason_en}", {"kyodo_reason_en": reason_en, _RULE_JA: reason_ja, _RULE_FIELD: field}
    )


def _reason_ja(kind: str, ctx: dict[str, Any]) -> str:
    """The Japanese reason, naming the limit as pydantic's English does; the generic text if a bound is missing."""
    template = _REASONS_JA.get(kind, "値が正しくありません")
    bounds = {k: str(v) for k, v in ctx.items() if k in _LIMIT_KEYS and isinstance(v, int | float | str)}
    try:
        return template.format_map(bounds)
    except (KeyError, IndexError, ValueError):
        return _FALLBACK_JA.get(kind, "値が正しくありません")


_LIMIT_KEYS = frozenset({"min_length", "max_length", "ge", "gt", "le", "lt"})
_FALLBACK_JA = {
    "string_too_short": "短すぎます",
    "string_too_long": "長すぎます",
    "too_short": "要素が少なすぎます",
    "too_long": "要素が多すぎます",
    "greater_than_equal": "値が小さすぎます",
    "greater_than": "値が小さすぎます",
    "less_than_equal": "値が大きすぎます",
    "less_than": "値が大きすぎます",
}


def _field_part(part: object) -> str:
    """A location part as shown to the client: our field names and indexes pass, a submitted key becomes '*'."""
    text = str(part)
    if isinstance(part, int) or (len(text) <= 40 and text.isascii() and text.replace("_", "a").isalnum()):
        return text
    return "*"
