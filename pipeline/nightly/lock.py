"""Runs that fetch exclude each other per database: a session-level PostgreSQL advisory lock.

Who takes it:
  - `newscorpus run`, `demo` and `newscorpus crawl` take it exclusively for their whole run;
  - the Airflow DAG's crawl, extract and dedup tasks take it *shared*: the mapped crawl tasks of
    one DAG run work side by side, but never beside a CLI run (nor a CLI run beside them).

A CLI command that finds the lock taken refuses at once with one line naming the holder; a DAG
task waits (logging who holds it every `WAIT_MESSAGE_EVERY_S`) up to `wait_seconds`, then fails
naming the holder. Both holders can tell who they are: the lock's connection carries an
`application_name` ("newscorpus lock: <holder>"), read back from pg_stat_activity. The lock dies
with its connection, so a crashed run never leaves it behind. Advisory locks are per database:
runs into different databases never wait for each other.
"""

from __future__ import annotations

import logging
import time
from datetime import timezone
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipeline import db
from pipeline.errors import NewscorpusError

log = logging.getLogger(__name__)

RUN_LOCK_KEY = 0x6E657772  # b"newr"
APPLICATION_PREFIX = "newscorpus lock: "
WAIT_MESSAGE_EVERY_S = 30.0
POLL_EVERY_S = 2.0

HOLDERS_SQL = """
select a.application_name, a.pid, a.backend_start, l.mode
from pg_locks as l
join pg_stat_activity as a on a.pid = l.pid
where l.locktype = 'advisory' and l.granted and l.objid = %(key)s and l.classid = 0
  and l.database = (select oid from pg_database where datname = current_database())
  and a.pid <> pg_backend_pid()
order by a.backend_start
"""


class RunInProgress(NewscorpusError):
    """Another run holds the lock (the message names it)."""


@contextmanager
def run_lock(
    holder: str,
    shared: bool = False,
    wait_seconds: float = 0.0,
    url: str | None = None,
    say: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the run lock for the block.

    Args:
        holder: who is asking, as other runs will see it ("newscorpus run (pid 123)",
            "airflow news_nightly/manual__2026-… crawl_source[the-sun]"); at most ~45 characters
            survive (application_name is 63 bytes).
        shared: take it shared (DAG tasks of one run) instead of exclusive (CLI runs).
        wait_seconds: 0 refuses at once; otherwise poll until free or this many seconds passed.
        say: where waiting messages go (default: this module's logger at INFO).

    Raises:
        RunInProgress: the lock stayed taken; the message names the holder(s).
        DatabaseUnavailable: the database cannot be reached.
    """
    say = say or log.info
    conn = db.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select set_config('application_name', %s, false)",
                        ((APPLICATION_PREFIX + holder)[:63],))
            take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            started = time.monotonic()
            told = None
            while True:
                cur.execute(f"select {take}(%s)", (RUN_LOCK_KEY,))
                if cur.fetchone()[0]:
                    if told is not None:
                        say(f"run lock taken after waiting {time.monotonic() - started:.0f}s")
                    break
                holders = _holders(cur)
                waited = time.monotonic() - started
                if waited >= wait_seconds:
                    suffix = f" (waited {waited:.0f}s)" if wait_seconds else ""
                    raise RunInProgress(f"another newscorpus run is in progress on this database: {holders}{suffix}; "
                                        "try again when it ends")
                if told is None or time.monotonic() - told >= WAIT_MESSAGE_EVERY_S:
                    say(f"waiting for the run lock, held by {holders} "
                        f"({waited:.0f}s of at most {wait_seconds:.0f}s)")
                    told = time.monotonic()
                time.sleep(POLL_EVERY_S)
        yield
    finally:
        conn.close()


@contextmanager
def exclusive_run(url: str | None = None, holder: str | None = None) -> Iterator[None]:
    """The CLI's lock: exclusive, refused at once when taken (see `run_lock`)."""
    import os

    with run_lock(holder or f"newscorpus run (pid {os.getpid()})", url=url):
        yield


def _holders(cur) -> str:  # noqa: ANN001 - a psycopg2 cursor
    """Who holds the lock, as one phrase: "newscorpus crawl (pid 12) since 2026-… 02:30:01 UTC"."""
    cur.execute(HOLDERS_SQL, {"key": RUN_LOCK_KEY})
    rows = cur.fetchall()
    if not rows:
        return "a run that just ended"
    names = []
    for application, pid, since, _mode in rows[:3]:
        name = application[len(APPLICATION_PREFIX):] if application.startswith(APPLICATION_PREFIX) \
            else f"PostgreSQL backend {pid}"
        names.append(f"{name} since {since.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
    return ", ".join(names) + more
