"""Small CLI promises, each through the real CLI (a subprocess or pipeline.cli.main): exit 2
for a connection string libpq refuses, passwords masked, one meaning of --source in search
and export, no --database where no database is used, -v on sample-web serve, a true
top-level description of `run`, and an empty search phrase refused. Real PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from urllib.parse import quote

import pytest

from pipeline.cli import main
from pipeline.db import redact
from pipeline.export import export
from pipeline.search import search

from tests.plugins.answer_key import LoadedKey
from tests.test_cli import _one_error_line, _run


@pytest.mark.parametrize("url", [
    "postgresql://nobody:s3cret@127.0.0.1:1/news?sslmode=bogus",
    "host=127.0.0.1 port=1 dbname=news password=s3cret target_session_attrs=nonsense",
    "postgresql://nobody:s3cret@h1,h2:1/news?hostaddr=127.0.0.1",
    "postgresql://nobody:s3cret@" + quote("not a host") + ":1/news",
    "postgresql://nobody:s3cret@:1/news?host=relative/folder",
    "postgresql://nobody:s3cret@[::1:1/news",  # libpq's own message quotes the whole URL
])
def test_a_connection_string_libpq_refuses_is_a_configuration_error(url: str) -> None:
    for args, env in ((["stats"], {"NEWSCORPUS_DATABASE_URL": url}), (["--database", url, "stats"], {})):
        line = _one_error_line(_run(*args, env=env), 2, "newscorpus stats: error:")
        assert "s3cret" not in line


@pytest.mark.parametrize("url, shown", [
    ("postgresql://u:p%40ss@h:5/d?sslmode=require", "postgresql://u:***@h:5/d?sslmode=require"),
    ("postgresql://u:a:b@c@h/d", "postgresql://u:***@h/d"),
    ("postgresql://u@h/d?sslmode=require&password=pw", "postgresql://u@h/d?sslmode=require&password=***"),
    ("host=h password='a b\\' c' dbname=d", "host=h password=*** dbname=d"),
    ("host=h password = pw dbname=d", "host=h password = *** dbname=d"),
    ("postgresql://postgres:@/postgres?host=/tmp/x", "postgresql://postgres:@/postgres?host=/tmp/x"),
])
def test_every_spelling_of_a_password_is_masked(url: str, shown: str) -> None:
    """What `db start` and every error line print (pipeline.db.redact)."""
    assert redact(url) == shown


def _source_that_ran_copies(conn) -> str:  # noqa: ANN001
    """A source with a copy of a story another source published first."""
    with conn, conn.cursor() as cur:
        cur.execute("""
            select copy.source from news.all_articles as copy
            join news.all_articles as original on original.cluster_id = copy.cluster_id and original.is_canonical
            where not copy.is_canonical and original.source <> copy.source
            group by copy.source order by count(*) desc, copy.source limit 1""")
        return cur.fetchone()[0]


def test_source_means_what_the_source_ran_in_search_and_export(
        key_conn, key_database: LoadedKey, tmp_path) -> None:  # noqa: ANN001
    source = _source_that_ran_copies(key_conn)
    with key_conn, key_conn.cursor() as cur:
        cur.execute("select coalesce(cluster_id, -article_id) from news.all_articles where source = %s", (source,))
        ran = {row[0] for row in cur.fetchall()}
    out = tmp_path / "stories.jsonl"
    export(key_conn, "jsonl", out, source=source, canonical_only=True)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(row["is_canonical"] for row in rows)
    assert {row["cluster_id"] if row["cluster_id"] is not None else -row["article_id"] for row in rows} == ran
    assert {row["source"] for row in rows} - {source}  # stories it ran that another outlet published first
    # search, one row per story, lists the same stories for any phrase
    for phrase in ("council", "police", "crisis"):
        found = search(key_conn, phrase, source=source, limit=100_000)
        clusters = {row[found.columns.index("cluster_id")] for row in found.rows}
        urls = {row[found.columns.index("url")] for row in found.rows}
        assert clusters <= {row["cluster_id"] for row in rows}
        assert urls <= {row["url"] for row in rows}
    # per article (no --canonical-only, search --all-copies): the source's own articles
    out = tmp_path / "articles.jsonl"
    export(key_conn, "jsonl", out, source=source)
    assert {json.loads(line)["source"] for line in out.read_text().splitlines()} == {source}


@pytest.mark.parametrize("args", [
    ["clean", "--database", "x", "page.html"],
    ["sample-web", "serve", "--database", "x"],
    ["sample-web", "write", "out", "--database", "x"],
])
def test_commands_without_a_database_take_no_database_option(args: list[str]) -> None:
    _one_error_line(_run(*args), 2, "unrecognized arguments: --database")


def test_clean_ignores_a_malformed_database_setting(tmp_path) -> None:  # noqa: ANN001
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><h1>Harbour</h1><p>" + "The harbour reopened today. " * 30
                    + "</p></article></body></html>")
    result = _run("clean", str(page), "--output-format", "txt",
                  env={"NEWSCORPUS_DATABASE_URL": "postgresql://[::1", "NEWSCORPUS_DATABASE": "no such name!"})
    assert result.returncode == 0, result.stderr
    assert "harbour reopened" in result.stdout.lower()


def test_sample_web_serve_takes_v_like_every_command(tmp_path) -> None:  # noqa: ANN001
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "sample-web", "serve", "-v", "--stories", "2",
                             "--out", str(tmp_path / "web")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        first = json.loads(proc.stdout.readline())
        base = next(iter(first["base_urls"].values()))
        with urllib.request.urlopen(base + "/robots.txt", timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "GET /robots.txt" in err  # -v logs every request


def test_top_level_help_says_what_run_does() -> None:
    result = _run("--help")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("run "))
    described = " ".join(line.strip() for line in lines[start:start + 3])
    for stage in ("migrate", "crawl", "extract", "dedup", "refresh", "report"):
        assert stage in described, described


@pytest.mark.parametrize("phrase", ["", "   "])
def test_an_empty_search_phrase_is_a_usage_error(database_url: str, phrase: str, capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exited:
        main(["--database", database_url, "search", phrase])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "newscorpus search: error:" in err[0] and "empty" in err[0]
