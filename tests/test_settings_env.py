"""NEWSCORPUS_* environment settings (pipeline/envsettings.py): a bad value is bad configuration
(CONTRACT.md: exit 2, one line naming the variable, its value and what is allowed, before any
work), never a crawl that fetches nothing and reports success. Real processes, a real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from tests.plugins.database import exported_database, query


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def _one_error_line(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _untouched(url: str) -> None:
    """Nothing ran: not even the migration that every crawl and run starts with."""
    assert query(url, "select to_regclass('news.schema_migrations')") == [(None,)]


BAD_VALUES = [
    ("NEWSCORPUS_WARC_MAX_BYTES", "abc", "whole number"),
    ("NEWSCORPUS_WARC_MAX_BYTES", "0", "at least 1"),
    ("NEWSCORPUS_WARC_MAX_BYTES", "1.5e9", "whole number"),
    ("NEWSCORPUS_WARC_PG_BODIES", "maybe", "false"),
    ("NEWSCORPUS_PROGRESS", "2", "0"),
    ("NEWSCORPUS_PROGRESS", "yes", "1"),
    ("NEWSCORPUS_LOCK_TIMEOUT_S", "abc", "seconds"),
    ("NEWSCORPUS_LOCK_TIMEOUT_S", "-5", "0 or more"),
    ("NEWSCORPUS_LOCK_TIMEOUT_S", "nan", "seconds"),
    ("NEWSCORPUS_PAGE_SECONDS", "abc", "seconds"),
    ("NEWSCORPUS_PAGE_SECONDS", "0", "above 0"),
    ("NEWSCORPUS_PAGE_MEMORY_MB", "lots", "MB"),
    # finite but more than the consumer can take (review2 #6): refused naming the bound
    ("NEWSCORPUS_WARC_MAX_BYTES", str(1024 ** 4 + 1), "at most 1099511627776"),
    ("NEWSCORPUS_LOCK_TIMEOUT_S", "2147483.648", "at most 2147483.647"),
    ("NEWSCORPUS_PAGE_SECONDS", "86400.5", "at most 86400"),
    ("NEWSCORPUS_PAGE_MEMORY_MB", str(128 * 1024 * 1024 + 1), "at most 134217728"),
]


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VALUES)
@pytest.mark.parametrize("command", ["crawl", "run"])
def test_a_bad_setting_is_refused_in_one_line_before_any_work(
        fresh_database_url: str, command: str, name: str, value: str, allowed: str) -> None:
    line = _one_error_line(_run(command, "--max-pages", "1", env={name: value}),
                           f"newscorpus {command}: error:", name, repr(value), allowed)
    assert "succeeded" not in line
    _untouched(fresh_database_url)


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VALUES[:5])
def test_every_command_refuses_a_bad_setting(name: str, value: str, allowed: str) -> None:
    """Even a command that never reads the setting: the environment is checked at CLI start."""
    _one_error_line(_run("stats", env={name: value}), "newscorpus stats: error:", name, allowed)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("NEWSCORPUS_WARC_PG_BODIES", "Off", False), ("NEWSCORPUS_WARC_PG_BODIES", " yes ", True),
    ("NEWSCORPUS_WARC_PG_BODIES", "", True), ("NEWSCORPUS_WARC_MAX_BYTES", "1048576", 1048576),
    ("NEWSCORPUS_LOCK_TIMEOUT_S", "0", 0.0), ("NEWSCORPUS_LOCK_TIMEOUT_S", "2.5", 2.5),
    ("NEWSCORPUS_PROGRESS", "", None), ("NEWSCORPUS_WARC_DIR", "off", None),
    ("NEWSCORPUS_LOCK_TIMEOUT_S", "2147483.647", 2147483.647), ("NEWSCORPUS_PAGE_SECONDS", "86400", 86400.0),
    ("NEWSCORPUS_PAGE_SECONDS", " ", 20.0), ("NEWSCORPUS_PAGE_MEMORY_MB", "", 2048),
    ("NEWSCORPUS_PAGE_MEMORY_MB", str(128 * 1024 * 1024), 128 * 1024 * 1024),
])
def test_good_values_are_read(name: str, value: str, expected: object) -> None:
    from pipeline import envsettings

    assert envsettings.value(name, {name: value}) == expected


@pytest.mark.parametrize(("seconds", "ms"), [
    ("0", 0), ("0.0001", 1), ("0.001", 1), ("0.07", 70), ("2.5", 2500), ("300", 300000),
    ("2147483.647", 2 ** 31 - 1),
])
def test_the_lock_timeout_is_whole_milliseconds_rounded_up(monkeypatch: pytest.MonkeyPatch, seconds: str,
                                                           ms: int) -> None:
    """PostgreSQL's lock_timeout is whole ms and 0 is "no timeout": a positive value under 1 ms is
    1 ms, never 0 (README: 0 is no limit); the maximum is INT_MAX ms."""
    from pipeline import db

    monkeypatch.setenv("NEWSCORPUS_LOCK_TIMEOUT_S", seconds)
    assert db.lock_timeout_ms() == ms


def _unwritable_dirs(tmp_path: Path) -> list[str]:
    """Folders that cannot be created even by root: under a regular file, and in /proc."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return [str(a_file / "warc"), str(a_file), "/proc/newscorpus-warc"]


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_an_unwritable_warc_dir_is_refused_in_one_line_before_any_work(
        fresh_database_url: str, tmp_path: Path, command: str) -> None:
    for folder in _unwritable_dirs(tmp_path):
        _one_error_line(_run(command, "--max-pages", "1", env={"NEWSCORPUS_WARC_DIR": folder}),
                        f"newscorpus {command}: error:", "NEWSCORPUS_WARC_DIR", folder)
        _untouched(fresh_database_url)


def test_the_demo_refuses_an_unwritable_warc_dir_before_any_work(fresh_database_url: str, tmp_path: Path) -> None:
    """Like crawl and run: exit 2 naming the variable, not after creating and migrating its database."""
    folder = _unwritable_dirs(tmp_path)[0]
    _one_error_line(_run("demo", "--port", "0", env={"NEWSCORPUS_WARC_DIR": folder}),
                    "newscorpus demo: error:", "NEWSCORPUS_WARC_DIR", folder)
    _untouched(fresh_database_url)


def test_the_pipeline_refuses_an_unwritable_warc_dir_before_opening_a_run(
        sample_web, pg_server_url: str, template_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """crawl() (the DAG's crawl tasks, `run`) checks too: no crawl_runs row, no request."""
    from pipeline.crawl import crawl

    monkeypatch.setenv("NEWSCORPUS_WARC_DIR", _unwritable_dirs(tmp_path)[0])
    with exported_database(pg_server_url) as url:  # migrated
        with pytest.raises(ConfigError, match="NEWSCORPUS_WARC_DIR"):
            crawl(sample_web.sources_path, only=["daily-beacon"], max_pages=1, trigger="test")
        assert query(url, "select count(*) from news.crawl_runs") == [(0,)]


def test_a_dag_task_refuses_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every DAG task resolves its target first (pipeline.nightly.stages.resolve_target)."""
    from pipeline.nightly.stages import resolve_target

    monkeypatch.setenv("NEWSCORPUS_WARC_PG_BODIES", "maybe")
    with pytest.raises(ConfigError, match="NEWSCORPUS_WARC_PG_BODIES='maybe'"):
        resolve_target(None, "postgresql://nobody@127.0.0.1:1/news")


@pytest.mark.parametrize("out", ["/proc/newscorpus-x.csv", "/proc/newscorpus-x.parquet"])
def test_export_to_a_folder_where_nothing_can_be_created_is_bad_usage(database_url: str, out: str) -> None:
    """os.access says root may write in /proc; creating a file there fails: exit 2, one line."""
    fmt = out.rsplit(".", 1)[1]
    line = _one_error_line(_run("export", "--format", fmt, "--out", out), f"cannot write {out}:")
    assert "unexpected" not in line and "-v" not in line


@pytest.mark.parametrize(("args", "env", "named"), [
    (("--database", "a b"), {}, "--database:"),
    ((), {"NEWSCORPUS_DATABASE": "a b"}, "NEWSCORPUS_DATABASE:"),
    ((), {"NEWSCORPUS_DATABASE": "postgresql://h:99999/news"}, "NEWSCORPUS_DATABASE:"),
])
def test_a_bad_database_choice_names_where_it_came_from(args: tuple, env: dict, named: str) -> None:
    """review2 #13c: the flag when the flag was given, the variable when the variable was."""
    _one_error_line(_run(*args, "stats", env=env), "newscorpus stats: error:", named)


def test_a_blank_database_url_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import db

    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", " ")
    monkeypatch.setenv("NEWSCORPUS_DATABASE", "  ")
    assert db.configured_url() == "" and db.selection() == ""
    assert db.uses_embedded_server() and not db.explicitly_selected()
