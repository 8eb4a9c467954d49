"""What a refusal says to people: one table per service plus the kernel's, each code written once.

A code maps to an HTTP status and a Japanese title with its English beside it (and optionally a detail). The
tables are merged when a service's app is built; a code written twice — in the kernel and a service, or in two
places of one service — is refused there, so one code always reads the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import structlog

from kyodo_shared.domain.refusals import Refusal, StaleVersion
from kyodo_shared.web.problems import Problem


@dataclass(frozen=True)
class Message:
    status: int
    title_ja: str
    title_en: str
    detail_ja: str | None = None
    detail_en: str | None = None
    # Seconds after which the same request may succeed (a refusal that waits on the bus): answered as Retry-After.
    retry_after: int | None = None


# Words a refusal's data may name (`Refusal("not_found", what="department")`), in both languages.
Terms = Mapping[str, tuple[str, str]]

log = structlog.get_logger(__name__)

KERNEL_MESSAGES: dict[str, Message] = {
    "precondition_required": Message(
        428,
        "If-Match ヘッダーが必要です",
        "If-Match header required",
        "最新の ETag を If-Match に指定してください。",
        "Send the resource's current ETag in If-Match.",
    ),
    "precondition_failed": Message(
        412,
        "他の更新と競合しました",
        "The resource has changed",
        "最新の状態を取得し直してから再度お試しください。",
        "Fetch the current version and try again.",
    ),
    "invalid_if_match": Message(
        400,
        "If-Match ヘッダーの形式が正しくありません",
        "The If-Match header is malformed",
        'ETag（例: "3"）または * を指定してください。',
        'Send an entity tag such as "3", or *.',
    ),
    "write_conflict": Message(
        409,
        "同時に更新されました",
        "Concurrent update",
        "もう一度取得してからやり直してください。",
        "Fetch again and retry.",
    ),
    "not_found": Message(404, "{what}が見つかりません", "{what} not found"),
    # Several services answer these (the registry and info-hub; proposals and info-hub).
    "group_not_found": Message(404, "団体が見つかりません", "Group not found"),
    "call_not_found": Message(404, "募集が見つかりません", "Call not found"),
    "not_a_member": Message(409, "委員会の現任の委員ではありません", "Not a current member of the committee"),
    "busy": Message(503, "混み合っています。もう一度お試しください", "Busy: please try again"),
    "invalid_state": Message(409, "現在の状態ではこの操作はできません", "Not allowed in the current state"),
    "conflict_of_interest": Message(
        403,
        "利害関係があるためこの操作はできません",
        "Conflict of interest",
        "自らが所属する団体、または利害関係を申告した団体については判断できません。",
        "You cannot decide on a group you belong to or declared an interest in.",
    ),
    "not_acting_for_group": Message(403, "この団体を代表する権限がありません", "You do not act for this group"),
    "validation_failed": Message(422, "入力内容に誤りがあります", "The request has invalid fields"),
    "malformed_json": Message(400, "JSON の形式が正しくありません", "The body is not valid JSON"),
    "body_too_large": Message(413, "リクエストが大きすぎます", "Request body too large"),
    "authentication_required": Message(401, "認証が必要です", "Authentication required"),
    "forbidden": Message(403, "権限がありません", "Forbidden"),
    # Why a token was refused: fixed per code, so no token material or claim value reaches a response.
    **{
        code: Message(401, "認証が必要です", "Authentication required", ja, en)
        for code, (ja, en) in {
            "missing_token": ("Bearer トークンが指定されていません。", "No bearer token was provided."),
            "malformed_token": ("トークンの形式が正しくありません。", "The token is malformed."),
            "invalid_signature": ("トークンの署名を検証できませんでした。", "The token signature is invalid."),
            "token_expired": ("トークンの有効期限が切れています。", "The token has expired."),
            "token_not_yet_valid": ("トークンはまだ有効になっていません。", "The token is not yet valid."),
            "wrong_issuer": (
                "トークンの発行者が信頼されていません。",
                "The token was not issued by the trusted issuer.",
            ),
            "wrong_audience": (
                "このサービス向けに発行されたトークンではありません。",
                "The token was not issued for this service.",
            ),
            "unknown_kid": ("トークンの署名鍵が不明です。", "The token's signing key is not known."),
            "disallowed_alg": (
                "トークンの署名方式は許可されていません。",
                "The token's signing algorithm is not allowed.",
            ),
            "missing_claim": ("トークンに必須の項目がありません。", "The token lacks a required claim."),
            "invalid_token": ("トークンが無効です。", "The token is invalid."),
        }.items()
    },
    "forbidden_role": Message(
        403,
        "権限がありません",
        "Forbidden",
        "この操作には次のいずれかの役割が必要です：{roles_ja}",
        "This action requires one of the roles: {roles}",
    ),
    "csrf_failed": Message(
        403,
        "フォームの確認ができませんでした",
        "The form could not be verified",
        "ページを開き直してから、もう一度送信してください（ログインし直す必要がある場合があります）。",
        "Open the page again and resubmit (you may need to log in again).",
    ),
    "jwks_unavailable": Message(
        503,
        "認証の確認ができません",
        "Authentication is unavailable",
        "署名鍵を取得できないため、トークンを検証できません。",
        "The token cannot be verified because the signing keys are unavailable.",
    ),
    "method_not_allowed": Message(405, "このメソッドは使えません", "Method not allowed"),
    "http_error": Message(400, "リクエストを処理できません", "Request failed"),
    "internal_error": Message(500, "内部エラーが発生しました", "Internal error"),
    # The store's server cannot be reached (down, restarting, no connection free in time).
    "store_unavailable": Message(
        503,
        "データベースに接続できません",
        "The data store is unavailable",
        "しばらくしてから、もう一度お試しください。",
        "Please try again shortly.",
        retry_after=5,
    ),
}

KERNEL_TERMS: dict[str, tuple[str, str]] = {"resource": ("リソース", "Resource")}


class MessageTable:
    """The merged messages of one service; `problem()` turns a refusal into what the client reads."""

    def __init__(self, *tables: Mapping[str, Message], terms: Terms | None = None) -> None:
        merged: dict[str, Message] = {}
        for table in (KERNEL_MESSAGES, *tables):
            for code, message in table.items():
                if code in merged:
                    raise ValueError(f"refusal code {code!r} has two messages: write it once")
                merged[code] = message
        self.messages = merged
        self.terms = {**KERNEL_TERMS, **(terms or {})}

    def __contains__(self, code: str) -> bool:
        return code in self.messages

    def problem(self, code: str, data: Mapping[str, str] | None = None) -> Problem:
        """The problem for a code; the data's words fill the message, a `state` is named after it.

        A code with no message is a programming error (`tests/architecture/test_messages.py` looks for them): it is
        logged with the code and answered as an internal error, still as problem+json."""
        message = self.messages.get(code)
        if message is None:
            log.error("refusal_without_message", code=code)
            message, code, data = self.messages["internal_error"], "internal_error", {}
        data = dict(data or {})
        state = data.pop("state", "")
        ja_words = {k: self.terms.get(v, (v, v))[0] for k, v in data.items()}
        en_words = {k: self.terms.get(v, (v, v))[1] for k, v in data.items()}
        title_ja = message.title_ja.format_map(_Words(ja_words))
        title_en = message.title_en.format_map(_Words(en_words))
        if state:
            title_ja, title_en = f"{title_ja}（状態: {state}）", f"{title_en} (state: {state})"
        detail_ja = message.detail_ja.format_map(_Words(ja_words)) if message.detail_ja else None
        detail_en = message.detail_en.format_map(_Words(en_words)) if message.detail_en else None
        headers = {"Retry-After": str(message.retry_after)} if message.retry_after is not None else None
        return Problem(
            message.status, code, title_ja, title_en, detail_ja=detail_ja, detail_en=detail_en, headers=headers
        )

    def for_refusal(self, refusal: Refusal) -> Problem:
        """The refusal's problem. A refusal about one field (`Refusal(code, field=..., rule=..., **values)`) answers
        as a validation error does: `errors` names the field, and the rule's own message (its code, else the
        refusal's) gives the reason with the values involved; a problem without a detail of its own takes that
        reason as its detail. The API's handler and the pages' forms alike, so a page shows it beside the field."""
        problem = self.problem(refusal.code, refusal.data)
        if "field" in refusal.data:
            data = dict(refusal.data)
            field, rule = data.pop("field"), data.pop("rule", refusal.code)
            reason = self.problem(rule if rule in self else refusal.code, data)
            reason_ja, reason_en = reason.detail_ja or reason.title_ja, reason.detail_en or reason.title_en
            problem.errors = [{"field": field, "code": rule, "reason_ja": reason_ja, "reason_en": reason_en}]
            if not (problem.detail_ja or problem.detail_en):
                problem.detail_ja, problem.detail_en = reason_ja, reason_en
        return problem

    def for_stale(self, _: StaleVersion) -> Problem:
        return self.problem("precondition_failed")


class _Words(dict[str, str]):
    """A missing word leaves its placeholder's name rather than failing the error response itself."""

    def __missing__(self, key: str) -> str:
        return key
