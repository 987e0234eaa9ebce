"""The embedded PostgreSQL: started on demand under NEWSCORPUS_HOME, reused, stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.db import redact
from tests.plugins.database import server_enterable_dir


def _newscorpus(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSCORPUS_DATABASE_URL"}
    env["NEWSCORPUS_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True, timeout=180
    )


def _home(tmp_path: Path) -> Path:
    """Under root the server runs as the 'pgserver' user, which must be able to enter the
    folder (pytest's 0700 temp root is not loosened for it any more: issue 12)."""
    if os.geteuid() != 0:
        return tmp_path / "home"
    return server_enterable_dir("nc-embedded-") / "home"  # removed after the session


def test_two_commands_at_once_share_one_server_which_later_commands_reuse(tmp_path: Path) -> None:
    home = _home(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "NEWSCORPUS_DATABASE_URL"}
    env["NEWSCORPUS_HOME"] = str(home)
    starts = [
        subprocess.Popen([sys.executable, "-m", "pipeline", "db", "start"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=180) for proc in starts]
    try:
        assert [proc.returncode for proc in starts] == [0, 0], outputs
        urls = {out.strip() for out, _ in outputs}
        assert len(urls) == 1 and str(home / "pgdata") in next(iter(urls))
        assert urls == {redact(url) for url in urls}  # `db start` prints any password masked
        postmaster = (home / "pgdata" / "postmaster.pid").read_text().splitlines()[0]

        assert _newscorpus(home, "migrate").returncode == 0
        assert _newscorpus(home, "stats").returncode == 0
        # the same postmaster served every command
        assert (home / "pgdata" / "postmaster.pid").read_text().splitlines()[0] == postmaster
    finally:
        stop = _newscorpus(home, "db", "stop")
    assert stop.returncode == 0 and stop.stdout.strip() == "stopped"
    assert _newscorpus(home, "db", "stop").stdout.strip() == "not running"


def test_db_start_refuses_when_an_external_database_is_configured(tmp_path: Path) -> None:
    env = dict(os.environ, NEWSCORPUS_HOME=str(tmp_path), NEWSCORPUS_DATABASE_URL="postgresql://x@127.0.0.1:1/x")
    result = subprocess.run([sys.executable, "-m", "pipeline", "db", "start"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "does not manage that server" in result.stderr


def _alive(pid: int) -> bool:
    """A running process (a zombie waiting for its parent to reap it is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(os.geteuid() != 0, reason="data directories are relocated only when root starts the server")
def test_db_stop_stops_a_server_whose_data_directory_was_relocated(tmp_path: Path) -> None:
    """pytest's temp folders (like any 0700 folder) are closed to the server's system user, so
    the data directory lives in /tmp/newscorpus-data-*, with `<home>/pgdata` a symlink to it.
    `db stop` used to hand pg_ctl the symlink's path, which that user cannot reach: exit 1 and
    the server kept running (every field-case run left ~11 such servers behind)."""
    home = tmp_path / "home"
    assert _newscorpus(home, "db", "start").returncode == 0
    data = (home / "pgdata").resolve()
    assert (home / "pgdata").is_symlink() and data.parent.name.startswith("newscorpus-data-")
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    try:
        stop = _newscorpus(home, "db", "stop")
        assert (stop.returncode, stop.stdout.strip(), stop.stderr) == (0, "stopped", "")
        assert not _alive(pid)
        assert _newscorpus(home, "db", "stop").stdout.strip() == "not running"
    finally:
        if _alive(pid):
            os.kill(pid, 15)  # the server this test started, by its own pid
        import shutil

        shutil.rmtree(data.parent, ignore_errors=True)
