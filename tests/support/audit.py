"""A registry store with some history, its chain and checkpoints, on SQLite: the auditor's subject."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kyodo_contracts.registry import CRITERIA_ORDER
from kyodo_registry.app import RegistryApplication
from kyodo_shared.audit.chain import Chainer, ChainStore
from kyodo_shared.audit.checkpointer import Checkpointer
from kyodo_shared.audit.keys import SigningKeys
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.verify import PinFile, VerifyReport
from kyodo_shared.store.db import SqliteDatabase

from support.registry import BYLAWS_DOC, actor

TRACE = {"correlation_id": "c", "causation_id": "c", "actor": "a"}


@dataclass
class History:
    path: Path
    app: RegistryApplication
    db: SqliteDatabase
    chain: ChainStore
    keys: SigningKeys
    checkpointer: Checkpointer
    pins: PinFile

    def add_group(self, name: str) -> None:
        profile = {"name": name, "purpose": "目的", "fields_of_activity": ["福祉"], "area": "本町"}
        personal = {"name": "x", "email": "x@example.jp", "phone": "042-300-0000"}
        self.app.apply_for_registration(
            actor(f"rep-{name}", "group", trace=TRACE),
            profile,
            personal,
            dict.fromkeys(CRITERIA_ORDER, "根拠"),
            BYLAWS_DOC,
            [],
        )

    def chain_and_sign(self) -> None:
        Chainer(self.app, self.chain).extend()
        assert self.checkpointer.sign_if_due(force=True) is not None
        Chainer(self.app, self.chain).extend()

    def verify(self) -> VerifyReport:
        return verify_local("registry", self.app, self.chain, dict(self.keys.public), self.pins)

    def sql(self, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(statement, params).fetchall()
