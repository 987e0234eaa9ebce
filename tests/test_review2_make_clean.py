"""Adversarial review 2 of `make clean` (55506ba): it stops the folder's embedded PostgreSQL and
deletes `.newscorpus`. As root in a folder the server's system user cannot enter (a 0700 home:
root's own checkout in /root, a container's default), the data directory lives elsewhere
(pipeline/embedded.py `_relocate_if_unreachable`: /var/lib/newscorpus/ or the temp folder) and
`.newscorpus/pgdata` is only a symlink to it. Same copy-of-the-Makefile set-up as
tests/test_make_clean.py; the folder here is pytest's own 0700 temp folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from pipeline import paths


def _newscorpus(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSCORPUS_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          timeout=180, env={**env, "NEWSCORPUS_HOME": str(home)})


@pytest.mark.skipif(shutil.which("make") is None or os.geteuid() != 0,
                    reason="needs make; the data directory is relocated only for root")
def test_make_clean_deletes_a_relocated_database(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    shutil.copy(paths.REPO_ROOT / "Makefile", folder / "Makefile")
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "newscorpus").symlink_to(Path(sys.executable).parent / "newscorpus")
    home = folder / ".newscorpus"
    start = _newscorpus(home, "db", "start")
    assert start.returncode == 0, start.stderr
    data = (home / "pgdata").resolve()
    assert (home / "pgdata").is_symlink() and data.parent.name.startswith("newscorpus-data-"), data
    try:
        url = _newscorpus(home, "db", "url").stdout.strip()
        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("create database review2_before_clean")
        conn.close()
        result = subprocess.run(["make", "-s", "-C", str(folder), "clean"], capture_output=True, text=True,
                                timeout=180, env=dict(os.environ))
        assert result.returncode == 0, result.stderr
        assert not home.exists()
        assert not data.exists(), f"make clean left the database's files in {data}"
    finally:
        _newscorpus(home, "db", "stop")
        if data.parent.name.startswith("newscorpus-data-"):
            shutil.rmtree(data.parent, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
