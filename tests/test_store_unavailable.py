"""A crawl whose page store cannot open is a failed run: exit 1, one line, no traceback.

The store (spiders.pipelines.PageStore) is kept from opening by real PostgreSQL: the test holds
a SHARE lock on news.crawl_run_sources (reads go on, writes wait), so the store's first write
of the run's counters times out (NEWSCORPUS_LOCK_TIMEOUT_S=2) inside `open_spider`. Once the
crawl child's session is gone the lock is released, so the parent can close the run. Real
Scrapy over loopback HTTP (the sample web), real PostgreSQL, the real CLI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import psycopg2
import pytest

from tests.plugins.database import query

WAITING_ON_RUN_SOURCES = """
select pid from pg_stat_activity
where wait_event_type = 'Lock' and query ilike '%%crawl_run_sources%%' and pid <> pg_backend_pid()
"""


def _run_with_locked_store(url: str, *args: str) -> subprocess.CompletedProcess:
    """Run `newscorpus ARGS` while the crawl child's page store cannot write its first counters."""
    holder = psycopg2.connect(url)
    watcher = psycopg2.connect(url)
    watcher.autocommit = True
    env = {**os.environ, "NEWSCORPUS_LOCK_TIMEOUT_S": "2"}
    try:
        with holder.cursor() as cur:
            cur.execute("lock table news.crawl_run_sources in share mode")
        child = subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            waiter = None
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and child.poll() is None:
                with watcher.cursor() as cur:
                    cur.execute(WAITING_ON_RUN_SOURCES)
                    pids = [row[0] for row in cur.fetchall()]
                    if waiter is None and pids:
                        waiter = pids[0]  # the crawl child's store, writing its first counters
                    elif waiter is not None:
                        cur.execute("select count(*) from pg_stat_activity where pid = %s", (waiter,))
                        if cur.fetchone()[0] == 0:  # its session is gone: the child gave up
                            break
                time.sleep(0.1)
        finally:
            holder.commit()  # release the lock: the parent records the run
        out, err = child.communicate(timeout=600)
        return subprocess.CompletedProcess(child.args, child.returncode, out, err)
    finally:
        holder.close()
        watcher.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.1.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", ["run", "crawl", "demo"])
def test_a_store_that_cannot_open_fails_the_run_in_one_line(database_url: str, sample_web, command: str) -> None:
    sample_web.set_day(1)
    args = (["--stories", "5", "--port", str(_free_port())] if command == "demo"
            else ["--sources", str(sample_web.sources_path)])
    result = _run_with_locked_store(database_url, command, *args)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"newscorpus {command}: ") and "page store could not open" in last, result.stderr[-3000:]
    assert query(database_url, "select status, error like '%%page store could not open%%' from news.crawl_runs") == [
        ("failed", True)
    ]
    assert query(database_url, "select count(*) from news.pages") == [(0,)]
