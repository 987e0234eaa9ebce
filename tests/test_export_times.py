"""A stored timestamp Python's datetime cannot hold (BC, after 9999, ±infinity: PostgreSQL
accepts all of them, psycopg2 raises ValueError or invents datetime.max) is exported and
searched as null; its row and every other row are kept. Real PostgreSQL, the real CLI."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.export import export
from pipeline.load import upsert
from tests.test_export_csv import alpha_pages
from pipeline.search import search

# published_at, modified_at; every value is one PostgreSQL stores and Python cannot hold
ODD = {
    "http://alpha.test/bc": ("0044-03-15 12:00:00+00 BC", None),
    "http://alpha.test/infinite": ("infinity", "-infinity"),
    "http://alpha.test/far": ("12026-01-01 00:00:00+00", "9999-12-31 23:30:00-05"),
}
FINE = "http://alpha.test/fine"


@pytest.fixture
def odd_times(conn) -> None:  # noqa: ANN001
    with conn:
        urls = [*ODD, FINE]
        pages = alpha_pages(conn, urls)
        times = {**ODD, FINE: ("2026-11-20T10:00:00Z", None)}
        rows = []
        for n, url in enumerate(urls):
            text = f"Ministers agreed the harbour budget on Tuesday, story {n}."
            rows.append((url, "alpha", pages[url], f"Harbour budget {n}", times[url][0], times[url][1],
                         text, 10, hashlib.sha256(text.encode()).digest(), "test"))
        upsert(conn, "news.articles", ["canonical_url", "source", "page_id", "title", "published_at",
                                       "modified_at", "text", "word_count", "text_hash", "extractor_version"],
               rows, ["canonical_url"])


def test_every_format_exports_out_of_range_times_as_null(conn, odd_times, tmp_path) -> None:  # noqa: ANN001
    assert export(conn, "jsonl", tmp_path / "x.jsonl") == 4
    rows = {r["url"]: r for r in map(json.loads, (tmp_path / "x.jsonl").read_text().splitlines())}
    assert set(rows) == {*ODD, FINE}
    for url in ODD:
        assert rows[url]["published_at"] is None and rows[url]["modified_at"] is None
    assert rows[FINE]["published_at"] == "2026-11-20T10:00:00+00:00"

    assert export(conn, "parquet", tmp_path / "x.parquet") == 4
    table = {r["url"]: r for r in pq.read_table(tmp_path / "x.parquet").to_pylist()}
    assert [table[url]["published_at"] for url in ODD] == [None, None, None]
    assert table[FINE]["published_at"].year == 2026

    assert export(conn, "csv", tmp_path / "x.csv") == 4


def test_cli_export_and_search_do_not_crash(database_url, odd_times, tmp_path, capsys, caplog) -> None:  # noqa: ANN001
    out = tmp_path / "x.jsonl"
    assert main(["--database", database_url, "export", "--format", "jsonl", "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 4
    assert "5 timestamp(s) out of Python's range" in caplog.text
    capsys.readouterr()
    assert main(["--database", database_url, "search", "harbour budget", "--all-copies"]) == 0
    printed = capsys.readouterr().out
    assert "4 article(s)" in printed and FINE in printed


def test_search_lists_out_of_range_times_as_null(conn, odd_times) -> None:  # noqa: ANN001
    result = search(conn, "harbour budget", all_copies=True)
    published = {row[result.columns.index("url")]: row[result.columns.index("published_at")]
                 for row in result.rows}
    assert set(published) == {*ODD, FINE}
    assert [published[url] for url in ODD] == [None, None, None]
