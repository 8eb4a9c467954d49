"""Conditional updates over HTTP (RFC 9110 §13.1.1 `If-Match`): the one parser every service's routes use, through
`web.routes.expected_version`; the application then checks the version it loaded (`domain.refusals.check_version`).

Our ETags are strong and name an aggregate's version, `"3"`; a client sends back what it received. Every update
names the version it saw, so two people editing the same record cannot silently overwrite each other.

- `If-Match: *` matches any current representation (and nothing when there is none).
- A list — `"2", "3"`, or several `If-Match` field lines, which HTTP combines into one list (§5.3) — matches when
  any member matches.
- A weak tag such as `W/"3"` NEVER matches: If-Match requires the strong comparison (§8.8.3.2). It is well-formed,
  so it is not an error; it simply cannot satisfy the condition (412).
- A well-formed tag that names no version of ours (`"abc"`, `"03"`) never matches either (412).
- No `If-Match` on an update: 428 `precondition_required` (RFC 6585) — a blind overwrite is refused, not risked.
- A value that is neither `*` nor a list of entity-tags (`3` unquoted, `"3` unterminated, `*, "3"`, nothing at
  all): 400 `invalid_if_match`. Answering 412 there would send the client refetching and failing in a loop.

No message echoes the header: what a client sent never reaches a response or a log. The wording of the three
answers is in the kernel's message table (`web.messages`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request

from kyodo_shared.domain.refusals import Refusal

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text; lists allow empty elements and
# optional whitespace around commas (§5.6.1). Starlette decodes header bytes as latin-1, so obs-text is \x80-\xff.
_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(,|\Z)')
# The versions our ETags name: canonical decimal, as `etag_of` writes them (strong comparison is exact, so "03"
# is not "3"), and short enough that no header can make us parse a huge number.
_VERSION = re.compile(r"0|[1-9][0-9]{0,17}")


def etag_of(version: int) -> str:
    """The strong ETag of an aggregate version, as every service sends it."""
    return f'"{version}"'


@dataclass(frozen=True)
class IfMatch:
    """A parsed `If-Match`: `*`, or the versions its strong tags name (weak and foreign tags are left out)."""

    any: bool
    versions: frozenset[int]

    def matches(self, current_version: int | None) -> bool:
        """`current_version` None: the resource has no current representation, which not even `*` matches."""
        if current_version is None:
            return False
        return self.any or current_version in self.versions


def parse_if_match(value: str | None) -> IfMatch:
    """The condition a header value states; 428 when there is none, 400 when it is not an If-Match value."""
    if value is None:
        raise _required()
    if value.strip(" \t") == "*":
        return IfMatch(any=True, versions=frozenset())
    versions: set[int] = set()
    tags = 0
    position = 0
    while True:
        element = _ELEMENT.match(value, position)
        if element is None:
            raise _invalid()
        weak, opaque, separator = element.groups()
        if opaque is not None:
            tags += 1
            if weak is None and _VERSION.fullmatch(opaque):
                versions.add(int(opaque))
        if not separator:
            break
        position = element.end()
    if tags == 0:
        raise _invalid()
    return IfMatch(any=False, versions=frozenset(versions))


def if_match(request: Request) -> IfMatch:
    """The request's condition, from all of its If-Match field lines."""
    lines = request.headers.getlist("if-match")
    return parse_if_match(", ".join(lines) if lines else None)


def _required() -> Refusal:
    return Refusal("precondition_required")


def _invalid() -> Refusal:
    return Refusal("invalid_if_match")
