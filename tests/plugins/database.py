"""A real PostgreSQL for the test session: the embedded server (pgserver) in a temp dir.

Each test gets its own database cloned from a migrated template, so tests never see each
other's rows and need no clean-up. `fresh_database_url` gives an empty, unmigrated one.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

from pipeline.db import DATABASE_URL_ENV, run_admin, with_database

TEMPLATE_DB = "newscorpus_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The admin URL of a PostgreSQL server private to this test session."""
    from pipeline.embedded import _import_pgserver

    pgserver = _import_pgserver()
    server = pgserver.get_server(tmp_path_factory.mktemp("pg") / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(scope="session")
def template_database_url(pg_server_url: str) -> str:
    """A database with every migration applied, cloned by `database_url`."""
    from pipeline.migrate import migrate

    run_admin(pg_server_url, f"create database {TEMPLATE_DB}")
    url = with_database(pg_server_url, TEMPLATE_DB)
    conn = psycopg2.connect(url)
    try:
        migrate(conn)
    finally:
        conn.close()
    return url


def new_database(pg_server_url: str, template: str = TEMPLATE_DB) -> str:
    """A new database cloned from `template` (the migrated template by default)."""
    name = f"t{os.getpid()}_{next(_counter)}"
    run_admin(pg_server_url, f"create database {name} template {template}")
    return with_database(pg_server_url, name)


def query(url: str, sql: str, args: tuple = ()) -> list[tuple]:
    """All rows of one query on a fresh connection (for tests reading what a stage stored)."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


@contextmanager
def exported_database(pg_server_url: str) -> Iterator[str]:
    """A new migrated database exported as NEWSCORPUS_DATABASE_URL for the block.

    For module-scoped fixtures, which cannot use the function-scoped `monkeypatch`.
    """
    url = new_database(pg_server_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_URL_ENV, url)
        yield url


@pytest.fixture
def database_url(
    pg_server_url: str, template_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A migrated database for this test; also exported as NEWSCORPUS_DATABASE_URL."""
    url = new_database(pg_server_url)
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    return url


@pytest.fixture
def fresh_database_url(pg_server_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty database (no schema yet); also exported as NEWSCORPUS_DATABASE_URL."""
    url = new_database(pg_server_url, "template0")
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    return url


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg2.extensions.connection]:
    connection = psycopg2.connect(database_url)
    yield connection
    connection.close()


_SERVER_FOLDERS: list[Path] = []  # made by server_enterable_dir: checked and removed after the session


def _embedded_data_dirs(root: Path, depth: int = 4) -> Iterator[Path]:
    """Every `pgdata` (folder, or symlink to a relocated one) under `root`, running or not."""
    for folder, dirs, _ in os.walk(root):
        if len(Path(folder).relative_to(root).parts) >= depth:
            dirs[:] = []
            continue
        if "pgdata" in dirs or os.path.islink(os.path.join(folder, "pgdata")):
            yield Path(folder) / "pgdata"
            dirs[:] = [d for d in dirs if d != "pgdata"]


@pytest.fixture(scope="session", autouse=True)
def no_embedded_server_left(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the session: stop every embedded PostgreSQL a test (or a CLI it ran) started under
    this session's folders and forgot, remove the relocated data folders (`/tmp/newscorpus-data-*`,
    pipeline.embedded) of every embedded server made there, stopped or not (a run of the suite
    as root left ~20 of 40 MB each), and the folders of `server_enterable_dir`, then check that
    none of those servers still runs. Torn down last (autouse, set up first), after the session
    server of `pg_server_url` has been cleaned up by its own fixture."""
    yield
    from pipeline import embedded

    roots = [tmp_path_factory.getbasetemp(), *_SERVER_FOLDERS]
    left, still = [], []
    for root in roots:
        for pgdata in list(_embedded_data_dirs(root)) if root.exists() else []:
            data = pgdata.resolve()
            try:
                if (data / "postmaster.pid").exists() and embedded.stop(pgdata):
                    left.append(str(pgdata))
            except Exception as exc:  # noqa: BLE001 - report it below, never hide it
                still.append(f"{pgdata} ({exc})")
                continue
            if embedded.is_running(data):
                still.append(str(pgdata))
            else:  # stopped servers too: their relocated folders outlive the session's temp folders
                embedded.delete_relocated(pgdata)
    for folder in _SERVER_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    if left:
        print(f"\nno_embedded_server_left: stopped {len(left)} embedded server(s) left running: "
              + ", ".join(left))
    assert not still, f"embedded PostgreSQL servers still running after the session: {still}"


def server_enterable_dir(prefix: str) -> Path:
    """A fresh folder the embedded server can live under. As root, pgserver runs PostgreSQL as
    its own system user, which must be able to enter every parent folder; pytest's temp root
    is 0700 and newscorpus never loosens a parent (issue 12), so tests that start their own
    embedded server make their folder here (removed by the caller)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    _SERVER_FOLDERS.append(folder)  # its servers stopped and the folder removed after the session
    return folder
