"""Progress reporting that the library emits and the CLI draws (rich) or ignores (tests)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

Advance = Callable[[int], None]
Status = Callable[[str], None]  # replaces the text of a status line


def warn(message: str) -> None:
    """A line on stderr for what the user should know but that stops nothing."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


class Reporter(Protocol):
    def stage(self, label: str, total: int | None) -> Advance: ...

    def status(self, label: str) -> Status: ...


class Silent:
    def stage(self, label: str, total: int | None) -> Advance:
        return lambda _n: None

    def status(self, label: str) -> Status:
        return lambda _text: None


class RichReporter:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def stage(self, label: str, total: int | None) -> Advance:
        task = self.progress.add_task(label, total=total)
        return lambda n: self.progress.advance(task, n)

    def status(self, label: str) -> Status:
        """A line that shows `label: text`, the text replaced at each call (no bar to fill)."""
        task = self.progress.add_task(label, total=None)
        return lambda text: self.progress.update(task, description=f"{label}: {text}")


@contextmanager
def progress_bars(enabled: bool = True, console: Console | None = None) -> Iterator[RichReporter]:
    """Rich progress bars on `console` (stderr by default), one per stage."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console or Console(stderr=True), disable=not enabled,
    )  # fmt: skip
    with progress:
        yield RichReporter(progress)
