"""`kyodo up --demo`: every service seeds its own demo data through its public HTTP API, in the services' order.

The kernel knows no service: each service's spec names its seeder (`ServiceSpec.demo`), and what one seeder
leaves for the next (the registry's review board for the proposals service's call) passes by name in the facts.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from kyodo_shared.service import DemoContext, discover
from kyodo_shared.web.devissuer import DevIssuer

log = structlog.get_logger(__name__)


async def seed_demo(base_url: str, issuer: DevIssuer, data_dir: Path) -> None:
    marker = data_dir / "demo-seeded"
    if marker.exists():
        return
    demo = DemoContext(base_url, issuer)
    seeded = []
    for spec in sorted(discover().values(), key=lambda s: s.demo_order):
        if spec.demo is not None:
            await spec.demo(demo)
            seeded.append(spec.name)
    marker.write_text("seeded\n")
    log.info("demo_seeded", services=seeded)
