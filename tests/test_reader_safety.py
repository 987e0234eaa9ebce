"""The reader role cannot hurt: bounded sessions, no pipeline locks, and a pipeline that names
the session blocking it instead of waiting forever (migration 010, pipeline/db.py)."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest

from pipeline import db
from pipeline.migrate import migrate
from pipeline.nightly.lock import RUN_LOCK_KEY


@pytest.fixture
def reader(database_url: str):
    conn = psycopg2.connect(db.reader_url(database_url))
    conn.autocommit = True
    yield conn
    conn.close()


def test_reader_sessions_are_bounded(reader) -> None:
    with reader.cursor() as cur:
        settings = {}
        for name in ("statement_timeout", "idle_in_transaction_session_timeout", "temp_file_limit",
                     "idle_session_timeout", "lock_timeout"):
            cur.execute(f"show {name}")
            settings[name] = cur.fetchone()[0]
    assert settings["statement_timeout"] == "5min"
    assert settings["idle_in_transaction_session_timeout"] == "1min"
    assert settings["temp_file_limit"] == "1GB"
    assert settings["idle_session_timeout"] == "30min"
    assert settings["lock_timeout"] == "5s"


def test_reader_cannot_lift_its_temp_file_limit(reader) -> None:
    with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("set temp_file_limit = -1")


@pytest.mark.parametrize("call", [
    f"pg_advisory_lock({RUN_LOCK_KEY})", f"pg_try_advisory_lock({RUN_LOCK_KEY})",
    "pg_advisory_lock(0x6d696772)", "pg_advisory_lock_shared(1)", "pg_advisory_lock(1, 2)",
    "pg_try_advisory_xact_lock(1)",
])
def test_reader_cannot_take_the_pipelines_locks(reader, call: str) -> None:
    with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(f"select {call}")


def test_pipeline_still_takes_its_locks(database_url: str) -> None:
    with db.connection(database_url) as conn, conn.cursor() as cur:
        cur.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,))
        assert cur.fetchone()[0]


def test_a_readers_open_transaction_makes_migrate_give_up_naming_it(
    reader, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader.autocommit = False
    with reader.cursor() as cur:
        cur.execute("select count(*) from news.corpus")  # the transaction stays open
        cur.execute("select pg_backend_pid()")
        reader_pid = cur.fetchone()[0]
    monkeypatch.setenv(db.LOCK_TIMEOUT_ENV, "1")
    with db.connection(database_url) as conn, pytest.raises(db.LockTimeout) as info:
        migrate(conn)
    message = str(info.value)
    assert f"session {reader_pid}" in message and "news_reader" in message
    assert "\n" not in message
    reader.rollback()
    with db.connection(database_url) as conn:  # once the reader is gone, migrate works
        migrate(conn)


def test_limits_the_reader_lifts_for_itself_come_back_at_the_next_migrate(reader, database_url: str) -> None:
    with reader.cursor() as cur:
        cur.execute("alter role news_reader set statement_timeout = 0")
        cur.execute("alter role news_reader in database postgres set idle_in_transaction_session_timeout = 0")
    with db.connection(database_url) as conn:
        migrate(conn)
        with conn.cursor() as cur:
            cur.execute("select d.datname, s.setconfig from pg_db_role_setting as s "
                        "join pg_roles as r on r.oid = s.setrole left join pg_database as d on d.oid = s.setdatabase "
                        "where r.rolname = 'news_reader'")
            rows = cur.fetchall()
    assert len(rows) == 1 and rows[0][0] is None
    assert "statement_timeout=5min" in rows[0][1]
