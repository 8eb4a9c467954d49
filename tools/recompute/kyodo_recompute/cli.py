"""`kyodo audit recompute <call>`: the auditor's independent recompute of a call's result from the service's store.

Receipts are checked against the service's published keys, or against a keys file fetched from the audit API
(`/api/<service>/audit/keys`) when the auditor prefers not to trust the store's key directory. Once the call's sealed
period has ended, its recorded sealed chain is recomputed from the service's sealed store (sealed.py). The `kyodo`
command imports this module only when the command runs: the kernel itself knows no recompute.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyodo_recompute.history import canonical_call_id, read_history
from kyodo_recompute.recompute import RecomputeReport, events_for_call, recompute_call
from kyodo_recompute.sealed import read_sealed_store
from kyodo_shared.audit.jcs import parse
from kyodo_shared.audit.receipts import public_keys_from
from kyodo_shared.cli.console import show_error
from kyodo_shared.cli.errors import FAILED, NOT_YET
from kyodo_shared.cli.operator import open_kernel

__all__ = ["recompute_command"]


# A call still open or under review: nothing to compare yet (any other finding beside these is a real problem).
_UNDECIDED = frozenset({"review_not_found", "not_decided"})


class _InputError(Exception):
    """An input that cannot be used; the message is shown as is (Japanese / English)."""


def recompute_command(call_id: str, service: str, data_dir: Path, keys_path: Path | None, as_json: bool = False) -> int:
    """0 when the history agrees with the decision in every check (for a cancelled call: with everything it
    recorded), 1 otherwise (or when it cannot be checked), 4 (NOT_YET) when the call is simply not decided yet:
    nothing to compare, which is no failure."""
    try:
        call = canonical_call_id(call_id)
    except ValueError:
        # uuid's own message ("badly formed hexadecimal UUID string") names neither the argument nor the fix.
        show_error(
            f"{call_id!r} は呼びかけの ID (UUID) ではありません / is not a call id (a UUID)",
            "呼びかけの一覧 / list the calls: GET /api/proposals/calls (each item's `id`)",
        )
        # 1 as for every input that cannot be checked (the recompute's callers read 0 / 1 / 4).
        return FAILED
    try:
        keys = _keys_file(keys_path) if keys_path is not None else None
    except (ValueError, _InputError) as error:
        show_error(f"検証できません / Cannot check: {error}")
        return FAILED
    kernel = open_kernel(service, data_dir)
    try:
        report = recompute_kernel(kernel, call, keys)
    finally:
        kernel.close()
    waiting = _not_decided_yet(report)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n")
    elif waiting:
        print(f"まだ決定されていません / Not decided yet: {report.call_id}")
        print("  決定後に再計算できます / the recompute can run once the call is decided")
        _print_sealed(report)
    else:
        _print(report)
    if waiting:
        return NOT_YET
    return 0 if report.ok else FAILED


def recompute_kernel(kernel: Any, call_id: str, keys: Mapping[str, Ed25519PublicKey] | None = None) -> RecomputeReport:
    """The recompute of a call from an open kernel's stores: its history, and its sealed chain from the sealed
    store (`kernel.sealed`; a service without one has None). Keys: the service's published keys unless given."""
    call = canonical_call_id(call_id)
    if keys is None:
        keys = public_keys_from(kernel.published_keys())
    # Named by the types the service publishes for its stored topics (its visibility policy).
    type_of = kernel.visibility.type_of
    events = events_for_call(kernel.application, type_of, call)
    sealed = read_sealed_store(kernel.application, type_of, getattr(kernel, "sealed", None), read_history(call, events))
    return recompute_call(call, events, keys, sealed)


def _not_decided_yet(report: RecomputeReport) -> bool:
    """Only "no review yet" or "no decision yet": a call still under way, not a problem found in its history."""
    codes = {item.code for item in report.findings}
    return bool(codes) and codes <= _UNDECIDED


def _print(report: RecomputeReport) -> None:
    if report.ok and report.cancelled:
        print(
            "募集は中止されたため決定はありません。記録された内容はすべて確認できました / "
            f"The call was CANCELLED: there is no decision; everything it recorded checks out: {report.call_id}"
        )
    elif report.ok:
        print(f"再計算は決定と一致しました / The recompute AGREES with the decision: {report.call_id}")
    else:
        count = len(report.findings)
        print(f"再計算で {count} 件の問題が見つかりました / The recompute found {count} problem(s): {report.call_id}")
    for item in report.findings:
        print(f"- [{item.code}] {item.message_ja}")
        print(f"  {item.message_en}")
    for entry in report.ranking.get("entries", []):
        verdict = "合格 / passes" if entry["passes"] else "不合格 / fails"
        marks = "選定 / selected" if entry["selected"] else verdict
        print(f"  {entry['rank']:>3}. {entry['proposal_id']}  {entry['score']}  {marks}")
    _print_sealed(report)


def _print_sealed(report: RecomputeReport) -> None:
    """What was checked of the sealed chain (count, head prefix), and the notes: what could not be, and why."""
    recomputed = (report.sealed_chain or {}).get("recomputed")
    if recomputed is not None:
        count, head = recomputed["count"], str(recomputed["head"])[:16]
        print(
            f"  封印チェーンを確認しました: {count} 件、ヘッド {head}… / "
            f"sealed chain checked: {count} event(s), head {head}…"
        )
    for item in report.notes:
        print(f"  ({item.code}) {item.message_ja}")
        print(f"  {item.message_en}")


def _keys_file(path: Path) -> dict[str, Ed25519PublicKey]:
    try:
        data = parse(path.read_bytes())
    except OSError as error:
        raise _InputError(f"公開鍵を読めません / cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise _InputError(f"公開鍵は JSON ではありません / {path} is not valid JSON: {error}") from None
    # The audit keys endpoint answers {"service": ..., "keys": {key id: public key}}.
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise _InputError('公開鍵ファイルに "keys" がありません / the keys file has no "keys" object')
    try:
        return public_keys_from(data["keys"])
    except ValueError as error:
        raise _InputError(f"公開鍵が読めません / unreadable public key: {error}") from None
