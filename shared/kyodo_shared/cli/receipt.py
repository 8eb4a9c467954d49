"""`kyodo receipt verify`: check a proposal's submission receipt offline, and optionally the content it covers.

Needs nothing but files: the receipt the group received, the service's published keys (the JSON of
`/api/<service>/audit/keys`), and, to check content, the proposal content as JSON plus its attachment hashes.
"""

from __future__ import annotations

import argparse
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

_REASONS: dict[Reason, str] = {
    "malformed": "受領証の形式が正しくありません / the receipt is malformed",
    "unknown key": "署名鍵が公開鍵一覧にありません / signed by a key that is not among the published keys",
    "bad signature": "署名が一致しません / the signature does not hold",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyodo receipt verify",
        description="提案の受領証をオフラインで検証します / Verify a proposal's submission receipt offline",
    )
    parser.add_argument("receipt", type=Path, help="受領証 / the receipt (JSON)")
    parser.add_argument("--keys", type=Path, required=True, help="公開鍵 / the JSON of /api/<service>/audit/keys")
    parser.add_argument("--content", type=Path, default=None, help="提案内容 / the proposal content (JSON object)")
    parser.add_argument(
        "--attachment-hash",
        action="append",
        default=[],
        metavar="HEX",
        help="添付ファイルの SHA-256 (繰り返し可) / an attachment's SHA-256 (repeat for each)",
    )
    return parser


class _InputError(Exception):
    """An input file that cannot be used; the message is shown as is (Japanese / English)."""


def verify_main(argv: list[str]) -> int:
    """Run `kyodo receipt verify` with the arguments after `verify`: 0 if valid (and matching), 1 if not, 2 on
    a usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on bad usage or --help; the caller wants a code
        return exit_.code if isinstance(exit_.code, int) else 2
    if args.attachment_hash and args.content is None:
        parser.print_usage()
        print("--attachment-hash には --content が必要です / --attachment-hash needs --content")
        return 2
    try:
        receipt = Receipt.from_json(_read(args.receipt, "受領証 / receipt"))
        keys = _keys(args.keys)
        verify_receipt(receipt, keys)
    except _InputError as error:
        print(f"検証できません / Cannot verify: {error}")
        return 1
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
    if args.content is None:
        return 0
    return _check_content(receipt, args.content, [h.strip().lower() for h in args.attachment_hash])


def _check_content(receipt: Receipt, path: Path, attachment_hashes: list[str]) -> int:
    try:
        content = _json(path, "提案内容 / content")
        if not isinstance(content, dict):
            raise _InputError("提案内容は JSON オブジェクトである必要があります / the content must be a JSON object")
        same = matches(receipt, content, attachment_hashes)
    except (_InputError, ValueError, TypeError) as error:
        print(f"内容を確認できません / Cannot check the content: {error}")
        return 1
    if same:
        print("内容は受領証と一致します / The content MATCHES the receipt")
        return 0
    print("内容は受領証と一致しません / The content does NOT match the receipt")
    if sorted(attachment_hashes) != list(receipt.attachments):
        print("  添付ファイルのハッシュが異なります / the attachment hashes differ")
    return 1


def _keys(path: Path) -> dict[str, Ed25519PublicKey]:
    data = _json(path, "公開鍵 / keys")
    # The audit keys endpoint answers {"service": ..., "keys": {key id: public key}}.
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise _InputError('公開鍵ファイルに "keys" がありません / the keys file has no "keys" object')
    try:
        return public_keys_from(data["keys"])
    except ValueError as error:
        raise _InputError(f"公開鍵が読めません / unreadable public key: {error}") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise _InputError(f"{what} を読めません / cannot read {path}: {error.strerror}") from None


def _json(path: Path, what: str) -> Any:
    try:
        return parse(_read(path, what))
    except ValueError as error:
        raise _InputError(f"{what} は JSON ではありません / {path} is not valid JSON: {error}") from None
