"""`newscorpus run` and `demo`: the nightly stages in one process, with progress and timings.

The same `pipeline.nightly.stages` functions as the Airflow DAG, in the same order. A failed source
does not stop the others; the run is marked failed and the exit code says so.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pipeline import db
from pipeline.nightly import stages
from pipeline.nightly.lock import exclusive_run
from pipeline.runs import close_run, open_run
from pipeline.sources import SourcesFile

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop the stage in progress (its transaction rolls back), close the run
    as 'interrupted'. A KeyboardInterrupt so the CLI prints one line, exit 130."""


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises Terminated in the main thread for the block (crawl forwards it to its
    child itself); outside the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Any) -> None:  # noqa: ARG001
        raise Terminated(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class RunResult:
    run_id: int
    stage_seconds: dict[str, float] = field(default_factory=dict)
    crawl: dict[str, Any] = field(default_factory=dict)
    extract: dict[str, Any] = field(default_factory=dict)
    dedup: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    @property
    def crawl_failed(self) -> str | None:
        """The crawl's error when the crawl as a whole failed (nothing could be stored, every
        source unreadable), else None: `demo` exits 1 on it, where quality notes only inform."""
        if self.crawl.get("status") == "failed":
            return self.crawl.get("error") or "crawl failed"
        return None


def run_nightly(
    sources_path: str | Path | None = None,
    only: list[str] | None = None,
    max_pages: int | None = None,
    trigger: str = "cli",
    out=sys.stderr,  # noqa: ANN001 - a text stream for progress lines
    sources_file: SourcesFile | None = None,
) -> RunResult:
    """migrate → crawl → extract → dedup → refresh → quality checks → report.

    `sources_file` is the file at `sources_path` as the caller (the CLI edge) loaded it; None:
    read here, once. Every stage gets the object; `sources_path` only names it (messages, the
    rules' origin in news.sources). A bad file raises ConfigError before the run row.
    """
    with exclusive_run(holder=f"newscorpus {trigger} (pid {os.getpid()})"), _sigterm_interrupts():
        timings: dict[str, float] = {}

        def stage(name: str, work: Callable[[], T]) -> T:
            print(f"[{name}] ...", file=out, flush=True)
            start = time.perf_counter()
            value = work()
            timings[name] = round(time.perf_counter() - start, 2)
            print(f"[{name}] done in {timings[name]:.1f}s", file=out, flush=True)
            return value

        if sources_file is None:  # a bad sources file stops here, before migrate and the run row
            sources_file = stages.load_sources_file(sources_path)
        stage("migrate", stages.migrate_database)
        # the owner connection holds the run's owner lock: if this process dies, the next run
        # closes the row as 'interrupted' (pipeline.runs.close_abandoned)
        owner = db.connect()
        run_id = open_run(owner, trigger, hold=True)
        result = RunResult(run_id=run_id, stage_seconds=timings)
        try:
            result.crawl = stage("crawl", lambda: stages.crawl_sources(
                run_id, sources_path, only=only, max_pages=max_pages, raise_on_failed_source=False,
                sources_file=sources_file))
            result.extract = stage("extract", lambda: stages.extract_pages(sources_path, sources_file=sources_file))
            result.dedup = stage("dedup", lambda: stages.deduplicate(run_id))
            stage("refresh", stages.refresh_derived)
            result.problems = stage("quality", lambda: stages.night_problems(run_id))
            failed_sources = result.crawl.get("failed_sources") or []
            if failed_sources:
                result.problems.append(f"crawl failed for {', '.join(failed_sources)}")
            elif result.crawl.get("status") == "failed":  # the crawl itself broke (e.g. no page store)
                result.problems.append(f"crawl failed: {result.crawl.get('error')}")
        except BaseException as exc:
            from pipeline.crawl import CrawlInterrupted

            interrupted = isinstance(exc, (KeyboardInterrupt, CrawlInterrupted))
            try:
                if interrupted:
                    with db.connection() as conn:
                        close_run(conn, run_id, "interrupted", f"interrupted ({type(exc).__name__}: {exc})")
                else:
                    stages.conclude_run(run_id, failed=True, error=f"{type(exc).__name__}: {exc}")
            finally:
                owner.close()
            raise
        try:
            result.report = stage("report", lambda: stages.conclude_run(
                run_id, failed=result.failed, error="; ".join(result.problems) or None,
                problems=result.problems))
        finally:
            owner.close()
        return result
