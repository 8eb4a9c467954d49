"""`kyodo clock advance|show`: move a staging platform's clock, and say where it stands.

The shift is written to each service's own database (`tasks/clock.py: ClockShifts`), where the running service
picks it up within a second and a restarted one reads it before its first timer runs. In the embedded layout
(`kyodo up`'s data directory) every service is moved; in the explicit layout (the settings `kyodo serve` has) the
environment names one service's store, and the command refuses unless that service runs with
`KYODO_CLOCK__ALLOW_SHIFT=true` — production never does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from kyodo_shared.cli.app import data_dir, known_service, service_names, sub_app
from kyodo_shared.cli.bus_target import explicit_layout
from kyodo_shared.cli.errors import REFUSED, USAGE, CliError
from kyodo_shared.cli.operator import require_store, service_settings
from kyodo_shared.settings import MAX_CLOCK_OFFSET, KernelSettings, parse_duration
from kyodo_shared.store.db import open_database
from kyodo_shared.tasks.clock import ClockShifts, iso_duration

Services = Annotated[
    list[str] | None,
    typer.Option(
        "--service", help="a service to move; repeat for several", show_default="every service", parser=known_service
    ),
]


def advance(
    ctx: typer.Context,
    by: Annotated[str, typer.Argument(metavar="DURATION", help="how far forward: 400d, 1d12h, 90m, 2w")],
    services: Services = None,
) -> int:
    """Move the clock of a staging platform forward (deadlines, timers, retention, recorded times)."""
    try:
        delta = parse_duration(by)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="DURATION") from None
    if delta <= timedelta(0):
        raise typer.BadParameter("the clock moves forward only, by more than nothing", param_hint="DURATION")
    targets = _targets(data_dir(ctx), services)
    for service, settings in targets:
        # Every service first, so an advance that one would refuse (beyond the limit) moves none.
        db = open_database(settings.store)
        try:
            if ClockShifts(db).read() + delta > MAX_CLOCK_OFFSET:
                raise CliError(
                    f"{service}: a staging clock runs at most {MAX_CLOCK_OFFSET.days} days ahead",
                    hint="`kyodo clock show` says how far it is already",
                    code=REFUSED,
                )
        finally:
            db.close()
    for service, settings in targets:
        _print(service, settings, lambda shifts: shifts.advance(delta))
    return 0


def show(ctx: typer.Context, services: Services = None) -> int:
    """Print each service's clock offset and its now (JSON Lines)."""
    for service, settings in _targets(data_dir(ctx), services):
        _print(service, settings, lambda shifts: shifts.read())
    return 0


def _targets(folder: Path, services: list[str] | None) -> list[tuple[str, KernelSettings]]:
    # In the explicit layout the environment is one service's (as `kyodo serve` has it): naming it avoids moving the
    # wrong one.
    if explicit_layout() and (services is None or len(services) != 1):
        raise CliError(
            "in the explicit layout the KYODO_STORE__* settings are one service's: name it with --service",
            code=USAGE,
        )
    targets = []
    for service in services or service_names():
        settings = service_settings(service, folder)
        require_store(service, settings, folder)
        if explicit_layout() and not settings.clock.allow_shift:
            raise CliError(
                f"{service} does not allow its clock to move (KYODO_CLOCK__ALLOW_SHIFT is not true)",
                hint="only a staging service runs with KYODO_CLOCK__ALLOW_SHIFT=true; production never moves time",
                code=REFUSED,
            )
        targets.append((service, settings))
    return targets


def _print(service: str, settings: KernelSettings, act: Callable[[ClockShifts], timedelta]) -> None:
    db = open_database(settings.store)
    try:
        shift = act(ClockShifts(db))
    finally:
        db.close()
    # `offset` adds this environment's KYODO_CLOCK__OFFSET: the service's own (as /readyz shows) when the command
    # runs with the service's settings.
    offset = settings.clock.offset + shift
    now = datetime.now(UTC) + offset
    line = {"service": service, "shift": iso_duration(shift), "offset": iso_duration(offset), "now": now.isoformat()}
    print(json.dumps(line))


def clock_app() -> typer.Typer:
    app = sub_app("The staging clock: every service's deadlines, timers and retention run ahead of real time.")
    app.command("advance")(advance)
    app.command("show")(show)
    return app
