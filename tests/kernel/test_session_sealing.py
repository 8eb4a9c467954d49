"""The browser session's seal and CSRF tokens (pages/session.py): what opens, what does not, and what binds to what."""

from __future__ import annotations

import base64
import time

import pytest
from pydantic import SecretStr, ValidationError

from kyodo_shared.pages.session import (
    LOGIN_PURPOSE,
    SESSION_PURPOSE,
    BrowserSession,
    cookie_name,
    csrf_token,
    new_session_id,
    seal,
    session_keys,
    unseal,
)
from kyodo_shared.settings import LoginSettings

KEY = "k" * 48


def test_a_sealed_payload_opens_with_the_same_key_and_purpose() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    assert keys is not None
    payload = {"sid": "s", "at": "token", "exp": int(time.time()) + 60}
    assert unseal(keys, SESSION_PURPOSE, seal(keys, SESSION_PURPOSE, payload)) == payload


def test_the_seal_hides_the_token_and_differs_every_time() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    assert keys is not None
    payload = {"sid": "s", "at": "eyJhbGciOiJFZERTQSJ9.secret-token", "exp": int(time.time()) + 60}
    first, second = seal(keys, SESSION_PURPOSE, payload), seal(keys, SESSION_PURPOSE, payload)
    assert first != second
    assert "secret-token" not in first
    assert "eyJ" not in first


def test_a_value_altered_in_any_byte_does_not_open() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    assert keys is not None
    sealed = seal(keys, SESSION_PURPOSE, {"sid": "s", "at": "t", "exp": int(time.time()) + 60})
    # Bytes, not characters: the last base64 character also carries padding bits, and altering only those leaves
    # the decoded value as it was (the test then failed now and then).
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    for index in (0, len(raw) // 2, len(raw) - 1):
        altered = raw[:index] + bytes([raw[index] ^ 0x01]) + raw[index + 1 :]
        assert unseal(keys, SESSION_PURPOSE, base64.urlsafe_b64encode(altered).rstrip(b"=").decode()) is None
    assert unseal(keys, SESSION_PURPOSE, sealed[:-4]) is None
    assert unseal(keys, SESSION_PURPOSE, "") is None
    assert unseal(keys, SESSION_PURPOSE, "not base64 at all!") is None


def test_another_key_or_another_purpose_does_not_open_it() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    other = session_keys(LoginSettings(session_key=SecretStr("o" * 48)))
    assert keys is not None
    assert other is not None
    sealed = seal(keys, SESSION_PURPOSE, {"sid": "s", "at": "t", "exp": int(time.time()) + 60})
    assert unseal(other, SESSION_PURPOSE, sealed) is None
    # A login-state cookie cannot be replayed as a session, nor the reverse.
    assert unseal(keys, LOGIN_PURPOSE, sealed) is None


def test_a_payload_past_its_end_does_not_open() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    assert keys is not None
    now = time.time()
    sealed = seal(keys, SESSION_PURPOSE, {"sid": "s", "at": "t", "exp": int(now) + 10})
    assert unseal(keys, SESSION_PURPOSE, sealed, now=now) is not None
    assert unseal(keys, SESSION_PURPOSE, sealed, now=now + 10) is None
    assert unseal(keys, SESSION_PURPOSE, seal(keys, SESSION_PURPOSE, {"sid": "s"}), now=now) is None


def test_sealing_and_csrf_use_different_keys_derived_from_the_one_secret() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    assert keys is not None
    assert keys.seal != keys.csrf
    assert KEY.encode() not in (keys.seal, keys.csrf)
    assert len(keys.seal) == len(keys.csrf) == 32


def test_a_csrf_token_is_bound_to_its_session_and_key() -> None:
    keys = session_keys(LoginSettings(session_key=SecretStr(KEY)))
    other = session_keys(LoginSettings(session_key=SecretStr("o" * 48)))
    assert keys is not None
    assert other is not None
    sid = new_session_id()
    assert csrf_token(keys, sid) == csrf_token(keys, sid)
    assert csrf_token(keys, sid) != csrf_token(keys, new_session_id())
    assert csrf_token(keys, sid) != csrf_token(other, sid)
    assert sid not in csrf_token(keys, sid)


def test_session_ids_are_random_and_long() -> None:
    ids = {new_session_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(sid) >= 43 for sid in ids)


def test_a_session_round_trips_through_its_payload_and_refuses_a_partial_one() -> None:
    session = BrowserSession("sid", "token", 123)
    assert BrowserSession.from_payload(session.payload()) == session
    assert BrowserSession.from_payload({"sid": "sid", "exp": 123}) is None
    assert BrowserSession.from_payload({"sid": "", "at": "t", "exp": 123}) is None


def test_the_cookie_is_host_prefixed_only_under_https() -> None:
    assert cookie_name(LoginSettings(public_url="https://kyodo.city.example")) == "__Host-kyodo_session"
    assert cookie_name(LoginSettings(public_url="http://127.0.0.1:8080")) == "kyodo_session"
    assert cookie_name(LoginSettings()) == "kyodo_session"


def test_a_session_key_shorter_than_32_bytes_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        LoginSettings(session_key=SecretStr("short"))
    # Bytes, not characters: 11 kanji are 33 bytes in UTF-8.
    assert LoginSettings(session_key=SecretStr("協" * 11)).session_key is not None


def test_without_a_session_key_there_are_no_keys() -> None:
    assert session_keys(LoginSettings()) is None


def test_login_names_what_is_missing_and_derives_discovery_from_an_http_issuer() -> None:
    bare = LoginSettings()
    assert bare.missing("urn:kyodo:dev-issuer") == [
        "KYODO_LOGIN__PUBLIC_URL",
        "KYODO_LOGIN__SESSION_KEY",
        "KYODO_LOGIN__DISCOVERY_URL",
    ]
    assert bare.discovery("https://id.city.example/realms/kyodo/") == (
        "https://id.city.example/realms/kyodo/.well-known/openid-configuration"
    )
    ready = LoginSettings(public_url="https://kyodo.city.example/", session_key=SecretStr(KEY))
    assert ready.missing("https://id.city.example/realms/kyodo") == []
    assert ready.redirect_uri == "https://kyodo.city.example/auth/callback"


@pytest.mark.parametrize("url", ["ftp://x.example", "https://x.example/path", "kyodo.example", "https://x.example/?a"])
def test_the_public_url_must_be_an_http_origin(url: str) -> None:
    with pytest.raises(ValidationError):
        LoginSettings(public_url=url)
