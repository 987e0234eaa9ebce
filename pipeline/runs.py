"""Crawl run bookkeeping: one news.crawl_runs row per run of a stage that fetches.

The one module that writes news.crawl_runs and news.crawl_run_sources. The CLI's `crawl`,
`newscorpus run`, the backfill and the Airflow DAGs open a run with `open_run`, let one or
more crawls count into it per source (the item pipeline's counters: `run_source_counts` /
`set_source_counts`; a crawl's announcements: `record_announcements`; the backfill's pages:
`add_source_counts`; the report's article counts: `record_article_counts`), and close it with
`close_run`, which stores the report once — also when the work ended by an exception or a signal.

A run row is owned by the connection that opened it: `open_run(..., hold=True)` takes a
session advisory lock (OWNER_LOCK_CLASS, run_id) on that connection, and the caller keeps the
connection open for the run's life. When the process dies (SIGKILL, a crash, a lost machine)
PostgreSQL drops the lock with the session, and the next `open_run` closes the row as
'interrupted' (`close_abandoned`; an un-held row, e.g. opened by an older version, after a day). Orchestrated runs (with a run_key: Airflow) pass between
task processes and hold no owner lock; they are reopened by their own retries instead, closed by
the next DAG run's `start_run` when their DAG run ended without its report task
(`close_ended_orchestrated_runs`, asking Airflow), and by any `open_run` after
ORCHESTRATED_RUN_LIMIT_HOURS without a fetch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg2.extensions

from pipeline.load import upsert



@dataclass
class CrawlCounts:
    """What one crawl counted for one source: the one definition of the crawl counters.

    The spider and item pipeline count into `spiders.ledger.SourceLedger` (this plus the
    discovery-only counters); the parent reads them back as `pipeline.crawl.SourceCounts`
    (this plus a status); COUNT_COLUMNS says which of them news.crawl_run_sources keeps.
    """

    documents_ok: int = 0          # feeds/sitemaps that gave usable URLs
    documents_failed: int = 0      # feeds/sitemaps that failed, were refused or were malformed
    urls_announced: int = 0        # article URLs of this source announced (after normalising)
    urls_skipped_known: int = 0    # stored before and not announced as changed
    robots_blocked: int = 0
    pages_fetched: int = 0         # page rows produced: successes and failures
    pages_failed: int = 0
    pages_new: int = 0             # first version of a URL stored
    pages_updated: int = 0         # a new version of a known URL stored
    pages_unchanged: int = 0       # fetched again, same body: not stored twice
    bytes: int = 0
    refused: int = 0               # requests the SSRF guard refused (reason in errors)
    limits_hit: int = 0            # discovery documents skipped by a bound (depth, per-source count)
    errors: list[str] = field(default_factory=list)
    # announced URLs not fetched, per reason ("no link", "off the source's domains",
    # "not matching article_url", "URL variant of one already fetched"…)
    urls_dropped: dict[str, int] = field(default_factory=dict)


# The crawl counters news.crawl_run_sources holds per run and source, in this order, read and
# written by the item pipeline (spiders/pipelines.py). Each is the CrawlCounts attribute of the
# same name, except requests_refused, which counts `refused` (COUNTER_OF).
COUNT_COLUMNS: tuple[str, ...] = ("pages_fetched", "pages_failed", "pages_new", "pages_updated", "bytes",
                                  "requests_refused", "documents_ok", "documents_failed")
COUNTER_OF = {column: column for column in COUNT_COLUMNS} | {"requests_refused": "refused"}
# feed/sitemap failures (before any page row exists) kept per run and source for the report
MAX_DOCUMENT_ERRORS = 20

FINISHED = ("succeeded", "failed", "interrupted")
OWNER_LOCK_CLASS = 0x6E63  # first key of the two-key advisory lock held by a run's owner
ABANDONED = "interrupted: the process running it ended without closing it"
# An orchestrated run (Airflow) holds no owner lock between its tasks. Airflow fails a
# news_nightly DAG run after this long (its `dagrun_timeout`, dags/news_nightly.py: a night
# must end before the next one starts), so a row still 'running' this long after it started,
# with no page fetched into it for as long, belongs to a DAG run that ended without its
# `report` task (marked failed in the UI or REST API, timed out, deleted).
ORCHESTRATED_RUN_LIMIT_HOURS = 20
NIGHTLY_KEYS = r"airflow:news\_nightly:%"  # run_key pattern (LIKE) of news_nightly's rows
ORCHESTRATED_ABANDONED = (f"interrupted: its orchestrator run ended without closing it (no activity for "
                          f"{ORCHESTRATED_RUN_LIMIT_HOURS} h, past the DAG run time limit)")


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
        # the nightly DAG's rows: no owner lock to ask, so by age and last fetch (a news_backfill
        # run has no time limit and stores WARC records under their own dates: left to its DAG)
        cur.execute(
            """
            update news.crawl_runs as r
            set status = 'interrupted', error = %(why)s, finished_at = greatest(clock_timestamp(), r.started_at)
            where r.status = 'running' and r.run_key like %(nightly)s
              and r.started_at < now() - make_interval(hours => %(hours)s)
              and not exists (select 1 from news.pages as p
                              where p.run_id = r.run_id
                                and p.fetched_at >= now() - make_interval(hours => %(hours)s))
            returning r.run_id
            """,
            {"why": ORCHESTRATED_ABANDONED, "hours": ORCHESTRATED_RUN_LIMIT_HOURS, "nightly": NIGHTLY_KEYS},
        )
        closed += sorted(run_id for (run_id,) in cur.fetchall())
    return closed


def close_ended_orchestrated_runs(
    conn: psycopg2.extensions.connection, key_prefix: str, own_key: str,
    state_of: Callable[[str], str | None],
) -> list[int]:
    """Close as 'interrupted' this orchestrator's rows still 'running' whose run has ended.

    A DAG run marked failed (UI, REST API) or timed out never reaches its `report` task, which
    closes its row; the next DAG run's `start_run` calls this. Args: `key_prefix` the run_key
    prefix of the DAG's rows ("airflow:news_nightly:"), `own_key` the caller's run_key (kept
    open), `state_of(orchestrator run id)` the orchestrator's state of that run ("running",
    "queued", "failed", "success", anything else: unknown; None: it no longer exists). Only
    ended (failed, success) and missing runs are closed. Returns the closed run_ids.
    """
    with conn, conn.cursor() as cur:
        cur.execute(
            "select run_id, run_key from news.crawl_runs"
            " where status = 'running' and run_key like %s and run_key <> %s order by run_id",
            (key_prefix.replace("%", r"\%").replace("_", r"\_") + "%", own_key),
        )
        rows = cur.fetchall()
    closed = []
    for run_id, run_key in rows:
        other = run_key[len(key_prefix):]
        state = state_of(other)
        if state is not None and state not in ("failed", "success"):
            continue  # queued, running, or unknown: left open
        why = (f"interrupted: Airflow DAG run {other} ended {state} without closing it "
               "(marked failed or success by hand, timed out, or a task killed)" if state
               else f"interrupted: Airflow DAG run {other} no longer exists")
        with conn, conn.cursor() as cur:
            cur.execute(
                """
                update news.crawl_runs
                set status = 'interrupted', error = %s, finished_at = greatest(clock_timestamp(), started_at)
                where run_id = %s and status = 'running'
                """,
                (why, run_id),
            )
            if cur.rowcount:
                closed.append(run_id)
    return closed


def open_run(
    conn: psycopg2.extensions.connection, trigger: str, run_key: str | None = None, hold: bool = False
) -> int:
    """Open a run (status 'running'); returns its run_id. `trigger`: cli | airflow | demo | test.

    Runs abandoned by dead processes are closed first. With `hold`, `conn` takes the run's
    owner lock (before the row is visible), so keep `conn` open until `close_run`.

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


def close_run(
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


def run_source_counts(
    conn: psycopg2.extensions.connection, run_id: int
) -> dict[str, tuple[tuple[int, ...], list[str]]]:
    """What a run's rows hold now, per source: (counts in COUNT_COLUMNS order, document errors).

    A crawl joining a run adds its own counts to these (a retried DAG task, a second crawl).
    Reads in the caller's transaction (the item pipeline writes its first counts in the same one)."""
    with conn.cursor() as cur:
        cur.execute(
            f"select source, {', '.join(COUNT_COLUMNS)}, document_errors"
            " from news.crawl_run_sources where run_id = %s",
            (run_id,),
        )
        return {row[0]: (tuple(row[1:-1]), list(row[-1])) for row in cur.fetchall()}


def set_source_counts(
    conn: psycopg2.extensions.connection,
    run_id: int,
    counts: dict[str, tuple[tuple[int, ...], list[str]]],
) -> None:
    """Write a run's per-source counters (COUNT_COLUMNS order) and its last MAX_DOCUMENT_ERRORS
    document errors, in the caller's transaction (the item pipeline stores pages in the same one)."""
    rows = [(run_id, source, *values, errors[-MAX_DOCUMENT_ERRORS:])
            for source, (values, errors) in counts.items()]
    upsert(conn, "news.crawl_run_sources", ["run_id", "source", *COUNT_COLUMNS, "document_errors"], rows,
           conflict=["run_id", "source"])


def add_source_counts(
    conn: psycopg2.extensions.connection, run_id: int, counts: dict[str, tuple[int, int, int, int]]
) -> None:
    """Add (pages_fetched, pages_new, pages_updated, bytes) per source to a run's rows, in the
    caller's transaction (the WARC backfill counts each stored batch; news.crawl_report reads them)."""
    names = list(counts)
    with conn.cursor() as cur:
        cur.execute(
            """
            insert into news.crawl_run_sources as c (run_id, source, pages_fetched, pages_new, pages_updated, bytes)
            select %s, * from unnest(%s::text[], %s::int[], %s::int[], %s::int[], %s::bigint[])
            on conflict (run_id, source) do update
                set pages_fetched = c.pages_fetched + excluded.pages_fetched,
                    pages_new = c.pages_new + excluded.pages_new,
                    pages_updated = c.pages_updated + excluded.pages_updated,
                    bytes = c.bytes + excluded.bytes
            """,
            (run_id, names, *([counts[n][i] for n in names] for i in range(4))),
        )


# added to what earlier crawls of the same run recorded (jsonb counts summed per reason)
_ANNOUNCEMENTS_SQL = """
insert into news.crawl_run_sources as rs (run_id, source, urls_announced, urls_dropped)
select %(run_id)s, u.source, u.announced, u.dropped
from jsonb_to_recordset(%(rows)s::jsonb) as u(source text, announced integer, dropped jsonb)
on conflict (run_id, source) do update set
    urls_announced = rs.urls_announced + excluded.urls_announced,
    urls_dropped = (
        select coalesce(jsonb_object_agg(key, total), '{}'::jsonb)
        from (select key, sum(value::bigint) as total
              from (select * from jsonb_each_text(rs.urls_dropped)
                    union all
                    select * from jsonb_each_text(excluded.urls_dropped)) as both_counts
              group by key) as summed
    )
"""


def record_announcements(
    conn: psycopg2.extensions.connection, run_id: int, announced: dict[str, tuple[int, dict[str, int]]]
) -> None:
    """news.crawl_run_sources.urls_announced/urls_dropped of one crawl, added per source:
    `announced` is source → (URLs announced, {drop reason: count}). In the caller's transaction."""
    rows = [{"source": name, "announced": count, "dropped": dropped}
            for name, (count, dropped) in announced.items()]
    if rows:
        with conn.cursor() as cur:
            cur.execute(_ANNOUNCEMENTS_SQL, {"run_id": run_id, "rows": json.dumps(rows)})


# articles first seen / changed during the run, per source, copied into crawl_run_sources
# (duplicates_found is written by the dedup stage, which knows what it linked)
ARTICLE_COUNTS_SQL = """
with run as (
    select run_id, started_at, coalesce(finished_at, now()) as ended_at
    from news.crawl_runs where run_id = %(run_id)s
),
article_changes as (
    select
        a.source,
        count(*) filter (where a.first_seen_at >= run.started_at)                   as articles_new,
        count(*) filter (where a.first_seen_at < run.started_at
                           and a.updated_at >= run.started_at)                      as articles_updated
    from news.articles as a
    cross join run
    where a.updated_at >= run.started_at and a.updated_at <= run.ended_at
    group by a.source
)
update news.crawl_run_sources as rs
set articles_new = ac.articles_new,
    articles_updated = ac.articles_updated
from article_changes as ac
where rs.run_id = %(run_id)s and rs.source = ac.source
"""


def record_article_counts(conn: psycopg2.extensions.connection, run_id: int) -> None:
    """Copy the articles first seen / changed during the run into its per-source rows (the
    report and news.crawl_report read them); run before the report is built."""
    with conn, conn.cursor() as cur:
        cur.execute(ARTICLE_COUNTS_SQL, {"run_id": run_id})
