"""WARC in: archives written from the sample web (warcio), served on loopback as two CC-NEWS
"months" (warc.paths.gz + files, byte ranges), backfilled, and compared with a real crawl of
the same pages.

Module state: `full` is a crawl of the whole sample web (day 1) → extract → dedup; its
stored pages are fetched again and archived in two month files, with bad records added to
the second (a corrupt gzip member, a broken HTTP block, a truncated last record; the
sample web's own PDF/JPEG-served-as-HTML pages are non-HTML payloads).
"""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from pipeline.backfill import archive
from pipeline.backfill.run import backfill
from pipeline.crawl import crawl
from pipeline.dedup import dedup
from pipeline.extract import extract_pending
from pipeline.sources import load_sources
from tests.plugins import warcfiles
from tests.plugins.database import exported_database, new_database, query

MONTHS = ["2026-01", "2026-02"]
FOREIGN_URL = "http://127.0.0.99/elsewhere/story.html"  # a host no sample-web source owns


def articles(url: str) -> dict[str, tuple]:
    """canonical_url → (title, published_at, text, is_article) of every article."""
    rows = query(url, "select canonical_url, title, published_at, text, is_article from news.articles")
    return {row[0]: row[1:] for row in rows}


def clusters(url: str) -> set[tuple[str, frozenset[str]]]:
    """Each cluster as (canonical article's URL, URLs of all its members)."""
    rows = query(url, """
        select c.canonical_url, array_agg(a.canonical_url order by a.canonical_url)
        from news.clusters as k
        join news.articles as c on c.article_id = k.canonical_article_id
        join news.cluster_members as m on m.cluster_id = k.cluster_id
        join news.articles as a on a.article_id = m.article_id
        group by k.cluster_id, c.canonical_url
    """)
    return {(canonical, frozenset(members)) for canonical, members in rows}


def _extract_and_dedup(sources_path: Path) -> None:
    conn = psycopg2.connect(os.environ["NEWSCORPUS_DATABASE_URL"])
    try:
        extract_pending(conn, sources_path=sources_path)
        dedup(conn)
    finally:
        conn.close()


def _raw_record(uri: str, block: bytes, when: str = "2026-02-20T10:00:00Z") -> bytes:
    """One gzip member holding a response record whose HTTP block is `block` as given."""
    head = (
        f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {when}\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + block + b"\r\n\r\n")


@dataclass
class Archive:
    root: Path
    files: dict[str, Path]           # month → file
    server: object                   # tests.plugins.warcfiles._Server
    sources_path: Path
    full_url: str                    # the database the whole-web crawl went into
    html_urls: list[str]
    bad_offsets: dict[str, int]      # reason → offset of the bad record in month 2

    def file_url(self, month: str) -> str:
        return self.server.url(str(self.files[month].relative_to(self.root)))


@pytest.fixture(scope="module")
def warc_archive(sample_web, pg_server_url: str, template_database_url: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("cc-news")
    sample_web.set_day(1)
    sample_web.reset_faults()
    with exported_database(pg_server_url) as full_url:
        summary = crawl(sample_web.sources_path, trigger="test")
        assert summary.pages_fetched > 50
        _extract_and_dedup(sample_web.sources_path)
    html = sorted({r[0] for r in query(full_url, "select final_url from news.pages where body_hash is not null")})
    not_html = sorted({r[0] for r in query(full_url, "select final_url from news.pages where error like 'not HTML%%'")})
    assert not_html, "the sample web serves PDF/JPEG as HTML: those must be in the archive"
    half = len(html) // 2
    plan = {MONTHS[0]: html[:half] + not_html, MONTHS[1]: html[half:]}
    files = {}
    for month, urls in plan.items():
        year, mm = month.split("-")
        path = root / "crawl-data" / "CC-NEWS" / year / mm / f"CC-NEWS-{year}{mm}01000000-00000.warc.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        warcfiles.write_month(path, urls, warcfiles.month_start(month))
        files[month] = path
    # the second month also holds: a foreign host, a corrupt member (a copy of a good record
    # with its deflate data damaged), a broken HTTP block, and a last record cut off mid-member
    month2 = files[MONTHS[1]]
    good = _first_response(month2)
    bad_offsets = {}
    with month2.open("ab") as out:
        out.write(_raw_record(FOREIGN_URL, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>elsewhere</p>"))
        bad_offsets[archive.CORRUPT_GZIP] = out.tell()
        damaged = bytearray(good)
        for i in range(len(damaged) // 2, len(damaged) // 2 + 8):
            damaged[i] ^= 0xA5
        out.write(bytes(damaged))
        bad_offsets[archive.BROKEN_HTTP] = out.tell()
        out.write(_raw_record(html[0], b"\x00\x01 no status line here\r\nX: y\r\n\r\n<html></html>"))
        bad_offsets[archive.TRUNCATED] = out.tell()
        out.write(good[: len(good) // 2])
    for month, path in files.items():
        warcfiles.write_listing(root, month, [str(path.relative_to(root))])
    with warcfiles.serving(root) as server:
        yield Archive(root, files, server, Path(sample_web.sources_path), full_url, html, bad_offsets)


def _first_response(path: Path) -> bytes:
    """The uncompressed first response record of a file (to copy into a damaged member)."""
    with path.open("rb") as stream:
        for item in archive.read_members(stream):
            if isinstance(item, archive.Member) and b"WARC-Type: response" in item.data[:400]:
                return gzip.compress(item.data)
    raise AssertionError("no response record")


@pytest.fixture(scope="module")
def backfilled(warc_archive: Archive, pg_server_url: str) -> Iterator[tuple[str, object]]:
    """Both months backfilled through --cc-news from the loopback endpoint, into a new database."""
    with exported_database(pg_server_url) as url:
        summary = backfill([], sources_path=warc_archive.sources_path, months=MONTHS,
                           cc_news_base=warc_archive.server.url(), workers=2, out=None)
        yield url, summary


def test_backfill_gives_the_articles_and_clusters_a_crawl_gives(warc_archive: Archive, backfilled) -> None:
    url, summary = backfilled
    crawled, filled = articles(warc_archive.full_url), articles(url)
    assert len(crawled) > 50
    assert filled == crawled
    assert clusters(url) == clusters(warc_archive.full_url)
    assert any(len(members) > 1 for _, members in clusters(url))


def test_backfill_is_a_run_with_trigger_backfill_and_warc_dates(warc_archive: Archive, backfilled) -> None:
    url, summary = backfilled
    assert summary.status == "succeeded", summary.error
    assert query(url, "select trigger, status from news.crawl_runs where run_id = %s", (summary.run_id,)) == [
        ("backfill", "succeeded")]
    fetched = query(url, "select min(fetched_at), max(fetched_at), count(*), count(warc_file) from news.pages")[0]
    assert fetched[0] >= warcfiles.month_start(MONTHS[0])
    assert fetched[1] < warcfiles.month_start("2026-03")
    assert fetched[2] == fetched[3] == len(warc_archive.html_urls)
    report = query(url, "select sum(pages_fetched) from news.crawl_report where run_id = %s", (summary.run_id,))
    assert report == [(len(warc_archive.html_urls),)]
    # the sources file given is the one recorded (its rules are what extract cleans with later)
    assert {row[0] for row in query(url, "select sources_file from news.sources")} == {
        str(Path(warc_archive.sources_path).resolve())}


def test_bad_records_are_skipped_counted_and_recorded(warc_archive: Archive, backfilled) -> None:
    url, _ = backfilled
    month2 = warc_archive.file_url(MONTHS[1])
    status, kept, foreign, skipped = query(
        url, "select status, kept, foreign_host, skipped from news.backfill_files where file = %s", (month2,))[0]
    assert status == "done"
    assert foreign == 1
    for reason in (archive.CORRUPT_GZIP, archive.BROKEN_HTTP, archive.TRUNCATED):
        assert skipped.get(reason) == 1, skipped
    recorded = dict(query(url, "select reason, warc_offset from news.backfill_skips where file = %s", (month2,)))
    for reason, offset in warc_archive.bad_offsets.items():
        assert recorded[reason] == offset
    month1 = warc_archive.file_url(MONTHS[0])
    skipped1 = query(url, "select skipped from news.backfill_files where file = %s", (month1,))[0][0]
    assert skipped1.get(archive.NOT_HTML, 0) >= 1
    # the records after the corrupt member were read: every month-2 page is stored
    assert kept == len(warc_archive.html_urls) - len(warc_archive.html_urls) // 2


def test_a_rerun_adds_nothing(warc_archive: Archive, backfilled) -> None:
    url, _ = backfilled
    tables = ("news.pages", "news.articles", "news.clusters", "news.cluster_members", "news.backfill_skips")
    before = {t: query(url, f"select count(*) from {t}")[0][0] for t in tables}
    again = backfill([], sources_path=warc_archive.sources_path, months=MONTHS,
                     cc_news_base=warc_archive.server.url(), out=None)
    assert all(f["already_done"] for f in again.files)
    # forgetting the progress re-reads the files: the page store still adds nothing
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("delete from news.backfill_files")
    finally:
        conn.close()
    third = backfill([], sources_path=warc_archive.sources_path, months=MONTHS,
                     cc_news_base=warc_archive.server.url(), out=None)
    assert third.totals()["pages_new"] == 0 and third.totals()["kept"] == len(warc_archive.html_urls)
    assert {t: query(url, f"select count(*) from {t}")[0][0] for t in tables} == before
    assert articles(url) == articles(warc_archive.full_url)


def test_backfilled_originals_join_nightly_clusters_and_become_canonical(
    warc_archive: Archive, sample_web, pg_server_url: str
) -> None:
    """A nightly crawl without the wire services, then the archive: the wire originals (only in
    the archive) join the nightly copies' clusters and become their canonical."""
    sources = load_sources(warc_archive.sources_path)
    wires = {s.name for s in sources.sources if s.kind == "wire"}
    assert wires
    with exported_database(pg_server_url) as url:
        sample_web.set_day(1)
        crawl(warc_archive.sources_path, only=[s.name for s in sources.sources if s.name not in wires], trigger="test")
        _extract_and_dedup(warc_archive.sources_path)
        nightly_canonicals = {c for c, _ in clusters(url)}
        wire_count = "select count(*) from news.articles where source = any(%s)"
        # a page redirected onto a wire's host is stored under the wire (the crawl's rule): a few
        nightly_wire = query(url, wire_count, (list(wires),))[0][0]
        assert nightly_wire < query(warc_archive.full_url, wire_count, (list(wires),))[0][0] // 4
        summary = backfill([], sources_path=warc_archive.sources_path, months=MONTHS,
                           cc_news_base=warc_archive.server.url(), out=None)
        assert summary.status == "succeeded"
        assert articles(url) == articles(warc_archive.full_url)
        assert clusters(url) == clusters(warc_archive.full_url)
        promoted = query(url, """
            select count(*) from news.syndication
            where original_outlet in (select outlet from news.sources where kind = 'wire')
        """)[0][0]
        assert promoted > 0
        wire_canonicals = {c for c, members in clusters(url) if len(members) > 1} - nightly_canonicals
        assert wire_canonicals
        lags = query(url, "select count(*), count(*) filter (where lag >= interval '0') from news.syndication")[0]
        assert lags[0] > 0 and lags[0] == lags[1]


def test_a_backfill_killed_mid_file_resumes_to_the_same_result(warc_archive: Archive, pg_server_url: str,
                                                               backfilled) -> None:
    url = new_database(pg_server_url)
    month1 = warc_archive.files[MONTHS[0]]
    name = str(month1.relative_to(warc_archive.root))
    warc_archive.server.release.clear()
    warc_archive.server.stall(name, month1.stat().st_size // 2)
    env = {**os.environ, "NEWSCORPUS_DATABASE_URL": url}
    command = [sys.executable, "-m", "pipeline", "backfill", "--sources", str(warc_archive.sources_path),
               "--workers", "1", "--batch", "5", warc_archive.file_url(MONTHS[0])]
    log = (warc_archive.root / "killed.log").open("w")
    child = subprocess.Popen(command, env=env, start_new_session=True, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        progress = 0
        while time.monotonic() < deadline and child.poll() is None:
            rows = query(url, "select next_offset from news.backfill_files") if _migrated(url) else []
            progress = rows[0][0] if rows else 0
            if progress > month1.stat().st_size // 4:
                break
            time.sleep(0.2)
        assert child.poll() is None and progress > 0, (warc_archive.root / "killed.log").read_text()[-3000:]
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(30)
        warc_archive.server.unstall()
    stored = query(url, "select count(*), f.status from news.backfill_files as f, news.pages group by f.status")
    assert stored and stored[0][1] == "running" and 0 < stored[0][0] < len(warc_archive.html_urls)
    requests_before = len(warc_archive.server.requests)
    resumed = subprocess.run(
        [sys.executable, "-m", "pipeline", "backfill", "--sources", str(warc_archive.sources_path),
         "--cc-news", f"{MONTHS[0]}:{MONTHS[1]}", "--cc-news-base", warc_archive.server.url()],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed at byte" in resumed.stderr
    ranged = [r for n, r in warc_archive.server.requests[requests_before:] if n == name]
    assert ranged and ranged[0] and ranged[0].startswith("bytes=") and ranged[0] != "bytes=0-"
    assert articles(url) == articles(backfilled[0])
    assert clusters(url) == clusters(backfilled[0])
    assert query(url, "select count(*) from news.pages") == query(backfilled[0], "select count(*) from news.pages")


def _migrated(url: str) -> bool:
    return bool(query(url, "select to_regclass('news.backfill_files') is not null")[0][0])
