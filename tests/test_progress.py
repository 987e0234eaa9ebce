"""Progress for long stages: periodic plain lines off a terminal, a rich bar on one, nothing
when switched off."""

from __future__ import annotations

import io

from pipeline.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_when_not_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("NEWSCORPUS_PROGRESS", raising=False)
    out = io.StringIO()
    with Progress("extract", total=1000, unit="pages", stream=out, every_s=0) as bar:
        for _ in range(4):
            bar.advance(250)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].split(" ", 1)[1].startswith("extract: 1,000/1,000 pages (100%)")
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()


def test_a_bar_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("NEWSCORPUS_PROGRESS", raising=False)
    out = _Terminal()
    with Progress("dedup", total=10, unit="articles", stream=out) as bar:
        assert bar._bar is not None  # noqa: SLF001
        bar.advance(10)
    assert bar._bar is None  # noqa: SLF001 - stopped on exit


def test_switched_off(monkeypatch) -> None:
    monkeypatch.setenv("NEWSCORPUS_PROGRESS", "0")
    out = _Terminal()
    with Progress("export", stream=out, every_s=0) as bar:
        bar.advance(5)
    assert out.getvalue() == "" and bar.done == 5
