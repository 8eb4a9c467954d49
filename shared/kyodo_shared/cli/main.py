"""Entry point of the `kyodo` command: runs the typer tree of `cli/app.py` and answers every foreseeable mistake
with `error: <what happened>` and what to do, on stderr, and an exit code (see `cli/errors.py`) — never a traceback.

`main(argv)` is callable with a list (tests, fixtures) and returns the exit code instead of exiting.
"""

from __future__ import annotations

import sys

import typer
import typer.main
from typer import rich_utils

# typer carries its own copy of click; its exceptions are the ones raised here.
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from kyodo_shared.cli.errors import FAILED, USAGE
from kyodo_shared.observability.logs import configure_logging_from_env


def main(argv: list[str] | None = None) -> int:
    from kyodo_shared.cli.app import build_app, list_services, service_names
    from kyodo_shared.cli.console import show_error
    from kyodo_shared.cli.failures import explain

    command = typer.main.get_command(build_app())
    list_services(command, service_names())
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        configure_logging_from_env()
        result = command.main(args=args, prog_name="kyodo", standalone_mode=False)
    except NoArgsIsHelpError:
        # `kyodo <group>` alone: typer has printed the group's help; a usage answer, not a failure to explain.
        return USAGE
    except ClickException as mistake:
        rich_utils.rich_format_error(mistake)
        return mistake.exit_code
    except (typer.Abort, KeyboardInterrupt):
        show_error("interrupted")
        return 130
    except Exception as exc:
        known = explain(exc)
        if known is None:
            raise  # unforeseen: a bug, shown with its traceback (without locals: tokens never print)
        show_error(known.message, known.hint)
        return known.code
    if isinstance(result, int):
        return result
    return 0 if result is None else FAILED


if __name__ == "__main__":
    raise SystemExit(main())
