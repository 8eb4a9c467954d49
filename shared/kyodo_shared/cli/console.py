"""The command line's output: one rich console for results (stdout), one for messages and progress (stderr)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def progress() -> Progress:
    """A progress bar on stderr (results stay clean on stdout for pipes); invisible when stderr is not a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
