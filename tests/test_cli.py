"""The CLI frame: exit codes and one-line errors, as CONTRACT.md promises."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_database_is_one_clear_line_and_exit_1() -> None:
    url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/news"
    result = _run("migrate", env={"NEWSCORPUS_DATABASE_URL": url})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "cannot connect to PostgreSQL" in lines[0] and "Traceback" not in result.stderr


def test_unknown_command_and_flag_exit_2_with_usage() -> None:
    for args in (["frobnicate"], ["migrate", "--no-such-flag"]):
        result = _run(*args)
        assert result.returncode == 2
        assert "usage: newscorpus" in result.stderr


def test_every_command_has_help() -> None:
    from pipeline.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse internals
    assert {"migrate", "db", "stats"} <= set(commands)
    for name in commands:
        result = _run(name, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout


def test_migrate_then_stats_on_empty_database(database_url: str) -> None:
    assert _run("migrate").returncode == 0
    result = _run("stats")
    assert result.returncode == 0 and "no crawls recorded yet" in result.stdout


def test_db_url_reports_the_configured_database(database_url: str) -> None:
    result = _run("db", "url")
    assert result.returncode == 0 and result.stdout.strip() == database_url
