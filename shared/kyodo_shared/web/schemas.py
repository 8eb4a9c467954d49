"""What every request body shares: strict parsing (an unknown field is an error, surrounding spaces are trimmed) and
text free of control characters — which the query and path parameters of every API route share too (web.routes)."""

from __future__ import annotations

import re
import types
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from kyodo_shared.web.problems import rule_error

# Control characters (Unicode category Cc) but the tab, line feed and carriage return, and the two noncharacters
# XML forbids. A vertical tab is what a word processor writes for Shift+Enter: pasted into a title it would make the
# Atom feed unwritable, and a NUL is refused by PostgreSQL's text columns (a projection would stop on it).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD reaches the date parser: pydantic would read a number (`?on=7e-69`) as a Unix time."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise rule_error("date_parsing", "日付は YYYY-MM-DD の形式で入力してください", "Enter a date as YYYY-MM-DD")


# A calendar date as a query parameter takes: ISO 8601's YYYY-MM-DD, as the OpenAPI document says, and nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def has_control_character(text: str) -> bool:
    """Whether text holds a character refused in what a client sends (see `_CONTROL`)."""
    return _CONTROL.search(text) is not None


def control_character_error(field: str = "") -> PydanticCustomError:
    """The refusal of a control character, naming the field that holds one."""
    return rule_error(
        "control_character",
        "使用できない制御文字が含まれています (改行とタブのみ使えます)",
        "Contains a control character (only line breaks and tabs are allowed)",
        field,
    )


def _control_character_at(value: Any, path: str) -> str | None:
    """The dotted path of the first string in the body holding a control character (or of its key), else None."""
    if isinstance(value, str):
        return path if _CONTROL.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _CONTROL.search(key):
                return here
            found = _control_character_at(item, here)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _control_character_at(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _temporal(annotation: Any) -> type | None:
    """The date or datetime type a field's annotation names (alone, Annotated or with None), else None."""
    if annotation in (date, datetime):
        return annotation  # type: ignore[no-any-return]
    if get_origin(annotation) in (Annotated, Union, types.UnionType):
        for argument in get_args(annotation):
            found = _temporal(argument)
            if found is not None:
                return found
    return None


@cache
def _temporal_fields(model: type[BaseModel]) -> tuple[tuple[str, type], ...]:
    """The body's date and datetime fields by the name a client sends, with their type (once per model)."""
    fields = []
    for name, info in model.model_fields.items():
        kind = _temporal(info.annotation)
        if kind is not None:
            fields.append((info.alias or name, kind))
    return tuple(fields)


def _number_as_time(model: type[BaseModel], data: dict[str, Any]) -> PydanticCustomError | None:
    """A number where the body takes a date or a date and time: pydantic would read it as a Unix time (seconds or
    milliseconds), a value the client most likely did not mean; a date is written as text, as the document says."""
    for field, kind in _temporal_fields(model):
        value = data.get(field)
        if isinstance(value, int | float):  # bool too
            if kind is date:
                return rule_error(
                    "date_parsing", "日付は YYYY-MM-DD の形式で入力してください", "Enter a date as YYYY-MM-DD", field
                )
            return rule_error(
                "datetime_parsing",
                "日時は ISO 8601 の形式 (例: 2027-04-01T17:00:00+09:00) で入力してください",
                "Enter a date and time in ISO 8601 (for example 2027-04-01T17:00:00+09:00)",
                field,
            )
    return None


class Strict(BaseModel):
    """The base of every request body: a misspelt field is refused (422 naming it), never silently ignored; a
    control character anywhere in its text is refused (422 naming the field), before anything is stored; a date
    given as a number is refused (422 naming the field), not read as a Unix time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        field = _control_character_at(data, "") if isinstance(data, dict) else None
        if field is not None:
            raise control_character_error(field)
        number = _number_as_time(cls, data) if isinstance(data, dict) else None
        if number is not None:
            raise number
        return data
