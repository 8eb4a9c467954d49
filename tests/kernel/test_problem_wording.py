"""The words a refused input gets, in the API's problem and beside a page's field alike: a field left blank is
asked for ("入力してください" / "Choose one"), not described by the type it should have had; a role refusal names
the roles as people know them."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

import pytest
from pydantic import BaseModel, EmailStr, Field, ValidationError

from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.web.auth import AuthError, require_role
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.problems import field_errors


class Form(StrEnum):
    COHOST = "cohost"


class Sample(BaseModel):
    name: str = Field(min_length=1)
    count: int
    form: Form
    department_id: UUID
    email: EmailStr


def reasons(**values: object) -> dict[str, tuple[str, str]]:
    body = {"name": "会", "count": 1, "form": "cohost", "department_id": str(UUID(int=1)), "email": "a@example.jp"}
    with pytest.raises(ValidationError) as refused:
        Sample.model_validate({**body, **values})
    return {
        e["field"]: (e["reason_ja"], e["reason_en"]) for e in field_errors([dict(e) for e in refused.value.errors()])
    }


def test_a_blank_text_or_number_asks_for_a_value() -> None:
    assert reasons(name="", count="") == {
        "name": ("入力してください", "Enter a value"),
        "count": ("入力してください", "Enter a value"),
    }


def test_a_choice_left_unchosen_asks_to_choose_one() -> None:
    assert reasons(form="", department_id="") == {
        "form": ("選んでください", "Choose one"),
        "department_id": ("選んでください", "Choose one"),
    }


def test_a_value_given_but_wrong_keeps_the_types_wording() -> None:
    found = reasons(count="many", form="other", department_id="x")
    assert found["count"][0] == "整数で指定してください"
    assert found["form"][0] == "選択肢にない値です"
    assert found["department_id"][0] == "UUID の形式で指定してください"


def test_a_malformed_email_address_is_said_so_in_both_languages() -> None:
    assert reasons(email="hanako")["email"] == (
        "メールアドレスの形式が正しくありません",
        "Enter an e-mail address such as name@example.jp",
    )


def test_a_role_refusal_names_the_roles_in_japanese_and_by_their_codes_in_english() -> None:
    with pytest.raises(AuthError) as refused:
        require_role(Principal("rep-1", frozenset({Role.GROUP})), Role.STAFF, Role.COORDINATOR)
    problem = MessageTable({}).problem(refused.value.code, refused.value.data)
    assert problem.status == 403
    assert problem.detail_ja == "この操作には次のいずれかの役割が必要です：市職員、協働コーディネーター"
    assert problem.detail_en == "This action requires one of the roles: staff, coordinator"
