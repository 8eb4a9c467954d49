"""Realistic registry payloads for tests (Kokubunji civic groups)."""

from __future__ import annotations

import base64
from typing import Any

BYLAWS = "国分寺みどりの会 会則\n第1条 この会は国分寺みどりの会と称する。\n第3条 入会及び退会は自由とする。\n".encode()


def _document() -> Any:
    from kyodo_registry.documents import Document

    return Document("会則.txt", "text/plain", BYLAWS)


BYLAWS_DOC = _document()


def bylaws(text: bytes = BYLAWS) -> dict[str, str]:
    return {"filename": "会則.txt", "media_type": "text/plain", "content_base64": base64.b64encode(text).decode()}


CRITERIA = (
    "public_interest",
    "non_profit_distributing",
    "private",
    "voluntary",
    "formally_organized",
    "self_governing",
)


def application(name: str = "国分寺みどりの会", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "purpose": "市内の緑地保全と環境学習を通じて、住みよいまちづくりに貢献する。",
        "fields_of_activity": ["環境保全", "子どもの健全育成"],
        "area": "東恋ヶ窪",
        "representative": {"name": "山田 花子", "email": "hanako@example.jp", "phone": "042-300-0000"},
        "criteria": {c: {"evidence": f"{c} の根拠資料（会則第3条ほか）"} for c in CRITERIA},
        "bylaws": bylaws(),
    }
    body.update(overrides)
    return body


def registry_app(store: Any, vault_path: Any, clock: Any = None) -> Any:
    """A registry application on a store, with its key vault, outside any running service.

    Built as the composition root builds it (constructor arguments), with its own timers table on the store.
    """
    from kyodo_registry.app import RegistryApplication
    from kyodo_registry.documents import DocumentStore
    from kyodo_registry.migrations import upgrade
    from kyodo_registry.settings import DEFAULT_RETENTION_DAYS
    from kyodo_shared.privacy.vault import KeyVault
    from kyodo_shared.settings import StoreSettings
    from kyodo_shared.store.db import open_database
    from kyodo_shared.store.eventstore import eventsourcing_env
    from kyodo_shared.tasks.clock import ServiceClock
    from kyodo_shared.tasks.timers import Timers

    vault = KeyVault(open_database(StoreSettings(backend="sqlite", sqlite_path=vault_path)), DEFAULT_RETENTION_DAYS)
    vault.migrate()
    documents = DocumentStore(
        open_database(StoreSettings(backend="sqlite", sqlite_path=vault_path.parent / "registry-documents.sqlite"))
    )
    upgrade(documents.db)
    db = open_database(store)
    upgrade(db)
    service_clock = ServiceClock()
    if clock is not None:
        service_clock.move_to(clock)
    timers = Timers(db, clock=service_clock)
    timers.migrate()
    return RegistryApplication(
        env=eventsourcing_env(store), vault=vault, clock=service_clock, timers=timers, documents=documents, db=db
    )


TRACE = {"correlation_id": "test", "causation_id": "test", "actor": "test"}


def actor(sub: str, *roles: str, trace: dict[str, str] | None = None) -> Any:
    """Someone issuing a command directly to an application (no HTTP)."""
    from kyodo_shared.domain.actors import Actor, Principal, Role

    return Actor(Principal(sub, frozenset(Role(r) for r in roles)), trace or TRACE)


def apply_directly(app: Any, name: str, rep_sub: str = "rep", personal: dict[str, str] | None = None) -> Any:
    """An application for registration, straight through the application service; returns the group."""
    profile = {"name": name, "purpose": "目的", "fields_of_activity": ["福祉"], "area": "本町"}
    personal = personal or {"name": "山田 花子", "email": "hanako@example.jp", "phone": "042-300-0000"}
    return app.apply_for_registration(
        actor(rep_sub, "group"), profile, personal, dict.fromkeys(CRITERIA, "根拠"), BYLAWS_DOC, []
    )


def assess_directly(app: Any, group_id: Any, criterion: str, met: bool = True, by: str = "coord") -> Any:
    return app.assess(actor(by, "coordinator"), None, group_id, criterion, met, "確認")


async def register_group(p: Any, name: str, reason: str = "会則と活動実績で確認") -> str:
    """A group applied for through registry's API and assessed on the six criteria by a coordinator (a Platform of
    tests/support/harness.py); its id."""
    registry = p.clients["registry"]
    created = await registry.post("/groups", json=application(name=name), headers=p.token(f"rep-{name}", "group"))
    assert created.status_code == 201, created.text
    group_id, etag = created.json()["id"], created.headers["ETag"]
    for criterion in CRITERIA:
        assessed = await registry.post(
            f"/groups/{group_id}/assessments",
            json={"criterion": criterion, "met": True, "reason": reason},
            headers={**p.token("coord-1", "coordinator"), "If-Match": etag},
        )
        assert assessed.status_code == 200, assessed.text
        etag = assessed.headers["ETag"]
    return str(group_id)
