"""Entry point of the `kyodo` command."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kyodo_shared.observability.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyodo", description="Kyodo (協働) platform command line")
    parser.add_argument("--data-dir", type=Path, default=None, help="embedded data directory (default .kyodo)")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run every service embedded (SQLite, private nats-server)")
    up.add_argument("--port", type=int, default=8080)
    up.add_argument("--nats-port", type=int, default=14222)
    up.add_argument("--demo", action="store_true", help="seed a few realistic Kokubunji groups")

    serve = sub.add_parser("serve", help="run one service as in Kubernetes (settings from KYODO_* env)")
    serve.add_argument("service")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container listens on all interfaces
    serve.add_argument("--port", type=int, default=8000)

    token = sub.add_parser("token", help="print a development token from the embedded issuer")
    token.add_argument("--role", action="append", required=True, help="repeat for several roles")
    token.add_argument("--sub", default=None, help="subject (default: dev-<first role>)")
    token.add_argument("--ttl", type=int, default=8 * 3600)

    dlq = sub.add_parser("dlq", help="parked messages of consuming services")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    listing = dlq_sub.add_parser("list")
    listing.add_argument("--service", action="append", default=None)
    for action in ("retry", "skip"):
        act = dlq_sub.add_parser(action)
        act.add_argument("service")
        act.add_argument("source")
        act.add_argument("--reason", required=True)
        act.add_argument("--operator", default=None)

    audit = sub.add_parser("audit", help="verify or export a service's event history")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    check = audit_sub.add_parser("verify", help="by database (default), by --url of its audit API, or --export")
    check.add_argument("service")
    check.add_argument("--url", default=None, help="the service's base URL, e.g. http://127.0.0.1:8080/api/registry")
    check.add_argument("--checkpoints-url", default=None, help="published checkpoints (default: the service's)")
    check.add_argument("--export", type=Path, default=None, help="verify a `kyodo audit export` file offline")
    check.add_argument("--pin", type=Path, default=Path("kyodo-audit-pins.json"))
    recompute = audit_sub.add_parser("recompute", help="rebuild a call's ranking from the event history and compare")
    recompute.add_argument("call_id")
    recompute.add_argument("--service", default="proposals")
    recompute.add_argument("--keys", type=Path, default=None, help="published keys (the /audit/keys JSON)")
    recompute.add_argument("--json", action="store_true", help="print the report as JSON")
    rotate = audit_sub.add_parser("rotate-key", help="create the next checkpoint key (announced, then used)")
    rotate.add_argument("service")
    export = audit_sub.add_parser("export", help="write the history as JSON Lines")
    export.add_argument("service")
    export.add_argument("--url", default=None)
    export.add_argument("--output", type=Path, required=True)

    replay = sub.add_parser("replay", help="rebuild a service's read models from the streams (service stopped)")
    replay.add_argument("service")
    replay.add_argument("--from-scratch", action="store_true", help="empty the read models and start at sequence 1")
    relay = sub.add_parser("relay", help="the outbox relay")
    relay_sub = relay.add_subparsers(dest="relay_command", required=True)
    reset = relay_sub.add_parser("reset", help="re-publish the service's stream from its store (service stopped)")
    reset.add_argument("service")

    privacy = sub.add_parser("privacy", help="personal data")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", required=True)
    erase = privacy_sub.add_parser("erase", help="destroy a person's key once the retention period allows")
    erase.add_argument("person", help="the person's subject id (sub)")
    erase.add_argument("--service", action="append", required=True, help="each service holding the person's data")

    receipt = sub.add_parser("receipt", help="check a proposal's signed receipt offline")
    receipt_sub = receipt.add_subparsers(dest="receipt_command", required=True)
    verify_receipt = receipt_sub.add_parser("verify", help="RECEIPT.json --keys KEYS.json [--content CONTENT.json]")
    verify_receipt.add_argument("rest", nargs=argparse.REMAINDER)

    asyncapi = sub.add_parser("asyncapi", help="print the AsyncAPI 3 document of every published contract")
    asyncapi.add_argument("--output", type=Path, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from kyodo_shared.cli.embedded import default_data_dir

    data_dir: Path = args.data_dir or default_data_dir()
    configure_logging()
    if args.command == "up":
        from kyodo_shared.cli.embedded import run_embedded

        run_embedded(data_dir, args.port, args.nats_port, args.demo)
        return 0
    if args.command == "serve":
        from kyodo_shared.cli.serve import serve

        return serve(args.service, args.host, args.port)
    if args.command == "token":
        from kyodo_shared.web.devissuer import DevIssuer

        issuer = DevIssuer.load_or_create(data_dir / "issuer")
        print(issuer.mint(args.sub or f"dev-{args.role[0]}", args.role, ttl_seconds=args.ttl))
        return 0
    if args.command == "dlq":
        from kyodo_shared.cli.dlq import dlq_act, dlq_list
        from kyodo_shared.service import discover

        if args.dlq_command == "list":
            return dlq_list(args.service or list(discover()), data_dir)
        operator = args.operator or getpass.getuser()
        return dlq_act(args.dlq_command, args.service, args.source, args.reason, operator, data_dir)
    if args.command == "audit":
        from kyodo_shared.cli import audit as audit_cli

        if args.audit_command == "recompute":
            # The auditor's recompute is its own package, outside the kernel: the command line composes it here.
            from kyodo_recompute.cli import recompute_command

            return recompute_command(args.call_id, args.service, data_dir, args.keys, args.json)
        if args.audit_command == "rotate-key":
            return audit_cli.rotate_key(args.service, data_dir)
        if args.audit_command == "export":
            return audit_cli.export_command(args.service, args.url, args.output, data_dir)
        if args.export is not None:
            return audit_cli.verify_export(args.service, args.export, args.pin)
        return audit_cli.verify_command(args.service, args.url, args.checkpoints_url, args.pin, data_dir)
    if args.command in ("replay", "relay"):
        from kyodo_shared.cli import rebuild

        if args.command == "replay":
            return rebuild.replay(args.service, data_dir, args.from_scratch)
        return rebuild.relay_reset(args.service, data_dir)
    if args.command == "privacy":
        from kyodo_shared.cli.privacy import erase_person

        return erase_person(args.person, args.service, data_dir)
    if args.command == "receipt":
        from kyodo_shared.cli.receipt import verify_main

        return verify_main(list(args.rest))
    if args.command == "asyncapi":
        from kyodo_shared.bus.asyncapi import render

        text = render()
        if args.output:
            args.output.write_text(text)
        else:
            sys.stdout.write(text)
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
