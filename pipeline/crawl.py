"""`crawl()`: fetch what the sources' feeds and sitemaps announce into news.pages.

Scrapy runs in a child process (`python -m spiders.run`), one per call, because Twisted's
reactor cannot be restarted: this makes `crawl()` callable any number of times from one
Python process (the CLI's `run`, Airflow tasks, tests). The child writes pages and per-source
counters to PostgreSQL as it goes and its outcome to a JSON file read back here.

SIGTERM/SIGINT received while the child runs are passed on to it once; Scrapy then stops
gracefully (pages already fetched are stored) and the run is recorded as 'interrupted'.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline import db, paths

from pipeline.errors import NewscorpusError
from pipeline.runs import CrawlCounts, close_run, open_run, record_announcements
from pipeline.sources import SourcesFile, load_sources, upsert_sources

WARC_DIR_ENV = "NEWSCORPUS_WARC_DIR"  # read by pipeline/warc.py (spiders/warc.py); "off" turns archiving off

log = logging.getLogger(__name__)
child_log = logging.getLogger("newscorpus.crawl.child")  # the Scrapy child's own lines

PROGRESS_EVERY_S = 10.0  # a quiet crawl still says how far it got (issue 11: ~10 s)

CHILD_GRACE_SECONDS = 90  # after a forwarded signal, how long the child may take to flush


@dataclass
class SourceCounts(CrawlCounts):
    """What one crawl did for one source: the crawl counters (pipeline.runs.CrawlCounts) and
    whether it failed."""

    status: str = "ok"              # ok | failed (no feed or sitemap could be read)
    urls_scheduled: int = 0         # announced URLs discovery queued to fetch (spiders.ledger)
    urls_over_limit: int = 0        # left unfetched by --max-pages


@dataclass
class CrawlSummary:
    """The outcome of `crawl()`.

    Args:
        run_id: the news.crawl_runs row the counts were added to.
        status: succeeded | failed | interrupted. 'failed' when the crawl itself broke or
            every selected source failed; one failed source among working ones does not fail
            the run, it is listed in `failed_sources`.
        sources: per-source counts, keyed by source name.
        failed_sources: names of the sources none of whose feeds and sitemaps could be read.
        seconds: wall time of the crawl.
        error: one line when status is not 'succeeded' or a source failed.
    """

    run_id: int
    status: str
    sources: dict[str, SourceCounts]
    failed_sources: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def pages_fetched(self) -> int:
        return sum(c.pages_fetched for c in self.sources.values())

    def as_report(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        from tabulate import tabulate

        rows = [
            (name, c.status, c.urls_announced, c.pages_fetched, c.pages_failed, c.pages_new,
             c.pages_updated, c.pages_unchanged, c.urls_skipped_known, c.robots_blocked,
             c.documents_failed, f"{c.bytes / 1e6:.1f}",
             "; ".join(f"{reason}: {n}" for reason, n in sorted(c.urls_dropped.items())) or "-")
            for name, c in self.sources.items()
        ]
        headers = ("source", "status", "announced", "fetched", "failed", "new", "updated",
                   "unchanged", "known", "robots", "doc errors", "MB", "dropped")
        return tabulate(rows, headers=headers, tablefmt="simple")


def crawl(
    sources_path: str | Path | None = None,
    only: list[str] | None = None,
    max_pages: int | None = None,
    run_id: int | None = None,
    trigger: str = "cli",
    verbose: bool = False,
    sources_file: SourcesFile | None = None,
    database_url: str | None = None,
) -> CrawlSummary:
    """Crawl the selected sources once; see CrawlSummary. The database must be migrated.

    `sources_file` is the file at `sources_path` as the caller already loaded it (the CLI loads
    it once); without it the file is read here. With `run_id`, counts are added to that run and
    the run is left open for the caller to finish; without, a run is started and finished here.
    A bad sources file or an unknown source name raises ConfigError before any request is made.
    """
    sources_path = Path(sources_path or paths.DEFAULT_SOURCES).resolve()
    if sources_file is None:
        sources_file = load_sources(sources_path)
    selected = sources_file.select(only)
    check_warc_dir()
    database_url = database_url or db.database_url()
    own_run = run_id is None
    owner = db.connect(database_url)  # holds an own run's owner lock until it is closed
    try:
        with owner:
            upsert_sources(owner, sources_file.sources, sources_path)
        if own_run:
            run_id = open_run(owner, trigger, hold=True)
        return _crawl_run(sources_file, selected, max_pages, run_id, database_url, verbose, own_run, owner)
    finally:
        owner.close()


def warc_dir() -> Path | None:
    """Where the crawl writes its WARC files: NEWSCORPUS_WARC_DIR, unset → `<home>/warc`,
    blank or "off" → None (no archive). Raises ConfigError for a bad value (pipeline.envsettings)."""
    from pipeline import envsettings

    if WARC_DIR_ENV not in os.environ:
        return paths.home() / "warc"
    return envsettings.value(WARC_DIR_ENV)


def check_warc_dir() -> None:
    """Refuse, before any request or run row, a WARC folder that cannot be created or written
    (ConfigError, exit 2): otherwise the Scrapy child dies on its first write and every source
    reads as unreachable."""
    from pipeline import envsettings

    folder = warc_dir()
    if folder is not None:
        envsettings.check_writable_dir(folder, WARC_DIR_ENV)


def _crawl_run(sources_file: SourcesFile, selected: list, max_pages: int | None, run_id: int, database_url: str,
               verbose: bool, own_run: bool, owner: Any) -> CrawlSummary:
    started = time.monotonic()
    status, error, result, signum = "failed", None, {}, None
    try:
        status, error, result, signum = _run_child(
            sources_file, [s.name for s in selected], max_pages, run_id, database_url, verbose
        )
    except BaseException as exc:
        error = f"crawl aborted: {exc.__class__.__name__}: {exc}"
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        raise
    finally:
        summary = _summary(run_id, status, error, result, [s.name for s in selected],
                           time.monotonic() - started)
        with db.connection(database_url) as conn, conn:
            _record_announcements(conn, run_id, summary)
        if own_run:
            close_run(owner, run_id, summary.status, summary.error, summary.as_report())
    if signum is not None:
        _redeliver(signum[0], signum[1], summary)
    return summary


class CrawlInterrupted(NewscorpusError):
    """The crawl was stopped by SIGTERM/SIGINT; what was fetched is stored, the run is closed
    as 'interrupted' (when crawl() owned it). `summary` holds the counts so far."""

    def __init__(self, message: str, summary: CrawlSummary):
        super().__init__(message)
        self.summary = summary


def _redeliver(signum: int, previous: Any, summary: CrawlSummary) -> None:
    """After the bookkeeping, let the signal do what it would have done without us: the
    previous Python handler runs (Airflow's task runner, KeyboardInterrupt for SIGINT);
    otherwise CrawlInterrupted is raised, so no caller mistakes a stopped crawl for a done one."""
    if callable(previous):
        previous(signum, None)
    raise CrawlInterrupted(
        f"crawl run {summary.run_id} interrupted by signal {signum}; pages already fetched are stored",
        summary,
    )


def _run_child(
    sources_file: SourcesFile, names: list[str], max_pages: int | None, run_id: int, database_url: str,
    verbose: bool,
) -> tuple[str, str | None, dict, tuple[int, Any] | None]:
    """Run the Scrapy child to the end; returns (status, error, result JSON, signal received).

    The child gets the sources file as this process loaded it (written as JSON, which is YAML,
    into the crawl's work folder), never the user's path: the file is read once per run, and
    an edit made meanwhile cannot give the crawl other sources than the run validated."""
    _remove_stale_work_dirs()
    with tempfile.TemporaryDirectory(prefix=f"crawl-{os.getpid()}-", dir=_work_root()) as tmp:
        result_path = Path(tmp) / "result.json"
        loaded_path = Path(tmp) / "sources.json"
        loaded_path.write_text(sources_file.model_dump_json(), encoding="utf-8")
        command = [
            sys.executable, "-m", "spiders.run", "--sources", str(loaded_path),
            "--only", ",".join(names), "--run-id", str(run_id), "--result", str(result_path),
        ]
        if max_pages is not None:
            command += ["--max-pages", str(max_pages)]
        if verbose:
            command.append("--verbose")
        env = {**os.environ, db.DATABASE_URL_ENV: database_url}
        env.pop(db.DATABASE_ENV, None)  # the child gets the resolved URL, not the name it came from
        # every fetch is archived as WARC under the caller's data folder unless configured
        # otherwise (the child runs in the repository folder, so the folder is decided here)
        folder = warc_dir()
        env[WARC_DIR_ENV] = str(folder) if folder is not None else "off"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.REPO_ROOT), env.get("PYTHONPATH")]))
        # own session: a Ctrl-C in the terminal reaches only this process, which forwards one
        # SIGTERM (Scrapy stops gracefully on the first signal, uncleanly on a second). The
        # child dies with this process (PR_SET_PDEATHSIG), so killing the run's process group
        # or this process alone never leaves a crawl running under a dead run. Its output is
        # relayed through this process's logging at operator-readable levels (_ChildLog)
        child = subprocess.Popen(command, env=env, cwd=paths.REPO_ROOT, start_new_session=True,
                                 preexec_fn=_die_with_parent(os.getpid()),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 errors="replace", bufsize=1)
        relay = _ChildLog(child, run_id, names, database_url, tracebacks=verbose)
        try:
            received = _wait_forwarding_signals(child)
        finally:
            relay.close()
        result = json.loads(result_path.read_text()) if result_path.exists() else {}
    reason = result.get("finish_reason")
    if received or reason == "shutdown":
        return "interrupted", "interrupted by a signal; pages already fetched are stored", result, received
    if result.get("storage_error"):  # the store could not open or a batch failed: the run failed
        return "failed", result["storage_error"], result, None
    if child.returncode != 0 or not result:
        return "failed", f"crawler process exited with code {child.returncode}", result, None
    if reason == "closespider_timeout":  # NEWSCORPUS_CRAWL_DEADLINE_SECONDS: what was fetched is kept
        return "succeeded", ("crawl deadline reached (NEWSCORPUS_CRAWL_DEADLINE_SECONDS); "
                             "the pages not fetched wait for the next run"), result, None
    return "succeeded", None, result, None


def _work_root() -> Path:
    root = paths.home() / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _remove_stale_work_dirs() -> None:
    """Crawl work folders (`<home>/tmp/crawl-<pid>-*`) whose process is gone (killed before its
    TemporaryDirectory cleanup ran) are removed by the next crawl."""
    import shutil

    for folder in _work_root().glob("crawl-*-*"):
        try:
            pid = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with_parent(parent: int):  # noqa: ANN202 - a preexec_fn
    """Linux: the child gets SIGKILL when the process that started it dies; elsewhere no-op."""
    def arm() -> None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return arm


class _ChildLog:
    """Relays the crawl child's output through this process's logging, and says how far the
    crawl got every PROGRESS_EVERY_S when the child has been quiet.

    Levels: the child's progress lines at INFO; a "[logger] LEVEL: …" line (Scrapy's own or the
    store's) at the level it was logged at (ERROR and CRITICAL as ERROR, WARNING as WARNING), so
    the terminal never shows an ERROR under a WARNING prefix. Logging at ERROR does not fail a
    task: whether the crawl failed is decided from its result (the caller raises for that).
    Where INFO is not shown (the CLI without -v), progress lines go to stderr unchanged, as
    before. Under Airflow every line lands in the task log at its level.

    tracebacks: relay the Python tracebacks Scrapy attaches to some lines (the robots.txt
    middleware's "Error downloading" of an unreachable host: ~35 lines each). Only with -v:
    the line above a traceback already gives the reason ("Connection refused"), and without
    -v newscorpus prints no traceback (trial: 75 stderr lines for one unreachable outlet).
    """

    def __init__(self, child: subprocess.Popen, run_id: int, names: list[str], database_url: str,
                 tracebacks: bool = True):
        self.child, self.run_id, self.names, self.database_url = child, run_id, names, database_url
        self.tracebacks = tracebacks
        self.last_line = time.monotonic()
        self.started = time.monotonic()
        self.done = threading.Event()
        self.reader = threading.Thread(target=self._read, name="crawl-child-log", daemon=True)
        self.ticker = threading.Thread(target=self._tick, name="crawl-progress", daemon=True)
        self.reader.start()
        self.ticker.start()

    def _read(self) -> None:
        level = logging.INFO
        in_traceback = False
        for line in self.child.stdout:  # type: ignore[union-attr]
            self.last_line = time.monotonic()
            text = line.rstrip("\n")
            if not text:
                continue
            in_traceback = _in_traceback(text, in_traceback)
            if in_traceback and not self.tracebacks:
                continue
            level = _level_of(text, level)
            if child_log.isEnabledFor(level):
                child_log.log(level, "%s", _relayed(text))
            else:
                sys.stderr.write(line)
                sys.stderr.flush()

    def _tick(self) -> None:
        while not self.done.wait(PROGRESS_EVERY_S):
            if time.monotonic() - self.last_line < PROGRESS_EVERY_S:
                continue
            try:
                with db.connection(self.database_url) as conn, conn.cursor() as cur:
                    cur.execute(
                        "select coalesce(sum(pages_fetched), 0), coalesce(sum(pages_failed), 0),"
                        " coalesce(sum(documents_ok + documents_failed), 0)"
                        " from news.crawl_run_sources where run_id = %s and source = any(%s)",
                        (self.run_id, self.names),
                    )
                    pages, failed, documents = cur.fetchone()
            except NewscorpusError:
                continue
            log.info("crawl run %d: %d page(s) fetched so far (%d failed), %d feed(s)/sitemap(s) read, %.0fs",
                     self.run_id, pages, failed, documents, time.monotonic() - self.started)

    def close(self) -> None:
        self.reader.join(timeout=10)
        self.done.set()
        self.ticker.join(timeout=5)


_CHILD_LEVEL = re.compile(r"^\d[^\[]*(?P<logger>\[[^\]]+\]) (?P<level>CRITICAL|ERROR|WARNING|INFO|DEBUG): ")


def _relayed(line: str) -> str:
    """A Scrapy-format child line without its own time and level: "[logger] message". The
    relaying logger prints its own ("newscorpus crawl: WARNING: …", Airflow's task log), so
    keeping the child's gave "WARNING: 2026-… [news] WARNING: …", a doubled prefix."""
    match = _CHILD_LEVEL.match(line)
    return f"{match['logger']} {line[match.end():]}" if match else line


def _in_traceback(line: str, before: bool) -> bool:
    """Whether a child line belongs to a Python traceback: from its "Traceback (most recent
    call last):" line to the next line that starts with a time (a Scrapy-format or progress
    line), chained tracebacks ("The above exception was …") and the exception line included."""
    if line.startswith("Traceback (most recent call last):"):
        return True
    return before and not line[:1].isdigit()


def _level_of(line: str, previous: int) -> int:
    """A child line's level: a Scrapy-format "<time> [logger] LEVEL: …" line keeps LEVEL
    (CRITICAL is relayed as ERROR: one crawl's fault, the caller decides the task's fate); a
    traceback's continuation lines keep the level of the line above; other lines are INFO."""
    match = _CHILD_LEVEL.match(line)
    if match:
        return min(logging.getLevelName(match["level"]), logging.ERROR)
    if line.startswith((" ", "\t", "Traceback")) or not re.match(r"^\d", line):
        return previous
    return logging.INFO


def _wait_forwarding_signals(child: subprocess.Popen) -> tuple[int, Any] | None:
    """Wait for the child; SIGTERM/SIGINT here are passed on to it once.

    Returns (signal number, the handler it replaced) when one was received, else None.
    """
    received: list[int] = []

    def forward(signum: int, frame: Any) -> None:  # noqa: ARG001
        if not received:
            log.warning("signal %d: stopping the crawl gracefully", signum)
            child.send_signal(signal.SIGTERM)
        received.append(signum)

    main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if main_thread:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, forward)
    try:
        while child.poll() is None:
            try:
                child.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            if received and child.poll() is None:
                try:
                    child.wait(timeout=CHILD_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not received:
        return None
    return received[0], previous.get(received[0], signal.SIG_DFL)


def _summary(run_id: int, status: str, error: str | None, result: dict, names: list[str],
             seconds: float) -> CrawlSummary:
    known = set(SourceCounts.__dataclass_fields__)
    sources = {name: SourceCounts() for name in names}
    for name, values in (result.get("sources") or {}).items():
        sources[name] = SourceCounts(**{k: v for k, v in values.items() if k in known})
    failed = [name for name, counts in sources.items() if counts.status == "failed"]
    summary = CrawlSummary(run_id=run_id, status=status, sources=sources, failed_sources=failed,
                           seconds=round(seconds, 2), error=error)
    if status == "succeeded" and failed:
        if len(failed) == len(names):
            summary.status = "failed"
        summary.error = "; ".join(filter(None, [error, f"no feed or sitemap could be read for: {', '.join(failed)}"]))
    return summary


def _record_announcements(conn: Any, run_id: int, summary: CrawlSummary) -> None:
    """news.crawl_run_sources.urls_announced/urls_dropped for this crawl (news.crawl_report and
    news.source_health show them), so a source losing its links is visible, not silent."""
    record_announcements(conn, run_id, {name: (c.urls_announced, c.urls_dropped)
                                        for name, c in summary.sources.items()})


def raise_for_failures(summary: CrawlSummary) -> None:
    """For callers (Airflow tasks) that must fail loudly when a crawl or a source failed."""
    if summary.status != "succeeded" or summary.failed_sources:
        raise NewscorpusError(f"crawl run {summary.run_id} {summary.status}: {summary.error}")
