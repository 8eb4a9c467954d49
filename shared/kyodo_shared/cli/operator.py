"""How operator commands reach a service's store: its settings, and its kernel opened without serving."""

from __future__ import annotations

import os
from pathlib import Path

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
