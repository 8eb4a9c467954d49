"""The one way an operator command refuses: a message that says what happened and what to run, never a traceback.

Commands raise `CliError`; the entry point (`cli/main.py`) prints it to stderr and exits with its code. Exit codes:
1 a check failed or the command could not do its work, 2 a usage mistake (unknown service, missing setting),
3 refused for safety (the service is running and holds its lease, another deployment's bus), 4 nothing to do yet
(a call not decided yet).
"""

from __future__ import annotations

FAILED, USAGE, REFUSED, NOT_YET = 1, 2, 3, 4


class CliError(Exception):
    """A foreseeable mistake or refusal, with what to do about it (`hint`)."""

    def __init__(self, message: str, *, hint: str | None = None, code: int = FAILED) -> None:
        super().__init__(message)
        self.message, self.hint, self.code = message, hint, code
