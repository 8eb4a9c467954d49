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


def registry_app(store: Any, vault_path: Any) -> Any:
    """A registry application on a store, with its key vault, outside any running service."""
    from kyodo_registry.app import RegistryApplication
    from kyodo_registry.documents import DocumentStore
    from kyodo_registry.settings import DEFAULT_RETENTION_DAYS
    from kyodo_shared.privacy.vault import KeyVault
    from kyodo_shared.store.db import SqliteDatabase
    from kyodo_shared.store.eventstore import eventsourcing_env

    app = RegistryApplication(env=eventsourcing_env(store))
    app.vault = KeyVault(SqliteDatabase(vault_path), DEFAULT_RETENTION_DAYS)
    app.vault.migrate()
    app.documents = DocumentStore(SqliteDatabase(vault_path.parent / "registry-documents.sqlite"))
    app.documents.migrate()
    return app
