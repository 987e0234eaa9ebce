"""Progress for long stages: a bar on a terminal, a log line now and then elsewhere.

On a terminal (stderr is a TTY) a `rich` progress bar is drawn on stderr; under Airflow, a
pipe or a file, one plain line is written every `LINE_EVERY_S` seconds instead (never a
bar's control codes in a log). `NEWSCORPUS_PROGRESS=0` turns both off, `=1` forces the lines.

    with progress("extract", total=len(pages), unit="pages") as bar:
        for batch in batches:
            ...
            bar.advance(len(batch))
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from pipeline import envsettings

PROGRESS_ENV = "NEWSCORPUS_PROGRESS"
LINE_EVERY_S = 10.0  # seconds between two progress lines when not on a terminal


class Progress:
    """Counts work done; shows it as a bar (TTY) or as periodic lines (anything else)."""

    def __init__(self, label: str, total: int | None = None, unit: str = "items",
                 stream: TextIO | None = None, every_s: float = LINE_EVERY_S) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.done = 0
        self._started = self._last_line = time.monotonic()
        mode = envsettings.value(PROGRESS_ENV) or ""  # ConfigError unless unset, 0 or 1
        self._quiet = mode == "0"
        self._bar = None
        if not self._quiet and mode != "1" and _is_tty(self.stream):
            self._bar = _rich_bar(label, total, self.stream)

    def advance(self, n: int = 1) -> None:
        """Add `n` units of finished work."""
        self.done += n
        if self._quiet:
            return
        if self._bar is not None:
            bar, task = self._bar
            bar.update(task, completed=self.done)
            return
        now = time.monotonic()
        if now - self._last_line >= self.every_s:
            self._last_line = now
            self._line(now)

    def _line(self, now: float) -> None:
        rate = self.done / max(now - self._started, 1e-9)
        of = f"/{self.total:,}" if self.total else ""
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        print(f"{time.strftime('%H:%M:%S')} {self.label}: {self.done:,}{of} {self.unit}{pct}, "
              f"{rate:,.1f} {self.unit}/s", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar[0].stop()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def progress(label: str, total: int | None = None, unit: str = "items",
             stream: TextIO | None = None) -> Progress:
    """A Progress for `total` units of work (None: unknown, a counter without percentage)."""
    return Progress(label, total, unit, stream)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _rich_bar(label: str, total: int | None, stream: TextIO):  # noqa: ANN202 - (rich Progress, task id)
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)

    bar = RichProgress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
        console=Console(file=stream), transient=True,
    )
    bar.start()
    return bar, bar.add_task(label, total=total)
