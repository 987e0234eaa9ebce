"""A session the server ends (pg_terminate_backend, a restart) is named as the cause in the
CLI's one line, not psycopg2's follow-up "connection already closed"."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg2
import pytest


def _terminated_while_waiting(url: str, *command: str) -> subprocess.CompletedProcess:
    """Run `newscorpus COMMAND` while a table it reads is locked, and end its session the way an
    administrator does (pg_terminate_backend) as it waits."""
    holder = psycopg2.connect(url)
    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        with holder.cursor() as cur:
            cur.execute("lock table news.articles, news.pages in access exclusive mode")
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", *command],
                                env=dict(os.environ, NEWSCORPUS_DATABASE_URL=url, NEWSCORPUS_PROGRESS="0"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting = []
        deadline = time.monotonic() + 60
        while not waiting and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            with admin.cursor() as cur:
                cur.execute("select pid from pg_stat_activity where wait_event_type = 'Lock'"
                            " and pid <> pg_backend_pid() and datname = current_database()")
                waiting = [pid for (pid,) in cur.fetchall()]
        assert waiting, f"`newscorpus {' '.join(command)}` never waited for the lock: {proc.communicate()}"
        with admin.cursor() as cur:
            cur.execute("select pg_terminate_backend(pid) from unnest(%s::int[]) as pid", (waiting,))
        out, err = proc.communicate(timeout=120)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        holder.rollback()
        holder.close()
        admin.close()


@pytest.mark.parametrize("command", [["stats"], ["search", "council"], ["extract"], ["dedup"]])
def test_a_session_ended_by_an_administrator_is_named_as_the_cause(database_url: str, command: list[str]) -> None:
    result = _terminated_while_waiting(database_url, *command)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "connection already closed" not in lines[0], lines[0]
    assert "session was terminated by an administrator (pg_terminate_backend)" in lines[0], lines[0]
    assert "the server is up" in lines[0]
