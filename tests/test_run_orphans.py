"""Run rows of Airflow runs that ended without their `report` task are closed, with a reason.

A DAG run marked failed in the UI or through the REST API (or timed out) never reaches
`report`, which closes its news.crawl_runs row; such a row used to stay 'running' forever,
and no later run closed it (orchestrated rows hold no owner lock). Now the next DAG run's
`start_run` closes it by asking Airflow (`close_ended_orchestrated_runs`; through the real
scheduler and REST API in tests/test_airflow_api.py), and any later run (`demo`, `crawl`,
`run`: `open_run`) closes one idle past the DAG run time limit.
"""

from __future__ import annotations

import hashlib
import zlib

import psycopg2

from pipeline import runs
from pipeline.load import upsert
from tests.plugins.database import query

PREFIX = "airflow:news_nightly:"


def _airflow_row(conn: psycopg2.extensions.connection, dag_run: str, hours_ago: float) -> int:
    with conn, conn.cursor() as cur:
        cur.execute(
            "insert into news.crawl_runs (trigger, run_key, started_at)"
            " values ('airflow', %s, now() - make_interval(secs => %s)) returning run_id",
            (PREFIX + dag_run, hours_ago * 3600),
        )
        return cur.fetchone()[0]


def _fetch_into(conn: psycopg2.extensions.connection, run_id: int) -> None:
    body = b"<p>a page fetched just now</p>"
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
               [("alpha", "Alpha", "tabloid", ["alpha.test"])], ["name"])
        upsert(conn, "news.pages", ["run_id", "source", "url", "final_url", "status", "body_zlib", "body_hash"],
               [(run_id, "alpha", f"http://alpha.test/{run_id}", f"http://alpha.test/{run_id}", 200,
                 zlib.compress(body), hashlib.sha256(body).digest())], None)


def _states(url: str) -> dict[int, tuple[str, str | None]]:
    return {run_id: (status, error)
            for run_id, status, error in query(url, "select run_id, status, error from news.crawl_runs")}


def test_a_later_cli_run_closes_an_airflow_row_idle_past_the_run_limit(database_url: str, conn) -> None:
    limit = runs.ORCHESTRATED_RUN_LIMIT_HOURS
    orphan = _airflow_row(conn, "manual__orphan", limit + 1)       # its DAG run was marked failed
    working = _airflow_row(conn, "manual__working", 2)             # a night at work
    cleared = _airflow_row(conn, "manual__cleared", limit + 30)    # an old run cleared, fetching now
    _fetch_into(conn, cleared)
    with conn, conn.cursor() as cur:  # a CC-NEWS backfill may run for days: left to its own DAG
        cur.execute("insert into news.crawl_runs (trigger, run_key, started_at) values"
                    " ('backfill', 'airflow:news_backfill:manual__months', now() - interval '3 days')"
                    " returning run_id")
        backfill = cur.fetchone()[0]

    new = runs.open_run(conn, "demo", hold=True)                   # what demo, crawl and run call

    states = _states(database_url)
    assert states[orphan][0] == "interrupted"
    assert "orchestrator run ended without closing it" in states[orphan][1]
    assert f"{limit} h" in states[orphan][1]
    assert states[working] == ("running", None)
    assert states[cleared] == states[backfill] == ("running", None)
    assert states[new] == ("running", None)


def test_the_next_dag_run_closes_rows_of_dag_runs_that_ended_without_their_report(
        database_url: str, conn) -> None:
    failed = _airflow_row(conn, "manual__failed", 1)
    gone = _airflow_row(conn, "manual__deleted", 1)
    other = _airflow_row(conn, "manual__still_running", 1)
    own = _airflow_row(conn, "scheduled__tonight", 0)
    with conn, conn.cursor() as cur:  # another DAG's row is not this DAG's to close
        cur.execute("insert into news.crawl_runs (trigger, run_key) values"
                    " ('airflow', 'airflow:news_backfill:manual__x') returning run_id")
        backfill = cur.fetchone()[0]
    unknown = _airflow_row(conn, "manual__no_answer", 1)
    airflow_says = {"manual__failed": "failed", "manual__still_running": "running", "manual__no_answer": "unknown"}

    closed = runs.close_ended_orchestrated_runs(conn, PREFIX, PREFIX + "scheduled__tonight", airflow_says.get)

    assert sorted(closed) == sorted([failed, gone])
    states = _states(database_url)
    assert states[failed][0] == "interrupted" and "manual__failed ended failed" in states[failed][1]
    assert states[gone][0] == "interrupted" and "no longer exists" in states[gone][1]
    assert states[other] == states[own] == states[backfill] == states[unknown] == ("running", None)
