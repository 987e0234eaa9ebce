"""`backfill()`: WARC files (or CC-NEWS months) → news.pages → extract → dedup, as one run.

The run is a news.crawl_runs row with trigger 'backfill', so news.crawl_report shows it like
any night. Files are read in parallel, one process per file (`workers` at a time, spawned:
each opens its own connection); then the usual extract and dedup stages run once over
everything new, so backfilled articles join the same clusters as nightly ones, and the
contract's rule (earliest published, then earliest fetched) makes an older archived original
the canonical. A file that fails does not stop the others; the run is then 'failed' and a
second `backfill` with the same arguments resumes every unfinished file where it stopped.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pipeline import db
from pipeline.backfill import files as backfill_files
from pipeline.backfill.files import FileResult, backfill_file
from pipeline.backfill.listing import CC_NEWS_BASE, resolve
from pipeline.sources import SourcesFile, load_sources

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2  # this project's machines have 2 cores; each file is one process


@dataclass
class BackfillSummary:
    run_id: int
    status: str = "succeeded"
    files: list[dict[str, Any]] = field(default_factory=list)
    extract: dict[str, Any] = field(default_factory=dict)
    dedup: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def totals(self) -> dict[str, Any]:
        keys = ("records", "responses", "kept", "foreign_host", "pages_new", "pages_updated", "pages_unchanged")
        totals: dict[str, Any] = {k: sum(f[k] for f in self.files) for k in keys}
        skipped: dict[str, int] = {}
        for f in self.files:
            for reason, count in f["skipped"].items():
                skipped[reason] = skipped.get(reason, 0) + count
        totals["skipped"] = skipped
        return totals

    def as_report(self) -> dict[str, Any]:
        return {**asdict(self), "totals": self.totals()}


def prepare(sources_path: str | Path | None, all_hosts: bool, sources_file: SourcesFile | None = None,
            database_url: str | None = None) -> None:
    """Record the sources (and the generic one for --all-hosts) that pages will reference;
    `sources_file` is the file at `sources_path` when the caller already loaded it."""
    from pipeline.load import upsert
    from pipeline.sources import upsert_sources

    if sources_file is None:
        sources_file = load_sources(sources_path)
    with db.connection(database_url) as conn, conn:
        upsert_sources(conn, sources_file.sources, sources_path)
        if all_hosts:
            upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
                   [(backfill_files.GENERIC_SOURCE, backfill_files.GENERIC_OUTLET, "other", [])],
                   conflict=["name"], update=[])


def backfill(
    locations: list[str],
    sources_path: str | Path | None = None,
    months: list[str] | None = None,
    cc_news_base: str = CC_NEWS_BASE,
    all_hosts: bool = False,
    workers: int = DEFAULT_WORKERS,
    keep_bodies: bool = True,
    batch_records: int = backfill_files.BATCH_RECORDS,
    trigger: str = "backfill",
    out: TextIO | None = sys.stderr,
    sources_file: SourcesFile | None = None,
) -> BackfillSummary:
    """Read every file, then extract and dedup; returns the summary (see the module doc).

    `sources_file` is the file at `sources_path` as the caller loaded it (read here otherwise,
    once: every file's job gets the object).

    Raises:
        ConfigError: bad sources file or arguments (before any run row).
        ArchiveError: a CC-NEWS listing cannot be read (before any run row).
    """
    from pipeline.dedup import dedup
    from pipeline.extract import extract_pending
    from pipeline.nightly.stages import _plain
    from pipeline.runs import close_run, open_run, record_duplicates

    started = time.monotonic()
    files = resolve(locations, months or [], cc_news_base)
    if sources_file is None:
        sources_file = load_sources(sources_path)
    prepare(sources_path, all_hosts, sources_file)
    database_url = db.database_url()
    with db.connection(database_url) as conn:
        run_id = open_run(conn, trigger)
    summary = BackfillSummary(run_id=run_id)
    try:
        jobs = [(f, run_id, sources_file, all_hosts, keep_bodies, database_url, batch_records) for f in files]
        for result in _map(jobs, workers):
            summary.files.append(result.as_dict())
            if out is not None:
                print(_progress_line(result), file=out, flush=True)
        with db.connection(database_url) as conn:
            summary.extract = _plain(extract_pending(conn, sources_path=sources_path, sources_file=sources_file))
            summary.dedup = _plain(dedup(conn))
            record_duplicates(conn, run_id)
        failed = [f["file"] for f in summary.files if f["status"] != "done"]
        if failed:
            summary.status = "failed"
            summary.error = f"{len(failed)} file(s) not finished: " + "; ".join(
                f"{f['file']}: {f['error']}" for f in summary.files if f["status"] != "done")[:2000]
    except BaseException as exc:
        summary.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        summary.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        summary.seconds = round(time.monotonic() - started, 2)
        with db.connection(database_url) as conn:
            close_run(conn, run_id, summary.status, summary.error, summary.as_report())
    return summary


def _run_job(job: tuple) -> FileResult:
    return backfill_file(job[0], job[1], sources_file=job[2], all_hosts=job[3], keep_bodies=job[4],
                         database_url=job[5], batch_records=job[6])


def _map(jobs: list[tuple], workers: int):  # noqa: ANN202 - yields FileResult
    """One process per file, `workers` at a time (in-process for a single file or worker)."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _run_job(job)
        return
    # spawn: a forked child would share the parent's connections and locks
    with multiprocessing.get_context("spawn").Pool(min(workers, len(jobs)), maxtasksperchild=1) as pool:
        yield from pool.imap_unordered(_run_job, jobs)


def _progress_line(result: FileResult) -> str:
    skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(result.skipped.items())) or "none"
    if result.already_done:
        return f"backfill: {result.file}: already done"
    where = f" (resumed at byte {result.resumed_at})" if result.resumed_at else ""
    line = (f"backfill: {result.file}{where}: {result.status}, {result.records} records, "
            f"{result.kept} kept, {result.foreign_host} other hosts, skipped: {skipped}")
    return line + (f"; {result.error}" if result.error else "")


# ---- one function per task of the news_backfill DAG (dags/news_backfill.py) ----------------

def start_backfill_run(sources_path: str | Path | None, all_hosts: bool, run_key: str | None = None,
                       database_url: str | None = None) -> int:
    """Record the sources and open (or, on a re-run, reopen) the run row with trigger 'backfill'."""
    from pipeline.runs import open_run

    prepare(sources_path, all_hosts, database_url=database_url)
    with db.connection(database_url) as conn:
        return open_run(conn, "backfill", run_key)


def list_files(locations: list[str], months: str | None, cc_news_base: str = CC_NEWS_BASE) -> list[str]:
    """Every file to read: the locations given and each listed file of the months "YYYY-MM[:YYYY-MM]"."""
    from pipeline.backfill.listing import parse_months

    return resolve(list(locations or []), parse_months(months) if months else [], cc_news_base)


def read_file(location: str, run_id: int, sources_path: str | Path | None = None,
              all_hosts: bool = False, database_url: str | None = None) -> dict[str, Any]:
    """Backfill one file (resuming where an earlier attempt stopped); raises when it did not finish."""
    from pipeline.warc import keep_bodies

    from pipeline.errors import NewscorpusError

    result = backfill_file(location, run_id, sources_path=sources_path, all_hosts=all_hosts,
                           keep_bodies=keep_bodies(), database_url=database_url)
    if result.status not in ("done",):
        raise NewscorpusError(f"{location}: {result.status}: {result.error}")
    return result.as_dict()
