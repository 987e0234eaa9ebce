"""A real PostgreSQL for the test session: the embedded server (pgserver) in a temp dir.

Each test gets its own database cloned from a migrated template, so tests never see each
other's rows and need no clean-up. `fresh_database_url` gives an empty, unmigrated one.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from pipeline.db import DATABASE_URL_ENV

TEMPLATE_DB = "newscorpus_template"
_counter = itertools.count()


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(url: str, statement: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


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

    _admin(pg_server_url, f"create database {TEMPLATE_DB}")
    url = with_database(pg_server_url, TEMPLATE_DB)
    conn = psycopg2.connect(url)
    try:
        migrate(conn)
    finally:
        conn.close()
    return url


def _new_database(pg_server_url: str, template: str) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    _admin(pg_server_url, f"create database {name} template {template}")
    return with_database(pg_server_url, name)


@pytest.fixture
def database_url(
    pg_server_url: str, template_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A migrated database for this test; also exported as NEWSCORPUS_DATABASE_URL."""
    url = _new_database(pg_server_url, TEMPLATE_DB)
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    return url


@pytest.fixture
def fresh_database_url(pg_server_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty database (no schema yet); also exported as NEWSCORPUS_DATABASE_URL."""
    url = _new_database(pg_server_url, "template0")
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    return url


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg2.extensions.connection]:
    connection = psycopg2.connect(database_url)
    yield connection
    connection.close()
