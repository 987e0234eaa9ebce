"""`newscorpus export`: the three formats round-trip the rows, Parquet keeps its types, the
filters are values (never SQL), a bad format is a usage error."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.export import COLUMNS, export

from tests.plugins.answer_key import LoadedKey

HOSTILE = "x'; drop table news.articles; --"


def _read(fmt: str, path) -> list[dict]:
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    return pq.read_table(path).to_pylist()


def _utc(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_format_round_trips_the_rows(fmt: str, key_conn, key_database: LoadedKey, tmp_path) -> None:
    out = tmp_path / f"corpus.{fmt}"
    count = export(key_conn, fmt, out, chunk_rows=25)  # several chunks
    rows = _read(fmt, out)
    key = key_database.key
    assert count == len(rows) == len(key)
    assert list(rows[0]) == [name for name, _ in COLUMNS]
    for row in rows[:: max(1, len(rows) // 10)]:
        article = key.by_url(row["url"])
        assert row["outlet"] == article.outlet
        assert _utc(row["published_at"]) == key_database.when(article.published_at)
        assert int(row["article_id"]) == key_database.article_ids[article.url]
        story = key.stories()[article.story_id]
        outlets = json.loads(row["outlets"]) if fmt == "csv" else row["outlets"]
        assert outlets == sorted({a.outlet for a in story})
        assert int(row["copies"]) == len(story) - 1
        text = article.day2["text"] if article.day2 else article.text
        assert row["text"] == "\n\n".join(text)
    assert not list(tmp_path.glob("*.partial"))


def test_parquet_has_the_explicit_schema(key_conn, tmp_path) -> None:
    out = tmp_path / "corpus.parquet"
    export(key_conn, "parquet", out, chunk_rows=40)
    schema = pq.read_schema(out)
    assert schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("outlets").type == pa.list_(pa.string())
    assert schema.field("article_id").type == pa.int64()
    assert schema.field("similarity").type == pa.float32()
    assert pq.ParquetFile(out).metadata.num_row_groups == 3  # one per chunk: written as it streamed


def test_filters_canonical_only_since_and_source(key_conn, key_database: LoadedKey, tmp_path) -> None:
    key = key_database.key
    out = tmp_path / "stories.jsonl"
    assert export(key_conn, "jsonl", out, canonical_only=True) == sum(a.is_original for a in key)
    assert all(row["is_canonical"] for row in _read("jsonl", out))
    source = key.sources[0]["name"]
    assert export(key_conn, "jsonl", out, source=source) == sum(a.source == source for a in key)
    since = key_database.night(2)
    expected = sum(key_database.when(a.published_at) >= datetime(since.year, since.month, since.day, tzinfo=UTC)
                   for a in key)
    assert export(key_conn, "csv", tmp_path / "recent.csv", since=since) == expected


def test_hostile_source_is_a_value(key_conn, tmp_path) -> None:
    out = tmp_path / "none.csv"
    assert export(key_conn, "csv", out, source=HOSTILE) == 0
    with open(out, encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1  # the header only
    with key_conn, key_conn.cursor() as cur:
        cur.execute("select count(*) from news.articles")
        assert cur.fetchone()[0] > 0


def test_cli_reports_the_count_once(key_database: LoadedKey, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", key_database.url)
    monkeypatch.setenv("NEWSCORPUS_PROGRESS", "0")
    out = tmp_path / "corpus.parquet"
    assert main(["export", "--format", "parquet", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count(f"exported {len(key_database.key)} rows") == 1
    assert str(len(key_database.key)) not in captured.err
    assert pq.read_metadata(out).num_rows == len(key_database.key)


def test_cli_refuses_an_unknown_source_listing_the_valid_ones(
        key_database: LoadedKey, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", key_database.url)
    out = tmp_path / "corpus.csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--source", HOSTILE]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    sources = sorted({a.source for a in key_database.key})
    assert len(err) == 1 and "no source named" in err[0] and ", ".join(sources) in err[0]
    assert not out.exists()


def test_cli_refuses_a_bad_format_with_exit_2(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "xml", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_parquet_to_stdout_is_refused_with_exit_2(key_database: LoadedKey, monkeypatch, capsys) -> None:
    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", key_database.url)
    assert main(["export", "--format", "parquet", "--out", "-"]) == 2
