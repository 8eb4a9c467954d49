"""`python -m kyodo_subscriber parked list|retry|skip|skip-gap`: the operator's view of parked messages and gaps.

Works on the database while the subscriber runs: a running subscriber notices a retry or a skip within
KYODO_SUB_PARK_RECHECK (a skipped gap within KYODO_SUB_HOLD_DELAY) seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kyodo_subscriber.settings import Settings, source_uri
from kyodo_subscriber.store import Store

ACTIONS = {
    "retry": "deliver the parked message again with a fresh failure budget (after deploying a fix)",
    "skip": "move past the parked message without its effect; the skip is recorded",
    "skip-gap": "move past a missing sequence recorded as a gap (the stream no longer holds it); recorded as a skip",
}


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m kyodo_subscriber")
    commands = parser.add_subparsers(dest="command", required=True)
    parked = commands.add_parser("parked", help="messages that failed max_failures times, and gaps held too long")
    actions = parked.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list parked messages (no bodies: ids, types, error classes) and gaps")
    listing.add_argument("source", nargs="?", help="e.g. registry or /kyodo/registry")
    for name, text in ACTIONS.items():
        action = actions.add_parser(name, help=text)
        action.add_argument("source", help="e.g. registry or /kyodo/registry")
        action.add_argument("sequence", type=int)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    store = Store(settings.db_path, busy_timeout=settings.db_busy_timeout)
    try:
        if args.action == "list":
            return _list(store, source_uri(args.source) if args.source else None)
        act = {"retry": store.retry, "skip": store.skip, "skip-gap": store.skip_gap}[args.action]
        try:
            act(source_uri(args.source), args.sequence)
        except LookupError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"{args.action}: {source_uri(args.source)} #{args.sequence}")
        return 0
    finally:
        store.close()


def _list(store: Store, source: str | None) -> int:
    rows = store.parked(source)
    for p in rows:
        print(
            f"{p.source}\t{p.sequence}\t{p.event_type}\t{p.event_id}\t{p.error_class}\t"
            f"failures={p.failures}\t{p.parked_at}"
        )
    gaps = store.gaps(source)
    for g in gaps:
        # A gap line names the missing sequence; the message held behind it is not parked, only waiting.
        print(f"{g.source}\t{g.expected}\tgap\tmissing, held={g.held}\t{g.noticed_at}")
    if not rows and not gaps:
        print("no parked messages and no gaps", file=sys.stderr)
    return 0
