"""How the CLI finds services: each declares a `ServiceSpec` under the `kyodo.services` entry point."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from fastapi import FastAPI

from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer


@dataclass
class DemoContext:
    """What a service's demo seeder gets: the embedded run's base URL, dev tokens, and facts earlier seeders left."""

    base_url: str
    issuer: DevIssuer
    facts: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"{self.base_url}/api/{service}"

    def headers(self, sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.mint(sub, list(roles))}"}


DemoSeeder = Callable[[DemoContext], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_type: type[KernelSettings]
    create_app: Callable[[KernelSettings, JwksVerifier | None], FastAPI]
    application_name: str
    pg_schema: str
    # `kyodo up --demo`: the service's own demo data, seeded in `demo_order` (a service whose demo reads another's
    # facts comes after it).
    demo: DemoSeeder | None = None
    demo_order: int = 100


def discover() -> dict[str, ServiceSpec]:
    """Every installed service, in a stable order (producers before consumers does not matter: streams wait)."""
    specs: dict[str, ServiceSpec] = {}
    for entry in sorted(entry_points(group="kyodo.services"), key=lambda e: e.name):
        spec = entry.load()
        if not isinstance(spec, ServiceSpec):
            raise TypeError(f"entry point {entry.name} is not a ServiceSpec")
        specs[spec.name] = spec
    return specs
