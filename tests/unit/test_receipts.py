"""Signed submission receipts: salted content hashes, Ed25519 signatures by the audit key ring, the offline CLI."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kyodo_shared.audit.jcs import canonicalize
from kyodo_shared.audit.keys import SigningKeys, b64, unb64
from kyodo_shared.audit.receipts import (
    Receipt,
    ReceiptInvalid,
    content_hash,
    matches,
    new_salt,
    public_keys_from,
    sign_receipt,
    verify_receipt,
)
from kyodo_shared.cli.receipt import verify_main

CALL = "3f2a8c1e-5b7d-4e9a-9c0f-1a2b3c4d5e6f"
GROUP = "7d1e2f3a-4b5c-4d6e-8f9a-0b1c2d3e4f5a"
SALT = bytes(range(16))
PDF = hashlib.sha256(b"plan.pdf").hexdigest()
XLSX = hashlib.sha256(b"budget.xlsx").hexdigest()
CONTENT: dict[str, Any] = {
    "summary": "子ども食堂を週2回に拡大する",
    "budget": [{"item": "食材費", "amount": 120000}, {"item": "会場費", "amount": 24000.0}],
    "schedule": {"start": "2026-04-01", "weeks": 48},
}


@pytest.fixture
def ring(tmp_path: Path) -> SigningKeys:
    return SigningKeys.load_or_create(tmp_path / "keys" / "proposals")


def _sign(ring: SigningKeys, content: dict[str, Any] = CONTENT, version: int = 1, salt: bytes = SALT) -> Receipt:
    attachments = [XLSX, PDF]
    return sign_receipt(
        ring.private(ring.active),
        ring.active,
        call_id=CALL,
        group_id=GROUP,
        proposal_version=version,
        content_hash=content_hash(content, attachments, salt),
        salt=salt,
        attachments=attachments,
        received_at=datetime(2026, 2, 27, 16, 59, 58, 120000, tzinfo=UTC),
    )


def _published(ring: SigningKeys) -> dict[str, Ed25519PublicKey]:
    return public_keys_from({kid: key for kid, key in ring.public.items() if kid != ring.pending})


def test_the_content_hash_is_sha256_of_salt_and_canonical_content() -> None:
    expected = hashlib.sha256(SALT + b'{"attachments":[],"content":{"a":1,"b":"\xe3\x81\x82"}}').hexdigest()
    assert content_hash({"b": "あ", "a": 1}, [], SALT) == expected


def test_the_content_hash_ignores_attachment_order_and_key_order() -> None:
    reordered = {"schedule": CONTENT["schedule"], "budget": CONTENT["budget"], "summary": CONTENT["summary"]}
    assert content_hash(CONTENT, [PDF, XLSX], SALT) == content_hash(reordered, [XLSX, PDF], SALT)


def test_another_salt_gives_another_hash_so_a_guess_cannot_be_confirmed() -> None:
    assert content_hash(CONTENT, [], SALT) != content_hash(CONTENT, [], new_salt())


def test_the_content_hash_refuses_a_short_salt_and_upper_case_attachment_hashes() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        content_hash(CONTENT, [], b"short")
    with pytest.raises(ValueError, match="SHA-256"):
        content_hash(CONTENT, [PDF.upper()], SALT)


def test_a_signed_receipt_verifies_with_the_published_keys(ring: SigningKeys) -> None:
    receipt = _sign(ring)
    verify_receipt(receipt, _published(ring))
    assert receipt.attachments == tuple(sorted([PDF, XLSX]))
    assert receipt.salt == SALT.hex()
    assert receipt.received_at == "2026-02-27T16:59:58.120000+00:00"


def test_the_signature_is_ed25519_over_the_canonical_body_so_any_jcs_tool_can_check_it(ring: SigningKeys) -> None:
    receipt = _sign(ring)
    body = json.loads(receipt.to_json())
    signature = body.pop("signature")
    assert set(body) == set(receipt.body())
    ring.private(ring.active).public_key().verify(unb64(signature), canonicalize(body))


def test_a_receipt_survives_its_own_json(ring: SigningKeys) -> None:
    receipt = _sign(ring)
    text = receipt.to_json()
    assert Receipt.from_json(text) == receipt
    assert text.encode() == canonicalize(json.loads(text))


def test_a_receipt_signed_by_an_unknown_key_is_refused(ring: SigningKeys) -> None:
    other = {"ck-someone-else": Ed25519PrivateKey.generate().public_key()}
    with pytest.raises(ReceiptInvalid) as caught:
        verify_receipt(_sign(ring), other)
    assert caught.value.reason == "unknown key"


def test_a_receipt_signed_by_another_key_under_a_published_key_id_is_refused(ring: SigningKeys) -> None:
    forged = sign_receipt(
        Ed25519PrivateKey.generate(),
        ring.active,
        **{k: v for k, v in _sign(ring).body().items() if k != "key_id"},
    )
    with pytest.raises(ReceiptInvalid) as caught:
        verify_receipt(forged, _published(ring))
    assert caught.value.reason == "bad signature"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("proposal_version", 2),
        ("received_at", "2026-02-27T16:59:58.120000+09:00"),
        ("group_id", "00000000-0000-4000-8000-000000000000"),
        ("attachments", [PDF]),
    ],
)
def test_a_receipt_altered_after_signing_is_refused(ring: SigningKeys, field: str, value: Any) -> None:
    data = json.loads(_sign(ring).to_json())
    data[field] = value
    with pytest.raises(ReceiptInvalid) as caught:
        verify_receipt(Receipt.from_json(json.dumps(data)), _published(ring))
    assert caught.value.reason == "bad signature"


@pytest.mark.parametrize(
    "change",
    [
        {"extra": "field"},
        {"proposal_version": 0},
        {"proposal_version": True},
        {"proposal_version": "1"},
        {"call_id": CALL.upper()},
        {"call_id": "not-a-uuid"},
        {"content_hash": "ab" * 31},
        {"salt": "00" * 8},
        {"attachments": sorted([PDF, XLSX], reverse=True)},
        {"received_at": "2026-02-27T16:59:58"},
        {"signature": "A" * 86 + "=="},
        {"key_id": ""},
    ],
)
def test_a_malformed_receipt_is_refused_when_read(ring: SigningKeys, change: dict[str, Any]) -> None:
    data = json.loads(_sign(ring).to_json()) | change
    with pytest.raises(ReceiptInvalid) as caught:
        Receipt.from_json(json.dumps(data))
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize("text", ["", "[]", "{", '{"call_id": "a", "call_id": "b"}'])
def test_text_that_is_not_a_receipt_object_is_refused(text: str) -> None:
    with pytest.raises(ReceiptInvalid, match="malformed"):
        Receipt.from_json(text)


def test_a_missing_field_is_refused(ring: SigningKeys) -> None:
    data = json.loads(_sign(ring).to_json())
    del data["salt"]
    with pytest.raises(ReceiptInvalid, match="salt"):
        Receipt.from_json(json.dumps(data))


def test_a_receipt_built_without_validation_is_refused_as_malformed(ring: SigningKeys) -> None:
    receipt = _sign(ring).model_copy(update={"proposal_version": -1})
    with pytest.raises(ReceiptInvalid) as caught:
        verify_receipt(receipt, _published(ring))
    assert caught.value.reason == "malformed"


def test_a_receipt_cannot_be_signed_without_a_utc_offset(ring: SigningKeys) -> None:
    with pytest.raises(ValueError, match="offset"):
        sign_receipt(
            ring.private(ring.active),
            ring.active,
            call_id=CALL,
            group_id=GROUP,
            proposal_version=1,
            content_hash=content_hash(CONTENT, [], SALT),
            salt=SALT,
            attachments=[],
            received_at=datetime(2026, 2, 27, 17, 0),  # naive: the case under test
        )


def test_the_submitted_content_matches_its_receipt(ring: SigningKeys) -> None:
    receipt = _sign(ring)
    assert matches(receipt, json.loads(json.dumps(CONTENT)), [PDF, XLSX])


def test_a_revised_proposal_no_longer_matches_the_old_receipt(ring: SigningKeys) -> None:
    old = _sign(ring)
    revised = CONTENT | {"summary": "子ども食堂を週3回に拡大する"}
    new = _sign(ring, revised, version=2, salt=new_salt())
    verify_receipt(new, _published(ring))
    assert not matches(old, revised, [PDF, XLSX])
    assert matches(new, revised, [PDF, XLSX])
    assert not matches(new, CONTENT, [PDF, XLSX])


def test_other_attachments_do_not_match(ring: SigningKeys) -> None:
    receipt = _sign(ring)
    assert not matches(receipt, CONTENT, [PDF])
    assert not matches(receipt, CONTENT, [PDF, hashlib.sha256(b"other").hexdigest()])


def test_a_receipt_stays_verifiable_after_the_key_is_rotated(ring: SigningKeys) -> None:
    receipt = _sign(ring)
    ring.rotate()
    ring.promote()
    assert receipt.key_id != ring.active
    verify_receipt(receipt, _published(ring))
    verify_receipt(_sign(ring), _published(ring))


# --- kyodo receipt verify -------------------------------------------------------------------------------------


def _files(tmp_path: Path, ring: SigningKeys, receipt: Receipt, content: Any = CONTENT) -> dict[str, str]:
    paths = {"receipt": tmp_path / "receipt.json", "keys": tmp_path / "keys.json", "content": tmp_path / "c.json"}
    paths["receipt"].write_text(receipt.to_json(), encoding="utf-8")
    # The shape the audit keys endpoint answers.
    paths["keys"].write_text(json.dumps({"service": "proposals", "keys": ring.public}), encoding="utf-8")
    paths["content"].write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return {name: str(path) for name, path in paths.items()}


def test_the_cli_accepts_a_valid_receipt(tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, ring, _sign(ring))
    assert verify_main([files["receipt"], "--keys", files["keys"]]) == 0
    out = capsys.readouterr().out
    assert "有効な受領証です" in out
    assert "VALID receipt" in out
    assert CALL in out


def test_the_cli_confirms_matching_content(
    tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(tmp_path, ring, _sign(ring))
    argv = [files["receipt"], "--keys", files["keys"], "--content", files["content"]]
    assert verify_main([*argv, "--attachment-hash", PDF, "--attachment-hash", XLSX.upper()]) == 0
    assert "内容は受領証と一致します / The content MATCHES the receipt" in capsys.readouterr().out


def test_the_cli_reports_content_that_does_not_match(
    tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(tmp_path, ring, _sign(ring), CONTENT | {"summary": "改訂版"})
    argv = [files["receipt"], "--keys", files["keys"], "--content", files["content"]]
    assert verify_main([*argv, "--attachment-hash", PDF, "--attachment-hash", XLSX]) == 1
    assert "does NOT match" in capsys.readouterr().out
    assert verify_main([*argv, "--attachment-hash", PDF]) == 1
    assert "添付ファイルのハッシュが異なります" in capsys.readouterr().out


def test_the_cli_refuses_a_tampered_receipt(
    tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(tmp_path, ring, _sign(ring))
    data = json.loads(Path(files["receipt"]).read_text())
    Path(files["receipt"]).write_text(json.dumps(data | {"proposal_version": 3}))
    assert verify_main([files["receipt"], "--keys", files["keys"]]) == 1
    out = capsys.readouterr().out
    assert "無効な受領証です / INVALID receipt" in out
    assert "署名が一致しません" in out


def test_the_cli_refuses_a_receipt_from_an_unpublished_key(
    tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(tmp_path, ring, _sign(ring))
    other = {"service": "proposals", "keys": {"ck-x": b64(bytes(32))}}
    Path(files["keys"]).write_text(json.dumps(other))
    assert verify_main([files["receipt"], "--keys", files["keys"]]) == 1
    assert "not among the published keys" in capsys.readouterr().out


@pytest.mark.parametrize("keys", ['{"ck-1": "abc"}', "not json", '{"keys": {"ck-1": "@@@"}}'])
def test_the_cli_explains_an_unusable_keys_file(
    tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str], keys: str
) -> None:
    files = _files(tmp_path, ring, _sign(ring))
    Path(files["keys"]).write_text(keys)
    assert verify_main([files["receipt"], "--keys", files["keys"]]) == 1
    assert "検証できません / Cannot verify" in capsys.readouterr().out


def test_the_cli_explains_a_missing_receipt_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_main([str(tmp_path / "nope.json"), "--keys", str(tmp_path / "k.json")]) == 1
    assert "cannot read" in capsys.readouterr().out


def test_the_cli_refuses_content_that_is_not_an_object(
    tmp_path: Path, ring: SigningKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(tmp_path, ring, _sign(ring), ["not", "an", "object"])
    assert verify_main([files["receipt"], "--keys", files["keys"], "--content", files["content"]]) == 1
    assert "JSON object" in capsys.readouterr().out


def test_the_cli_rejects_attachment_hashes_without_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify_main(["r.json", "--keys", "k.json", "--attachment-hash", PDF]) == 2
    assert verify_main(["r.json"]) == 2  # --keys is required
    capsys.readouterr()
