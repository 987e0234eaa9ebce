"""The one place that knows how to reach PostgreSQL.

`NEWSCORPUS_DATABASE_URL` (a libpq URL) wins; without it the embedded server is started on
demand. Every stage, the CLI and the Airflow tasks get their connections from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions

from pipeline import embedded
from pipeline.errors import DatabaseUnavailable

DATABASE_URL_ENV = "NEWSCORPUS_DATABASE_URL"
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "newscorpus"


def database_url() -> str:
    """The configured URL, or the embedded server's (started if needed)."""
    return os.environ.get(DATABASE_URL_ENV) or embedded.start()


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def connect(url: str | None = None) -> psycopg2.extensions.connection:
    """Open a connection; a refused or unreachable server becomes one clear error line."""
    url = url or database_url()
    try:
        return psycopg2.connect(
            url, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {redact(url)}: {reason}") from exc


@contextmanager
def connection(url: str | None = None) -> Iterator[psycopg2.extensions.connection]:
    """A connection closed on exit; commit or roll back with `with conn:` inside."""
    conn = connect(url)
    try:
        yield conn
    finally:
        conn.close()


READER_ROLE = "news_reader"


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def run_admin(url: str, statement: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE refuse to run inside one)."""
    conn = connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def reader_url(url: str | None = None) -> str:
    """The same database as the `news_reader` role (read the contract views, nothing else).

    The role is created without a password; on a server that asks for one, set it with
    `alter role news_reader password '...'` and add it to the URL.
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url or database_url())
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{READER_ROLE}@{host}"))
