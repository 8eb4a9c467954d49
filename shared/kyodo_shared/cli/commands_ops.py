"""`kyodo dlq …`, `kyodo privacy erase` and `kyodo receipt verify`, as typer commands."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from kyodo_shared.cli.app import Service, data_dir, known_service, service_names, sub_app
from kyodo_shared.cli.receipt import CONTENT_HELP, HASH_HELP, KEYS_HELP, RECEIPT_HELP

Source = Annotated[str, typer.Argument(help="the producing service whose message is parked, e.g. registry")]
Reason = Annotated[str, typer.Option(help="why, recorded in the event (required)")]
Operator = Annotated[str | None, typer.Option(help="who acts, recorded in the event", show_default="the login name")]


def dlq_list(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            help="a consuming service; repeat for several",
            show_default="every service",
            parser=known_service,
        ),
    ] = None,
    as_json: Annotated[
        bool | None,
        typer.Option("--json/--table", help="JSON Lines or a table", show_default="table on a terminal, else JSON"),
    ] = None,
) -> int:
    """List parked messages of consuming services."""
    from kyodo_shared.cli.dlq import dlq_list as run

    return run(services or service_names(), data_dir(ctx), as_json)


def dlq_retry(ctx: typer.Context, service: Service, source: Source, reason: Reason, operator: Operator = None) -> int:
    """Unpark a source: its parked message is delivered again (recorded as an event)."""
    from kyodo_shared.cli.dlq import dlq_act

    return dlq_act("retry", service, source, reason, operator or getpass.getuser(), data_dir(ctx))


def dlq_skip(ctx: typer.Context, service: Service, source: Source, reason: Reason, operator: Operator = None) -> int:
    """Advance past a parked message without applying it (recorded as an event)."""
    from kyodo_shared.cli.dlq import dlq_act

    return dlq_act("skip", service, source, reason, operator or getpass.getuser(), data_dir(ctx))


def erase(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="the person's subject id (sub)")],
    services: Annotated[
        list[str], typer.Option("--service", help="each service holding the person's data", parser=known_service)
    ],
) -> int:
    """Destroy a person's key in every named service once every retention period has passed (all or nothing)."""
    from kyodo_shared.cli.privacy import erase_person

    return erase_person(person, services, data_dir(ctx))


def verify_receipt(
    receipt: Annotated[Path, typer.Argument(metavar="RECEIPT", help=RECEIPT_HELP, dir_okay=False, show_default=False)],
    keys: Annotated[Path, typer.Option(help=KEYS_HELP, dir_okay=False)],
    content: Annotated[Path | None, typer.Option(help=CONTENT_HELP, dir_okay=False)] = None,
    attachment_hash: Annotated[list[str] | None, typer.Option(metavar="HEX", help=HASH_HELP)] = None,
) -> int:
    """Check a proposal's signed receipt offline, and that it covers the content. Exit 0 valid, 1 not."""
    from kyodo_shared.cli.receipt import verify_files

    return verify_files(receipt, keys, content, attachment_hash or [])


def dlq_app() -> typer.Typer:
    app = sub_app("Parked messages of consuming services: list, retry, skip.")
    app.command("list")(dlq_list)
    app.command("retry")(dlq_retry)
    app.command("skip")(dlq_skip)
    return app


def privacy_app() -> typer.Typer:
    app = sub_app("Personal data: crypto-shredding on request, after the retention periods.")
    app.command("erase")(erase)
    return app


def receipt_app() -> typer.Typer:
    app = sub_app("Signed proposal receipts, checked offline.")
    app.command("verify")(verify_receipt)
    return app
