"""The committed AsyncAPI document is the one the contracts generate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kyodo_shared.bus.asyncapi import document, render
from kyodo_shared.contracts import catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


@pytest.mark.smoke
def test_the_committed_asyncapi_document_is_up_to_date() -> None:
    assert DOC.read_text() == render(), "run `kyodo asyncapi --output docs/asyncapi.yaml` and commit it"


def test_every_published_contract_has_a_channel_and_a_send_operation() -> None:
    doc = yaml.safe_load(render())
    assert doc["asyncapi"].startswith("3.")
    for contract in catalog().values():
        channel = f"{contract.event_name}.v{contract.version}"
        assert channel in doc["channels"]
        assert doc["operations"][f"publish.{channel}"]["action"] == "send"


PERSONAL_FIELD_NAMES = {"name_kana", "email", "phone", "address", "birth_date", "representative", "contact"}


def test_no_published_contract_carries_a_personal_data_field() -> None:
    """Contracts do not declare personal data, and no schema has a field that would hold it."""
    doc = document()
    assert not any(m["x-personal-data"] for m in doc["components"]["messages"].values())
    for name, schema in doc["components"]["schemas"].items():
        assert not set(schema.get("properties", {})) & PERSONAL_FIELD_NAMES, name
