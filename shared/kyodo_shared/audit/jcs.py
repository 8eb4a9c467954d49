"""RFC 8785 JSON Canonicalization Scheme (JCS): one byte string per JSON value, so hashes and signatures over
JSON can be recomputed by anyone, in any language, from the value alone.

Three rules differ from `json.dumps(sort_keys=True)`, and each matters for interoperability:
numbers are written as ECMAScript writes them (`1e+30`, `0.002`, `4.5`), object keys are ordered by UTF-16
code units (as JavaScript compares strings), and only the escapes JSON requires are used (non-ASCII stays as
UTF-8).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# I-JSON (RFC 7493 §2.2): beyond ±(2**53 - 1) an integer may silently change in a reader using IEEE doubles,
# and 2**53 itself is indistinguishable from 2**53 + 1 there, so refusing is the only exact answer.
MAX_SAFE_INTEGER = 2**53 - 1

# The escapes JSON names; any other character below U+0020 becomes \u00xx (lower-case hex, RFC 8785 §3.2.2.2).
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON-compatible value.

    Accepts mappings with str keys, lists and tuples, str, int, float, bool and None. Raises ValueError for
    NaN, infinities, integers outside I-JSON's exact range and strings that are not valid Unicode (lone
    surrogates); TypeError for anything that is not JSON.
    """
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def parse(text: str | bytes) -> Any:
    """Read I-JSON (RFC 7493) strictly: duplicate keys, NaN/Infinity and numbers that overflow a double (1E400)
    raise ValueError, since each would leave readers disagreeing about the value a hash or signature covers.
    """
    return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant, parse_float=_finite)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"duplicate key {key!r}")
        found[key] = value
    return found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of the range of a JSON number")
    return value


def _write(value: Any, out: list[str]) -> None:
    # bool before int: True is an int in Python but a literal in JSON.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(_integer(value))
    elif isinstance(value, float):
        out.append(number_text(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        _object(value, out)
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")


def _object(value: Mapping[Any, Any], out: list[str]) -> None:
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"object keys must be str, not {type(key).__name__}")
    out.append("{")
    for index, key in enumerate(sorted(value, key=_utf16_units)):
        if index:
            out.append(",")
        out.append(_string(key))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def _utf16_units(key: str) -> bytes:
    """Sort key: big-endian UTF-16 bytes compare exactly as the code units do (RFC 8785 §3.2.3).

    Python orders str by code point, which differs once a key holds characters above U+FFFF: their surrogates
    (U+D800–U+DFFF) sort before U+E000–U+FFFF in UTF-16.
    """
    return _valid(key).encode("utf-16-be")


def _valid(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"string is not valid Unicode (lone surrogate at {error.start})") from None
    return text


def _string(text: str) -> str:
    _valid(text)
    escaped = []
    for char in text:
        if char in _SHORT_ESCAPES:
            escaped.append(_SHORT_ESCAPES[char])
        elif char < " ":
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _integer(value: int) -> str:
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"integer {value} is outside ±(2**53 - 1) and cannot be carried exactly by I-JSON")
    # Within this range an ECMAScript Number prints exactly as the integer's decimal digits.
    return str(value)


def number_text(value: float) -> str:
    """ECMAScript Number::toString (ECMA-262 §6.1.6.1.20), which RFC 8785 §3.2.2.3 prescribes for numbers."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{value} is not a JSON number")
    if value == 0:
        return "0"  # -0 as well
    sign = "-" if value < 0 else ""
    # repr() gives the shortest digit string that reads back as the same double, choosing the nearest when
    # several are equally short: exactly the digits ECMAScript asks for. Only the layout differs.
    decimal = Decimal(repr(abs(value)))
    _, digit_tuple, exponent = decimal.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)
    k = len(digits)
    n = exponent + k  # the value is 0.<digits> × 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text
