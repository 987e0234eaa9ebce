"""Crawl run bookkeeping: one news.crawl_runs row per run of a stage that fetches.

The CLI's `crawl`, `newscorpus run` and the Airflow DAG open a run with `start_run`, let one
or more crawls add their per-source counts to it (news.crawl_run_sources), and close it with
`finish_run` — also when the work ended by an exception or a signal.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg2.extensions

FINISHED = ("succeeded", "failed", "interrupted")


def start_run(conn: psycopg2.extensions.connection, trigger: str, run_key: str | None = None) -> int:
    """Open a run (status 'running'); returns its run_id. `trigger`: cli | airflow | demo | test.

    With a `run_key` (the orchestrator's id for this run), starting the same run again reopens
    its row: a retried or cleared Airflow run keeps one run row and adds to its counts.
    """
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            insert into news.crawl_runs (trigger, run_key) values (%s, %s)
            on conflict (run_key) do update set status = 'running', finished_at = null, error = null
            returning run_id
            """,
            (trigger, run_key),
        )
        return int(cur.fetchone()[0])


def finish_run(
    conn: psycopg2.extensions.connection,
    run_id: int,
    status: str,
    error: str | None = None,
    report: dict[str, Any] | None = None,
) -> None:
    """Close a run: status is 'succeeded', 'failed' or 'interrupted'; report is stored as jsonb."""
    if status not in FINISHED:
        raise ValueError(f"a finished run's status is one of {FINISHED}, not {status!r}")
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            update news.crawl_runs
            set status = %s, error = %s, report = %s::jsonb,
                finished_at = greatest(clock_timestamp(), started_at)
            where run_id = %s
            """,
            (status, error, json.dumps(report, default=str) if report is not None else None, run_id),
        )
        if cur.rowcount != 1:
            raise ValueError(f"no crawl run {run_id}")


def run_history(conn: psycopg2.extensions.connection) -> dict[str, Any]:
    """What `newscorpus stats` says about crawl runs: counts by status and the last run.

    Returns {"runs": int, "failed": int, "succeeded": int, "last": {run_id, trigger, started_at,
    finished_at, status, error} or None}.
    """
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            select count(*),
                   count(*) filter (where status = 'failed'),
                   count(*) filter (where status = 'succeeded')
            from news.crawl_runs
            """
        )
        runs, failed, succeeded = cur.fetchone()
        cur.execute(
            """
            select run_id, trigger, started_at, finished_at, status, error
            from news.crawl_runs order by started_at desc, run_id desc limit 1
            """
        )
        row = cur.fetchone()
        last = dict(zip([c.name for c in cur.description], row)) if row else None
    return {"runs": runs, "failed": failed, "succeeded": succeeded, "last": last}
