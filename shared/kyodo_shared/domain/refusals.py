"""The one kind of refusal every service's domain raises, and the one kind of stale version.

Plain exceptions: a stable code (clients and the web layer's message table key on it) and the data a message needs.
They carry no HTTP status and no wording — the web layer maps codes to problem+json in Japanese and English
(`kyodo_shared.web.messages`), so a domain model can be used, and tested, without any web framework.
"""

from __future__ import annotations


class Refusal(Exception):
    """A command the current state or the rules do not allow; it stored nothing.

    `data` holds what the message names (a state, the kind of thing not found): identifiers chosen by the code,
    never submitted text, so a message can never echo a caller's input.
    """

    def __init__(self, code: str, **data: str) -> None:
        super().__init__(code)
        self.code = code
        self.data = data

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.data!r})"


class StaleVersion(Exception):
    """The aggregate changed since the version the caller named (If-Match)."""

    def __init__(self, current: int) -> None:
        super().__init__(current)
        self.current = current


class Unnamed:
    """The caller named no version (no If-Match): allowed only where the aggregate does not exist yet."""

    def __repr__(self) -> str:
        return "UNNAMED"


UNNAMED = Unnamed()


class AnyCurrent:
    """`If-Match: *`: whichever version exists — but something must exist (RFC 9110 §13.1.1)."""

    def __repr__(self) -> str:
        return "ANY_CURRENT"


ANY_CURRENT = AnyCurrent()

# The versions a command may apply to, as the caller named them in If-Match: one, any of several, none named
# (UNNAMED), any existing one (ANY_CURRENT, `*`), or no check at all (None: a command the platform issues itself).
Expected = int | frozenset[int] | Unnamed | AnyCurrent | None


def check_version(current: int, expected: Expected) -> None:
    """Optimistic concurrency, in one place for every aggregate of every service (version 0: not created yet).

    Changing an existing aggregate needs the version the caller saw, so a stale read never overwrites a change.
    """
    if expected is None:
        return
    if isinstance(expected, Unnamed):
        if current:
            raise Refusal("precondition_required")
        return
    if isinstance(expected, AnyCurrent):
        if not current:
            raise StaleVersion(current)
        return
    if current not in expected if isinstance(expected, frozenset) else current != expected:
        raise StaleVersion(current)
