"""Make the bus hold what bus/topology.py defines — `kyodo bus init`, `kyodo relay reset`, and a service whose
`KYODO_BUS__PROVISION=create` — idempotently, and never quietly accept a stream or consumer that could lose events.

What exists is compared with its definition field by field. A setting that may change in place is brought to the
definition: a stream's limits (a limit would delete events: consumers read every stream from sequence 1), its
duplicate window, more replicas; a consumer's ack wait, pending limit, delivery limit and filter (a filter or a
delivery limit leaves holes in the dense sequence). What cannot — a stream's subjects, retention or storage, its
replicas going down, a push consumer, another ack policy — stops the run naming the object and the fields
(`Drift`): changing those is a migration an operator decides, never a side effect of a rollout. A consumer's start
(deliver policy, start sequence) and position are always kept: changing them would skip or repeat messages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import APIError, NotFoundError

from kyodo_shared.bus.topology import Durable, Topology

Outcome = Literal["created", "updated", "unchanged"]
# A stream's identity: what it holds and where. A different value is a migration, not a setting.
STREAM_FIXED = ("subjects", "retention", "storage", "mirror", "sources", "subject_transform", "republish", "no_ack")
STREAM_LIMITS = ("max_age", "max_msgs", "max_bytes", "max_msgs_per_subject", "max_msg_size", "discard")
STREAM_CHANGEABLE = (*STREAM_LIMITS, "duplicate_window", "sealed", "allow_rollup_hdrs")
# A consumer's delivery: a push consumer (deliver subject) sends the stream wherever its creator said.
CONSUMER_FIXED = ("ack_policy", "deliver_subject", "deliver_group")
CONSUMER_CHANGEABLE = (
    "ack_wait",
    "max_ack_pending",
    "max_deliver",
    "filter_subject",
    "filter_subjects",
    "headers_only",
)
# What the server answers for a setting the request left unset: compared as equal.
UNSET: dict[str, tuple[Any, ...]] = {
    "max_age": (None, 0, 0.0),
    "max_msgs": (None, -1),
    "max_bytes": (None, -1),
    "max_msgs_per_subject": (None, -1),
    "max_msg_size": (None, -1),
    "max_deliver": (None, -1),
    "filter_subject": (None, ""),
    "filter_subjects": (None, []),
    "headers_only": (None, False),
    "sealed": (None, False),
    "allow_rollup_hdrs": (None, False),
    "no_ack": (None, False),
    "deliver_subject": (None, ""),
    "deliver_group": (None, ""),
    "sources": (None, []),
}


class Drift(Exception):
    """An existing stream or consumer differs from its definition in what cannot be changed in place."""

    def __init__(self, what: str, fields: dict[str, tuple[Any, Any]]) -> None:
        shown = "; ".join(f"{name}: {found!r} (defined: {wanted!r})" for name, (found, wanted) in fields.items())
        super().__init__(f"{what} differs from its definition in {shown}")
        self.what, self.fields = what, fields


@dataclass(frozen=True)
class Refused(Exception):
    """The server refused to make or change `what`."""

    what: str
    error: APIError


def _value(config: Any, field: str) -> Any:
    value = getattr(config, field, None)
    return getattr(value, "value", value)  # enums compared by their wire value


def differences(found: Any, wanted: Any, fields: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    differences = {}
    for field in fields:
        have, want = _value(found, field), _value(wanted, field)
        if have != want and not (have in UNSET.get(field, ()) and want in UNSET.get(field, ())):
            differences[field] = (have, want)
    return differences


async def ensure_stream(js: JetStreamContext, wanted: StreamConfig) -> Outcome:
    """Create the stream, or bring an existing one's changeable settings to `wanted` (its messages are kept)."""
    name = str(wanted.name)
    try:
        found = (await js.stream_info(name)).config
    except NotFoundError:
        await js.add_stream(wanted)
        return "created"
    fixed = differences(found, wanted, STREAM_FIXED)
    have, want = found.num_replicas or 1, wanted.num_replicas or 1
    if have > want:
        # Never down by a run whose settings say fewer (KYODO_BUS__STREAM_REPLICAS unset defaults to 1).
        fixed["num_replicas"] = (have, want)
    if fixed:
        raise Drift(f"stream {name}", fixed)
    changed = differences(found, wanted, STREAM_CHANGEABLE)
    if not changed and have == want:
        return "unchanged"
    await js.update_stream(replace(found, num_replicas=want, **{field: getattr(wanted, field) for field in changed}))
    return "updated"


async def ensure_durable(js: JetStreamContext, durable: Durable) -> Outcome:
    """Create the durable consumer, or bring an existing one's changeable settings to the definition; its start
    and position are kept."""
    wanted = durable.config
    try:
        found = (await js.consumer_info(durable.stream, durable.name)).config
    except NotFoundError:
        await js.add_consumer(durable.stream, wanted)
        return "created"
    fixed = differences(found, wanted, CONSUMER_FIXED)
    if fixed:
        raise Drift(f"consumer {durable.name} on {durable.stream}", fixed)
    if not differences(found, wanted, CONSUMER_CHANGEABLE):
        return "unchanged"
    kept: ConsumerConfig = replace(wanted, deliver_policy=found.deliver_policy, opt_start_seq=found.opt_start_seq)
    await js.add_consumer(durable.stream, kept)
    return "updated"


Done = list[tuple[str, str, Outcome]]


async def provision(js: JetStreamContext, wanted: Topology, stream: str | None = None) -> Done:
    """Make the topology — or only `stream` and the durable consumers on it — streams first (a durable consumer needs
    its stream); (kind, name, outcome) each. Raises Drift, or Refused naming what the server refused."""
    done: Done = []
    for config in wanted.streams:
        if stream is None or config.name == stream:
            done.append(("stream", str(config.name), await _named(f"stream {config.name}", ensure_stream(js, config))))
    for durable in wanted.durables:
        if stream is None or durable.stream == stream:
            what = f"consumer {durable.name} on {durable.stream}"
            done.append(
                ("consumer", f"{durable.stream}/{durable.name}", await _named(what, ensure_durable(js, durable)))
            )
    return done


async def _named(what: str, step: Any) -> Outcome:
    try:
        outcome: Outcome = await step
    except NotFoundError:
        raise
    except APIError as exc:
        raise Refused(what, exc) from None
    return outcome
