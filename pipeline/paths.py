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


def home() -> Path:
    """The data directory, created on first use."""
    path = Path(os.environ.get(HOME_ENV) or Path.cwd() / ".newscorpus").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
