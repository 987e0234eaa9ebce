"""Schema migrations: numbered files applied once each, then repeatable views.

`sql/migrations/NNN_name.sql` run in order, each in its own transaction, recorded in
`news.schema_migrations`. `sql/views/*.sql` are `CREATE OR REPLACE` files re-applied after
every migrate, in name order. A PostgreSQL advisory lock serialises concurrent callers, so
two `newscorpus migrate` processes (or two Airflow tasks) never apply a file twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions

from pipeline import paths
from pipeline.errors import NewscorpusError

log = logging.getLogger(__name__)

# An arbitrary constant naming "newscorpus schema change" in pg_advisory_lock's key space.
MIGRATION_LOCK_KEY = 0x6E657773  # b"news"
MIGRATION_NAME = re.compile(r"^(\d{3,})_[a-z0-9_]+\.sql$")

BOOTSTRAP_SQL = """
create schema if not exists news;
create table if not exists news.schema_migrations (
    version     text primary key,
    checksum    text not null,
    applied_at  timestamptz not null default now()
);
"""


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def pending_files(sql_dir: Path = paths.SQL_DIR) -> list[Migration]:
    """Every migration file, in version order; a misnamed file is an error, not a skip."""
    migrations = []
    for path in sorted((sql_dir / "migrations").glob("*.sql")):
        if not MIGRATION_NAME.match(path.name):
            raise NewscorpusError(f"migration file name {path.name!r} is not NNN_name.sql")
        migrations.append(Migration(version=path.stem, path=path))
    versions = [m.version.split("_", 1)[0] for m in migrations]
    if len(set(versions)) != len(versions):
        raise NewscorpusError(f"two migrations share a number in {sql_dir / 'migrations'}")
    return migrations


def view_files(sql_dir: Path = paths.SQL_DIR) -> list[Path]:
    return sorted((sql_dir / "views").glob("*.sql"))


def migrate(conn: psycopg2.extensions.connection, sql_dir: Path = paths.SQL_DIR) -> list[str]:
    """Apply pending migrations and re-apply views; returns the versions applied now."""
    migrations = pending_files(sql_dir)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        conn.autocommit = False
        with conn, conn.cursor() as cur:
            cur.execute(BOOTSTRAP_SQL)
        applied = _applied_versions(conn)
        _check_unchanged(migrations, applied)
        done = [m.version for m in migrations if m.version not in applied and _apply(conn, m)]
        _apply_views(conn, sql_dir)
        return done
    finally:
        conn.rollback()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        conn.autocommit = False


def _applied_versions(conn: psycopg2.extensions.connection) -> dict[str, str]:
    with conn, conn.cursor() as cur:
        cur.execute("select version, checksum from news.schema_migrations")
        return dict(cur.fetchall())


def _check_unchanged(migrations: list[Migration], applied: dict[str, str]) -> None:
    """A migration edited after it was applied is a bug: roll forward with a new file."""
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded and recorded != migration.checksum:
            log.warning("migration %s changed after it was applied", migration.version)


def _apply(conn: psycopg2.extensions.connection, migration: Migration) -> bool:
    log.info("applying migration %s", migration.version)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(migration.sql)
            cur.execute(
                "insert into news.schema_migrations (version, checksum) values (%s, %s)",
                (migration.version, migration.checksum),
            )
    except psycopg2.Error as exc:
        raise NewscorpusError(f"migration {migration.version} failed: {_first_line(exc)}") from exc
    return True


def _apply_views(conn: psycopg2.extensions.connection, sql_dir: Path) -> None:
    with conn, conn.cursor() as cur:
        for path in view_files(sql_dir):
            try:
                cur.execute(path.read_text(encoding="utf-8"))
            except psycopg2.Error as exc:
                raise NewscorpusError(f"view file {path.name} failed: {_first_line(exc)}") from exc


def _first_line(exc: psycopg2.Error) -> str:
    return (exc.pgerror or str(exc)).strip().splitlines()[0]
