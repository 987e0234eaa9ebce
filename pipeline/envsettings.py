"""The NEWSCORPUS_* environment settings: every one parsed and checked in one place.

CONTRACT.md: bad configuration is exit 2 with one line, before any work. A reader of a setting
(pipeline/warc.py, spiders/warc.py, pipeline/progress.py, pipeline/db.py, the extract pool)
calls `value(NAME)` and gets the parsed value or a ConfigError naming the variable, its value
and what is allowed; `check()` parses them all at once and is called at the start of the CLI
(pipeline/cli.py, before the command modules are imported, since the extract pool reads its
limits at import time) and of every DAG task (pipeline/nightly/stages.resolve_target).

The database settings (NEWSCORPUS_DATABASE, NEWSCORPUS_DATABASE_URL) are checked by pipeline/db.py
(check_name, check_url), NEWSCORPUS_HOME by pipeline/paths.py; sources.yaml's `settings:` by
pipeline/crawl_settings.py.

    NEWSCORPUS_WARC_MAX_BYTES=abc newscorpus crawl  →  exit 2, stderr:
    newscorpus crawl: error: NEWSCORPUS_WARC_MAX_BYTES='abc' is not allowed: a whole number of bytes, at least 1
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
WARC_OFF_WORDS = ("off", "0", "false", "no", "none")  # NEWSCORPUS_WARC_DIR turning archiving off


class _Bad(ValueError):
    """A value outside what a setting allows (the message is the Setting's `allowed`)."""


def _number(minimum: float, integer: bool = False, exclusive: bool = False) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            number: float | int = int(text) if integer else float(text)
        except ValueError:
            raise _Bad from None
        if not math.isfinite(number) or number < minimum or (exclusive and number == minimum):
            raise _Bad
        return number
    return parse


def _boolean(text: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _Bad


def _progress(text: str) -> str:
    if text not in ("0", "1"):
        raise _Bad
    return text


def _warc_dir(text: str) -> Path | None:
    """None: archiving off. A folder is not created or probed here (see check_writable_dir)."""
    return None if text.lower() in WARC_OFF_WORDS else Path(text)


@dataclass(frozen=True)
class Setting:
    """One environment setting: its parser, its default (used when unset or empty) and, for the
    error line, what is allowed."""

    parse: Callable[[str], Any]
    default: str | None
    allowed: str


SETTINGS: dict[str, Setting] = {
    # pipeline/warc.py: 1 GiB, the file size Common Crawl and Heritrix rotate at
    "NEWSCORPUS_WARC_MAX_BYTES": Setting(_number(1, integer=True), str(1024 ** 3),
                                         "a whole number of bytes, at least 1"),
    "NEWSCORPUS_WARC_PG_BODIES": Setting(_boolean, "1", "one of " + ", ".join(TRUE_WORDS + FALSE_WORDS)),
    "NEWSCORPUS_WARC_DIR": Setting(_warc_dir, None, "a folder, or off"),
    "NEWSCORPUS_PROGRESS": Setting(_progress, None, "0 (no progress) or 1 (lines even on a terminal)"),
    "NEWSCORPUS_LOCK_TIMEOUT_S": Setting(_number(0), "300", "a number of seconds, 0 or more"),
    "NEWSCORPUS_PAGE_SECONDS": Setting(_number(0, exclusive=True), "20", "a number of seconds above 0"),
    "NEWSCORPUS_PAGE_MEMORY_MB": Setting(_number(1, integer=True), "2048", "a whole number of MB, at least 1"),
}


def value(name: str, environ: Mapping[str, str] | None = None, raw: str | None = None) -> Any:
    """The parsed value of setting `name`: from `raw` if given (a Scrapy setting), else the
    environment; unset or blank → its default (None for a setting without one).

    Raises ConfigError: `NAME='value' is not allowed: <allowed>` (exit code 2).
    """
    setting = SETTINGS[name]
    text = raw if raw is not None else (os.environ if environ is None else environ).get(name)
    text = (text or "").strip()
    if not text:
        text = setting.default
        if text is None:
            return None
    try:
        return setting.parse(text)
    except _Bad:
        raise ConfigError(f"{name}={text!r} is not allowed: {setting.allowed}") from None


def check(environ: Mapping[str, str] | None = None) -> None:
    """Parse every setting of SETTINGS; the first bad one raises ConfigError (one line)."""
    for name in SETTINGS:
        value(name, environ)


def check_writable_dir(folder: Path, name: str) -> None:
    """Make sure `folder` exists (created if missing) and a file can be created in it, by creating
    and removing one (os.access trusts mode bits: root 'may write' in /proc).

    Raises ConfigError: `cannot write in NAME=folder: reason` (exit code 2).
    """
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".newscorpus-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write in {name}={str(folder)!r}: {exc.strerror or exc}") from None
