"""`python -m kyodo_subscriber parked list|retry|skip`: the operator's view of parked messages.

Works on the database while the subscriber runs: a running subscriber notices a retry or a skip within
KYODO_SUB_PARK_RECHECK seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kyodo_subscriber.settings import Settings, source_uri
from kyodo_subscriber.store import Store


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m kyodo_subscriber")
    commands = parser.add_subparsers(dest="command", required=True)
    parked = commands.add_parser("parked", help="messages that failed max_failures times")
    actions = parked.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list parked messages (no bodies: ids, types, error classes)")
    listing.add_argument("source", nargs="?", help="e.g. registry or /kyodo/registry")
    for name, text in (
        ("retry", "deliver the parked message again with a fresh failure budget (after deploying a fix)"),
        ("skip", "move past the parked message without its effect; the skip is recorded"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("source", help="e.g. registry or /kyodo/registry")
        action.add_argument("sequence", type=int)
    args = parser.parse_args(argv)

    store = Store(Settings.from_env().db_path)
    try:
        if args.action == "list":
            rows = store.parked(source_uri(args.source) if args.source else None)
            for p in rows:
                print(
                    f"{p.source}\t{p.sequence}\t{p.event_type}\t{p.event_id}\t{p.error_class}\t"
                    f"failures={p.failures}\t{p.parked_at}"
                )
            if not rows:
                print("no parked messages", file=sys.stderr)
            return 0
        try:
            (store.retry if args.action == "retry" else store.skip)(source_uri(args.source), args.sequence)
        except LookupError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"{args.action}: {source_uri(args.source)} #{args.sequence}")
        return 0
    finally:
        store.close()
