"""Why a login did not complete, in words for the reader (`login.failure_page` answers with them as a page)."""

from __future__ import annotations

# code: (status, title ja, title en, detail ja, detail en); a detail may name `{names}`.
LOGIN_FAILURES: dict[str, tuple[int, str, str, str, str]] = {
    "login_not_configured": (
        503,
        "ログインは設定されていません",
        "Login is not configured",
        "管理者は次の環境変数を設定してください: {names}",
        "The administrator must set: {names}",
    ),
    "login_expired": (
        400,
        "ログインの有効期限が切れました",
        "The login has expired",
        "もう一度ログインしてください。",
        "Please log in again.",
    ),
    "state_mismatch": (
        400,
        "ログインを確認できませんでした",
        "The login could not be verified",
        "別の画面で始めたログインと一致しません。もう一度ログインしてください。",
        "This does not match the login you started. Please log in again.",
    ),
    "login_refused": (
        403,
        "ログインできませんでした",
        "Login was not completed",
        "認証サービスがログインを完了しませんでした。もう一度お試しください。",
        "The identity provider did not complete the login. Please try again.",
    ),
    "provider_unavailable": (
        502,
        "認証サービスに接続できません",
        "The identity provider is unavailable",
        "しばらくしてからもう一度お試しください。",
        "Please try again later.",
    ),
    "token_refused": (
        403,
        "ログインできませんでした",
        "Login was not completed",
        "認証サービスが発行したトークンを受け付けられませんでした。",
        "The token the identity provider issued was not accepted.",
    ),
}
