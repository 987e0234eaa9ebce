"""Crawl run bookkeeping: one news.crawl_runs row per run of a stage that fetches.

The CLI's `crawl`, `newscorpus run` and the Airflow DAG open a run with `start_run`, let one
or more crawls add their per-source counts to it (news.crawl_run_sources), and close it with
`finish_run` — also when the work ended by an exception or a signal.

A run row is owned by the connection that opened it: `start_run(..., hold=True)` takes a
session advisory lock (OWNER_LOCK_CLASS, run_id) on that connection, and the caller keeps the
connection open for the run's life. When the process dies (SIGKILL, a crash, a lost machine)
PostgreSQL drops the lock with the session, and the next `start_run` closes the row as
'interrupted' (`close_abandoned`; an un-held row, e.g. opened by an older version, after a day). Orchestrated runs (with a run_key: Airflow) pass between
task processes and hold no owner lock; they are reopened by their own retries instead.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg2.extensions

from pipeline.load import upsert

FINISHED = ("succeeded", "failed", "interrupted")
OWNER_LOCK_CLASS = 0x6E63  # first key of the two-key advisory lock held by a run's owner
ABANDONED = "interrupted: the process running it ended without closing it"


def close_abandoned(conn: psycopg2.extensions.connection) -> list[int]:
    """Close as 'interrupted' every run left 'running' whose owner session is gone."""
    closed = []
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            select run_id from news.crawl_runs
            where status = 'running' and run_key is null
              and (owner_locked or started_at < now() - interval '1 day')
            order by run_id
            for update skip locked
            """
        )
        for (run_id,) in cur.fetchall():
            cur.execute("select pg_try_advisory_xact_lock(%s, %s)", (OWNER_LOCK_CLASS, run_id))
            if not cur.fetchone()[0]:
                continue  # its owner is alive
            cur.execute(
                """
                update news.crawl_runs
                set status = 'interrupted', error = %s, finished_at = greatest(clock_timestamp(), started_at)
                where run_id = %s and status = 'running'
                """,
                (ABANDONED, run_id),
            )
            closed.append(run_id)
    return closed


def start_run(
    conn: psycopg2.extensions.connection, trigger: str, run_key: str | None = None, hold: bool = False
) -> int:
    """Open a run (status 'running'); returns its run_id. `trigger`: cli | airflow | demo | test.

    Runs abandoned by dead processes are closed first. With `hold`, `conn` takes the run's
    owner lock (before the row is visible), so keep `conn` open until `finish_run`.

    With a `run_key` (the orchestrator's id for this run), starting the same run again reopens
    its row: a retried or cleared Airflow run keeps one run row and adds to its counts.
    """
    close_abandoned(conn)
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            insert into news.crawl_runs (trigger, run_key) values (%s, %s)
            on conflict (run_key) do update set status = 'running', finished_at = null, error = null
            returning run_id
            """,
            (trigger, run_key),
        )
        run_id = int(cur.fetchone()[0])
        if hold:
            cur.execute("select pg_advisory_lock(%s, %s)", (OWNER_LOCK_CLASS, run_id))
            cur.execute("update news.crawl_runs set owner_locked = true where run_id = %s", (run_id,))
        return run_id


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


def record_duplicates(conn: psycopg2.extensions.connection, run_id: int) -> None:
    """news.crawl_run_sources.duplicates_found: copies among the run's articles, per source.

    Called after dedup (nightly stage, backfill, `newscorpus dedup --run-id`): a copy is an
    article of the run's pages whose cluster's canonical is another article. One transaction.
    """
    with conn:
        with conn.cursor() as cur:
            cur.execute(
                """
                select a.source,
                       count(*) filter (where c.canonical_article_id <> a.article_id) as copies
                from news.articles as a
                join news.pages as p on p.page_id = a.page_id
                join news.cluster_members as m on m.article_id = a.article_id
                join news.clusters as c on c.cluster_id = m.cluster_id
                where p.run_id = %s and a.is_article
                group by a.source
                """,
                (run_id,),
            )
            rows = [(run_id, source, copies) for source, copies in cur.fetchall()]
        if rows:
            upsert(conn, "news.crawl_run_sources", ["run_id", "source", "duplicates_found"], rows,
                   conflict=["run_id", "source"], update=["duplicates_found"])
