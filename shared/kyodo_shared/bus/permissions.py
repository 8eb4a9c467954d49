"""Who may do what on the bus: one NATS user per service, read-only users for other systems, the user of
`kyodo bus init` and an operator user, each with the subjects it needs and nothing else — derived from the names the
kernel uses, rendered into deploy/nats/auth.conf (`python -m kyodo_shared.bus.permissions > deploy/nats/auth.conf`).

A service publishes its contracts to `<ns>.<service>.>` and its checkpoints to `<ns>.checkpoints.<service>`; its
relay and audit publisher check that their streams exist and read a message back (the divergence check, the last
checkpoint). As a consumer it reads, pulls from and acks only its own durable consumer on each source stream, reads
the source's stream info and one message by sequence (bus/durable.py). It creates and deletes nothing: every stream
and durable consumer is made by `kyodo bus init` (bus/topology.py) as kyodo-bus-init, and a consumer acked past its
database is re-placed by `kyodo replay`, as the operator too (services run with KYODO_BUS__PROVISION=check).
Replies, pulled messages and publish acks arrive on the service's own inbox prefix
`_INBOX_<service>` (bus/connection.py `inbox_prefix`): a shared `_INBOX.>` would let any service read the messages
another pulled. `kyodo replay` (an ephemeral ordered consumer: a nameless CONSUMER.CREATE, whose body could also
rewrite an existing consumer of the stream, another service's included) and `kyodo relay reset` run as the operator,
by hand, with credentials kept off the cluster.

`kyodo bus init` (the Job kyodo-bus-init) runs as `kyodo-bus-init`, derived from bus/topology.py's `topology()`: it
may read, create and update the namespace's streams and durable consumers by name, and nothing else — no event, no
delete or purge, no other stream or consumer — so the credentials the cluster keeps cannot lose data.

`SOURCES` must name what each service subscribes to: tests/bus/test_nats_permissions_conf.py compares it with the
`Subscription(source=…)` of every service's code and the rendered file with deploy/nats/auth.conf.

Why no CREATE or UPDATE for a service or a reader: a consumer's configuration is the body of
`$JS.API.CONSUMER.{DURABLE.,}CREATE…`, which no subject permission constrains, so a user holding that right could
make the server push a stream into another subject (examples/subscriber's nats-reader.conf explains it), and a
stream's configuration (its subjects, its limits) is the body of `STREAM.CREATE` and `STREAM.UPDATE` likewise. The
same holds for kyodo-bus-init within its names: whoever holds its credentials (the Secret bus-init-bus) could still
lower a stream's limits through an update, or make a consumer not yet made push elsewhere — less than the operator
(no delete, no purge, no other name, no event), which is why the operator's credentials stay off the cluster.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nats.js.api import ConsumerConfig

from kyodo_contracts import stream_name, stream_subjects
from kyodo_shared.bus.connection import inbox_prefix

NAMESPACE = "kyodo"  # the production namespace the shipped configuration is for
CHECKPOINTS = "checkpoints"  # audit/publisher.py SOURCE: one stream every service writes
# The sources each service subscribes to (its kernel's `Subscription(source=...)`), in the order of its code.
SOURCES: dict[str, tuple[str, ...]] = {
    "registry": (),
    "info-hub": ("registry", CHECKPOINTS, "proposals", "screening", "evaluation"),
    "proposals": ("registry", "screening"),
    "screening": ("registry", "evaluation"),
    "evaluation": ("registry", "proposals", "screening"),
}
# Other systems' read-only users, each bound to durable consumers `<reader>-<source>` that the operator creates.
READERS: dict[str, tuple[str, ...]] = {
    "grants-ledger": ("registry", "proposals"),  # examples/subscriber (KYODO_SUB_NAME grants-ledger)
}
OPERATOR = "kyodo-operator"  # `kyodo relay reset`, `kyodo replay`, by hand: may delete anything, publishes no event
BUS_INIT = "kyodo-bus-init"  # the Job kyodo-bus-init (deploy/base/bus-init): `kyodo bus init` and nothing else
BUS_INIT_CONNECTION = "bus-init"  # cli/bus_init.py connects with this name: its replies arrive on _INBOX_bus_init
JS_API = "$JS.API"
# Never granted to anyone but the operator, whatever an allow list says (deny wins): what loses data or a consumer's
# position — a stream's messages, a consumer (its acks), the account's streams (ACCOUNT.PURGE, STREAM.MOVE).
DESTRUCTIVE = (
    f"{JS_API}.STREAM.DELETE.>",
    f"{JS_API}.STREAM.PURGE.>",
    f"{JS_API}.STREAM.MSG.DELETE.>",
    f"{JS_API}.CONSUMER.DELETE.>",
    f"{JS_API}.CONSUMER.RESET.>",
    f"{JS_API}.ACCOUNT.>",
)
# Nor the rest of the API that is no part of running or provisioning the bus (subjects of nats-server 2.15's
# jetstream_api.go): a restore makes a stream with any configuration and data (past the STREAM.CREATE deny), a
# snapshot streams a whole stream out, and the others move leaders and peers or stop a consumer's delivery.
ADMINISTRATIVE = (
    f"{JS_API}.STREAM.RESTORE.>",
    f"{JS_API}.STREAM.SNAPSHOT.>",
    f"{JS_API}.STREAM.PEER.>",
    f"{JS_API}.STREAM.LEADER.STEPDOWN.>",
    f"{JS_API}.STREAM.CANCEL_MOVE.>",
    f"{JS_API}.CONSUMER.LEADER.STEPDOWN.>",
    f"{JS_API}.CONSUMER.PEER.>",
    f"{JS_API}.CONSUMER.PAUSE.>",
    f"{JS_API}.CONSUMER.UNPIN.>",
    f"{JS_API}.META.>",
    f"{JS_API}.SERVER.>",
)

# Only `kyodo bus init` (kyodo-bus-init, for the topology's names) and the operator make or change streams and
# consumers: a service or a reader holds none of it, its own included.
PROVISIONING = (
    f"{JS_API}.STREAM.CREATE.>",
    f"{JS_API}.STREAM.UPDATE.>",
    f"{JS_API}.CONSUMER.CREATE.>",
    f"{JS_API}.CONSUMER.DURABLE.CREATE.>",
)


@dataclass(frozen=True)
class User:
    name: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()

    @property
    def password_variable(self) -> str:
        """The environment variable nats-server reads this user's password from (a Secret in Kubernetes)."""
        return f"KYODO_NATS_PASSWORD_{self.name.upper().replace('-', '_')}"


def durable_name(service: str, source: str) -> str:
    """The durable consumer `service` keeps on `source`'s stream (bus/consumer.py SourceConsumer.durable)."""
    return f"{service}--{source}".replace("-", "_")


def checkpoint_subject(namespace: str, service: str) -> str:
    """The one subject `service` publishes its signed checkpoints to (contracts' CheckpointSigned)."""
    return f"{namespace}.{CHECKPOINTS}.{service.replace('-', '_')}"


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def service_user(namespace: str, service: str, sources: Sequence[str]) -> User:
    own, checkpoints = stream_name(namespace, service), stream_name(namespace, CHECKPOINTS)
    publish = [
        stream_subjects(namespace, service),
        checkpoint_subject(namespace, service),
        # The relay: ensure_stream (info), reconcile and the divergence check (info, one message).
        f"{JS_API}.STREAM.INFO.{own}",
        f"{JS_API}.STREAM.MSG.GET.{own}",
        # The audit publisher: ensure_stream (info), the last checkpoint of this service (get_last_msg).
        f"{JS_API}.STREAM.INFO.{checkpoints}",
        f"{JS_API}.STREAM.MSG.GET.{checkpoints}",
    ]
    for source in sources:
        stream, durable = stream_name(namespace, source), durable_name(service, source)
        publish += [
            # wait_for_stream and history_unchanged (bus/durable.py).
            f"{JS_API}.STREAM.INFO.{stream}",
            f"{JS_API}.STREAM.MSG.GET.{stream}",
            # Its own durable consumer: ensure_consumer (info, bus/durable.py `bound`), pulls, acks.
            f"{JS_API}.CONSUMER.INFO.{stream}.{durable}",
            f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ]
    # Denied outright too (deny wins over any allow a later edit adds): what only `kyodo bus init` may do.
    deny = (*DESTRUCTIVE, *ADMINISTRATIVE, *PROVISIONING)
    return User(service, _unique(publish), (f"{inbox_prefix(service)}.>",), publish_deny=deny)


def reader_user(namespace: str, reader: str, sources: Sequence[str]) -> User:
    """Consumes the operator's durable consumers `<reader>-<source>` and nothing else: no event, no create."""
    publish: list[str] = []
    for source in sources:
        stream, durable = stream_name(namespace, source), f"{reader}-{source}"
        publish += [
            f"{JS_API}.CONSUMER.INFO.{stream}.{durable}",
            f"{JS_API}.STREAM.MSG.GET.{stream}",
            f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ]
    deny = (f"{namespace}.>", *DESTRUCTIVE, *ADMINISTRATIVE, *PROVISIONING)
    # Its own inbox prefix (`_INBOX_<reader>`, `-` → `_`): `_INBOX.>` would show it other users' pulled messages.
    return User(reader, _unique(publish), (f"{inbox_prefix(reader)}.>",), publish_deny=deny)


def consumer_create_subject(stream: str, config: ConsumerConfig) -> str:
    """The subject nats-py's `add_consumer` sends `config` to (nats/js/manager.py, for nats-server 2.9 and later):
    with a `name`, CONSUMER.CREATE.<stream>.<name>[.<filter>]; with only a `durable_name`, the older
    CONSUMER.DURABLE.CREATE.<stream>.<durable>."""
    if config.name:
        if config.filter_subject and config.filter_subject != ">":
            return f"{JS_API}.CONSUMER.CREATE.{stream}.{config.name}.{config.filter_subject}"
        return f"{JS_API}.CONSUMER.CREATE.{stream}.{config.name}"
    if config.durable_name:
        return f"{JS_API}.CONSUMER.DURABLE.CREATE.{stream}.{config.durable_name}"
    raise ValueError(f"a consumer on {stream} without a name is not durable: bus init makes none")


def bus_init_user(namespace: str, sources: Mapping[str, Sequence[str]], readers: Mapping[str, Sequence[str]]) -> User:
    """`kyodo bus init`: reads, creates and updates each stream and durable consumer bus/topology.py defines for the
    namespace, by name — the subjects of `provision`'s calls (stream info, create, update; consumer info, create)
    derived from `topology()` itself, so a stream or consumer added there is allowed here by the same change. It
    publishes no event, deletes and purges nothing, and may not touch another stream or consumer."""
    # Imported here: topology.py takes SOURCES, READERS and the durable names from this module.
    from kyodo_shared.bus.topology import topology
    from kyodo_shared.settings import ConsumerSettings

    # The names do not depend on the replicas or the consumer settings.
    wanted = topology(namespace, 1, ConsumerSettings(), sources, readers)
    publish: list[str] = []
    for stream in wanted.streams:
        publish += [f"{JS_API}.STREAM.{call}.{stream.name}" for call in ("INFO", "CREATE", "UPDATE")]
    for durable in wanted.durables:
        # A reader's create subject ends in its filter, `<ns>.<source>.>`: as a permission, that `>` also admits a
        # narrower filter on the same consumer name, which provisioning would bring back to the definition.
        publish += [
            f"{JS_API}.CONSUMER.INFO.{durable.stream}.{durable.name}",
            consumer_create_subject(durable.stream, durable.config),
        ]
    # UPDATE and CREATE are not denied: they are its allow list, for these names only.
    deny = (f"{namespace}.>", *DESTRUCTIVE, *ADMINISTRATIVE)
    return User(BUS_INIT, _unique(publish), (f"{inbox_prefix(BUS_INIT_CONNECTION)}.>",), publish_deny=deny)


def operator_user(namespace: str) -> User:
    """Creates, inspects and deletes streams and consumers (relay reset, replay from scratch; bus init by hand), and
    runs a service's consumers for a replay (their acks, an ordered consumer's flow control, on any inbox prefix);
    publishes no event: the relays re-publish. Run by hand, its credentials kept off the cluster."""
    return User(OPERATOR, (f"{JS_API}.>", "$JS.ACK.>", "$JS.FC.>"), (">",), publish_deny=(f"{namespace}.>",))


def users(
    namespace: str = NAMESPACE,
    sources: Mapping[str, Sequence[str]] = SOURCES,
    readers: Mapping[str, Sequence[str]] = READERS,
) -> list[User]:
    return [
        *(service_user(namespace, service, wanted) for service, wanted in sources.items()),
        *(reader_user(namespace, reader, wanted) for reader, wanted in readers.items()),
        bus_init_user(namespace, sources, readers),
        operator_user(namespace),
    ]


def _list(items: Sequence[str], indent: str) -> str:
    return "[\n" + "".join(f'{indent}  "{item}"\n' for item in items) + f"{indent}]"


def _user(user: User) -> str:
    pad = "          "
    publish = f"{pad}allow: {_list(user.publish, pad)}\n"
    if user.publish_deny:
        publish += f"{pad}deny: {_list(user.publish_deny, pad)}\n"
    return (
        f'    {{ user: "{user.name}", password: ${user.password_variable},\n'
        "      permissions: {\n"
        f"        publish: {{\n{publish}        }}\n"
        f"        subscribe: {{\n{pad}allow: {_list(user.subscribe, pad)}\n        }}\n"
        "      }\n    }\n"
    )


def render(namespace: str = NAMESPACE) -> str:
    """The `authorization` block nats-server.conf includes: every user, password from the environment."""
    header = (
        "# GENERATED by `python -m kyodo_shared.bus.permissions > deploy/nats/auth.conf` from\n"
        "# shared/kyodo_shared/bus/permissions.py: edit SOURCES or READERS there, never this file.\n"
        f"# Namespace `{namespace}`. Passwords from the environment (a Secret: deploy/nats/secret.template.yaml).\n"
    )
    return header + "authorization {\n  users = [\n" + "".join(_user(u) for u in users(namespace)) + "  ]\n}\n"


if __name__ == "__main__":
    # `python -m kyodo_shared.bus.permissions [<namespace>]`: the shipped file is for `kyodo`.
    sys.stdout.write(render(sys.argv[1] if len(sys.argv) > 1 else NAMESPACE))
