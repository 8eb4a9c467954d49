"""How the CLI finds services: each declares a `ServiceSpec` under the `kyodo.services` entry point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from fastapi import FastAPI

from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.auth import JwksVerifier


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_type: type[KernelSettings]
    create_app: Callable[[KernelSettings, JwksVerifier | None], FastAPI]
    application_name: str
    pg_schema: str


def discover() -> dict[str, ServiceSpec]:
    """Every installed service, in a stable order (producers before consumers does not matter: streams wait)."""
    specs: dict[str, ServiceSpec] = {}
    for entry in sorted(entry_points(group="kyodo.services"), key=lambda e: e.name):
        spec = entry.load()
        if not isinstance(spec, ServiceSpec):
            raise TypeError(f"entry point {entry.name} is not a ServiceSpec")
        specs[spec.name] = spec
    return specs
