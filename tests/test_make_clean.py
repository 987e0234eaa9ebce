"""`make clean` deletes the venv and the data folder: it must stop the folder's embedded
PostgreSQL first, or the server keeps running on deleted files (orphaned, port and memory held).
Run on a copy of the Makefile in a scratch folder whose `.venv/bin/newscorpus` links to this
venv's, so the repository's own venv and data are never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import paths
from tests.plugins.database import server_enterable_dir


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_stops_the_embedded_server_before_deleting_its_data(tmp_path: Path) -> None:
    folder = (server_enterable_dir("nc-clean-") if os.geteuid() == 0 else tmp_path) / "repo"
    folder.mkdir()
    shutil.copy(paths.REPO_ROOT / "Makefile", folder / "Makefile")
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "newscorpus").symlink_to(Path(sys.executable).parent / "newscorpus")
    home = folder / ".newscorpus"
    # the shell's settings must not redirect the stop to another server
    env = {**os.environ, "NEWSCORPUS_HOME": str(tmp_path / "elsewhere"),
           "NEWSCORPUS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    start_env = {k: v for k, v in os.environ.items() if k != "NEWSCORPUS_DATABASE_URL"}
    start = subprocess.run([sys.executable, "-m", "pipeline", "db", "start"], capture_output=True, text=True,
                           timeout=180, env={**start_env, "NEWSCORPUS_HOME": str(home)})
    assert start.returncode == 0, start.stderr
    data = (home / "pgdata").resolve()
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    try:
        result = subprocess.run(["make", "-s", "-C", str(folder), "clean"], capture_output=True, text=True,
                                timeout=180, env=env)
        assert result.returncode == 0, result.stderr
        assert not _alive(pid), "make clean left the embedded PostgreSQL running"
        assert not (folder / ".venv").exists() and not home.exists()
        assert (Path(sys.executable).parent / "newscorpus").exists()  # only the link was removed
        # no venv, no server: clean still works
        again = subprocess.run(["make", "-s", "-C", str(folder), "clean"], capture_output=True, text=True,
                               timeout=60, env=env)
        assert again.returncode == 0, again.stderr
    finally:
        if _alive(pid):
            os.kill(pid, 15)  # the server this test started, by its own pid
        if data.parent.name.startswith("newscorpus-data-"):
            shutil.rmtree(data.parent, ignore_errors=True)


def test_only_the_folders_own_relocated_data_directory_is_ever_deleted(tmp_path: Path) -> None:
    """review2 #10: `db stop --delete-relocated` (make clean) deletes the data directory that
    relocation made for this very path, never what a symlink edited by hand (or left by a moved
    checkout) points to."""
    from pipeline import embedded

    home = tmp_path / "repo" / ".newscorpus"
    home.mkdir(parents=True)
    pgdata = home / "pgdata"
    precious = tmp_path / "newscorpus-data-0123456789abcdef" / "pgdata"  # right shape, wrong hash
    for target in (tmp_path / "precious", precious):
        target.mkdir(parents=True)
        pgdata.symlink_to(target, target_is_directory=True)
        assert embedded.delete_relocated(pgdata) is None
        assert target.exists()
        pgdata.unlink()
    own = embedded._relocation_folder(pgdata)  # noqa: SLF001 - the folder relocation would make
    (own / "pgdata").mkdir(parents=True)
    try:
        pgdata.symlink_to(own / "pgdata", target_is_directory=True)
        assert embedded.delete_relocated(pgdata) == own
        assert not own.exists() and not pgdata.is_symlink()
    finally:
        shutil.rmtree(own, ignore_errors=True)
    assert embedded.delete_relocated(pgdata) is None  # nothing relocated: nothing to do
