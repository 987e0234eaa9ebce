"""The NEWSCORPUS_* environment settings: every one parsed and checked in one place.

CONTRACT.md: bad configuration is exit 2 with one line, before any work. A reader of a setting
(pipeline/warc.py, spiders/warc.py, pipeline/progress.py, pipeline/db.py, the extract pool)
calls `value(NAME)` when it needs it and gets the parsed value or a ConfigError naming the
variable, its value and what is allowed; nobody parses a NEWSCORPUS_* value itself (the extract
pool did, at import: a blank value, which is the default here, crashed it). `check()` parses them
all at once and is called at the start of the CLI (pipeline/cli.py, before any command runs)
and of every DAG task (pipeline/nightly/stages.resolve_target). Every numeric setting has an
upper bound its consumer can take.

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


def _number(minimum: float, maximum: float, integer: bool = False,
            exclusive: bool = False) -> Callable[[str], float | int]:
    """A parser of a number in [minimum, maximum] (minimum itself excluded when `exclusive`).

    Every numeric setting has an upper bound its consumer can take: a finite but huge value
    passed a lower-bound-only check and then crashed the consumer (OverflowError in the pool's
    wait, setrlimit, PostgreSQL refusing every connection), far from the variable's name.
    """
    def parse(text: str) -> float | int:
        try:
            number: float | int = int(text) if integer else float(text)
        except ValueError:
            raise _Bad from None
        if not math.isfinite(number) or not minimum <= number <= maximum or (exclusive and number == minimum):
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


# NEWSCORPUS_WARC_MAX_BYTES: 1 TiB, far above any sensible WARC file (Common Crawl's are ~1 GiB)
WARC_MAX_BYTES_LIMIT = 1024 ** 4
# NEWSCORPUS_LOCK_TIMEOUT_S: PostgreSQL's lock_timeout is an int of milliseconds, at most INT_MAX
# (guc_tables.c: lock_timeout, max INT_MAX, unit ms); a larger one refuses every connection
LOCK_TIMEOUT_MAX_S = 2147483.647
# NEWSCORPUS_PAGE_SECONDS: one day; a normal page takes 10-100 ms (pipeline/extract/pool.py). Above
# ~9.2e9 s the pool's wait overflows (OverflowError: timestamp too large)
PAGE_SECONDS_MAX = 86400
# NEWSCORPUS_PAGE_MEMORY_MB: 128 TiB, the whole user address space of a 64-bit Linux process
# (x86-64, 47-bit); a bigger RLIMIT_AS limits nothing, and above 2**43 MB it overflows setrlimit
PAGE_MEMORY_MB_MAX = 128 * 1024 * 1024

SETTINGS: dict[str, Setting] = {
    # pipeline/warc.py: 1 GiB, the file size Common Crawl and Heritrix rotate at
    "NEWSCORPUS_WARC_MAX_BYTES": Setting(_number(1, WARC_MAX_BYTES_LIMIT, integer=True), str(1024 ** 3),
                                         f"a whole number of bytes, at least 1, at most {WARC_MAX_BYTES_LIMIT} (1 TiB)"),
    "NEWSCORPUS_WARC_PG_BODIES": Setting(_boolean, "1", "one of " + ", ".join(TRUE_WORDS + FALSE_WORDS)),
    "NEWSCORPUS_WARC_DIR": Setting(_warc_dir, None, "a folder, or off"),
    "NEWSCORPUS_PROGRESS": Setting(_progress, None, "0 (no progress) or 1 (lines even on a terminal)"),
    # pipeline/db.py: 0 is PostgreSQL's "no timeout" (wait for a lock without limit)
    "NEWSCORPUS_LOCK_TIMEOUT_S": Setting(_number(0, LOCK_TIMEOUT_MAX_S), "300",
                                         "a number of seconds, 0 or more (0: no limit), at most "
                                         f"{LOCK_TIMEOUT_MAX_S} (PostgreSQL's lock_timeout maximum)"),
    "NEWSCORPUS_PAGE_SECONDS": Setting(_number(0, PAGE_SECONDS_MAX, exclusive=True), "20",
                                       f"a number of seconds above 0, at most {PAGE_SECONDS_MAX} (a day)"),
    "NEWSCORPUS_PAGE_MEMORY_MB": Setting(_number(1, PAGE_MEMORY_MB_MAX, integer=True), "2048",
                                         f"a whole number of MB, at least 1, at most {PAGE_MEMORY_MB_MAX} (128 TiB)"),
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


def check_writable_dir(folder: Path, name: str, where: str | None = None) -> None:
    """Make sure `folder` exists (created if missing) and a file can be created in it, by creating
    and removing one (os.access trusts mode bits: root 'may write' in /proc).

    Raises ConfigError: `cannot write in NAME=folder: reason` (exit code 2); `where` replaces
    `NAME=folder` (a default folder, not the variable's value).
    """
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".newscorpus-probe-"):
            pass
    except OSError as exc:
        where = where or f"{name}={str(folder)!r}"
        reason = "it is a file, not a folder" if folder.is_file() else exc.strerror or exc
        raise ConfigError(f"cannot write in {where}: {reason}") from None
