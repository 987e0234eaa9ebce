"""The embedded PostgreSQL server (pgserver wheel) used when no database URL is configured.

The server runs from `<home>/pgdata` and outlives the command that started it, so later
commands reuse it instead of paying start-up again. A file lock serialises start-up so two
commands started together never launch two postmasters on one data directory.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from filelock import FileLock

from pipeline import paths
from pipeline.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
START_TIMEOUT_S = 120


def pgdata_dir() -> Path:
    return paths.home() / "pgdata"


def _lock() -> FileLock:
    return FileLock(str(paths.home() / "pgserver.lock"), timeout=START_TIMEOUT_S)


def start(pgdata: Path | None = None) -> str:
    """Start the server if it is not running and return its libpq URL."""
    pgserver = _import_pgserver()
    pgdata = pgdata or pgdata_dir()
    try:
        with _lock():
            server = pgserver.get_server(pgdata, cleanup_mode=None)
            return server.get_uri()
    except (subprocess.SubprocessError, OSError, AssertionError) as exc:
        log_file = pgdata / "log"
        raise DatabaseUnavailable(
            f"cannot start the embedded PostgreSQL in {pgdata} ({exc}); see {log_file}"
        ) from exc


def _import_pgserver():  # noqa: ANN202 - the module
    """Import pgserver lazily, quieting platformdirs' warning about a missing XDG_RUNTIME_DIR."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


def is_running(pgdata: Path | None = None) -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata or pgdata_dir())
    return info is not None and info.is_running()


def stop(pgdata: Path | None = None) -> bool:
    """Stop the server; returns False when it was not running."""
    from pgserver import postgres_server

    pgdata = pgdata or pgdata_dir()
    with _lock():
        if not (pgdata / "PG_VERSION").exists() or not is_running(pgdata):
            return False
        server = postgres_server.PostgresServer._instances.get(pgdata.resolve())
        user = server.system_user if server else _system_user()
        postgres_server.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
        return True


def _system_user() -> str | None:
    import os

    return "pgserver" if os.geteuid() == 0 else None


def psql_executable() -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / "psql")
