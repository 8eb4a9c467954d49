"""CloudEvents binary mode: deterministic ids, round trips, and messages that can never be applied."""

from __future__ import annotations

import json

import pytest

from kyodo_shared.bus.cloudevents import H_SEQUENCE, H_TYPE, PoisonMessage, decode, message_id

from support.bus import message, registered


def test_message_ids_are_deterministic_per_service_notification_and_index() -> None:
    assert message_id("registry", 7, 0) == message_id("registry", 7, 0)
    assert len({message_id("registry", 7, 0), message_id("registry", 7, 1), message_id("info-hub", 7, 0)}) == 3


def test_a_message_round_trips_with_its_attributes() -> None:
    headers, body = message(3, "g3")
    envelope = decode(headers, body)
    assert envelope.sequence == 3
    assert envelope.type == "jp.kyodo.registry.group.registered.v1"
    assert envelope.data == registered("g3")
    assert headers["ce-specversion"] == "1.0"
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, b: ({k: v for k, v in h.items() if k != H_TYPE}, b),
        lambda h, b: ({**h, H_TYPE: "jp.kyodo.registry.group.unknown.v9"}, b),
        lambda h, b: ({**h, H_SEQUENCE: "-1"}, b),
        lambda h, b: (h, b"\xff\xfe"),
        lambda h, b: (h, json.dumps({**json.loads(b), "group_id": "not-a-uuid"}).encode()),
    ],
    ids=["no-type", "unknown-type", "bad-sequence", "not-utf8", "wrong-type"],
)
def test_a_message_that_can_never_be_applied_is_poison(mutate: object) -> None:
    headers, body = message(1, "g1")
    bad_headers, bad_body = mutate(headers, body)  # type: ignore[operator]
    with pytest.raises(PoisonMessage):
        decode(bad_headers, bad_body)


def test_fields_a_later_release_added_within_the_version_are_ignored_at_every_depth() -> None:
    headers, body = message(1, "g1")
    data = json.loads(body)
    later = {**data, "added_later": 1, "profile": {**data["profile"], "also_added": "x"}}
    envelope = decode(headers, json.dumps(later).encode())
    assert envelope.data == registered("g1")


def test_a_poison_error_does_not_echo_the_body() -> None:
    headers, body = message(1, "個人情報を含む名前")
    tampered = json.dumps({**json.loads(body), "group_id": "個人情報"}, ensure_ascii=False).encode()
    with pytest.raises(PoisonMessage) as error:
        decode(headers, tampered)
    assert "個人情報" not in str(error.value)
