"""One nightly run at a time per database: a session-level PostgreSQL advisory lock.

A second `newscorpus run` (or demo) against the same database refuses at once with a clear
message instead of interleaving with the first. The lock dies with its connection, so a
crashed run never leaves it behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipeline import db
from pipeline.errors import NewscorpusError

RUN_LOCK_KEY = 0x6E657772  # b"newr"


class RunInProgress(NewscorpusError):
    """Another run holds the lock."""


@contextmanager
def exclusive_run(url: str | None = None) -> Iterator[None]:
    conn = db.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,))
            if not cur.fetchone()[0]:
                cur.execute(
                    "select pid, backend_start from pg_locks join pg_stat_activity using (pid) "
                    "where locktype = 'advisory' and objid = %s limit 1",
                    (RUN_LOCK_KEY,),
                )
                holder = cur.fetchone()
                since = f" (PostgreSQL backend {holder[0]}, since {holder[1]:%Y-%m-%d %H:%M:%S})" if holder else ""
                raise RunInProgress(f"another newscorpus run is in progress on this database{since}; try again when it ends")
        yield
    finally:
        conn.close()
