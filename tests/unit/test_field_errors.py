"""Field errors name the limit in Japanese as pydantic's English does, and never echo what was submitted."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from kyodo_shared.web.problems import field_errors
from kyodo_shared.web.schemas import Strict


class Form(BaseModel):
    name: str = Field(default="ok", min_length=2, max_length=5)
    tags: list[str] = Field(default_factory=list, max_length=2)
    members: int = Field(default=3, ge=1, le=100)
    weight: int = Field(default=3, gt=0, lt=10)


def _errors(**data: Any) -> dict[str, dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Form(**data)
    return {e["field"]: e for e in field_errors(caught.value.errors())}


@pytest.mark.parametrize(
    ("data", "field", "reason_ja", "limit_en"),
    [
        ({"name": "とても長い団体名です"}, "name", "5文字以内で入力してください", "5"),
        ({"name": "a"}, "name", "2文字以上で入力してください", "2"),
        ({"tags": ["a", "b", "c"]}, "tags", "2件以内で指定してください", "2"),
        ({"members": 101}, "members", "100以下の値を指定してください", "100"),
        ({"members": 0}, "members", "1以上の値を指定してください", "1"),
        ({"weight": 10}, "weight", "10未満の値を指定してください", "10"),
        ({"weight": 0}, "weight", "0より大きい値を指定してください", "0"),
    ],
)
def test_a_limit_error_names_the_limit_in_both_languages(
    data: dict[str, Any], field: str, reason_ja: str, limit_en: str
) -> None:
    error = _errors(**data)[field]
    assert error["reason_ja"] == reason_ja
    assert limit_en in error["reason_en"]


def test_a_reason_never_quotes_the_submitted_value() -> None:
    error = _errors(name="秘密の入力値です")["name"]
    assert "秘密" not in error["reason_ja"]
    assert "秘密" not in error["reason_en"]


def test_a_missing_field_keeps_its_plain_reason() -> None:
    class Required(BaseModel):
        title: str

    with pytest.raises(ValidationError) as caught:
        Required()  # type: ignore[call-arg]
    assert field_errors(caught.value.errors())[0]["reason_ja"] == "必須項目です"


class Notice(Strict):
    title: str
    sections: list[dict[str, str]] = Field(default_factory=list)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "改行\x0bあり"}, "title"),  # Shift+Enter from a word processor
        ({"title": "題\x00名"}, "title"),  # PostgreSQL's text refuses a NUL
        ({"title": "ok", "sections": [{"body": "ok"}, {"body": "\x1b[31m"}]}, "sections.1.body"),
        ({"title": "ok", "sections": [{"ke\x7fy": "ok"}]}, "sections.0.ke\x7fy"),
    ],
)
def test_a_control_character_anywhere_in_a_body_is_refused_naming_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Notice.model_validate(data)
    (error,) = field_errors(caught.value.errors())
    assert error["field"] == field
    assert error["code"] == "control_character"
    assert "制御文字" in error["reason_ja"]
    assert "\x0b" not in error["reason_en"]
    assert "\x00" not in error["reason_en"]


def test_line_breaks_and_tabs_are_text() -> None:
    assert Notice.model_validate({"title": "一行目\r\n二行目\tタブ"}).title == "一行目\r\n二行目\tタブ"
