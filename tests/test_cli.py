"""The CLI frame: one notion of the database in use, exit codes and one-line errors, as
CONTRACT.md promises. Every error kind is run as a real process: exit code, exactly one
line on stderr, no traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from pipeline.db import with_database
from tests.plugins.database import query, server_enterable_dir


def _run(*args: str, env: dict | None = None, cwd: Path | None = None,
         unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def _one_error_line(result: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """The single stderr line of a refused command, after checking code and the absence of a traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_database_is_one_clear_line_and_exit_1() -> None:
    url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/news"
    result = _run("migrate", env={"NEWSCORPUS_DATABASE_URL": url})
    _one_error_line(result, 1, "cannot connect to PostgreSQL")


@pytest.mark.parametrize("args", [
    ["frobnicate"],
    ["migrate", "--no-such-flag"],
    ["search", "x", "--limit", "99999999999999999999"],
    ["search", "x", "--limit", "0"],
    ["search", "x", "--since", "yesterday"],
    ["export", "--format", "xml", "--out", "x"],
])
def test_usage_errors_are_one_line_and_exit_2(args: list[str]) -> None:
    line = _one_error_line(_run(*args), 2, "error:")
    assert "--help" in line and line.startswith("newscorpus")


@pytest.mark.parametrize("args, command", [
    (["stats", "--bogus"], "stats"), (["search", "x", "--nope", "1"], "search"),
])
def test_an_unknown_option_is_reported_by_its_command(args: list[str], command: str) -> None:
    line = _one_error_line(_run(*args), 2, "unrecognized arguments")
    assert line.startswith(f"newscorpus {command}: error:") and f"`newscorpus {command} --help`" in line


def test_a_database_name_that_does_not_exist_is_a_usage_error_with_the_fix(pg_server_url: str) -> None:
    from pipeline.db import with_database

    env = {"NEWSCORPUS_DATABASE_URL": with_database(pg_server_url, "postgres")}
    line = _one_error_line(_run("--database", "no_such_corpus_db", "stats", env=env), 2)
    assert "database no_such_corpus_db does not exist" in line and "createdb no_such_corpus_db" in line


def test_every_command_has_help() -> None:
    from pipeline.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse internals
    assert {"migrate", "db", "stats", "clean"} <= set(commands)
    for name in commands:
        result = _run(name, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout


def test_migrate_then_stats_on_empty_database(fresh_database_url: str) -> None:
    assert _run("migrate").returncode == 0
    result = _run("stats")
    assert result.returncode == 0 and "no crawls recorded yet" in result.stdout


def test_db_url_reports_the_configured_database(database_url: str) -> None:
    result = _run("db", "url")
    assert result.returncode == 0 and result.stdout.strip() == database_url


# ------------------------------------------------------------ the database in use

def test_database_option_takes_a_name_or_a_url_before_or_after_the_command(
        pg_server_url: str, database_url: str) -> None:
    from pipeline.db import with_database

    name = urlsplit(database_url).path.lstrip("/")
    server = with_database(pg_server_url, "postgres")
    env = {"NEWSCORPUS_DATABASE_URL": server}
    for args in (["--database", name, "db", "url"], ["db", "url", "--database", name]):
        result = _run(*args, env=env)
        assert result.returncode == 0 and result.stdout.strip() == with_database(server, name)
    by_env = _run("db", "url", env={**env, "NEWSCORPUS_DATABASE": name})
    assert by_env.stdout.strip() == with_database(server, name)
    by_url = _run("stats", "-v", "--database", database_url, env=env)
    assert by_url.returncode == 0 and "no crawls recorded yet" in by_url.stdout


@pytest.mark.parametrize("env, args", [
    ({"NEWSCORPUS_DATABASE_URL": "not a url"}, ["migrate"]),
    ({}, ["--database", "postgresql://[::1", "migrate"]),
    ({}, ["migrate", "--database", "postgresql://h:99999/x"]),
    ({}, ["--database", "no such name!", "stats"]),
])
def test_a_malformed_database_is_refused_in_one_line(env: dict, args: list[str]) -> None:
    _one_error_line(_run(*args, env=env), 2, "error:")


@pytest.mark.parametrize("args", [
    ["search", "x"], ["stats"], ["export", "--format", "csv", "--out", "-"], ["extract"], ["dedup"],
])
def test_a_database_without_the_schema_says_run_migrate(fresh_database_url: str, args: list[str]) -> None:
    name = urlsplit(fresh_database_url).path.lstrip("/")
    _one_error_line(_run(*args), 2, f"database {name} has no newscorpus schema: run `newscorpus migrate`")


def test_migrate_creates_a_named_database_on_the_embedded_server() -> None:
    unset = ("NEWSCORPUS_DATABASE_URL", "NEWSCORPUS_DATABASE")
    home = str(server_enterable_dir("newscorpus-home-"))  # not under pytest's 0700 tmp
    env = {"NEWSCORPUS_HOME": home}
    try:
        result = _run("--database", "mycorpus", "migrate", env=env, unset=unset)
        assert result.returncode == 0, result.stderr
        assert "created database mycorpus" in result.stdout
        used = _run("db", "use", "mycorpus", env=env, unset=unset)
        assert used.returncode == 0 and used.stderr == ""  # it exists: nothing to warn about
        # a typo is refused, changing nothing, with the databases there are and how to create one
        typo = _run("db", "use", "mycorpsu", env=env, unset=unset)
        assert typo.returncode == 2 and len(typo.stderr.strip().splitlines()) == 1, typo.stderr
        assert "no database mycorpsu" in typo.stderr and "mycorpus" in typo.stderr.split("there are:")[1]
        assert "db use --create mycorpsu" in typo.stderr
        assert "/mycorpus" in _run("db", "url", env=env, unset=unset).stdout  # still the one in use
        url = _run("db", "url", env=env, unset=unset).stdout.strip()
        assert query(with_database(url, "postgres"), "select count(*) from pg_database where datname = 'mycorpsu'") \
            == [(0,)]
        made = _run("db", "use", "--create", "other", env=env, unset=unset)  # on purpose: said clearly
        assert made.returncode == 0 and "created database other" in made.stderr
        assert "/other" in _run("db", "url", env=env, unset=unset).stdout
        assert _run("db", "use", "mycorpus", env=env, unset=unset).returncode == 0
        url = _run("db", "url", env=env, unset=unset).stdout.strip()
        assert "/mycorpus" in url
        assert query(url, "select count(*) from news.schema_migrations")[0][0] > 0
        assert _run("db", "use", "--reset", env=env, unset=unset).returncode == 0
        assert "/postgres" in _run("db", "url", env=env, unset=unset).stdout
        stopped = _run("db", "stop", env=env, unset=unset)
        assert stopped.returncode == 0 and stopped.stderr == "", stopped.stderr  # no library warnings
    finally:
        _run("db", "stop", env=env, unset=unset)
        shutil.rmtree(home, ignore_errors=True)


# ------------------------------------------------------------ configuration before changes

def test_run_with_a_missing_sources_file_changes_nothing(fresh_database_url: str, tmp_path: Path) -> None:
    _one_error_line(_run("run", "--sources", str(tmp_path / "missing.yaml")), 2, "missing.yaml")
    assert query(fresh_database_url, "select to_regclass('news.schema_migrations')") == [(None,)]


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_an_unknown_only_name_lists_the_valid_ones(fresh_database_url: str, command: str) -> None:
    from pipeline.sources import load_sources

    names = [s.name for s in load_sources().sources]
    _one_error_line(_run(command, "--only", "the-sunn"), 2, "'the-sunn'", ", ".join(names))
    assert query(fresh_database_url, "select to_regclass('news.schema_migrations')") == [(None,)]


@pytest.fixture
def one_article(conn) -> dict:
    """One source, page and article whose title carries terminal escape codes."""
    from pipeline.load import upsert

    title = "Council \x1b[31mRED\x1b[0m tax \x1b]0;pwned\x07 rise \u202eevil"
    body = b"<p>council tax rise</p>"
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
               [("alpha", "Alpha", "tabloid", ["alpha.test"])], ["name"])
        upsert(conn, "news.pages", ["source", "url", "final_url", "status", "body_zlib", "body_hash"],
               [("alpha", "http://alpha.test/1", "http://alpha.test/1", 200, zlib.compress(body),
                 hashlib.sha256(body).digest())], None)
        page_id = query_one(conn, "select page_id from news.pages")
        text = "The council tax rise was agreed."
        upsert(conn, "news.articles",
               ["canonical_url", "source", "page_id", "title", "published_at", "text", "word_count",
                "text_hash", "extractor_version"],
               [("http://alpha.test/1", "alpha", page_id, title, "2026-11-20T10:00:00+00:00", text,
                 6, hashlib.sha256(text.encode()).digest(), "test")], ["canonical_url"])
    return {"title": title}


def query_one(conn, sql: str):  # noqa: ANN001, ANN201
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


@pytest.mark.parametrize("args", [
    ["search", "council", "--source", "nosuch"],
    ["export", "--format", "csv", "--out", "-", "--source", "nosuch"],
    ["stats", "--source", "nosuch"],
])
def test_an_unknown_source_lists_the_valid_ones(database_url: str, one_article: dict, args: list[str]) -> None:
    _one_error_line(_run(*args), 2, "no source named 'nosuch'", "sources: alpha")


def test_search_strips_control_characters_from_headlines(database_url: str, one_article: dict) -> None:
    result = _run("search", "council")
    assert result.returncode == 0, result.stderr
    assert "Council RED tax" in result.stdout and "rise" in result.stdout
    assert not any(ch in result.stdout for ch in ("\x1b", "\x07", "\u202e"))


@pytest.mark.parametrize("out, needle", [
    ("/no/such/dir/x.csv", "folder /no/such/dir does not exist"),
    ("/dev/full", "not a regular file"),
    ("{tmp}", "not a regular file"),
])
def test_export_writes_regular_files_only(database_url: str, tmp_path: Path, out: str, needle: str) -> None:
    _one_error_line(_run("export", "--format", "csv", "--out", out.format(tmp=tmp_path)), 2, needle)


def test_export_refuses_to_write_through_a_symlink(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    (tmp_path / "x.csv").symlink_to(target)
    _one_error_line(_run("export", "--format", "csv", "--out", str(tmp_path / "x.csv")), 2, "not a regular file")
    assert target.read_text() == "keep me"


def test_export_prints_its_count_once(database_url: str, one_article: dict, tmp_path: Path) -> None:
    result = _run("export", "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("exported 1 rows") == 1 and "exported" not in result.stderr


def test_clean_refuses_a_malformed_url_in_one_line(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>hello</p></body></html>")
    _one_error_line(_run("clean", str(page), "--url", "http://[::1"), 2, "--url")


# ------------------------------------------------------------ stats and run history

def _runs(conn, *rows: tuple[str, str | None]) -> None:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        for status, error in rows:
            cur.execute("insert into news.crawl_runs (trigger, status, error, finished_at) "
                        "values ('cli', %s, %s, now())", (status, error))


def test_stats_tells_every_run_failed_from_never_crawled(database_url: str, conn) -> None:
    _runs(conn, ("failed", "crawl failed for a"), ("failed", "crawl failed for b"),
          ("failed", "crawl failed for \x1b[2Jthe-sun"))
    result = _run("stats")
    assert result.returncode == 0, result.stderr
    assert "no crawls recorded yet" not in result.stdout
    assert "every crawl run failed (3 of 3)" in result.stdout
    last = [line for line in result.stdout.splitlines() if line.startswith("last run:")]
    assert len(last) == 1 and ": failed: crawl failed for the-sun" in last[0] and "\x1b" not in last[0]


def test_run_reports_its_failure_on_stderr(database_url: str, tmp_path: Path) -> None:
    port = _closed_port()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "settings: {DOWNLOAD_TIMEOUT: 2, RETRY_TIMES: 0, DOWNLOAD_DELAY: 0}\n"
        "sources:\n  - name: gone\n    outlet: Gone\n    kind: tabloid\n    domains: [127.0.0.1]\n"
        f"    feeds: ['http://127.0.0.1:{port}/feed.xml']\n")
    result = _run("run", "--sources", str(sources), env={"NEWSCORPUS_PROGRESS": "0"})
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("newscorpus run: failed:") and "gone" in last
    assert "Traceback" not in last  # (the crawl's own log may hold Scrapy's)
    status = query(database_url, "select status from news.crawl_runs")
    assert status == [("failed",)]


# ------------------------------------------------------------ db psql

def test_db_psql_passes_its_arguments(database_url: str) -> None:
    result = _run("db", "psql", "-At", "-c", "select 40 + 2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"


def test_db_psql_keeps_the_password_out_of_argv() -> None:
    from pipeline.commands.db import psql_command

    argv, env = psql_command("postgresql://alice:s3cret@db.example:5433/news?sslmode=require", ["-c", "select 1"])
    assert not any("s3cret" in arg for arg in argv)
    assert env["PGPASSWORD"] == "s3cret"
    assert argv[-2:] == ["-c", "select 1"]
    assert "dbname=news" in argv[1] and "port=5433" in argv[1] and "user=alice" in argv[1]
