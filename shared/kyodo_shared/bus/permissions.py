"""Who may do what on the bus: one NATS user per service, read-only users for other systems, and an operator user,
each with the subjects it needs and nothing else — derived from the names the kernel uses, rendered into
deploy/nats/auth.conf (`python -m kyodo_shared.bus.permissions > deploy/nats/auth.conf`).

A service publishes its contracts to `<ns>.<service>.>` and its checkpoints to `<ns>.checkpoints.<service>`; its
relay and audit publisher check that their streams exist and read a message back (the divergence check, the last
checkpoint). As a consumer it reads, pulls from and acks only its own durable consumer on each source stream, reads
the source's stream info and one message by sequence (bus/durable.py). It creates and deletes nothing: every stream
and durable consumer is made by `kyodo bus init` (bus/topology.py) as the operator, and a consumer acked past its
database is re-placed by `kyodo replay`, as the operator too (services run with KYODO_BUS__PROVISION=check).
Replies, pulled messages and publish acks arrive on the service's own inbox prefix
`_INBOX_<service>` (bus/connection.py `inbox_prefix`): a shared `_INBOX.>` would let any service read the messages
another pulled. `kyodo replay` (an ephemeral ordered consumer: a nameless CONSUMER.CREATE, whose body could also
rewrite an existing consumer of the stream, another service's included) and `kyodo relay reset` run as the operator.

`SOURCES` must name what each service subscribes to: tests/bus/test_nats_permissions_conf.py compares it with the
`Subscription(source=…)` of every service's code and the rendered file with deploy/nats/auth.conf.

Why no CREATE for anyone but the operator: a consumer's configuration is the body of
`$JS.API.CONSUMER.{DURABLE.,}CREATE…`, which no subject permission constrains, so a user holding that right could
make the server push a stream into another subject (examples/subscriber's nats-reader.conf explains it), and a
stream's configuration (its subjects, its limits) is the body of `STREAM.CREATE` likewise.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
OPERATOR = "kyodo-operator"  # `kyodo bus init`, `kyodo relay reset`, `kyodo replay`: no events
JS_API = "$JS.API"
# Never granted to a service or a reader, whatever its allow list says (deny wins): what loses or rewrites data.
DESTRUCTIVE = (
    f"{JS_API}.STREAM.DELETE.>",
    f"{JS_API}.STREAM.PURGE.>",
    f"{JS_API}.STREAM.UPDATE.>",
    f"{JS_API}.STREAM.MSG.DELETE.>",
)

# Only the operator makes streams and consumers (`kyodo bus init`) and re-places or removes a consumer.
PROVISIONING = (
    f"{JS_API}.STREAM.CREATE.>",
    f"{JS_API}.CONSUMER.CREATE.>",
    f"{JS_API}.CONSUMER.DURABLE.CREATE.>",
    f"{JS_API}.CONSUMER.DELETE.>",
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
    deny = (*DESTRUCTIVE, *PROVISIONING)
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
    deny = (f"{namespace}.>", *DESTRUCTIVE, *PROVISIONING)
    # Its own inbox prefix (`_INBOX_<reader>`, `-` → `_`): `_INBOX.>` would show it other users' pulled messages.
    return User(reader, _unique(publish), (f"{inbox_prefix(reader)}.>",), publish_deny=deny)


def operator_user(namespace: str) -> User:
    """Creates, inspects and deletes streams and consumers (relay reset, replay from scratch, bus init), and runs a
    service's consumers for a replay (their acks, an ordered consumer's flow control, on any inbox prefix); publishes
    no event: the relays re-publish."""
    return User(OPERATOR, (f"{JS_API}.>", "$JS.ACK.>", "$JS.FC.>"), (">",), publish_deny=(f"{namespace}.>",))


def users(
    namespace: str = NAMESPACE,
    sources: Mapping[str, Sequence[str]] = SOURCES,
    readers: Mapping[str, Sequence[str]] = READERS,
) -> list[User]:
    return [
        *(service_user(namespace, service, wanted) for service, wanted in sources.items()),
        *(reader_user(namespace, reader, wanted) for reader, wanted in readers.items()),
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
