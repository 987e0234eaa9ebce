"""Adversarial review 2 of the NEWSCORPUS_* settings (pipeline/envsettings.py, CONTRACT.md: a bad
value is exit 2 with one line naming it, no traceback; README: unset or blank is the default).
Real processes; the database ones against the session's real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.database import server_enterable_dir

PAGE = ("<html><head><title>Gate repaired</title></head><body><article><h1>Harbour gate repaired</h1>"
        "<p>Repairs to the cracked steel gate at the Carrow Point tidal barrier began on Wednesday morning,"
        " the operator said in a statement to reporters.</p>"
        "<p>Welders worked from a floating platform while the river was at low tide, and the gate is"
        " expected back in service next week.</p>"
        "<p>The environment minister visited the site and promised a review of how barriers across the"
        " country are inspected.</p></article></body></html>")


def _run(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def _refused_in_one_line(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    return path


@pytest.mark.parametrize("name", ["NEWSCORPUS_PAGE_SECONDS", "NEWSCORPUS_PAGE_MEMORY_MB"])
@pytest.mark.parametrize("blank", ["", " "])
def test_a_blank_page_limit_is_its_default(page: Path, name: str, blank: str) -> None:
    result = _run("clean", str(page), env={name: blank})
    assert result.returncode == 0, result.stderr
    assert "Harbour gate repaired" in result.stdout


@pytest.mark.parametrize("seconds", ["1e10", "1e300"])
def test_a_huge_page_seconds_is_refused_or_works(page: Path, seconds: str) -> None:
    result = _run("clean", str(page), env={"NEWSCORPUS_PAGE_SECONDS": seconds})
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    if result.returncode != 0:
        _refused_in_one_line(result, "NEWSCORPUS_PAGE_SECONDS")


def test_a_huge_page_memory_is_refused_or_works(page: Path) -> None:
    result = _run("clean", str(page), env={"NEWSCORPUS_PAGE_MEMORY_MB": str(2 ** 43)})
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    if result.returncode != 0:
        _refused_in_one_line(result, "NEWSCORPUS_PAGE_MEMORY_MB")


@pytest.mark.parametrize("seconds", ["3000000", "1e300"])
def test_a_lock_timeout_postgresql_cannot_take_is_bad_configuration(database_url: str, seconds: str) -> None:
    result = _run("stats", env={"NEWSCORPUS_LOCK_TIMEOUT_S": seconds})
    _refused_in_one_line(result, "NEWSCORPUS_LOCK_TIMEOUT_S")


def test_a_tiny_lock_timeout_does_not_become_no_timeout(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import db

    monkeypatch.setenv("NEWSCORPUS_LOCK_TIMEOUT_S", "0.0001")
    conn = db.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("show lock_timeout")
            assert cur.fetchone()[0] != "0"  # got: '0', i.e. statements wait for locks forever
    finally:
        conn.close()


def _bad_homes(tmp_path: Path) -> list[str]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return [str(a_file), str(a_file / "home"), "/proc/newscorpus-home"]


@pytest.mark.parametrize("command", [("db", "url"), ("stats",)])
def test_an_unusable_home_is_bad_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                command: tuple[str, ...]) -> None:
    monkeypatch.delenv("NEWSCORPUS_DATABASE_URL", raising=False)
    for home in _bad_homes(tmp_path):
        _refused_in_one_line(_run(*command, env={"NEWSCORPUS_HOME": home}), "NEWSCORPUS_HOME")


def test_a_home_with_a_space_in_its_path_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSCORPUS_DATABASE_URL", raising=False)
    home = server_enterable_dir("review2-space-") / "my projects" / ".newscorpus"
    env = {"NEWSCORPUS_HOME": str(home)}
    try:
        result = _run("db", "start", env=env)
        assert result.returncode == 0, result.stderr
    finally:
        _run("db", "stop", "--delete-relocated", env=env)  # and its data directory, if relocated


@pytest.mark.parametrize("value", ["a b", " "])
def test_a_bad_database_variable_is_named(database_url: str, value: str) -> None:
    result = _run("stats", env={"NEWSCORPUS_DATABASE": value})
    if value.strip():
        _refused_in_one_line(result, "NEWSCORPUS_DATABASE")
    else:
        assert result.returncode == 0, result.stderr
