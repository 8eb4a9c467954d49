"""RFC 8785 canonical JSON: the RFC's own examples, ECMAScript number formatting, UTF-16 key order, escapes."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from kyodo_shared.audit.jcs import MAX_SAFE_INTEGER, canonicalize, number_text, parse


def test_canonicalizes_the_rfc_8785_main_example() -> None:
    # RFC 8785 §3.2.2, written as its JSON input text.
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize(parse(text)) == expected.encode("utf-8")


def test_sorts_object_keys_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: the emoji's surrogates (U+D83D…) sort before U+FB33, unlike Python's code-point order.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys_in_output = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    expected = "{" + ",".join(canonicalize(k).decode() + ":" + canonicalize(value[k]).decode() for k in keys_in_output)
    assert canonicalize(value) == (expected + "}").encode("utf-8")
    assert sorted(value) != keys_in_output  # the case where code-point order would be wrong


def test_sorts_nested_objects_and_keeps_array_order() -> None:
    value = parse(
        '{"1": {"f": {"f": "hi", "F": 5}, "\\n": 56.0}, "10": {}, "": "empty", "a": {}, '
        '"111": [{"e": "yes", "E": "no"}], "A": {}}'
    )
    assert canonicalize(value) == (
        b'{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}'
    )


@pytest.mark.parametrize(
    ("ieee754", "expected"),
    [
        # RFC 8785 Appendix B, given as the doubles' bit patterns.
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("ffefffffffffffff", "-1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"),
        ("c340000000000000", "-9007199254740992"),
        ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"),
        ("44b52d02c7e14af6", "1e+23"),
        ("44b52d02c7e14af7", "1.0000000000000001e+23"),
        ("444b1ae4d6e2ef4e", "999999999999999700000"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555553", "333333333.3333332"),
        ("41b3de4355555554", "333333333.33333325"),
        ("41b3de4355555555", "333333333.3333333"),
        ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"),
        ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ],
)
def test_writes_the_rfc_8785_appendix_b_numbers_as_ecmascript_does(ieee754: str, expected: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(ieee754))
    assert number_text(value) == expected
    assert canonicalize([value]) == f"[{expected}]".encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e30", "1e+30"),
        ("4.50", "4.5"),
        ("2e-3", "0.002"),
        ("0.000001", "0.000001"),
        ("1e-7", "1e-7"),
        ("333333333.33333329", "333333333.3333333"),
        ("-0.0", "0"),
        ("1.0", "1"),
        ("100.0", "100"),
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("123e18", "123000000000000000000"),
        ("1.5e300", "1.5e+300"),
        ("-1.25e-8", "-1.25e-8"),
        ("0.1", "0.1"),
    ],
)
def test_reads_json_numbers_and_writes_them_in_ecmascript_form(text: str, expected: str) -> None:
    assert canonicalize(parse(text)) == expected.encode()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_refuses_nan_and_infinity(value: float) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        canonicalize({"x": value})


@pytest.mark.parametrize("text", ["1E400", "-1e400", "NaN", "Infinity", "[-Infinity]"])
def test_refuses_numbers_outside_json_when_reading(text: str) -> None:
    with pytest.raises(ValueError, match=r"not JSON|out of the range"):
        parse(text)


def test_refuses_duplicate_keys_when_reading() -> None:
    with pytest.raises(ValueError, match="duplicate key"):
        parse('{"a": 1, "a": 2}')


def test_accepts_integers_within_the_i_json_range() -> None:
    assert canonicalize([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0, -7]) == b"[9007199254740991,-9007199254740991,0,-7]"


@pytest.mark.parametrize("value", [2**53, -(2**53), 10**30])
def test_refuses_integers_that_i_json_cannot_carry_exactly(value: int) -> None:
    with pytest.raises(ValueError, match="I-JSON"):
        canonicalize({"n": value})


def test_an_integer_and_the_equal_float_canonicalize_alike() -> None:
    assert canonicalize({"a": 1, "b": 250}) == canonicalize({"a": 1.0, "b": 2.5e2})


def test_writes_booleans_as_literals_not_numbers() -> None:
    assert canonicalize([True, False, None]) == b"[true,false,null]"


def test_escapes_only_what_json_requires() -> None:
    value = '"\\/\b\f\n\r\t\x00\x1f\x7f é日本🎉'
    expected = '"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f é日本🎉"'
    assert canonicalize(value) == expected.encode("utf-8")


def test_writes_other_control_characters_with_lower_case_hex() -> None:
    assert canonicalize("\x0b\x1a") == b'"\\u000b\\u001a"'


def test_writes_non_ascii_as_utf8_without_escaping() -> None:
    assert canonicalize({"名前": "本町ふれあい食堂"}) == '{"名前":"本町ふれあい食堂"}'.encode()


@pytest.mark.parametrize("value", ["\ud800", {"\udfff": 1}])
def test_refuses_strings_with_lone_surrogates(value: Any) -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        canonicalize(value)


@pytest.mark.parametrize("value", [{1: "a"}, {"a": b"bytes"}, {"a": {1, 2}}, object()])
def test_refuses_values_that_are_not_json(value: Any) -> None:
    with pytest.raises(TypeError):
        canonicalize(value)


def test_writes_no_whitespace_and_accepts_tuples_as_arrays() -> None:
    assert canonicalize({"b": (1, [2, {}]), "a": []}) == b'{"a":[],"b":[1,[2,{}]]}'
