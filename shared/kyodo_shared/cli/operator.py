"""`kyodo dlq …`: list, retry and skip parked messages of a consuming service, from its own store."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from kyodo_shared.bus.operations import retry_parked, skip_parked
from kyodo_shared.privacy.vault import RetentionNotElapsed
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.settings import KernelSettings, StoreSettings
from kyodo_shared.web.auth import AuthSettings


def service_settings(service: str, data_dir: Path) -> KernelSettings:
    """Settings from the environment (as `kyodo serve` uses them), or the embedded layout when none are set."""
    spec = discover()[service]
    settings = spec.settings_type()
    if "KYODO_STORE__BACKEND" not in os.environ:
        settings = settings.model_copy(
            update={
                "store": StoreSettings(backend="sqlite", sqlite_path=data_dir / f"{service}.sqlite"),
                "audit": settings.audit.model_copy(update={"keys_dir": data_dir / "keys"}),
                "privacy": settings.privacy.model_copy(update={"vault_path": data_dir / f"{service}-vault.sqlite"}),
            }
        )
    return settings


def open_kernel(service: str, data_dir: Path) -> Kernel:
    spec = discover()[service]
    settings = service_settings(service, data_dir)
    # Operator commands never verify tokens; a placeholder keeps the app factory's signature.
    settings = settings.model_copy(
        update={"auth": AuthSettings(issuer="urn:kyodo:cli", audience="kyodo", jwks_url="file:///dev/null")}
    )
    kernel: Kernel = spec.create_app(settings, None).state.kernel
    return kernel


def dlq_list(services: list[str], data_dir: Path) -> int:
    rows = []
    for service in services:
        kernel = open_kernel(service, data_dir)
        try:
            rows += [{"service": service, **vars(p)} for p in kernel.ledger.parked()]
        finally:
            kernel.close()
    if not rows:
        print("no parked messages / 保留中のメッセージはありません")
        return 0
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    return 0


def dlq_act(action: str, service: str, source: str, reason: str, operator: str, data_dir: Path) -> int:
    kernel = open_kernel(service, data_dir)
    try:
        if action == "retry":
            sequences = retry_parked(kernel.application, kernel.ledger, service, source, reason, operator)
            print(json.dumps({"retried": sequences, "service": service, "source": source}))
        else:
            message = skip_parked(kernel.application, kernel.ledger, service, source, reason, operator)
            print(json.dumps({"skipped": message.sequence, "service": service, "source": source}))
    except LookupError as exc:
        print(f"error: {exc}")
        return 1
    finally:
        kernel.close()
    return 0


def erase_person(person: str, services: list[str], data_dir: Path) -> int:
    """Crypto-shred a person's data in each service; refuses (naming the date) while a retention period runs."""
    kernels = [open_kernel(service, data_dir) for service in services]
    try:
        # Check every service first, so erasure is all or nothing.
        for kernel in kernels:
            allowed = kernel.vault.erasable_from(person)
            if allowed is not None and datetime.now(UTC) < allowed:
                print(f"{kernel.service}: {RetentionNotElapsed(allowed).message()}")
                return 1
        for kernel in kernels:
            erased = kernel.vault.erase(person)
            print(json.dumps({"service": kernel.service, "person": person, "erased": erased}))
    finally:
        for kernel in kernels:
            kernel.close()
    return 0
