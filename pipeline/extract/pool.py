"""Drafting the extract stage's pages: a bounded process pool and the per-page time limit.

`Drafter` turns jobs — (body_zlib, url, rules, content_type) — into
`pipeline.clean.Draft`s. A page that breaks the cleaner, runs past `page_seconds()` or kills
its worker comes back as a draft refused with the FAILED prefix; it never stops the batch.
Nothing here touches the database.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
import time
import zlib

from pipeline.clean import Draft, extract_draft
from pipeline.clean.metadata import Metadata

log = logging.getLogger(__name__)

# bench/cleaning.py, 600 pages on this project's 2 cores shared with other jobs: in-process
# 90 and 71 pages/s, 2-process spawn pool 60 and 118 pages/s in two runs. Inconclusive while
# the cores are shared, so the pool is opt-in (`workers=2`, `extract --workers 2`).
DEFAULT_WORKERS = 1
FAILED = "failed: "  # Draft.refused prefix: the cleaner broke (counted), not a bad page


def page_seconds() -> float:
    """The per-page cleaning time limit, seconds (NEWSCORPUS_PAGE_SECONDS, default 20): a normal
    page takes 10-100 ms here (bench/cleaning.py); a hostile one (80,000 attributes, 40,000
    paragraphs) must not hold the batch for minutes.

    Read when asked, through pipeline.envsettings (blank is the default, a bad value a ConfigError
    naming the variable), not parsed here at import: a blank value crashed the import.
    """
    from pipeline import envsettings

    return float(envsettings.value("NEWSCORPUS_PAGE_SECONDS"))


def page_memory_mb() -> int:
    """The address space of a drafting worker, MB (NEWSCORPUS_PAGE_MEMORY_MB, default 2048);
    read through pipeline.envsettings like `page_seconds`."""
    from pipeline import envsettings

    return int(envsettings.value("NEWSCORPUS_PAGE_MEMORY_MB"))

# Draft.refused of a page whose worker was killed at the limit (format with the limit, seconds)
TIMED_OUT = FAILED + "extraction time limit of {:g}s exceeded"


def draft_job(job: tuple) -> Draft:
    """Draft one stored page (zlib body); a page that breaks the cleaner is refused
    ('failed: …'), not fatal. The time limit is the pool's: `_BoundedPool` kills a worker
    whose page runs past it.

    job: (body_zlib, url, rules, content_type).
    """
    body_zlib, url, rules, content_type = job
    try:
        return extract_draft(zlib.decompress(body_zlib), url, rules, content_type)
    except zlib.error:
        return Draft(Metadata(), refused=FAILED + "body is not valid zlib data")
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the night
        log.warning("cleaning %s failed: %s: %s", url, type(exc).__name__, exc)
        return Draft(Metadata(), refused=f"{FAILED}cleaner error: {type(exc).__name__}")


class Drafter:
    """Context manager yielding `draft_all(jobs) -> list[Draft]`.

    With a per-page time limit (the default) pages are drafted in `_BoundedPool` worker
    processes that are killed when a page runs over: a hostile page can stall inside one C
    call (libxml2 on 80,000 attributes: 260 s in a single call), which no signal interrupts.
    `page_seconds <= 0`: no limit, drafting in-process (workers == 1) or in a plain pool
    (callers pass `page_seconds()` for the configured limit).

    `start`: how workers start — "spawn" (the stage's default: safe in a process holding a
    database connection or Airflow's threads) or "fork" (`newscorpus clean`: no connection,
    no threads; the cleaner already imported, so a worker is ready in milliseconds instead of
    the 2-3 s a spawned worker spends importing it). `quiet`: neither the workers nor the pool
    log (every failure comes back as a refused draft, which the caller reports in its own words).
    """

    def __init__(self, workers: int, page_seconds: float = 0, start: str = "spawn", quiet: bool = False) -> None:
        self.workers = workers
        self.page_seconds = page_seconds
        self.start, self.quiet = start, quiet
        self.pool = None

    def __enter__(self):  # noqa: ANN204
        if self.page_seconds > 0:
            self.pool = _BoundedPool(self.workers, self.page_seconds, self.start, self.quiet)
            if self.start == "fork":
                self.pool.warm()  # fork now, before the caller starts threads (a progress bar's)
            return self.pool.map
        if self.workers > 1:
            # spawn: forking a process that holds a database connection (or Airflow's
            # threads) is unsafe; the workers import only the cleaner
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers)
            return lambda jobs: self.pool.map(draft_job, jobs, chunksize=8)
        return lambda jobs: [draft_job(job) for job in jobs]

    def __exit__(self, *exc: object) -> None:
        if isinstance(self.pool, _BoundedPool):
            self.pool.close()
        elif self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()


WORKER_START_SECONDS = 120  # a spawned worker imports the cleaner (2-3 s here) before its first page


def fork_is_safe() -> bool:
    """True where workers may be forked: the platform forks and this process runs no other
    thread (a lock held by another thread at the fork would never be released in the child)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _serve(conn, quiet: bool = False, memory_mb: int = 2048) -> None:  # noqa: ANN001 - multiprocessing Connection
    """A drafting worker: jobs in, drafts out, until the pipe closes. It dies with its parent,
    ignores Ctrl-C (the parent decides) and has its address space bounded to `memory_mb`
    (MemoryError is a refused page, not a swapping machine; the parent read the setting, so a
    bad value was refused there, not in a worker). `quiet`: no log records (see `Drafter`)."""
    if quiet:
        logging.disable(logging.CRITICAL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OverflowError, OSError):  # over the hard limit, or rlim_t's range
        pass
    import pipeline.clean  # noqa: F401 - warm up before saying ready

    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(draft_job(job))


class _BoundedPool:
    """`size` spawned drafting workers; a page not drafted within `seconds` gets its worker
    killed (and replaced) and is returned as a 'failed: … time limit' draft."""

    def __init__(self, size: int, seconds: float, start: str = "spawn", quiet: bool = False) -> None:
        self.size = max(1, size)
        self.seconds = seconds
        self.context = multiprocessing.get_context(start)
        self.quiet = quiet
        self.memory_mb = page_memory_mb()  # read here, in the parent: a bad value is one ConfigError
        self.workers: list[tuple] = []

    def warm(self) -> None:
        """Start every worker now rather than at the first page."""
        while len(self.workers) < self.size:
            self.workers.append(self._start())

    def _start(self) -> tuple:
        context = self.context
        if context.get_start_method() == "fork" and not fork_is_safe():
            context = multiprocessing.get_context("spawn")  # a replacement while threads run (a progress bar's)
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.quiet, self.memory_mb), daemon=True, name="newscorpus-draft")
        if context.get_start_method() == "fork":
            sys.stdout.flush()  # a forked child must not inherit (and later print) buffered output
            sys.stderr.flush()
        process.start()
        child.close()
        if not parent.poll(WORKER_START_SECONDS) or parent.recv() != "ready":
            process.kill()
            raise RuntimeError("a drafting worker did not start")
        return process, parent

    def _stop(self, worker: tuple) -> None:
        process, conn = worker
        conn.close()
        process.kill()
        process.join()

    def map(self, jobs: list[tuple]) -> list[Draft]:
        from multiprocessing.connection import wait

        results: list[Draft | None] = [None] * len(jobs)
        todo = list(range(len(jobs)))[::-1]
        while len(self.workers) < min(self.size, len(jobs)):
            self.workers.append(self._start())
        idle = list(self.workers)
        busy: dict[int, tuple[tuple, int, float]] = {}  # id(conn) -> (worker, job index, deadline)
        while todo or busy:
            while todo and idle:
                worker = idle.pop()
                index = todo.pop()
                worker[1].send(jobs[index])
                busy[id(worker[1])] = (worker, index, time.monotonic() + self.seconds)
            earliest = min(deadline for _, _, deadline in busy.values())
            ready = wait([w[1] for w, _, _ in busy.values()], timeout=max(0.0, earliest - time.monotonic()))
            for conn in ready:
                worker, index, _ = busy.pop(id(conn))
                try:
                    results[index] = conn.recv()
                    idle.append(worker)
                except (EOFError, OSError):
                    results[index] = Draft(Metadata(), refused=f"{FAILED}the drafting worker died")
                    idle.append(self._replace(worker))
            now = time.monotonic()
            for key, (worker, index, deadline) in list(busy.items()):
                if deadline <= now:
                    del busy[key]
                    if not self.quiet:  # a quiet caller reports the refusal in its own words
                        log.warning("cleaning %s took more than %.1fs: worker killed, page flagged", jobs[index][1],
                                    self.seconds)
                    results[index] = Draft(Metadata(), refused=TIMED_OUT.format(self.seconds))
                    idle.append(self._replace(worker))
        return results  # type: ignore[return-value]

    def _replace(self, worker: tuple) -> tuple:
        self._stop(worker)
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        for worker in self.workers:
            self._stop(worker)
        self.workers = []
