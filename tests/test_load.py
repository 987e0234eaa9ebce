"""The bulk loader: COPY + upsert, idempotent, all-or-nothing per batch."""

from __future__ import annotations

import pytest

from pipeline.errors import LoadError
from pipeline.load import upsert

SOURCE_COLUMNS = ["name", "outlet", "kind", "country", "domains"]


def _sources(conn) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute("select name, outlet, kind, country, domains from news.sources order by name")
        return cur.fetchall()


def test_same_rows_twice_store_no_duplicates(conn) -> None:
    rows = [
        ("the-sun", "The Sun", "tabloid", "GB", ["thesun.co.uk"]),
        ("reuters", "Reuters", "wire", None, ["reuters.com", "reuters.co.uk"]),
    ]
    with conn:
        assert upsert(conn, "news.sources", SOURCE_COLUMNS, rows, conflict=["name"]) == 2
    with conn:
        assert upsert(conn, "news.sources", SOURCE_COLUMNS, rows, conflict=["name"]) == 0
    assert _sources(conn) == sorted(rows, key=lambda r: r[0])


def test_changed_row_is_updated_and_last_duplicate_in_batch_wins(conn) -> None:
    with conn:
        upsert(conn, "news.sources", SOURCE_COLUMNS, [("ap", "AP", "wire", "US", [])], ["name"])
    batch = [
        ("ap", "AP News", "wire", "US", ["apnews.com"]),
        ("ap", "Associated Press", "wire", "US", ["apnews.com"]),
    ]
    with conn:
        assert upsert(conn, "news.sources", SOURCE_COLUMNS, batch, conflict=["name"]) == 1
    assert _sources(conn) == [("ap", "Associated Press", "wire", "US", ["apnews.com"])]


def test_values_that_need_escaping_round_trip(conn) -> None:
    tricky = 'tab\there, newline\nback\\slash "quoted" \\N ünïcode'
    with conn:
        upsert(
            conn,
            "news.sources",
            SOURCE_COLUMNS,
            [("odd", tricky, "other", None, ['a"b', "c\\d", "e,f", "{g}"])],
            ["name"],
        )
    assert _sources(conn) == [("odd", tricky, "other", None, ['a"b', "c\\d", "e,f", "{g}"])]


def test_one_bad_row_fails_the_batch_naming_the_table(conn) -> None:
    rows = [
        ("good-one", "Good", "tabloid", None, []),
        ("bad-one", "Bad", "not-a-kind", None, []),
    ]
    with pytest.raises(LoadError, match=r"news\.sources.*check constraint"):
        with conn:
            upsert(conn, "news.sources", SOURCE_COLUMNS, rows, conflict=["name"])
    assert _sources(conn) == []


def test_append_without_conflict_key_and_bytes(conn) -> None:
    with conn:
        upsert(conn, "news.sources", SOURCE_COLUMNS, [("s", "S", "wire", None, [])], ["name"])
        upsert(
            conn,
            "news.pages",
            ["source", "url", "final_url", "status", "body_zlib", "body_hash", "body_bytes"],
            [("s", "http://x/1", "http://x/1", 200, b"\x00\x01\\\t\n", bytes(32), 5)],
            conflict=None,
        )
    with conn.cursor() as cur:
        cur.execute("select body_zlib, body_hash from news.pages")
        body, digest = cur.fetchone()
    assert bytes(body) == b"\x00\x01\\\t\n" and bytes(digest) == bytes(32)
