"""The shipped NATS permissions stay in step with the code: deploy/nats/auth.conf is what
kyodo_shared.bus.permissions renders, and its SOURCES are exactly what each service's code subscribes to — a service
that starts consuming a new source fails here until its user may consume it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kyodo_contracts import stream_name
from kyodo_contracts.audit import CheckpointSigned
from kyodo_shared.audit.publisher import CheckpointPublisher
from kyodo_shared.bus.connection import inbox_prefix
from kyodo_shared.bus.permissions import (
    ADMINISTRATIVE,
    BUS_INIT,
    BUS_INIT_CONNECTION,
    DESTRUCTIVE,
    NAMESPACE,
    OPERATOR,
    PROVISIONING,
    READERS,
    SOURCES,
    User,
    bus_init_user,
    checkpoint_subject,
    render,
    service_user,
    users,
)
from kyodo_shared.bus.topology import topology
from kyodo_shared.service import discover
from kyodo_shared.settings import ConsumerSettings

REPO = Path(__file__).resolve().parents[2]
AUTH_CONF = REPO / "deploy" / "nats" / "auth.conf"


def subscribed_sources(service: str) -> set[str]:
    """Every `Subscription(source=...)` in the service's package; a source that is not a literal fails the test
    (it could not be checked against the configuration)."""
    package = REPO / "services" / service
    found: set[str] = set()
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Subscription"):
                continue
            source = next((k.value for k in node.keywords if k.arg == "source"), None)
            if source is None and node.args:
                source = node.args[0]
            where = f"{path.relative_to(REPO)}:{node.lineno}: Subscription's source must be a literal string"
            assert isinstance(source, ast.Constant), where
            assert isinstance(source.value, str), where
            found.add(source.value)
    return found


def test_the_shipped_auth_conf_is_what_the_permissions_module_renders() -> None:
    assert AUTH_CONF.read_text(encoding="utf-8") == render(), (
        "regenerate: .venv/bin/python -m kyodo_shared.bus.permissions > deploy/nats/auth.conf"
    )


def test_every_installed_service_has_a_nats_user() -> None:
    assert set(SOURCES) == set(discover())


@pytest.mark.parametrize("service", sorted(SOURCES))
def test_each_service_may_consume_exactly_the_sources_its_code_subscribes_to(service: str) -> None:
    assert set(SOURCES[service]) == subscribed_sources(service), (
        f"{service}'s subscriptions changed: update SOURCES in shared/kyodo_shared/bus/permissions.py and "
        "regenerate deploy/nats/auth.conf"
    )


def test_the_scan_finds_the_subscriptions_of_a_consuming_service() -> None:
    # Guards the scan itself: a scan that finds nothing would make the test above pass for registry-like services.
    assert subscribed_sources("info-hub") == {"registry", "checkpoints", "proposals", "screening", "evaluation"}


@pytest.mark.parametrize("service", sorted(SOURCES))
def test_no_service_may_publish_on_another_services_subjects_or_checkpoints(service: str) -> None:
    user = service_user(NAMESPACE, service, SOURCES[service])
    events = [s for s in user.publish if s.startswith(f"{NAMESPACE}.")]
    token = service.replace("-", "_")
    assert events == [f"{NAMESPACE}.{token}.>", f"{NAMESPACE}.checkpoints.{token}"]
    # JetStream calls on other services' streams are only consumer calls on its own durable consumers.
    for subject in user.publish:
        for other in SOURCES:
            if other == service or other in SOURCES[service]:
                continue
            assert f".{stream_name(NAMESPACE, other)}" not in subject, subject
    # Its own inbox only (the prefix bus/connection.py connects with), never the shared `_INBOX.>`; and no create or
    # delete of any stream or consumer, its own included: their bodies are beyond subject permissions, so they are
    # `kyodo bus init`'s and `kyodo replay`'s, the operator's — allowed nowhere and denied outright.
    assert user.subscribe == (f"_INBOX_{token}.>",)
    assert not any(word in subject for subject in user.publish for word in (".CREATE.", ".DELETE."))
    assert {f"$JS.API.{what}.>" for what in ("STREAM.CREATE", "CONSUMER.DURABLE.CREATE", "CONSUMER.DELETE")} <= set(
        user.publish_deny
    )
    assert not any(subject.startswith("$JS.FC.") for subject in user.publish)


@pytest.mark.parametrize("service", sorted(SOURCES))
def test_the_checkpoint_subject_allowed_is_the_one_the_audit_publisher_signs_to(service: str) -> None:
    # The publisher's own subject (its application and JetStream are not needed to name it).
    publisher = CheckpointPublisher(service, None, None, NAMESPACE, 3)
    assert checkpoint_subject(NAMESPACE, service) == publisher._contract_subject()
    assert CheckpointSigned.subject_template == "{namespace}.checkpoints.{service}"


def test_readers_may_publish_no_event_and_create_no_consumer() -> None:
    readers = [u for u in users() if u.name in READERS]
    assert readers
    for reader in readers:
        assert not [s for s in reader.publish if s.startswith(f"{NAMESPACE}.") or "CREATE" in s or "DELETE" in s]
        assert f"{NAMESPACE}.>" in reader.publish_deny
        assert reader.subscribe == (f"_INBOX_{reader.name.replace('-', '_')}.>",)


def confined() -> list[User]:
    """The services' and the readers' users: neither provisions nor administers anything."""
    found = [u for u in users() if u.name not in (BUS_INIT, OPERATOR)]
    assert {u.name for u in found} == set(SOURCES) | set(READERS)
    return found


def test_no_service_or_reader_is_allowed_a_wildcard_under_the_jetstream_api() -> None:
    # Each JetStream call is allowed by its full name: a `*` or `>` there could admit an API call nobody listed
    # (the deny lists below only cover the calls known today).
    def wild(subject: str) -> bool:
        return subject.startswith("$JS.API.") and bool({"*", ">"} & set(subject.split(".")))

    for user in confined():
        assert [s for s in user.publish if not wild(s)] == list(user.publish), user.name
    # The check sees a wildcard where there is one, and only under the API.
    assert wild("$JS.API.STREAM.INFO.*")
    assert not wild("$JS.ACK.KYODO_REGISTRY.proposals__registry.>")


def test_services_and_readers_are_denied_what_loses_data_administers_or_provisions_the_bus() -> None:
    api = "$JS.API"
    wanted = {
        *(f"{api}.STREAM.{call}.>" for call in ("DELETE", "PURGE", "MSG.DELETE", "UPDATE", "CREATE", "RESTORE")),
        *(f"{api}.STREAM.{call}.>" for call in ("SNAPSHOT", "PEER", "LEADER.STEPDOWN", "CANCEL_MOVE")),
        *(f"{api}.CONSUMER.{call}.>" for call in ("DELETE", "RESET", "CREATE", "DURABLE.CREATE", "PAUSE", "UNPIN")),
        *(f"{api}.CONSUMER.{call}.>" for call in ("LEADER.STEPDOWN", "PEER")),
        f"{api}.ACCOUNT.>",  # ACCOUNT.PURGE, ACCOUNT.STREAM.MOVE
        f"{api}.META.>",
        f"{api}.SERVER.>",
    }
    assert set(DESTRUCTIVE) | set(ADMINISTRATIVE) | set(PROVISIONING) == wanted
    for user in confined():
        assert wanted <= set(user.publish_deny), user.name


def test_the_bus_init_user_may_make_exactly_the_streams_and_consumers_of_the_topology() -> None:
    user = next(u for u in users() if u.name == BUS_INIT)
    wanted = topology(NAMESPACE, 3, ConsumerSettings())
    api = "$JS.API"
    streams = {f"{api}.STREAM.{call}.{s.name}" for s in wanted.streams for call in ("INFO", "CREATE", "UPDATE")}
    infos = {f"{api}.CONSUMER.INFO.{d.stream}.{d.name}" for d in wanted.durables}
    creates = set(user.publish) - streams - infos
    assert streams | infos <= set(user.publish)
    # One create subject per durable, as nats-py sends it: a service's by its durable name, a reader's (which has a
    # name and a filter) by name and filter.
    assert len(creates) == len(wanted.durables)
    assert f"{api}.CONSUMER.DURABLE.CREATE.KYODO_REGISTRY.proposals__registry" in creates
    assert f"{api}.CONSUMER.CREATE.KYODO_REGISTRY.grants-ledger-registry.kyodo.registry.>" in creates
    for d in wanted.durables:
        durable = f"{api}.CONSUMER.DURABLE.CREATE.{d.stream}.{d.name}"
        named = f"{api}.CONSUMER.CREATE.{d.stream}.{d.name}"
        assert [s for s in creates if s in (durable, named) or s.startswith(f"{named}.")], d.name
    assert user.subscribe == (f"{inbox_prefix(BUS_INIT_CONNECTION)}.>",) == ("_INBOX_bus_init.>",)


def test_the_bus_init_user_follows_the_topology_when_a_service_or_reader_is_added() -> None:
    sources = {**SOURCES, "ledger": ("registry",)}
    readers = {**READERS, "archive": ("checkpoints",)}
    user = bus_init_user(NAMESPACE, sources, readers)
    assert "$JS.API.STREAM.CREATE.KYODO_LEDGER" in user.publish
    assert "$JS.API.CONSUMER.DURABLE.CREATE.KYODO_REGISTRY.ledger__registry" in user.publish
    assert "$JS.API.CONSUMER.CREATE.KYODO_CHECKPOINTS.archive-checkpoints.kyodo.checkpoints.>" in user.publish
    assert "$JS.API.STREAM.CREATE.KYODO_LEDGER" not in bus_init_user(NAMESPACE, SOURCES, READERS).publish


def test_the_bus_init_user_may_delete_purge_or_publish_nothing() -> None:
    user = next(u for u in users() if u.name == BUS_INIT)
    assert not [s for s in user.publish if not s.startswith("$JS.API.")], "no event, no ack, no flow control"
    assert not [s for s in user.publish if any(w in s for w in ("DELETE", "PURGE", "RESTORE", "SNAPSHOT", "RESET"))]
    assert {f"{NAMESPACE}.>", *DESTRUCTIVE, *ADMINISTRATIVE} <= set(user.publish_deny)
    # Its own streams' UPDATE is its job (replicas, the duplicate window): not denied, unlike a service's.
    assert "$JS.API.STREAM.UPDATE.>" not in user.publish_deny
    assert user.password_variable == "KYODO_NATS_PASSWORD_KYODO_BUS_INIT"
