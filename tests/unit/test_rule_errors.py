"""Rule-level errors name the field to correct and the values involved, in Japanese and English — from a model
validator (pydantic) and from a refusal about one field (the application's checks) alike."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError, model_validator

from kyodo_proposals.domain import highest_score, rule_breaches
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.handlers import install_problem_handlers
from kyodo_shared.web.messages import Message, MessageTable
from kyodo_shared.web.problems import field_errors, rule_error


class Term(BaseModel):
    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end < self.start:
            raise rule_error("end_before_start", f"終了 {self.end} が開始より前です", f"end {self.end} is early", "end")
        return self


class Outer(BaseModel):
    term: Term


def test_a_model_rule_names_its_field_under_the_models_location_and_its_reason_in_both_languages() -> None:
    with pytest.raises(ValidationError) as caught:
        Outer.model_validate({"term": {"start": 5, "end": 3}})
    (error,) = field_errors([dict(e) for e in caught.value.errors()])
    assert error == {
        "field": "term.end",
        "code": "end_before_start",
        "reason_ja": "終了 3 が開始より前です",
        "reason_en": "end 3 is early",
    }


def test_a_reason_with_braces_in_it_is_not_mistaken_for_a_template() -> None:
    assert rule_error("x", "「{a}」", "{a} {b}").message() == "{a} {b}"


def _answer(refusal: Refusal) -> dict[str, Any]:
    table = MessageTable(
        {
            "invalid_thing": Message(422, "規定を適用できません", "The rules cannot be applied"),
            "too_big": Message(
                422, "大きすぎます", "Too big", "{value} は {limit} を超えています。", "{value} > {limit}."
            ),
        }
    )
    app = FastAPI()
    install_problem_handlers(app, table)

    @app.get("/")
    def refuse() -> None:
        raise refusal

    response = TestClient(app).get("/")
    assert response.status_code == 422
    body: dict[str, Any] = response.json()
    return body


def test_a_refusal_about_one_field_names_the_field_and_the_rules_reason_with_its_values() -> None:
    body = _answer(Refusal("invalid_thing", field="passing_score", rule="too_big", value="31", limit="30"))
    assert body["code"] == "invalid_thing"
    assert body["errors"] == [
        {"field": "passing_score", "code": "too_big", "reason_ja": "31 は 30 を超えています。", "reason_en": "31 > 30."}
    ]
    assert (body["detail_ja"], body["detail_en"]) == ("31 は 30 を超えています。", "31 > 30.")


def test_a_refusal_naming_no_field_keeps_its_plain_shape() -> None:
    assert "errors" not in _answer(Refusal("invalid_thing"))


SPEC: dict[str, Any] = {
    "criteria": [{"key": "need", "weight": 2, "max_points": 10}, {"key": "reach", "weight": 3, "max_points": 5}],
    "formula": "weighted_sum_of_means",
    "passing_score": "25/1",
    "tie_rule": "lottery",
    "priority": [],
}


@pytest.mark.parametrize(("formula", "highest"), [("weighted_sum_of_means", 35), ("percent_of_maximum", 100)])
def test_the_highest_reachable_score_follows_the_formula(formula: str, highest: int) -> None:
    assert highest_score(SPEC["criteria"], formula) == highest


@pytest.mark.parametrize(
    ("change", "rule", "field", "values"),
    [
        (
            {"passing_score": "71/2"},
            "passing_score_unreachable",
            "passing_score",
            {"passing_score": "71/2", "maximum": "35"},
        ),
        ({"priority": ["need", "need"]}, "priority_repeated", "priority", {"key": "need"}),
        ({"priority": ["cost"]}, "priority_unknown_criterion", "priority", {"key": "cost"}),
        ({"tie_rule": "criteria_priority_then_lottery"}, "priority_required", "priority", {}),
    ],
)
def test_each_rule_that_cannot_be_kept_names_its_field_and_values(
    change: dict[str, Any], rule: str, field: str, values: dict[str, str]
) -> None:
    (breach,) = rule_breaches({**SPEC, **change})
    assert (breach.rule, breach.field) == (rule, field)
    assert values.items() <= breach.values.items()


def test_a_passing_score_equal_to_the_highest_is_reachable() -> None:
    assert rule_breaches({**SPEC, "passing_score": "35"}) == []
    assert rule_breaches({**SPEC, "formula": "percent_of_maximum", "passing_score": "100/1"}) == []
