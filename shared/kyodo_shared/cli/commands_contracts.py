"""`kyodo contracts check` and `kyodo contracts release`: the compatibility policy of docs/CONTRACTS.md, run."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from kyodo_shared.cli.console import err, out
from kyodo_shared.cli.errors import FAILED, REFUSED, USAGE, CliError

if TYPE_CHECKING:
    from kyodo_contracts.compat import Report

TOKYO = ZoneInfo("Asia/Tokyo")
Release = Annotated[
    Path, typer.Option("--against", help="the committed schemas of the last release", show_default=True)
]


def _report(directory: Path) -> tuple[str, Report]:
    from kyodo_contracts.compat import check, load_release
    from kyodo_contracts.schemas import published_schemas

    if not (directory / "release.json").is_file():
        raise CliError(
            f"{directory} holds no released contract schemas (release.json is missing)",
            hint="run from the repository root, or pass --against DIR; `kyodo contracts release` writes them",
            code=USAGE,
        )
    released, committed = load_release(directory)
    return released, check(committed, published_schemas(), datetime.now(TOKYO).date())


def contracts_check(
    against: Release = Path("docs/contracts"),
    as_json: Annotated[bool, typer.Option("--json", help="the changes as JSON Lines")] = False,
) -> int:
    """Compare every published contract with the last release's schemas; exit 1 on a breaking change."""
    released, report = _report(against)
    if as_json:
        for change in report.changes:
            sys.stdout.write(json.dumps(change.__dict__, ensure_ascii=False) + "\n")
    else:
        for change in report.compatible:
            out.print(f"[green]compatible[/] {escape(str(change))}", highlight=False)
        for change in report.breaking:
            out.print(f"[bold red]breaking[/]   {escape(str(change))}", highlight=False)
    if report.ok:
        err.print(f"contracts compatible with release {released} ({len(report.changes)} compatible changes)")
        return 0
    raise CliError(
        f"{len(report.breaking)} breaking change(s) against the contracts of release {released}",
        hint="keep the released version as it was and publish the change as a new version (…v2) beside it, with "
        "deprecated_until and superseded_by on the old one (docs/CONTRACTS.md)",
        code=FAILED,
    )


def contracts_release(
    into: Release = Path("docs/contracts"),
    first: Annotated[bool, typer.Option("--first", help="there is no earlier release to compare with")] = False,
) -> int:
    """Commit today's schemas as a new release's (refused while a change is breaking, or for a version already
    released)."""
    from kyodo_contracts.compat import write_release
    from kyodo_contracts.schemas import published_schemas

    platform = version("kyodo")
    if not (into / "release.json").is_file():
        if not first:
            raise CliError(
                f"{into} holds no released schemas: without them nothing checks this release against the last",
                hint="run from the repository root or pass --against DIR; --first only for the very first release",
                code=REFUSED,
            )
    else:
        released, report = _report(into)
        if released == platform:
            raise CliError(
                f"release {released} is already committed: its schemas are what readers of {released} rely on",
                hint="bump the version of the platform and of kyodo-contracts (pyproject.toml, contracts/"
                "pyproject.toml) for the next release first",
                code=REFUSED,
            )
        if not report.ok:
            raise CliError(
                "a release cannot change a released version incompatibly: "
                + "; ".join(str(c) for c in report.breaking[:5]),
                hint="run `kyodo contracts check` for the whole list; publish a new version instead",
                code=REFUSED,
            )
    written = write_release(into, platform, published_schemas())
    err.print(f"wrote {len(written)} schemas and release.json of {platform} to {into}", highlight=False)
    return 0


def contracts_app() -> typer.Typer:
    from kyodo_shared.cli.app import sub_app

    app = sub_app("The event contracts' compatibility policy (docs/CONTRACTS.md).")
    app.command("check")(contracts_check)
    app.command("release")(contracts_release)
    return app
