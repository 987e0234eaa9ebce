"""`export` carries the metadata researchers filter on (authors, credit, modified_at,
site_name, categories, flags, paywalled), typed in every format; CSV writes booleans as
true/false, which PostgreSQL's COPY and pandas read back as booleans. Real PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.export import COLUMNS, export
from pipeline.load import upsert

META = ("authors", "credit", "modified_at", "site_name", "categories", "flags", "paywalled")


@pytest.fixture
def two_articles(conn) -> None:  # noqa: ANN001
    """A paywalled wire story with two authors and flags, and a free one without metadata."""
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
               [("alpha", "Alpha", "wire", ["alpha.test"])], ["name"])
        for n, url in enumerate(["http://alpha.test/paid", "http://alpha.test/free"]):
            body = f"<p>story {n}</p>".encode()
            upsert(conn, "news.pages", ["source", "url", "final_url", "status", "body_zlib", "body_hash"],
                   [("alpha", url, url, 200, zlib.compress(body), hashlib.sha256(body).digest())], None)
        with conn.cursor() as cur:
            cur.execute("select url, page_id from news.pages")
            pages = dict(cur.fetchall())
        text = "Ministers agreed the budget on Tuesday."
        common = ["canonical_url", "source", "page_id", "title", "published_at", "text", "word_count",
                  "text_hash", "extractor_version"]
        upsert(conn, "news.articles", [*common, "authors", "byline", "credit", "modified_at", "site_name",
                                       "categories", "flags", "paywalled"],
               [("http://alpha.test/paid", "alpha", pages["http://alpha.test/paid"], "Budget", "2026-11-20T10:00:00Z",
                 text, 6, hashlib.sha256(text.encode()).digest(), "test", ["Ann Lee", "Bo Ray"], "Ann Lee, Bo Ray",
                 "Press Association", "2026-11-20T12:30:00Z", "Alpha News", ["Politics"], ["undated", "too_short"],
                 True)], ["canonical_url"])
        upsert(conn, "news.articles", common,
               [("http://alpha.test/free", "alpha", pages["http://alpha.test/free"], "Free", "2026-11-21T10:00:00Z",
                 text + " Free.", 7, hashlib.sha256(b"free").digest(), "test")], ["canonical_url"])


PAID = {"authors": ["Ann Lee", "Bo Ray"], "credit": "Press Association",
        "modified_at": datetime(2026, 11, 20, 12, 30, tzinfo=UTC), "site_name": "Alpha News",
        "categories": ["Politics"], "flags": ["undated", "too_short"], "paywalled": True}
FREE = {"authors": [], "credit": None, "modified_at": None, "site_name": None, "categories": [], "flags": [],
        "paywalled": False}


def test_jsonl_and_parquet_carry_the_metadata_typed(conn, two_articles, tmp_path) -> None:  # noqa: ANN001
    export(conn, "jsonl", tmp_path / "x.jsonl")
    rows = {r["url"]: r for r in map(json.loads, (tmp_path / "x.jsonl").read_text().splitlines())}
    paid = {k: rows["http://alpha.test/paid"][k] for k in META}
    assert paid == {**PAID, "modified_at": "2026-11-20T12:30:00+00:00"}
    assert {k: rows["http://alpha.test/free"][k] for k in META} == FREE
    assert rows["http://alpha.test/paid"]["is_canonical"] is True

    export(conn, "parquet", tmp_path / "x.parquet")
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.schema.field("paywalled").type == pa.bool_()
    for name in ("authors", "categories", "flags"):
        assert table.schema.field(name).type == pa.list_(pa.string())
    assert table.schema.field("modified_at").type == pa.timestamp("us", tz="UTC")
    rows = {r["url"]: r for r in table.to_pylist()}
    assert {k: rows["http://alpha.test/paid"][k] for k in META} == PAID
    assert {k: rows["http://alpha.test/free"][k] for k in META} == FREE


def test_csv_booleans_read_back_as_booleans(conn, two_articles, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "x.csv"
    export(conn, "csv", out)
    frame = pd.read_csv(out)
    assert list(frame.columns) == [name for name, _ in COLUMNS]
    assert frame["paywalled"].dtype == bool and frame["is_canonical"].dtype == bool
    by_url = frame.set_index("url")
    assert bool(by_url.loc["http://alpha.test/paid", "paywalled"]) is True
    assert json.loads(by_url.loc["http://alpha.test/paid", "authors"]) == ["Ann Lee", "Bo Ray"]
    assert json.loads(by_url.loc["http://alpha.test/paid", "flags"]) == ["undated", "too_short"]
    assert by_url.loc["http://alpha.test/paid", "credit"] == "Press Association"
    # PostgreSQL's COPY reads the file back into boolean columns
    columns = ", ".join(f"{name} {'boolean' if kind == 'bool' else 'text'}" for name, kind in COLUMNS)
    with conn, conn.cursor() as cur:
        cur.execute(f"create temp table back ({columns})")
        with open(out, encoding="utf-8") as fh:
            cur.copy_expert("copy back from stdin with (format csv, header true)", fh)
        cur.execute("select url, paywalled, is_canonical from back order by url")
        assert cur.fetchall() == [("http://alpha.test/free", False, True), ("http://alpha.test/paid", True, True)]
