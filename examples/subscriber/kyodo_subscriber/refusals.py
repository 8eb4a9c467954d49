"""Start refusals: what an operator must set or fix before the subscriber may consume. The exception's message says
what to do; the subscriber reports it as one line and exits 1 (app.py, __main__.py), never with a traceback.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("kyodo_subscriber")


class StartRefused(RuntimeError):
    """The base of the kit's start refusals: NATS unreachable or untrusted, a consumer missing, misconfigured or
    ahead of the database, a source's history changed, a database of a newer kit."""


def report(exc: StartRefused) -> None:
    """The refusal as the kit's event, for whoever collects its log, and as one line an operator reads whatever the
    log level; the class name stays in it, as the README names the refusals by it."""
    name = type(exc).__name__
    log.error("start_refused error=%s: %s", name, exc)
    print(f"kyodo_subscriber: cannot start ({name}): {exc}", file=sys.stderr, flush=True)
