"""The nightly job's stages, as functions the Airflow DAG and `newscorpus run` both call.

Each stage opens its own connection from `pipeline.db` (to `url`, the database the caller
resolved; None: `db.database_url()`), does one idempotent piece of work
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
from typing import TYPE_CHECKING, Any

from pipeline import db
from pipeline.errors import ConfigError, NewscorpusError

if TYPE_CHECKING:
    from pipeline.sources import SourcesFile

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
    """The DAG's params resolved against its defaults: the URL is returned and passed on to
    every stage explicitly (the environment is never written).

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
        ConfigError: the database param is neither a URL nor a valid database name, or a
            NEWSCORPUS_* setting is bad (pipeline.envsettings).
    """
    from pipeline import envsettings

    envsettings.check()  # every task starts here: a bad NEWSCORPUS_* setting fails it in one line
    server = connection_url or db.configured_url() or None  # blank: unset
    database = (database or "").strip()
    if not database:
        url = server or db.database_url()
    elif "://" in database or "=" in database:
        url = database
    elif DATABASE_NAME.match(database):
        url = db.with_database(server or db.database_url(), database)
        if create_database and db.create_database(url):
            log.info("created database %s", database)
    else:
        raise ConfigError(f"database param {database!r} is neither a libpq URL nor a database name "
                          "(letters, digits, _; at most 63)")
    return Target(sources_path=(sources or "").strip() or default_sources or None, database_url=url)


def check_crawl_settings() -> None:
    """The checks `newscorpus crawl`/`run` make before touching the database: every NEWSCORPUS_*
    setting parsed, and the WARC folder (NEWSCORPUS_WARC_DIR, default <home>/warc) writable
    (pipeline.crawl.check_warc_dir). news_nightly's first tasks call it, so an unwritable folder
    fails the night at its start, before its run row, instead of every crawl_source after its
    retries (waiting does not make a folder writable).

    Raises ConfigError (one line naming the variable)."""
    from pipeline import envsettings
    from pipeline.crawl import check_warc_dir

    envsettings.check()
    check_warc_dir()


@contextmanager
def fails_at_once_on_bad_configuration() -> Iterator[None]:
    """Inside a DAG task: a bad configuration (ConfigError: a missing or invalid sources file, a
    database param naming no database, a demo database on a scheduled night, a bad NEWSCORPUS_*
    setting, an unwritable NEWSCORPUS_WARC_DIR, a bad backfill param) is not fixed by waiting, so
    the task fails at once with the reason, not after its retries (a trial waited 15 minutes for
    two retries of a missing sources file). Airflow's AirflowFailException is the failure its
    retries skip. Both DAGs (news_nightly, news_backfill) wrap their configuration in it; Airflow
    is imported here only, inside a task."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except ConfigError as error:
        raise AirflowFailException(str(error)) from None


def skip_unless_started(run: object) -> None:
    """Skip a DAG task whose run did not start: extract (trigger rule all_done, so it runs after
    failed crawls) and news_backfill's dedup also run when migrate or start_run failed, with no
    run, and retried the same configuration error (a trial: a night with a missing sources file
    lasted 23 minutes). Used by news_nightly and news_backfill."""
    from airflow.sdk.exceptions import AirflowSkipException

    if not run:
        raise AirflowSkipException("the run did not start (migrate or start_run failed): nothing to do")


# the sample web's databases (pipeline.demo, pipeline.airflow_demo): a scheduled night, which
# crawls the real sources, never loads them (the folder's current database after `make demo`)
DEMO_DATABASES = ("newscorpus_demo", "newscorpus_airflow_demo")


def refuse_demo_database(run_type: str, database_url: str) -> None:
    """A scheduled night (run_type "scheduled": the real sources, no params) refuses a demo
    database, so sample and real outlets never mix in one corpus; a manual run (a trigger with
    params, `make airflow-demo`) may load it.

    Raises ConfigError naming the database and how to choose another.
    """
    name = db.database_name(database_url)
    if str(run_type) == "scheduled" and name in DEMO_DATABASES:
        raise ConfigError(
            f"a scheduled night crawls the real sources and would load them into {name}, the sample web's "
            f"demo database (the folder's current one after `make demo`): set the Airflow connection "
            f"newscorpus_db, or `newscorpus db use --create NAME` another database, then clear this run")


def airflow_target(create_database: bool = False, sources_variable: str = "newscorpus_sources",
                   connection_id: str = "newscorpus_db") -> Target:
    """A DAG task's Target: its run's `sources`/`database` params resolved (`resolve_target`)
    against the Airflow Variable `sources_variable` and the connection `connection_id`.

    Both DAGs (news_nightly, news_backfill) call it at the start of each task; Airflow is
    imported here only, inside a task.
    """
    from airflow.sdk import Connection, Variable, get_current_context
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    params = get_current_context()["params"]
    try:
        uri = Connection.get(connection_id).get_uri()
        connection_url = uri.replace("postgres://", "postgresql://", 1)
    except (AirflowNotFoundException, AirflowRuntimeError):
        connection_url = None  # no connection configured: NEWSCORPUS_DATABASE_URL or the embedded server
    return resolve_target(
        params.get("sources"), params.get("database"),
        default_sources=Variable.get(sources_variable, default=None),
        connection_url=connection_url, create_database=create_database,
    )


@contextmanager
def dag_run_lock(holder: str, wait_seconds: float = DAG_LOCK_WAIT_S, url: str | None = None) -> Iterator[None]:
    """The run lock, shared among the tasks of DAG runs, exclusive of CLI runs (pipeline.nightly.lock).

    Waits (logging who holds it) while a `newscorpus run`/`crawl` works on the same database.
    """
    from pipeline.nightly.lock import run_lock

    with run_lock(f"airflow {holder}", shared=True, wait_seconds=wait_seconds, url=url):
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


def migrate_database(url: str | None = None) -> list[str]:
    from pipeline.migrate import migrate

    with db.connection(url) as conn:
        return migrate(conn)


def load_sources_file(sources_path: str | Path | None = None) -> SourcesFile:
    """The edge's one read of the sources file (None: sources.yaml), validated: a bad file
    raises ConfigError here, before any run row or crawl. Callers pass the object on."""
    from pipeline.sources import load_sources

    return load_sources(sources_path)


def source_names(sources_file: SourcesFile) -> list[str]:
    """The configured source names of an already loaded (and so validated) sources file."""
    return [source.name for source in sources_file.sources]


def begin_run(trigger: str, run_key: str | None = None, url: str | None = None) -> int:
    """Open (or, with a known `run_key`, reopen) the night's news.crawl_runs row (pipeline.runs)."""
    from pipeline import runs

    with db.connection(url) as conn:
        return runs.open_run(conn, trigger, run_key)


def close_ended_runs(key_prefix: str, own_key: str, state_of: Callable[[str], str | None],
                     url: str | None = None) -> list[int]:
    """Close this DAG's earlier rows left 'running' by DAG runs that ended without their report
    (pipeline.runs.close_ended_orchestrated_runs); logs each one closed. Returns their run_ids."""
    from pipeline import runs

    with db.connection(url) as conn:
        closed = runs.close_ended_orchestrated_runs(conn, key_prefix, own_key, state_of)
    for run_id in closed:
        log.warning("crawl run %s closed as interrupted: its DAG run ended without closing it", run_id)
    return closed


def crawl_sources(
    run_id: int,
    sources_path: str | Path | None = None,
    only: list[str] | None = None,
    max_pages: int | None = None,
    raise_on_failed_source: bool = True,
    url: str | None = None,
    sources_file: SourcesFile | None = None,
) -> dict[str, Any]:
    """Crawl some sources into an existing run; by default raises if any of them failed.

    `sources_file` is the file at `sources_path` as the caller loaded it (read here otherwise)."""
    from pipeline.crawl import crawl, raise_for_failures

    summary = crawl(sources_path=sources_path, only=only, max_pages=max_pages, run_id=run_id,
                    database_url=url, sources_file=sources_file)
    if raise_on_failed_source:
        raise_for_failures(summary)
    return _plain(summary)


def extract_pages(sources_path: str | Path | None = None, url: str | None = None,
                  sources_file: SourcesFile | None = None) -> dict[str, Any]:
    """Clean every page not yet extracted; `sources_file` as in crawl_sources."""
    from pipeline.extract import extract_pending

    with db.connection(url) as conn:
        with conn, conn.cursor() as cur:
            cur.execute("select now()")
            since = cur.fetchone()[0]
        with heartbeat("extract", lambda: _count(
                "select count(*) from news.page_extractions where extracted_at >= %s", since,
                "page(s) cleaned so far", url)):
            return _plain(extract_pending(conn, sources_path=sources_path, sources_file=sources_file))


def deduplicate(run_id: int | None = None, url: str | None = None) -> dict[str, Any]:
    from pipeline.dedup import dedup
    from pipeline.runs import record_duplicates

    with db.connection(url) as conn, heartbeat("dedup"):
        summary = dedup(conn)
        if run_id is not None:
            record_duplicates(conn, run_id)
        return _plain(summary)


def _count(query: str, arg: Any, what: str, url: str | None = None) -> str:
    with db.connection(url) as conn, conn.cursor() as cur:
        cur.execute(query, (arg,))
        return f"{cur.fetchone()[0]} {what}"


def refresh_derived(url: str | None = None) -> None:
    """Bring derived data up to date after a night's loads (pipeline.nightly.refresh)."""
    from pipeline.nightly.refresh import refresh_all

    with db.connection(url) as conn:
        refresh_all(conn)


def night_problems(run_id: int, url: str | None = None) -> list[str]:
    """Problems a human should look at; empty when the night looks healthy.

    Tops up the furniture cache first (as the checks always did), then judges read-only.
    """
    from pipeline.nightly.checks import quality_problems
    from pipeline.nightly.refresh import refresh_furniture

    with db.connection(url) as conn:
        refresh_furniture(conn)
        return quality_problems(conn, run_id=run_id)


def check_quality(run_id: int, url: str | None = None) -> None:
    problems = night_problems(run_id, url)
    if problems:
        raise QualityCheckFailed("; ".join(problems))


def conclude_run(run_id: int, failed: bool, error: str | None = None,
                 problems: list[str] | None = None, url: str | None = None) -> dict[str, Any]:
    """Count the run's articles, build its report (with its `problems`), store it once with the
    closing of the run row (pipeline.runs); returns the report."""
    from pipeline import runs
    from pipeline.nightly.report import build_report

    with db.connection(url) as conn:
        runs.record_article_counts(conn, run_id)
        report = build_report(conn, run_id, problems=problems)
        runs.close_run(conn, run_id, "failed" if failed else "succeeded", error=error, report=report)
    return report


def finish_night(run_id: int, failed_steps: list[str],
                 say: Callable[[str], None] | None = None, url: str | None = None) -> dict[str, Any]:
    """The DAG's last step: judge the night, store its report, close the run row, say it.

    Args:
        failed_steps: what failed upstream, already in operator words ("crawl of the-sun",
            "extract"); each becomes a problem.
        say: where the printed report goes (the report task's log, at INFO).

    Returns the stored report. Raises NightFailed (after storing) when anything failed or a
    quality check fired, so the DAG run ends failed; its message names the sources.
    """
    from pipeline.nightly.report import format_report

    problems = [f"{step} failed" for step in failed_steps] + night_problems(run_id, url)
    error = "; ".join(problems) or None
    report = conclude_run(run_id, failed=bool(problems), error=error, problems=problems, url=url)
    (say or log.info)(format_report(report))
    if problems:
        raise NightFailed(f"crawl run {run_id} failed: {error}")
    return report


def _plain(summary: Any) -> dict[str, Any]:
    """A dataclass summary as a JSON-able dict (XCom and the CLI both want plain data)."""
    if dataclasses.is_dataclass(summary):
        return dataclasses.asdict(summary)
    return dict(summary)
