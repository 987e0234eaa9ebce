"""The one place that knows how to reach PostgreSQL.

`NEWSCORPUS_DATABASE_URL` (a libpq URL) wins; without it the embedded server is started on
demand. Every stage, the CLI and the Airflow tasks get their connections from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.errors
import psycopg2.extensions

from pipeline import embedded
from pipeline.errors import DatabaseUnavailable

DATABASE_URL_ENV = "NEWSCORPUS_DATABASE_URL"
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "newscorpus"
# how long a pipeline statement waits for a lock (a reader's open transaction on a view that
# migrate replaces, another run's advisory lock) before giving up with one line naming the
# session that holds it; seconds, NEWSCORPUS_LOCK_TIMEOUT_S
LOCK_TIMEOUT_ENV = "NEWSCORPUS_LOCK_TIMEOUT_S"
DEFAULT_LOCK_TIMEOUT_S = 300.0


class LockTimeout(DatabaseUnavailable):
    """A pipeline statement waited longer than lock_timeout; the message names the holder."""


def lock_timeout_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT_S)))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT_S


class _Cursor(psycopg2.extensions.cursor):
    """Turns lock_timeout into LockTimeout naming the session that most likely holds the lock."""

    def execute(self, query, vars=None):  # noqa: ANN001, ANN201, A002 - psycopg2's signature
        try:
            return super().execute(query, vars)
        except psycopg2.errors.LockNotAvailable as exc:
            raise LockTimeout(_lock_message(self.connection, exc)) from exc


def _lock_message(conn: psycopg2.extensions.connection, exc: Exception) -> str:
    """'gave up after 300s waiting for a lock held by PostgreSQL session 1234 (user news_reader,
    application psql, idle in transaction since …)' — found from a second connection."""
    waited = f"gave up after {lock_timeout_seconds():g}s waiting for a lock"
    try:
        mine = conn.get_backend_pid()
        other = psycopg2.connect(conn.dsn, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME)
    except psycopg2.Error:
        return f"{waited} ({str(exc).strip().splitlines()[0]})"
    try:
        with other.cursor() as cur:
            cur.execute(
                """
                select a.pid, a.usename, a.application_name, a.state, a.xact_start, left(a.query, 80)
                from pg_stat_activity as a
                where a.pid <> %s and a.pid <> pg_backend_pid() and a.datname = current_database()
                  and exists (select from pg_locks as l
                              where l.pid = a.pid and l.granted
                                and (l.locktype = 'advisory'
                                     or l.relation in (select c.oid from pg_class as c
                                                       where c.relnamespace = 'news'::regnamespace)))
                order by a.application_name = %s, a.xact_start nulls last
                limit 1
                """,
                (mine, APPLICATION_NAME),
            )
            row = cur.fetchone()
    except psycopg2.Error:
        row = None
    finally:
        other.close()
    if row is None:
        return f"{waited}; the holder has gone, try again"
    pid, user, app, state, since, query = row
    when = f" since {since:%Y-%m-%d %H:%M:%S}" if since else ""
    return (f"{waited} held by PostgreSQL session {pid} (user {user}, application {app or '-'}, "
            f"{state}{when}, last query: {' '.join((query or '').split())!r}); end it with "
            f"select pg_terminate_backend({pid}) or try again later")


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
            url, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME,
            options=f"-c lock_timeout={int(lock_timeout_seconds() * 1000)}", cursor_factory=_Cursor,
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
