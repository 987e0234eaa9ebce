"""The nightly job's stages, as functions the Airflow DAG and `newscorpus run` both call.

Each stage opens its own connection from `pipeline.db`, does one idempotent piece of work
and returns a small JSON-able summary (Airflow passes it through XCom; the CLI prints it).
Running a stage twice gives the same database state.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from pipeline import db
from pipeline.errors import NewscorpusError

log = logging.getLogger(__name__)


class QualityCheckFailed(NewscorpusError):
    """The data-quality checks found problems; the run is marked failed."""


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
        return _plain(extract_pending(conn, sources_path=sources_path))


def deduplicate(run_id: int | None = None) -> dict[str, Any]:
    from pipeline.dedup import dedup

    with db.connection() as conn:
        return _plain(dedup(conn, run_id=run_id))


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


def finish_run(run_id: int, failed: bool, error: str | None = None) -> dict[str, Any]:
    """Build and store the run's report, then close the run row."""
    from pipeline.report import build_report
    from pipeline.runs import finish_run as finish

    with db.connection() as conn:
        report = build_report(conn, run_id)
        finish(conn, run_id, "failed" if failed else "succeeded", error=error, report=report)
    return report


def _plain(summary: Any) -> dict[str, Any]:
    """A dataclass summary as a JSON-able dict (XCom and the CLI both want plain data)."""
    if dataclasses.is_dataclass(summary):
        return dataclasses.asdict(summary)
    return dict(summary)
