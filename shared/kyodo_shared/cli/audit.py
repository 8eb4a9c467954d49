"""`kyodo audit verify|export`: check a service's history by database or by its audit API alone."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from kyodo_shared.audit.checkpoints import Checkpoint
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.records import AuditRecord
from kyodo_shared.audit.verify import PinFile, VerifyReport, verify
from kyodo_shared.cli.operator import open_kernel


class AuditApi:
    """The audit API of one service, e.g. https://kyodo.example/api/registry."""

    def __init__(self, base_url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=60)

    def records(self) -> Iterator[AuditRecord]:
        after, params = 0, {"limit": 1000}
        while True:
            page = self._get("/audit/records", params={**params, "after": after})
            # Every page covers the range the first one fixed, while the service keeps writing.
            params["stop"] = int(page["stop"])
            yield from (AuditRecord.from_dict(item) for item in page["items"])
            if page["next_after"] is None:
                return
            after = int(page["next_after"])

    def checkpoints(self, url: str | None = None) -> list[Checkpoint]:
        page = self._get(url or "/audit/checkpoints")
        return [Checkpoint.model_validate(c) for c in page["items"]]

    def keys(self) -> dict[str, str]:
        return dict(self._get("/audit/keys")["keys"])

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.client.get(path, params=params)
        response.raise_for_status()
        return response.json()


def verify_command(service: str, url: str | None, checkpoints_url: str | None, pin: Path, data_dir: Path) -> int:
    pins = PinFile(pin)
    if url:
        api = AuditApi(url, os.environ.get("KYODO_AUDIT_TOKEN"))
        report = verify(service, api.records(), api.checkpoints(checkpoints_url), api.keys(), pins)
    else:
        kernel = open_kernel(service, data_dir)
        try:
            report = verify_local(service, kernel.application, kernel.chain, kernel.published_keys(), pins)
        finally:
            kernel.close()
    return _print(report)


def verify_export(service: str, export: Path, pin: Path) -> int:
    """Verify an exported history offline (checkpoints and keys are in the export)."""
    records, checkpoints, keys = [], [], {}
    for line in export.read_text().splitlines():
        item = json.loads(line)
        kind = item.pop("kind")
        if kind == "record":
            records.append(AuditRecord.from_dict(item))
        elif kind == "checkpoint":
            checkpoints.append(Checkpoint.model_validate(item))
        elif kind == "key":
            keys[item["kid"]] = item["public_key"]
    return _print(verify(service, records, checkpoints, keys, PinFile(pin)))


def export_command(service: str, url: str | None, output: Path, data_dir: Path) -> int:
    """JSON Lines: every chain record (with its event's published type), then the checkpoints and the keys."""
    with output.open("w") as out:
        if url:
            api = AuditApi(url, os.environ.get("KYODO_AUDIT_TOKEN"))
            records, checkpoints, keys = api.records(), api.checkpoints(), api.keys()
            _write(out, records, checkpoints, keys)
        else:
            from kyodo_shared.audit.checkpointer import stored_checkpoints
            from kyodo_shared.audit.records import records_from_store

            kernel = open_kernel(service, data_dir)
            try:
                _write(
                    out,
                    records_from_store(kernel.application.recorder, kernel.chain, type_of=kernel.visibility.type_of),
                    stored_checkpoints(kernel.application, service),
                    kernel.published_keys(),
                )
            finally:
                kernel.close()
    return 0


def _write(out: Any, records: Any, checkpoints: list[Checkpoint], keys: dict[str, str]) -> None:
    for record in records:
        out.write(json.dumps({"kind": "record", **record.as_dict()}) + "\n")
    for checkpoint in checkpoints:
        out.write(json.dumps({"kind": "checkpoint", **checkpoint.model_dump(mode="json")}) + "\n")
    for kid, public in keys.items():
        out.write(json.dumps({"kind": "key", "kid": kid, "public_key": public}) + "\n")


def _print(report: VerifyReport) -> int:
    sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n")
    return 0 if report.ok else 1


def rotate_key(service: str, data_dir: Path) -> int:
    """The next checkpoint, signed by the current key, announces the new one; later ones are signed by it."""
    kernel = open_kernel(service, data_dir)
    try:
        kid = kernel.keys_ring().rotate()
    finally:
        kernel.close()
    sys.stdout.write(json.dumps({"service": service, "next_kid": kid}) + "\n")
    return 0
