"""The command line's output: one rich console for results (stdout), one for messages and progress (stderr)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

T = TypeVar("T")


def progress() -> Progress:
    """A progress bar on stderr (results stay clean on stdout for pipes). When stderr is not a terminal (CI, a log
    file) rich draws no live bar and prints the final state once when the work ends: a record of what was done."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yield `items` while a progress bar on stderr counts them (a pulsing bar when the total is unknown)."""
    with progress() as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)


def show_error(message: str, hint: str | None = None) -> None:
    """`error: <message>` and what to do about it, on stderr (red and bold on a terminal; plain in a pipe)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if hint:
        err.print(f"  [yellow]hint:[/] {escape(hint)}", highlight=False)
