"""The streaming .warc.gz reader alone (no database): offsets, and bad archives skipped with
a reason while the rest of the file is still read."""

from __future__ import annotations

import io
import random

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.backfill import archive, records
from pipeline.backfill.listing import parse_months
from pipeline.errors import ConfigError


def _archive(count: int = 30) -> tuple[bytes, list[int]]:
    rng = random.Random(5)
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    offsets = []
    for number in range(count):
        body = f"<html><p>story {number} {rng.random()}</p>{'words ' * rng.randint(10, 4000)}</html>".encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        offsets.append(out.tell())
        writer.write_record(writer.create_warc_record(f"http://news{number % 3}.example/{number}", "response",
                                                      payload=io.BytesIO(body), length=len(body), http_headers=http))
    return out.getvalue(), offsets


def _read(data: bytes, offset: int = 0) -> list[archive.Member | archive.Skip]:
    return list(archive.read_members(io.BytesIO(data), offset))


def test_every_record_comes_with_its_offset_and_length() -> None:
    data, offsets = _archive()
    items = _read(data)
    assert [i.offset for i in items] == offsets
    assert all(isinstance(i, archive.Member) for i in items)
    assert items[-1].offset + items[-1].length == len(data)
    head = records.parse_head(items[3].data)
    assert head.type == "response" and head.target_uri == "http://news0.example/3"
    assert records.parse_response(items[3].data)[:2] == (200, "text/html; charset=utf-8")


def test_reading_from_an_offset_resumes_at_that_record() -> None:
    data, offsets = _archive()
    items = _read(data[offsets[10]:], offsets[10])
    assert [i.offset for i in items] == offsets[10:]


def test_a_corrupt_member_is_skipped_and_the_rest_read() -> None:
    data, offsets = _archive()
    damaged = bytearray(data)
    middle = (offsets[7] + offsets[8]) // 2
    damaged[middle:middle + 6] = b"\x00" * 6
    items = _read(bytes(damaged))
    skips = [i for i in items if isinstance(i, archive.Skip)]
    assert [(s.offset, s.end, s.reason) for s in skips] == [(offsets[7], offsets[8], archive.CORRUPT_GZIP)]
    assert [i.offset for i in items if isinstance(i, archive.Member)] == offsets[:7] + offsets[8:]


def test_garbage_between_members_and_a_truncated_end() -> None:
    data, offsets = _archive()
    spliced = data[:offsets[4]] + b"junk bytes" + data[offsets[4]:offsets[-1] + 40]
    items = _read(spliced)
    reasons = [(i.reason, i.offset) for i in items if isinstance(i, archive.Skip)]
    assert reasons == [(archive.CORRUPT_GZIP, offsets[4]), (archive.TRUNCATED, offsets[-1] + 10)]
    assert sum(isinstance(i, archive.Member) for i in items) == len(offsets) - 1


def test_an_oversized_record_is_skipped_without_keeping_it() -> None:
    data, offsets = _archive()
    items = list(archive.read_members(io.BytesIO(data), max_record_bytes=8000))
    large = [i for i in items if isinstance(i, archive.Skip)]
    assert large and all(s.reason == archive.TOO_LARGE for s in large)
    assert [i.offset for i in items] == offsets


def test_a_plain_file_is_not_a_warc_gz() -> None:
    items = _read(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\n" * 3)
    assert len(items) == 1 and items[0].reason in (archive.CORRUPT_GZIP, archive.TRUNCATED)


def test_non_html_and_broken_http_blocks_are_refused() -> None:
    assert records.not_html("application/pdf", b"%PDF-1.4") == "served as application/pdf"
    assert records.not_html("text/html", b"%PDF-1.4 ...") == "binary content"
    assert records.not_html("text/html", b"<html></html>") is None
    broken = b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 12\r\n\r\n\x00\x01garbage!!\r\n\r\n"
    with pytest.raises(records.Skipped) as refused:
        records.parse_response(broken)
    assert refused.value.reason == archive.BROKEN_HTTP


def test_months() -> None:
    assert parse_months("2025-11:2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert parse_months("2026-03") == ["2026-03"]
    for bad in ("2026-13", "2026-02:2026-01", "26-01", "2026-01:x"):
        with pytest.raises(ConfigError):
            parse_months(bad)


def _newscorpus(*args: str, env: dict | None = None) -> "subprocess.CompletedProcess[str]":
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def test_cli_refuses_bad_usage_with_exit_2() -> None:
    for args in ((), ("--cc-news", "2026-13"), ("x.warc.gz", "--workers", "0"),
                 ("x.warc.gz", "--cc-news-base", "ftp://example.org")):
        result = _newscorpus("backfill", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_cli_missing_file_is_a_run_time_failure(database_url: str, tmp_path) -> None:
    result = _newscorpus("backfill", str(tmp_path / "missing.warc.gz"))
    assert result.returncode == 1
    assert "cannot open" in result.stderr and "Traceback" not in result.stderr
    assert all(line.count("missing.warc.gz") == 1 for line in result.stderr.splitlines()), result.stderr
    from tests.plugins.database import query

    assert query(database_url, "select trigger, status from news.crawl_runs") == [("backfill", "failed")]
    assert query(database_url, "select status from news.backfill_files") == [("failed",)]


def test_a_warc_date_out_of_range_in_utc_is_no_date_not_a_crash() -> None:
    # valid ISO 8601 that overflows once moved to UTC (year 1 east of UTC, year 9999 west of
    # it) must read as "no date", like any unparseable WARC-Date, not end the file's backfill
    for value in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", "not a date", ""):
        assert records.parse_warc_date(value) is None, value
    assert records.parse_warc_date("2026-11-30T10:00:00+01:00").isoformat() == "2026-11-30T09:00:00+00:00"
