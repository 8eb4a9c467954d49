"""The compatibility policy (docs/CONTRACTS.md), enforced: today's contracts against the last release's committed
schemas, what the checker calls breaking and what it lets through, and a reader built from earlier schemas reading
today's messages.

The checker's cases use pairs of small contracts whose difference is the one named in the test; the expected
findings are written out by hand.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal

import jsonschema
import pytest
from pydantic import Field, field_serializer

from kyodo_contracts import Contract, ContractModel
from kyodo_contracts.compat import check, compare, load_release
from kyodo_contracts.registry import GroupProfile, GroupRegistered
from kyodo_contracts.schemas import published_schemas, schema_of

ROOT = Path(__file__).resolve().parents[2]
# Formats (uuid, date, date-time) checked too, as a careful reader would.
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER
RELEASE = ROOT / "docs" / "contracts"
EARLY_V1 = ROOT / "tests" / "fixtures" / "contracts-early-v1"
TODAY = date(2027, 4, 1)


@pytest.mark.smoke
def test_todays_contracts_break_nothing_the_last_release_published() -> None:
    released, committed = load_release(RELEASE)
    report = check(committed, published_schemas(), TODAY)
    assert report.breaking == [], (
        f"breaking changes against release {released}: keep the released version and publish a new one "
        "(docs/CONTRACTS.md); `kyodo contracts check` lists them"
    )


def test_the_committed_release_has_one_schema_file_per_type_it_lists() -> None:
    listed = set(json.loads((RELEASE / "release.json").read_text())["types"])
    assert {p.stem for p in RELEASE.glob("jp.kyodo.*.json")} == listed


# --- the checker, case by case ---------------------------------------------------------------------------------


class Inner(ContractModel):
    a: int


class Colour(StrEnum):
    RED = "red"


class Base(Contract):
    event_name: ClassVar[str] = "test.thing.happened"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A thing happened."

    thing_id: str
    count: int = Field(ge=0, description="How many.")
    note: str | None = None
    inner: Inner
    colour: Colour


def changes(new: type[Contract], old: type[Contract] = Base) -> list[tuple[str, str, bool]]:
    return [(c.path, c.kind, c.breaking) for c in compare("t", schema_of(old), schema_of(new))]


def test_the_same_contract_with_other_descriptions_has_no_changes() -> None:
    class Described(Base):
        count: int = Field(ge=0, description="How many things, counted by hand.")

    assert changes(Described) == []


def test_an_optional_field_added_is_compatible_also_inside_a_nested_value() -> None:
    class InnerPlus(ContractModel):
        a: int
        b: str | None = None

    class Added(Base):
        inner: InnerPlus  # type: ignore[assignment]
        extra: str | None = None

    assert sorted(changes(Added)) == [("extra", "added", False), ("inner.b", "added", False)]


def test_a_required_field_added_is_breaking() -> None:
    class Added(Base):
        extra: str

    assert changes(Added) == [("extra", "added as required", True)]


def test_a_field_removed_or_renamed_is_breaking() -> None:
    class Renamed(Contract):
        event_name: ClassVar[str] = "test.thing.happened"
        version: ClassVar[int] = 1
        summary: ClassVar[str] = "A thing happened."

        thing: str
        count: int = Field(ge=0)
        note: str | None = None
        inner: Inner
        colour: Colour

    assert changes(Renamed) == [("thing_id", "removed", True), ("thing", "added as required", True)]


def test_a_field_retyped_is_breaking_also_inside_an_optional() -> None:
    class Retyped(Base):
        count: str  # type: ignore[assignment]
        note: int | None = None  # type: ignore[assignment]

    found = changes(Retyped)
    assert ("count", "retyped", True) in found
    assert ("note", "retyped", True) in found
    assert ("count", "constraint changed", True) in found  # its minimum went with its type


def test_optional_becoming_required_and_required_becoming_optional_are_breaking() -> None:
    class Swapped(Base):
        thing_id: str | None = None  # type: ignore[assignment]
        note: str  # type: ignore[assignment]

    found = changes(Swapped)
    assert ("thing_id", "became optional", True) in found
    assert ("note", "became required", True) in found


def test_an_enum_value_added_or_a_constraint_changed_is_breaking() -> None:
    class Wider(StrEnum):
        RED = "red"
        BLUE = "blue"

    class Changed(Base):
        colour: Wider  # type: ignore[assignment]
        count: int = Field(ge=1)

    assert sorted(changes(Changed)) == [("colour", "enum changed", True), ("count", "constraint changed", True)]


def test_a_new_version_needs_the_old_one_deprecated_until_a_31_march_at_least_a_year_away() -> None:
    class V2(Base):
        version: ClassVar[int] = 2

    def v1_until(day: date) -> type[Contract]:
        class DeprecatedV1(Base):
            deprecated_until: ClassVar[date | None] = day
            superseded_by: ClassVar[str | None] = "jp.kyodo.test.thing.happened.v2"

        return DeprecatedV1

    v1, v2 = Base.ce_type(), V2.ce_type()

    def kinds(old_v1: type[Contract], today: date) -> list[tuple[str, str, bool]]:
        report = check({v1: schema_of(Base)}, {v1: schema_of(old_v1), v2: schema_of(V2)}, today)
        return [(c.ce_type, c.kind, c.breaking) for c in report.changes]

    assert kinds(Base, date(2027, 3, 31)) == [(v2, "new", False), (v1, "no deprecation date", True)]
    # 2028-03-31 is a year after 2027-03-31, and a day short of a year after 2027-04-01.
    assert kinds(v1_until(date(2028, 3, 31)), date(2027, 3, 31)) == [(v2, "new", False)]
    assert kinds(v1_until(date(2028, 3, 31)), date(2027, 4, 1)) == [
        (v2, "new", False),
        (v1, "deprecation date", True),
    ]
    assert kinds(v1_until(date(2029, 6, 30)), date(2027, 4, 1)) == [
        (v2, "new", False),
        (v1, "deprecation date", True),
    ]


def test_a_released_version_may_be_withdrawn_only_after_its_deprecation_date() -> None:
    class V2(Base):
        version: ClassVar[int] = 2

    class DeprecatedV1(Base):
        deprecated_until: ClassVar[date | None] = date(2027, 3, 31)
        superseded_by: ClassVar[str | None] = "jp.kyodo.test.thing.happened.v2"

    v1, v2 = Base.ce_type(), V2.ce_type()
    released = {v1: schema_of(DeprecatedV1), v2: schema_of(V2)}
    early = check(released, {v2: schema_of(V2)}, date(2027, 3, 31))
    assert [(c.ce_type, c.kind) for c in early.breaking] == [(v1, "withdrawn")]
    after = check(released, {v2: schema_of(V2)}, date(2027, 4, 1))
    assert after.ok
    assert [(c.ce_type, c.kind) for c in after.compatible] == [(v1, "retired")]


def test_a_contract_moved_to_another_subject_or_written_unlike_its_schema_is_breaking() -> None:
    class Moved(Base):
        subject_template: ClassVar[str] = "{namespace}.elsewhere.{thing_id}"

    class Excluded(Base):
        note: str | None = Field(default=None, exclude=True)

    class Serialized(Base):
        @field_serializer("count")
        def as_text(self, count: int) -> str:
            return f"{count}件"

    t = Base.ce_type()
    for new, kind in ((Moved, "moved"), (Excluded, "wire differs"), (Serialized, "wire differs")):
        report = check({t: schema_of(Base)}, {t: schema_of(new)}, TODAY)
        assert kind in [c.kind for c in report.breaking], new.__name__


def test_a_recursive_model_reordered_alternatives_and_enum_values_are_no_change() -> None:
    class Node(ContractModel):
        name: str
        children: list[Node] = Field(default_factory=list)

    class Tree(Base):
        root: Node | None = None
        either: int | str = 0

    class Shade(StrEnum):
        BLUE = "blue"
        RED = "red"

    class Same(Base):
        root: Node | None = None
        either: str | int = 0
        colour: Shade  # type: ignore[assignment]

    class Wider(StrEnum):
        RED = "red"
        BLUE = "blue"

    class Before(Base):
        root: Node | None = None
        either: int | str = 0
        colour: Wider  # type: ignore[assignment]

    assert changes(Tree, Tree) == []
    assert changes(Same, Before) == []


class Delivery(StrEnum):
    POST = "post"
    EMAIL = "email"


def test_a_default_changed_on_any_field_sharing_an_enum_is_breaking() -> None:
    """The default sits beside the enum's `$ref`; the second field using the enum is compared like the first."""

    class Twice(Base):
        first: Delivery = Delivery.POST
        second: Delivery = Delivery.POST

    class SecondChanged(Base):
        first: Delivery = Delivery.POST
        second: Delivery = Delivery.EMAIL

    assert changes(SecondChanged, Twice) == [("second", "constraint changed", True)]


class Cat(ContractModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(ContractModel):
    kind: Literal["dog"] = "dog"
    bark: str


def test_models_of_a_union_pair_by_their_tags_so_reordering_them_is_no_change_but_changing_one_is_breaking() -> None:
    class Pets(Base):
        pet: Cat | Dog

    class Reordered(Base):
        pet: Dog | Cat

    class Barkless(ContractModel):
        kind: Literal["dog"] = "dog"
        bark: int

    class Changed(Base):
        pet: Barkless | Cat

    assert changes(Reordered, Pets) == []
    assert changes(Changed, Pets) == [("pet.bark", "retyped", True)]


# --- readers built from earlier schemas ------------------------------------------------------------------------


def todays_registered() -> dict[str, Any]:
    """Today's GroupRegistered with every field filled in, as the relay publishes it (JSON)."""
    profile = GroupProfile(
        name="こくぶんじ子ども食堂",
        purpose="地域の子どもに食事と居場所を",
        fields_of_activity=["子ども", "福祉"],
        area="本町",
        founded=date(2019, 4, 1),
        members_count=12,
        website="https://example.org",
    )
    registered = GroupRegistered(
        group_id="6b1c7a52-3f1e-4d0a-9b8e-2c4d5e6f7a8b",  # type: ignore[arg-type]
        profile=profile,
        representative_sub="rep-1",
        renewal_due=date(2028, 3, 31),
    )
    return dict(json.loads(registered.model_dump_json()))


def test_the_first_v1_additions_are_optional_fields_and_a_reader_built_from_those_schemas_reads_todays_messages() -> (
    None
):
    """GroupProfile gained founded, members_count and website and GroupRegistered renewal_due after the first v1
    schemas; the policy keeps them as optional additions to v1. A reader validating against the earlier schemas (as
    one built in another language would) accepts today's message and finds every field it knows.
    """
    _, early = load_release(EARLY_V1)
    report = check(early, {t: s for t, s in published_schemas().items() if t in early}, TODAY)
    assert report.breaking == []
    assert {c.path for c in report.compatible if c.ce_type == GroupRegistered.ce_type()} == {
        "renewal_due",
        "profile.founded",
        "profile.members_count",
        "profile.website",
    }
    body = todays_registered()
    jsonschema.Draft202012Validator(early[GroupRegistered.ce_type()], format_checker=FORMATS).validate(body)
    assert {k: body["profile"][k] for k in ("name", "purpose", "fields_of_activity", "area")} == {
        "name": "こくぶんじ子ども食堂",
        "purpose": "地域の子どもに食事と居場所を",
        "fields_of_activity": ["子ども", "福祉"],
        "area": "本町",
    }


def test_a_reader_of_the_last_release_reads_a_message_carrying_a_field_added_after_it() -> None:
    _, committed = load_release(RELEASE)
    body = {**todays_registered(), "added_in_a_later_release": {"any": "shape"}}
    jsonschema.Draft202012Validator(committed[GroupRegistered.ce_type()], format_checker=FORMATS).validate(body)
    assert GroupRegistered.model_validate(body).representative_sub == "rep-1"


def test_a_producer_cannot_build_a_contract_with_a_field_it_does_not_declare() -> None:
    data = {**todays_registered(), "renewal": "2028-03-31"}
    with pytest.raises(ValueError, match="renewal"):
        GroupRegistered.produce(data)
    nested = {**todays_registered(), "profile": {**todays_registered()["profile"], "mail": "x@example.org"}}
    with pytest.raises(ValueError, match="mail"):
        GroupRegistered.produce(nested)
