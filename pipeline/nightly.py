"""The nightly job's stages, as functions the Airflow DAG and `newscorpus run` both call.

Each stage opens its own connection from `pipeline.db`, does one idempotent piece of work
and returns a small JSON-able summary (Airflow passes it through XCom; the CLI prints it).
Running a stage twice gives the same database state.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline import db
from pipeline.errors import ConfigError, NewscorpusError

log = logging.getLogger(__name__)

# How long a DAG task waits for a CLI run holding the run lock before it fails (a manual
# `newscorpus run` of a large sources file takes an hour or two; the nightly may wait that out).
DAG_LOCK_WAIT_S = 3 * 3600
HEARTBEAT_EVERY_S = 10.0   # "long stages log progress at least every ~10 s" (issue 11)
DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class QualityCheckFailed(NewscorpusError):
    """The data-quality checks found problems; the run is marked failed."""


class NightFailed(NewscorpusError):
    """The night's report is stored, but a source failed or a quality check fired."""


@dataclasses.dataclass(frozen=True)
class Target:
    """What a DAG run works on: a sources file (None: sources.yaml) and a libpq URL."""

    sources_path: str | None
    database_url: str


def resolve_target(
    sources: str | None,
    database: str | None,
    default_sources: str | None = None,
    connection_url: str | None = None,
    create_database: bool = False,
) -> Target:
    """The DAG's params resolved against its defaults; exports NEWSCORPUS_DATABASE_URL.

    Args:
        sources: the `sources` param (a path) or None/"" for `default_sources` (the Airflow
            Variable newscorpus_sources), else the repo's sources.yaml.
        database: the `database` param: a libpq URL (`postgresql://…`, or `key=value` pairs),
            a database name on the configured server, or None/"" for that server's own database.
        connection_url: the Airflow connection newscorpus_db as a URL, if it exists; without it
            the configured server is NEWSCORPUS_DATABASE_URL, else the embedded PostgreSQL.
        create_database: create a named database that does not exist yet (the first task does,
            so `database: demo` needs no set-up).

    Raises:
        ConfigError: the database param is neither a URL nor a valid database name.
    """
    server = connection_url or os.environ.get(db.DATABASE_URL_ENV) or None
    database = (database or "").strip()
    if not database:
        url = server or db.database_url()
    elif "://" in database or "=" in database:
        url = database
    elif DATABASE_NAME.match(database):
        url = db.with_database(server or db.database_url(), database)
        if create_database:
            _create_database(url, database)
    else:
        raise ConfigError(f"database param {database!r} is neither a libpq URL nor a database name "
                          "(letters, digits, _; at most 63)")
    os.environ[db.DATABASE_URL_ENV] = url
    return Target(sources_path=(sources or "").strip() or default_sources or None, database_url=url)


def _create_database(url: str, name: str) -> None:
    """CREATE DATABASE `name` on `url`'s server unless it exists (two callers at once: one wins)."""
    import psycopg2
    from psycopg2 import sql

    admin = db.connect(db.with_database(url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                log.info("creating database %s", name)
                try:
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
                except psycopg2.errors.DuplicateDatabase:
                    pass
    finally:
        admin.close()


@contextmanager
def dag_run_lock(holder: str, wait_seconds: float = DAG_LOCK_WAIT_S) -> Iterator[None]:
    """The run lock, shared among the tasks of DAG runs, exclusive of CLI runs (pipeline.runlock).

    Waits (logging who holds it) while a `newscorpus run`/`crawl` works on the same database.
    """
    from pipeline.runlock import run_lock

    with run_lock(f"airflow {holder}", shared=True, wait_seconds=wait_seconds):
        yield


@contextmanager
def heartbeat(stage: str, probe: Callable[[], str] | None = None,
              every: float = HEARTBEAT_EVERY_S) -> Iterator[None]:
    """Log `"<stage>: <probe()> (N s)"` every `every` seconds while the block runs.

    The probe runs in a helper thread (its own DB connection if it needs one); a failing
    probe is reported once at DEBUG and the heartbeat goes on with the elapsed time only.
    """
    done = threading.Event()
    started = time.monotonic()

    def beat() -> None:
        while not done.wait(every):
            detail = "working"
            if probe is not None:
                try:
                    detail = probe()
                except Exception as exc:  # noqa: BLE001 - a progress probe must never fail the stage
                    log.debug("%s progress probe failed: %s", stage, exc)
            log.info("%s: %s (%.0fs)", stage, detail, time.monotonic() - started)

    thread = threading.Thread(target=beat, name=f"{stage}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)


def migrate_database() -> list[str]:
    from pipeline.migrate import migrate

    with db.connection() as conn:
        return migrate(conn)


def source_names(sources_path: str | Path | None = None) -> list[str]:
    """The configured source names; validating the file here refuses a bad one before any crawl."""
    from pipeline.sources import load_sources

    return [source.name for source in load_sources(sources_path).sources]


def start_run(trigger: str, run_key: str | None = None) -> int:
    from pipeline.runs import start_run as start

    with db.connection() as conn:
        return start(conn, trigger, run_key)


def crawl_sources(
    run_id: int,
    sources_path: str | Path | None = None,
    only: list[str] | None = None,
    max_pages: int | None = None,
    raise_on_failed_source: bool = True,
) -> dict[str, Any]:
    """Crawl some sources into an existing run; by default raises if any of them failed."""
    from pipeline.crawl import crawl, raise_for_failures

    summary = crawl(sources_path=sources_path, only=only, max_pages=max_pages, run_id=run_id)
    if raise_on_failed_source:
        raise_for_failures(summary)
    return _plain(summary)


def extract_pages(sources_path: str | Path | None = None) -> dict[str, Any]:
    from pipeline.extract import extract_pending

    with db.connection() as conn:
        with conn, conn.cursor() as cur:
            cur.execute("select now()")
            since = cur.fetchone()[0]
        with heartbeat("extract", lambda: _count(
                "select count(*) from news.page_extractions where extracted_at >= %s", since,
                "page(s) cleaned so far")):
            return _plain(extract_pending(conn, sources_path=sources_path))


def deduplicate(run_id: int | None = None) -> dict[str, Any]:
    from pipeline.dedup import dedup
    from pipeline.runs import record_duplicates

    with db.connection() as conn, heartbeat("dedup"):
        summary = dedup(conn)
        if run_id is not None:
            record_duplicates(conn, run_id)
        return _plain(summary)


def _count(query: str, arg: Any, what: str) -> str:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(query, (arg,))
        return f"{cur.fetchone()[0]} {what}"


def refresh() -> None:
    """Bring derived data up to date after a night's loads: the furniture cache the health
    view reads, and the planner statistics of the tables that grew."""
    from pipeline import health

    with db.connection() as conn:
        health.refresh(conn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("analyze news.pages, news.articles, news.cluster_members, news.clusters")


def quality_problems(run_id: int) -> list[str]:
    """Problems a human should look at; empty when the night looks healthy."""
    from pipeline import health

    with db.connection() as conn:
        return health.quality_problems(conn, run_id=run_id)


def check_quality(run_id: int) -> None:
    problems = quality_problems(run_id)
    if problems:
        raise QualityCheckFailed("; ".join(problems))


def finish_run(run_id: int, failed: bool, error: str | None = None,
               problems: list[str] | None = None) -> dict[str, Any]:
    """Build and store the run's report (with its `problems`), then close the run row."""
    from pipeline.report import build_report
    from pipeline.runs import finish_run as finish

    with db.connection() as conn:
        report = build_report(conn, run_id, problems=problems)
        finish(conn, run_id, "failed" if failed else "succeeded", error=error, report=report)
    return report


def finish_night(run_id: int, failed_steps: list[str],
                 say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The DAG's last step: judge the night, store its report, close the run row, say it.

    Args:
        failed_steps: what failed upstream, already in operator words ("crawl of the-sun",
            "extract"); each becomes a problem.
        say: where the printed report goes (the report task's log, at INFO).

    Returns the stored report. Raises NightFailed (after storing) when anything failed or a
    quality check fired, so the DAG run ends failed; its message names the sources.
    """
    from pipeline.report import format_report

    problems = [f"{step} failed" for step in failed_steps] + quality_problems(run_id)
    error = "; ".join(problems) or None
    report = finish_run(run_id, failed=bool(problems), error=error, problems=problems)
    (say or log.info)(format_report(report))
    if problems:
        raise NightFailed(f"crawl run {run_id} failed: {error}")
    return report


def _plain(summary: Any) -> dict[str, Any]:
    """A dataclass summary as a JSON-able dict (XCom and the CLI both want plain data)."""
    if dataclasses.is_dataclass(summary):
        return dataclasses.asdict(summary)
    return dict(summary)
