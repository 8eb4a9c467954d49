"""`kyodo receipt verify`: check a proposal's submission receipt offline, and optionally the content it covers.

Needs nothing but files, each as the API returned it or as the bare object inside:
- the receipt: the answer of submit / revise / withdraw (`POST|PUT /api/proposals/calls/<call>/proposals…`), or its
  `receipt` object;
- the keys: the body of `GET /api/proposals/audit/keys` (or info-hub's `/api/info-hub/open-data/keys?service=
  proposals`), or its bare `keys` object (key id → public key);
- the content (optional): the submit / revise request body (its attachments are hashed too), or its `content` object.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyodo_shared.audit.jcs import parse
from kyodo_shared.audit.receipts import (
    Reason,
    Receipt,
    ReceiptInvalid,
    matches,
    public_keys_from,
    verify_receipt,
)
from kyodo_shared.cli.errors import FAILED, USAGE, CliError

_REASONS: dict[Reason, str] = {
    "malformed": "受領証の形式が正しくありません / the receipt is malformed",
    "unknown key": "署名鍵が公開鍵一覧にありません / signed by a key that is not among the published keys",
    "bad signature": "署名が一致しません / the signature does not hold",
}

RECEIPT_HELP = (
    "受領証 / the receipt: the JSON answer of submit, revise or withdraw (POST/PUT …/calls/<call>/proposals…), "
    "or its `receipt` object"
)
KEYS_HELP = (
    "公開鍵 / the keys: the body of GET /api/proposals/audit/keys (or info-hub's "
    "/api/info-hub/open-data/keys?service=proposals), or its bare `keys` object"
)
CONTENT_HELP = (
    "提案内容 / the content: the submit or revise request body (its attachments are hashed too), or its "
    "`content` object"
)
HASH_HELP = (
    "添付ファイルの SHA-256 (繰り返し可) / an attachment's SHA-256, repeat for each "
    "(not needed when --content is the whole request body)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyodo receipt verify",
        description="提案の受領証をオフラインで検証します / Verify a proposal's submission receipt offline",
    )
    parser.add_argument("receipt", type=Path, help=RECEIPT_HELP)
    parser.add_argument("--keys", type=Path, required=True, help=KEYS_HELP)
    parser.add_argument("--content", type=Path, default=None, help=CONTENT_HELP)
    parser.add_argument("--attachment-hash", action="append", default=[], metavar="HEX", help=HASH_HELP)
    return parser


def verify_main(argv: list[str]) -> int:
    """`kyodo receipt verify` as a function of its arguments (for programs and tests): 0 if valid (and matching),
    1 if not or when it cannot be checked (the reason printed), 2 on a usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on bad usage or --help; the caller wants a code
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return verify_files(args.receipt, args.keys, args.content, args.attachment_hash)
    except CliError as error:
        if error.code == USAGE:
            parser.print_usage()
        print(error.message)
        return error.code


def verify_files(receipt_path: Path, keys_path: Path, content_path: Path | None, attachment_hashes: list[str]) -> int:
    """Print the verdict; 0 valid (and matching), 1 not. Raises CliError for input that cannot be used."""
    if attachment_hashes and content_path is None:
        raise CliError("--attachment-hash には --content が必要です / --attachment-hash needs --content", code=USAGE)
    try:
        receipt = _receipt(receipt_path)
        keys = _keys(keys_path)
        verify_receipt(receipt, keys)
    except _InputError as error:
        raise CliError(f"検証できません / Cannot verify: {error}", hint=error.hint, code=FAILED) from None
    except ReceiptInvalid as invalid:
        print(f"無効な受領証です / INVALID receipt: {_REASONS[invalid.reason]}")
        if invalid.detail:
            print(f"  詳細 / detail: {invalid.detail}")
        return 1
    print("有効な受領証です (署名を確認しました) / VALID receipt (signature checked)")
    print(f"  募集 / call:            {receipt.call_id}")
    print(f"  団体 / group:           {receipt.group_id}")
    print(f"  版 / proposal version:  {receipt.proposal_version}")
    print(f"  受付時刻 / received at: {receipt.received_at}")
    print(f"  添付 / attachments:     {len(receipt.attachments)}")
    print(f"  署名鍵 / key id:        {receipt.key_id}")
    if content_path is None:
        return 0
    return _check_content(receipt, content_path, [h.strip().lower() for h in attachment_hashes])


class _InputError(Exception):
    """An input file that cannot be used; the message is shown as is (Japanese / English)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def _check_content(receipt: Receipt, path: Path, attachment_hashes: list[str]) -> int:
    try:
        content, attached = _content(path)
        # Hashes given on the command line win; else those of the request body's attachments, if it had any.
        hashes = attachment_hashes or attached
        same = matches(receipt, content, hashes)
    except (_InputError, ValueError, TypeError) as error:
        hint = error.hint if isinstance(error, _InputError) else None
        raise CliError(f"内容を確認できません / Cannot check the content: {error}", hint=hint) from None
    if same:
        print("内容は受領証と一致します / The content MATCHES the receipt")
        return 0
    print("内容は受領証と一致しません / The content does NOT match the receipt")
    if sorted(hashes) != list(receipt.attachments):
        print("  添付ファイルのハッシュが異なります / the attachment hashes differ")
    return 1


def _receipt(path: Path) -> Receipt:
    data = _json(path, "受領証 / receipt", RECEIPT_HELP)
    # The submit / revise / withdraw answer carries the receipt as its `receipt` object.
    if isinstance(data, dict) and isinstance(data.get("receipt"), dict):
        data = data["receipt"]
    return Receipt.from_json(json.dumps(data, ensure_ascii=False))


def _keys(path: Path) -> dict[str, Ed25519PublicKey]:
    data = _json(path, "公開鍵 / keys", KEYS_HELP)
    # The audit keys endpoint answers {"service": ..., "keys": {key id: public key}}; a bare map is accepted too.
    if isinstance(data, dict) and isinstance(data.get("keys"), dict):
        data = data["keys"]
    if not isinstance(data, dict) or not data or not all(isinstance(v, str) for v in data.values()):
        raise _InputError(
            "公開鍵ファイルに鍵がありません / the keys file holds no keys (key id → public key)", hint=KEYS_HELP
        )
    try:
        return public_keys_from(data)
    except ValueError as error:
        raise _InputError(f"公開鍵が読めません / unreadable public key: {error}", hint=KEYS_HELP) from None


def _content(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The content object and, when the file is the whole request body, its attachments' SHA-256."""
    data = _json(path, "提案内容 / content", CONTENT_HELP)
    if not isinstance(data, dict):
        raise _InputError(
            "提案内容は JSON オブジェクトである必要があります / the content must be a JSON object", hint=CONTENT_HELP
        )
    if not isinstance(data.get("content"), dict):
        return data, []
    hashes = [_attachment_hash(item) for item in data.get("attachments") or []]
    return data["content"], [h for h in hashes if h]


def _attachment_hash(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("sha256"), str):
        return str(item["sha256"]).lower()
    if isinstance(item.get("content_base64"), str):
        try:
            return hashlib.sha256(base64.b64decode(item["content_base64"], validate=True)).hexdigest()
        except (binascii.Error, ValueError):
            name = item.get("filename")
            raise _InputError(f"添付ファイルが base64 ではありません / an attachment is not base64: {name}") from None
    return None


def _read(path: Path, what: str, hint: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise _InputError(f"{what} を読めません / cannot read {path}: {error.strerror}", hint=hint) from None


def _json(path: Path, what: str, hint: str) -> Any:
    try:
        return parse(_read(path, what, hint))
    except ValueError as error:
        raise _InputError(f"{what} は JSON ではありません / {path} is not valid JSON: {error}", hint=hint) from None
