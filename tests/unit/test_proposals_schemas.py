"""Call drafts and amendments refuse what would break later: far deadlines, exponent-form numbers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from kyodo_proposals.schemas import Amendment, CallDraft

BASE: dict[str, Any] = {
    "kind": "open_call",
    "title_ja": "協働事業提案",
    "description_ja": "募集します。",
    "criteria": [{"key": "need", "name_ja": "必要性", "weight": 10, "max_points": 10}],
    "passing_score": "5",
    "deadline": "2027-01-15T17:00:00+09:00",
    "committee_id": str(uuid.uuid4()),
}


@pytest.mark.parametrize("deadline", ["9999-12-31T23:00:00Z", "0001-01-01T00:00:00+10:00", "2100-01-02T00:00:00Z"])
def test_refuses_a_deadline_outside_a_century_of_now(deadline: str) -> None:
    with pytest.raises(ValidationError):
        CallDraft.model_validate({**BASE, "deadline": deadline})
    with pytest.raises(ValidationError):
        Amendment.model_validate({"reason": "延長", "deadline": deadline})


@pytest.mark.parametrize("score", ["1e9999999", "-1", "1/0", "0x10", "5/0"])
def test_refuses_a_passing_score_that_is_not_a_plain_exact_number(score: str) -> None:
    with pytest.raises(ValidationError):
        CallDraft.model_validate({**BASE, "passing_score": score})


@pytest.mark.parametrize(("score", "exact"), [("60", "60/1"), ("60.5", "121/2"), ("121/2", "121/2")])
def test_keeps_a_passing_score_as_an_exact_fraction(score: str, exact: str) -> None:
    assert CallDraft.model_validate({**BASE, "passing_score": score}).passing_score == exact
