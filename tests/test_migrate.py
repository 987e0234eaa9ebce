"""Migrations: applied once each, safe to repeat and to run concurrently."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2

from pipeline.migrate import migrate, pending_files

CONTRACT_VIEWS = ("corpus", "all_articles", "syndication", "crawl_report")


def _schema_snapshot(url: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                select table_name, column_name, data_type, is_nullable
                from information_schema.columns where table_schema = 'news'
                order by 1, 2
                """
            )
            return cur.fetchall()
    finally:
        conn.close()


def _newscorpus(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSCORPUS_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True
    )


def test_migrate_twice_applies_nothing_the_second_time(fresh_database_url: str) -> None:
    conn = psycopg2.connect(fresh_database_url)
    try:
        first = migrate(conn)
        before = _schema_snapshot(fresh_database_url)
        second = migrate(conn)
    finally:
        conn.close()
    assert first == [m.version for m in pending_files()]
    assert second == []
    assert _schema_snapshot(fresh_database_url) == before
    views = {row[0] for row in before}
    assert set(CONTRACT_VIEWS) <= views


def test_two_concurrent_migrate_processes_apply_each_migration_once(
    fresh_database_url: str,
) -> None:
    env = {**os.environ, "NEWSCORPUS_DATABASE_URL": fresh_database_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=120) + (proc.returncode,) for proc in procs]
    assert [rc for _, _, rc in results] == [0, 0], results
    conn = psycopg2.connect(fresh_database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select version, count(*) from news.schema_migrations group by 1")
            counts = dict(cur.fetchall())
    finally:
        conn.close()
    assert counts == {m.version: 1 for m in pending_files()}
    applied_lines = [out for out, _, _ in results]
    assert sum("applied 0 migration(s)" in line for line in applied_lines) == 1


def test_contract_views_are_queryable_and_empty(conn) -> None:
    with conn.cursor() as cur:
        for view in CONTRACT_VIEWS:
            cur.execute(f"select count(*) from news.{view}")
            assert cur.fetchone() == (0,)
