"""The embedded server is reachable by the running user only, whatever the data path's length,
and starting it changes no parent folder's mode (pipeline/embedded.py)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline import paths

ROOT = os.geteuid() == 0
INTRUDER = "nc-intruder"


def _newscorpus(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSCORPUS_DATABASE_URL"}
    env["NEWSCORPUS_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True,
                          timeout=180, cwd=paths.REPO_ROOT)


@pytest.fixture
def open_base() -> Iterator[Path]:
    """A folder every user may enter (the server runs as the 'pgserver' user under root)."""
    base = Path(tempfile.mkdtemp(prefix="nc-embedded-", dir="/tmp"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _modes(path: Path) -> dict[Path, int]:
    return {p: p.stat().st_mode & 0o7777 for p in [path, *path.parents]}


def _socket_dir(url: str) -> Path:
    return Path(parse_qs(urlsplit(url).query)["host"][0])


def test_long_data_path_gets_a_short_private_socket_folder(open_base: Path) -> None:
    home = open_base / ("d" * 70) / ("e" * 70)
    home.mkdir(parents=True)
    for folder in (home, home.parent):
        folder.chmod(0o755)
    before = _modes(home.parent)
    started = _newscorpus(home, "db", "start")
    try:
        assert started.returncode == 0, started.stderr
        folder = _socket_dir(started.stdout.strip())
        info = folder.stat()
        assert len(str(folder / ".s.PGSQL.5432")) < 100
        assert stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == (os.geteuid() if not ROOT else __import__("pwd").getpwnam("pgserver").pw_uid)
        assert _modes(home.parent) == before  # no parent loosened
        if ROOT:
            _intruder_cannot_connect(folder)
    finally:
        _newscorpus(home, "db", "stop")


def _intruder_cannot_connect(folder: Path) -> None:
    if subprocess.run(["id", INTRUDER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", INTRUDER], check=True)
    from pgserver._commands import POSTGRES_BIN_PATH

    psql = str(POSTGRES_BIN_PATH / "psql")
    result = subprocess.run(
        ["runuser", "-u", INTRUDER, "--", psql, f"host={folder} user=postgres dbname=postgres",
         "-c", "copy (select 1) to program 'id'"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Permission denied" in result.stderr or "No such file" in result.stderr, result.stderr


@pytest.mark.skipif(not ROOT, reason="the server runs as another system user only when started by root")
def test_a_private_parent_is_not_loosened_the_data_lives_in_a_private_folder(open_base: Path) -> None:
    """Root, data path under a 0700 folder: the server starts, no parent's mode changes, and the
    data directory is a folder of the server's user (0700) that `<home>/pgdata` links to."""
    private = open_base / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    home = private / "home"
    before = _modes(private)
    result = _newscorpus(home, "db", "url")
    try:
        assert result.returncode == 0, result.stderr
        assert _modes(private) == before
        target = (home / "pgdata").resolve()
        assert (home / "pgdata").is_symlink() and not target.is_relative_to(private)
        folder = target.parent
        import pwd

        assert folder.stat().st_uid == pwd.getpwnam("pgserver").pw_uid
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert _newscorpus(home, "migrate").returncode == 0  # the server is usable, and reused
    finally:
        _newscorpus(home, "db", "stop")
        shutil.rmtree((home / "pgdata").resolve().parent, ignore_errors=True)
