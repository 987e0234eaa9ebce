"""Where newscorpus keeps its files.

Everything local lives under one directory (`.newscorpus/` in the working directory,
or `NEWSCORPUS_HOME`), so a project folder is self-contained and easy to delete.
"""

import os
from pathlib import Path

HOME_ENV = "NEWSCORPUS_HOME"
REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = REPO_ROOT / "sql"
DEFAULT_SOURCES = REPO_ROOT / "sources.yaml"

_usable: set[Path] = set()  # data folders this process already found writable


def home_path() -> Path:
    """The data directory's absolute path, not created (a read must not leave a folder behind):
    NEWSCORPUS_HOME, else `./.newscorpus`. A blank NEWSCORPUS_HOME counts as unset, like every
    blank NEWSCORPUS_* setting (pipeline.envsettings), not as a folder named ' '."""
    configured = os.environ.get(HOME_ENV) or ""
    return Path(configured if configured.strip() else Path.cwd() / ".newscorpus").resolve()


def home() -> Path:
    """The data directory, created on first use and checked once per process: a path that cannot
    be a writable folder (a file, a path under a file, /proc/…) is bad configuration naming
    NEWSCORPUS_HOME (ConfigError, exit 2), not an OSError from whichever command reached it first.
    """
    path = home_path()
    if path not in _usable or not path.is_dir():  # checked, or deleted since (made again)
        from pipeline import envsettings

        where = (f"{HOME_ENV}={str(path)!r}" if (os.environ.get(HOME_ENV) or "").strip()
                 else f"the data folder {path} ({HOME_ENV} unset: ./.newscorpus; set it to a folder you can write)")
        envsettings.check_writable_dir(path, HOME_ENV, where)
        _usable.add(path)
    return path
