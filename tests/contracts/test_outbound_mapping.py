"""One outbound rule: every domain event a service can store is mapped to contracts or declared internal.

The aggregates are found, not listed: every eventsourcing Aggregate defined in a service's package (all of its
modules imported) and in the kernel's. The map checked is the one the service's kernel hands to its relay.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from structlog.testing import capture_logs

from kyodo_contracts.registry import CRITERIA_ORDER
from kyodo_registry.domain import Group
from kyodo_registry.org.bus import ORG_OUTBOUND
from kyodo_shared.bus.mapping import KERNEL, OutboundMap, UndeclaredEvent, event_classes, events_of
from kyodo_shared.bus.relay import OutboxRelay, Position
from kyodo_shared.observability.metrics import KernelMetrics
from kyodo_shared.service import discover
from kyodo_shared.settings import BusSettings, RelaySettings, StoreSettings
from kyodo_shared.store.db import SqliteDatabase
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, settings_for
from support.registry import BYLAWS_DOC, actor, registry_app

KERNEL_PACKAGE = "kyodo_shared"


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def aggregates_of(package: str) -> list[type[Aggregate]]:
    """Every Aggregate defined in a package, after importing all of its modules (so a new one is not missed)."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        importlib.import_module(module.name)
    found = {a for a in _subclasses(Aggregate) if a.__module__ == package or a.__module__.startswith(f"{package}.")}
    return sorted(found, key=get_topic)


def undeclared(aggregates: list[type[Aggregate]], *maps: OutboundMap) -> list[str]:
    """Topics of the aggregates' event classes that none of the maps declares."""
    return [
        get_topic(kind)
        for aggregate in aggregates
        for kind in event_classes(aggregate)
        if not any(m.declares(kind) for m in maps)
    ]


def stale(aggregates: list[type[Aggregate]], outbound: OutboundMap) -> list[str]:
    """Classes a map declares that no aggregate of the service stores (a leftover, or another service's)."""
    stored = {kind for aggregate in aggregates for kind in event_classes(aggregate)}
    return sorted(get_topic(kind) for kind in outbound.mapped | outbound.internal if kind not in stored)


def test_the_kernel_declares_each_of_its_own_events_once() -> None:
    kernel_aggregates = aggregates_of(KERNEL_PACKAGE)
    assert kernel_aggregates, "the kernel's own aggregates (audit checkpoints, consumer operations) were not found"
    missing = undeclared(kernel_aggregates, KERNEL)
    assert not missing, f"kernel events neither mapped nor declared internal in bus/mapping.py KERNEL: {missing}"
    assert not stale(kernel_aggregates, KERNEL)


@pytest.mark.parametrize("service", sorted(discover()))
def test_every_domain_event_is_mapped_or_declared_internal(service: str, tmp_path: Path, issuer: DevIssuer) -> None:
    spec = discover()[service]
    settings = settings_for(service, Backend("sqlite", tmp_path), "nats://127.0.0.1:4222", "tmap", issuer)
    kernel = spec.create_app(settings, JwksVerifier(settings.auth)).state.kernel
    try:
        mapper = kernel.mapper
    finally:
        kernel.close()
    package = spec.create_app.__module__.partition(".")[0]
    aggregates = aggregates_of(package)
    if mapper is None:
        # No relay, so nothing it stores can leave; an aggregate of its own needs a map all the same.
        assert not aggregates, (
            f"{service} stores {[a.__qualname__ for a in aggregates]} but gives its kernel no OutboundMap: "
            "declare their events (internal, if none leaves) and pass the map as the Kernel's mapper"
        )
        return
    assert isinstance(mapper, OutboundMap), f"{service}'s relay mapper is not an OutboundMap (bus/mapping.py)"
    missing = undeclared([*aggregates, *aggregates_of(KERNEL_PACKAGE)], mapper, KERNEL)
    assert not missing, (
        f"{service}: domain events neither mapped to a contract nor declared internal "
        f"(add them to the service's bus module): {missing}"
    )
    assert not stale(aggregates, mapper), f"{service}'s map declares events it never stores"
    overlap = sorted(get_topic(k) for k in (mapper.mapped | mapper.internal) & (KERNEL.mapped | KERNEL.internal))
    assert not overlap, f"{service} declares kernel events, which the relay never hands to it: {overlap}"


def test_a_missing_declaration_is_named() -> None:
    """The check above can fail: registry's Group events without their table are each reported by topic."""
    incomplete = OutboundMap(parts=[ORG_OUTBOUND])
    missing = undeclared(aggregates_of("kyodo_registry"), incomplete, KERNEL)
    assert "kyodo_registry.domain:Group.Registered" in missing
    assert all(":Group." in topic for topic in missing)


def test_a_map_refuses_a_class_declared_twice_or_a_name_that_is_no_event() -> None:
    group = events_of(Group)
    with pytest.raises(ValueError, match="declared twice"):
        OutboundMap({group.Registered: lambda e: []}, internal={group.Registered})
    with pytest.raises(AttributeError, match="Group has no event Registred"):
        _ = group.Registred
    with pytest.raises(UndeclaredEvent, match=r"Group\.Applied is neither mapped"):
        OutboundMap(internal={group.Registered})(object.__new__(group.Applied))


async def test_the_relay_stops_at_an_undeclared_event_without_skipping_it(tmp_path: Path) -> None:
    store = StoreSettings(backend="sqlite", sqlite_path=tmp_path / "registry.sqlite")
    app = registry_app(store, tmp_path / "vault.sqlite")
    db = SqliteDatabase(store.sqlite_path)
    trace = {"correlation_id": "c", "causation_id": "c", "actor": "a"}
    profile = {"name": "国分寺みどりの会", "purpose": "緑地保全", "fields_of_activity": ["環境保全"], "area": "本町"}
    personal = {"name": "山田 花子", "email": "hanako@example.jp", "phone": "042-300-0000"}
    app.apply_for_registration(
        actor("rep", "group", trace=trace), profile, personal, dict.fromkeys(CRITERIA_ORDER, "根拠"), BYLAWS_DOC, []
    )
    relay = OutboxRelay(
        service="registry",
        application=app,
        mapper=OutboundMap(),  # declares nothing: Group.Applied is undeclared
        db=db,
        js=None,  # type: ignore[arg-type]  # never reached: the batch fails while it is read
        bus=BusSettings(namespace="tmap"),
        settings=RelaySettings(),
        metrics=KernelMetrics(),
    )
    relay.positions.migrate()
    try:
        with capture_logs() as logs, pytest.raises(UndeclaredEvent):
            await relay.drain_once()
        # Nothing published, nothing skipped: the next attempt starts from the same place.
        assert relay.position == Position()
        assert relay.positions.load() == Position()
        assert [(e["topic"], e["log_level"]) for e in logs if e["event"] == "relay_undeclared_event"] == [
            ("kyodo_registry.domain:Group.Applied", "error")
        ]
    finally:
        app.close()
        db.close()
