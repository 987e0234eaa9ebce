"""The one place that knows how to reach PostgreSQL.

`NEWSCORPUS_DATABASE_URL` (a libpq URL) wins; without it the embedded server is started on
demand. Every stage, the CLI and the Airflow tasks get their connections from here.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.errors
import psycopg2.extensions

from pipeline import embedded
from pipeline.errors import ConfigError, DatabaseMissing, DatabaseUnavailable

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
    """NEWSCORPUS_LOCK_TIMEOUT_S (default 300 s); ConfigError for a value that is not a number
    of seconds >= 0 (pipeline.envsettings), never a silent default."""
    from pipeline import envsettings

    return float(envsettings.value(LOCK_TIMEOUT_ENV))


def lock_timeout_ms() -> int:
    """NEWSCORPUS_LOCK_TIMEOUT_S as PostgreSQL's lock_timeout: whole milliseconds, rounded up, so
    a positive timeout under 1 ms is 1 ms, never 0 (PostgreSQL's "no timeout": wait forever);
    0 stays 0, "no limit" (README, Configuration). At most INT_MAX, lock_timeout's maximum
    (envsettings refuses more). Rounded to microseconds first: 0.07 s is 70 ms, not the 71
    that ceil(70.00000000000001) would give."""
    seconds = lock_timeout_seconds()
    return min(math.ceil(round(seconds * 1000, 3)), 2 ** 31 - 1)


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


# the user's choice of database from the environment (what --database sets for one process)
DATABASE_ENV = "NEWSCORPUS_DATABASE"
CURRENT_FILE = "database"  # <home>/database: the name `newscorpus demo` / `db use` made current
DEFAULT_DATABASE = "postgres"  # the embedded server's own database

# --database NAME|URL of this process, set once at the edge (the CLI, the demo) by select();
# None: NEWSCORPUS_DATABASE decides. A child process gets the resolved URL passed to it
# (pipeline/crawl.py gives the crawl child NEWSCORPUS_DATABASE_URL), never this process's env.
_selected: str | None = None


def select(choice: str | None) -> str | None:
    """Make `choice` (a database NAME or URL; None: back to NEWSCORPUS_DATABASE) the database
    of this process for `database_url()`; returns the previous selection, for restoring."""
    global _selected
    previous, _selected = _selected, choice
    return previous


def selection() -> str:
    """The chosen database NAME or URL: select()'s choice, else NEWSCORPUS_DATABASE, else ''.
    A blank NEWSCORPUS_DATABASE counts as unset, like every blank NEWSCORPUS_* setting
    (pipeline.envsettings) and NEWSCORPUS_DATABASE_URL (`configured_url`)."""
    if _selected is not None:
        return _selected
    return (os.environ.get(DATABASE_ENV) or "").strip()


def selection_origin() -> str:
    """Where `selection()` came from, for error lines: `--database` or NEWSCORPUS_DATABASE (a
    bad variable was reported as the flag the user never gave)."""
    return "--database" if _selected is not None else DATABASE_ENV


def configured_url() -> str:
    """NEWSCORPUS_DATABASE_URL, '' when unset or blank."""
    return (os.environ.get(DATABASE_URL_ENV) or "").strip()


def check_selection() -> None:
    """Refuse a malformed --database / NEWSCORPUS_DATABASE / NEWSCORPUS_DATABASE_URL (ConfigError
    naming the flag or variable it came from), before anything connects."""
    choice, origin = selection().strip(), selection_origin()
    if choice:
        check_url(choice, origin) if is_url(choice) else check_name(choice, origin)
    if configured_url():
        check_url(configured_url(), DATABASE_URL_ENV)


def database_url() -> str:
    """The one database every command uses: a libpq URL (the embedded server started if needed).

    In order, the first that is set wins:
      1. `--database NAME|URL` (select()) / NEWSCORPUS_DATABASE: a URL, or a database NAME on the server of 2
         (or on the embedded server);
      2. NEWSCORPUS_DATABASE_URL, a libpq URL or key=value string;
      3. the database made current in this folder (`newscorpus demo`, `newscorpus db use NAME`),
         on the embedded server;
      4. the embedded server's `postgres` database.
    Raises ConfigError (exit 2) for a malformed URL or name, before anything connects.
    """
    from pipeline.errors import ConfigError

    check_selection()
    choice, base = selection().strip(), configured_url()
    if choice and is_url(choice):
        return choice
    if not choice and base:
        return base
    if not choice:
        choice = current_name() or ""
    url = base or embedded.start()
    if not choice:
        return url
    try:
        return with_database(url, choice)
    except ValueError as exc:
        raise ConfigError(f"cannot use database {choice!r} on {redact(url)}: {exc}") from None


def is_url(value: str) -> bool:
    """A libpq URL (`postgresql://…`) or key=value string, as opposed to a database name."""
    return "://" in value or "=" in value


def check_url(url: str, where: str) -> str:
    """`url` unchanged when libpq can parse it; else ConfigError naming `where` it came from."""
    from psycopg2.extensions import parse_dsn

    from pipeline.errors import ConfigError

    try:
        params = parse_dsn(url)
    except psycopg2.ProgrammingError as exc:
        reason = str(exc).strip().splitlines()[0].removeprefix("invalid dsn: ")
        # libpq quotes the whole string it could not parse, password and all
        reason = reason.replace(url, redact(url)) if url else reason
        raise ConfigError(f"{where}: not a PostgreSQL URL ({reason}); "
                          "expected e.g. postgresql://user@host:5432/dbname") from None
    for port in (params.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ConfigError(f"{where}: not a PostgreSQL URL (port {port!r} is not 1-65535)")
    for host in (params.get("host") or "").split(","):
        if host and not _HOST.fullmatch(host):
            raise ConfigError(f"{where}: not a PostgreSQL URL (host {host!r} is neither a host name, "
                              "an IP address nor an absolute socket folder)")
    return url


# a libpq host: a DNS name or IPv4 (letters, digits, - _ .), an IPv6 literal (with a %zone),
# or a Unix-socket folder: an absolute path, or @name for Linux's abstract namespace
# (PostgreSQL docs, libpq "Parameter Key Words": host)
_HOST = re.compile(r"[A-Za-z0-9_.-]+|[0-9A-Fa-f:.]+(%[\w.-]+)?|\[[0-9A-Fa-f:.]+(%[\w.-]+)?\]|/.*|@.+")


def check_name(name: str, where: str = "--database") -> str:
    """A plain database name (letters, digits, _ . -; at most 63 bytes) or ConfigError naming
    `where` the name came from."""
    import re

    from pipeline.errors import ConfigError

    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}", name):
        raise ConfigError(f"{where}: {name!r} is neither a database name (letters, digits, _ . -) "
                          "nor a postgresql:// URL")
    return name


def database_name(url: str | None = None) -> str:
    """The database part of a URL (for messages), e.g. `newscorpus_demo`."""
    from psycopg2.extensions import parse_dsn

    try:
        params = parse_dsn(url or database_url())
    except psycopg2.ProgrammingError:
        return "?"
    return params.get("dbname") or params.get("user") or "postgres"


def _current_file():  # noqa: ANN202 - pathlib.Path
    """<home>/database without creating the folder (a read must not leave one behind)."""
    from pipeline import paths

    return paths.home_path() / CURRENT_FILE


def current_name() -> str | None:
    """The database name made current in this folder, or None."""
    try:
        name = _current_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def use(name: str | None) -> None:
    """Make `name` the current database of this folder (None: back to the default)."""
    from pipeline import paths

    path = paths.home() / CURRENT_FILE
    if name is None or name == DEFAULT_DATABASE:
        path.unlink(missing_ok=True)
    else:
        path.write_text(check_name(name) + "\n", encoding="utf-8")


def explicitly_selected() -> bool:
    """True when the user chose a database (--database or an environment variable)."""
    return bool(selection() or configured_url())


def uses_embedded_server() -> bool:
    """True when the database in use lives on the embedded server (newscorpus manages it)."""
    choice = selection()
    return not configured_url() and not (choice and is_url(choice))


def require_schema(conn: psycopg2.extensions.connection) -> None:
    """ConfigError (exit 2) unless the database holds the newscorpus schema (migrated)."""
    from pipeline.errors import ConfigError

    with conn.cursor() as cur:
        cur.execute("select to_regclass('news.schema_migrations') is not null")
        migrated = cur.fetchone()[0]
    conn.rollback()
    if not migrated:
        name = conn.get_dsn_parameters().get("dbname", "?")
        raise ConfigError(f"database {name} has no newscorpus schema: run `newscorpus migrate`")


def create_if_missing(url: str | None = None) -> bool:
    """Create the selected database on the embedded server when it does not exist yet.

    Only on the embedded server (newscorpus owns it); a server of your own is never changed.
    Returns True when the database was created.
    """
    if not uses_embedded_server():
        return False
    return create_database(url or database_url())


def create_database(url: str) -> bool:
    """Create the database `url` names on its server when it does not exist yet (connecting to
    the server's `postgres` database); True when it was created. The one place that creates
    databases: `migrate`/`db use` on the embedded server, the DAG's `database` param, Airflow's
    metadata database. A concurrent creation is not an error."""
    from psycopg2 import sql

    name = database_name(url)
    conn = connect(with_database(url, DEFAULT_DATABASE))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    except psycopg2.errors.DuplicateDatabase:  # created by a concurrent command meanwhile
        return False
    finally:
        conn.close()
    return True


def redact(url: str) -> str:
    """`url` with any password masked as `***`, for messages and printed URLs.

    Covers the places libpq takes a password from a connection string: the URL's userinfo
    (`postgresql://user:pw@host/db`, percent-encoded or not), a `password=` query parameter,
    and the key=value form (`host=h password=pw`, quoted or not). An empty password is left
    empty (masking it would claim one exists).
    """
    if "://" in url:
        scheme, rest = url.split("://", 1)
        end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
        netloc, tail = rest[:end], rest[end:]
        if "@" in netloc:
            userinfo, hosts = netloc.rsplit("@", 1)
            user, colon, password = userinfo.partition(":")
            if password:
                netloc = f"{user}:***@{hosts}"
        tail = _QUERY_PASSWORD.sub(r"\1***", tail)
        return f"{scheme}://{netloc}{tail}"
    return _KEYWORD_PASSWORD.sub(r"\1***", url)


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]+", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']+)")


def connect(url: str | None = None) -> psycopg2.extensions.connection:
    """Open a connection; a refused or unreachable server becomes one clear error line."""
    url = url or database_url()
    try:
        return psycopg2.connect(
            url, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME,
            options=f"-c lock_timeout={lock_timeout_ms()}", cursor_factory=_Cursor,
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        if _BAD_OPTION.match(reason):  # libpq refused the string itself: nothing was reached
            raise ConfigError(f"bad database URL {redact(url)}: {reason}") from None
        if _MISSING_DATABASE.search(reason):
            name = database_name(url)
            fix = (f"`newscorpus --database {name} migrate` creates it" if uses_embedded_server()
                   else f"create it (`createdb {name}`), then `newscorpus migrate`")
            raise DatabaseMissing(f"database {name} does not exist at {redact(url)}: {fix}") from None
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {redact(url)}: {reason}") from exc


# libpq's own checks of a connection string's values, made before any connection attempt
# (fe-connect.c: 'invalid sslmode value: "x"', 'invalid integer value "x" for connection
# option …', 'could not match 2 host names to 1 hostaddr values', 'could not parse network
# address "x"'): bad configuration (exit 2), not a failure to reach the server.
_BAD_OPTION = re.compile(r"invalid |could not match \d+ host names|could not parse network address")

# libpq's FATAL for a missing database (SQLSTATE 3D000 is not exposed before the session starts).
_MISSING_DATABASE = re.compile(r'FATAL:\s+database ".*" does not exist')


# what libpq says when the server ended the session (its FATAL text, e.g. "terminating connection
# due to administrator command", is often not read before the socket closes)
_SESSION_ENDED = ("server closed the connection unexpectedly", "terminating connection due to",
                  "connection already closed", "SSL SYSCALL error: EOF detected")


def describe_error(exc: BaseException, url: str | None = None) -> str:
    """One line for a database error, naming the cause.

    When the server ends a session (pg_terminate_backend, a shutdown, a crash), the statement in
    flight fails with "server closed the connection unexpectedly", and psycopg2's `with conn:`
    (a rollback) then raises InterfaceError "connection already closed", which hid the cause.
    For those, `url`'s server is asked once whether it still answers: yes means an
    administrator (or a timeout) ended the session; no means the server stopped.
    """
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    texts = " ".join(str(error) for error in chain)
    if not any(marker in texts for marker in _SESSION_ENDED):
        return " ".join(str(chain[0]).split()) or type(chain[0]).__name__
    if "idle" in texts and "timeout" in texts:
        return "the server ended this idle session (idle_session_timeout)"
    answers = False
    if url:
        try:
            psycopg2.connect(url, connect_timeout=5, application_name=APPLICATION_NAME).close()
            answers = True
        except psycopg2.Error:
            pass
    if answers:
        return ("the server closed this command's connection: its session was terminated by an administrator "
                "(pg_terminate_backend) or a server-side timeout; the server is up, so the command can be run again")
    return ("the server closed this command's connection and does not answer now: it stopped, crashed or is "
            "restarting")


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
    """The same server and credentials, another database (URL or key=value string)."""
    from urllib.parse import quote, urlsplit, urlunsplit

    if "://" not in url:
        from psycopg2.extensions import make_dsn

        return make_dsn(url, dbname=name)
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name)))


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

    url = url or database_url()
    if "://" not in url:  # a key=value string
        from psycopg2.extensions import make_dsn, parse_dsn

        params = {k: v for k, v in parse_dsn(url).items() if k != "password"}
        return make_dsn(**{**params, "user": READER_ROLE})
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{READER_ROLE}@{host}"))
