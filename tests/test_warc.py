"""WARC out: a real crawl of the sample web with NEWSCORPUS_WARC_DIR set keeps every fetch —
pages, feeds, sitemaps, robots.txt — as WARC 1.1 records that warcio checks and indexes;
news.pages points at each page's record; re-extracting from the WARC alone gives the same
articles; with NEWSCORPUS_WARC_PG_BODIES=0 no body is kept in PostgreSQL at all.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.backfill.records import read_payload
from pipeline.crawl import crawl
from pipeline.extract import extract_pending
from pipeline.sources import load_sources
from tests.plugins.database import exported_database, query

WARCIO = [sys.executable, "-m", "warcio.cli"]


class Crawled:
    def __init__(self, url: str, warc_dir: Path, run_id: int):
        self.url, self.warc_dir, self.run_id = url, warc_dir, run_id

    def files(self) -> list[Path]:
        return sorted(self.warc_dir.glob("*.warc.gz"))

    def responses(self) -> list[tuple[str, dict[str, str], bytes]]:
        """(target URI, WARC headers, decoded payload) of every response record."""
        out = []
        for path in self.files():
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type == "response":
                        headers = dict(record.rec_headers.headers)
                        out.append((headers["WARC-Target-URI"], headers, record.content_stream().read()))
        return out


@pytest.fixture(scope="module")
def crawled(sample_web, pg_server_url: str, template_database_url: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    warc_dir = tmp_path_factory.mktemp("warc-out")
    with exported_database(pg_server_url) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSCORPUS_WARC_DIR", str(warc_dir))
        sample_web.set_day(1)
        sample_web.reset_faults()
        summary = crawl(sample_web.sources_path, trigger="test")
        conn = psycopg2.connect(url)
        try:
            extract_pending(conn, sources_path=sample_web.sources_path)
        finally:
            conn.close()
        yield Crawled(url, warc_dir, summary.run_id)


def test_warcio_check_and_index_pass_on_the_crawl_output(crawled: Crawled) -> None:
    files = crawled.files()
    assert files
    check = subprocess.run([*WARCIO, "check", "-v", *map(str, files)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert "digest pass" in check.stdout
    index = subprocess.run([*WARCIO, "index", "-f", "warc-type,warc-target-uri,offset,length", *map(str, files)],
                           capture_output=True, text=True, timeout=300)
    assert index.returncode == 0, index.stderr[-2000:]
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    types = {e["warc-type"] for e in entries}
    assert {"warcinfo", "request", "response"} <= types
    # every page row points at a response record warcio lists at that offset and length
    listed = {(e["warc-target-uri"], int(e["offset"]), int(e["length"])) for e in entries if e["warc-type"] == "response"}
    rows = query(crawled.url, "select final_url, warc_offset, warc_length from news.pages where status > 0")
    assert rows
    assert {(u, o, n) for u, o, n in rows} <= listed


def test_every_fetch_is_archived_with_source_run_and_announcement(crawled: Crawled, sample_web) -> None:
    responses = crawled.responses()
    uris = {uri for uri, _, _ in responses}
    sources = load_sources(sample_web.sources_path).sources
    documents = {u for s in sources for u in (*s.feeds, *s.sitemaps)}
    assert documents <= uris, sorted(documents - uris)[:5]
    assert {s.domains[0] for s in sources} <= {uri.split("/")[2].split(":")[0] for uri in uris if uri.endswith("/robots.txt")}
    for uri, headers, payload in responses:
        assert headers["WARC-Date"] and headers["WARC-Payload-Digest"].startswith("sha1:")
        assert headers["Newscorpus-Run-Id"] == str(crawled.run_id)
        assert headers.get("Newscorpus-Source"), uri
    rows = query(crawled.url, "select source, lastmod, warc_file, warc_offset from news.pages "
                              "where lastmod is not null and status = 200")
    assert rows
    for source, lastmod, location, offset in rows:
        with open(location, "rb") as stream:
            stream.seek(offset)
            headers = next(iter(ArchiveIterator(stream))).rec_headers
        assert headers.get_header("Newscorpus-Announced-Date") == lastmod.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        # the source the request was made for (a page redirected onto another outlet is stored
        # under that outlet, its record names the outlet that announced it)
        assert headers.get_header("Newscorpus-Source") in {s.name for s in sources}


def test_pointers_lead_to_the_stored_bodies(crawled: Crawled) -> None:
    rows = query(crawled.url, "select warc_file, warc_offset, warc_length, body_hash from news.pages "
                              "where body_hash is not null")
    assert len(rows) > 50
    for location, offset, length, body_hash in rows:
        assert hashlib.sha256(read_payload(location, offset, length)).digest() == bytes(body_hash)


def test_reextraction_from_warc_alone_gives_the_same_articles(crawled: Crawled, sample_web) -> None:
    sql = "select canonical_url, title, published_at, text, is_article from news.articles order by 1"
    before = query(crawled.url, sql)
    conn = psycopg2.connect(crawled.url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update news.pages set body_zlib = null where warc_file is not null")
            assert cur.rowcount > 50
        summary = extract_pending(conn, sources_path=sample_web.sources_path, reextract=True)
    finally:
        conn.close()
    assert summary.failed == 0 and summary.pages_seen > 50
    assert query(crawled.url, "select count(*) from news.pages where body_zlib is not null") == [(0,)]
    assert query(crawled.url, sql) == before


def test_no_bodies_in_postgresql_when_the_setting_is_off(sample_web, pg_server_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCORPUS_WARC_DIR", str(tmp_path))
    monkeypatch.setenv("NEWSCORPUS_WARC_PG_BODIES", "0")
    with exported_database(pg_server_url) as url:
        summary = crawl(sample_web.sources_path, only=["daily-beacon"], max_pages=6, trigger="test")
        assert summary.pages_fetched >= 6
        counts = query(url, "select count(*), count(body_zlib), count(warc_file) from news.pages where body_hash is not null")
        assert counts[0][0] >= 5 and counts[0][1] == 0 and counts[0][2] == counts[0][0]
        conn = psycopg2.connect(url)
        try:
            extracted = extract_pending(conn, sources_path=sample_web.sources_path)
        finally:
            conn.close()
        assert extracted.articles_new >= 5 and extracted.failed == 0
        words = query(url, "select min(word_count) from news.articles where is_article")[0][0]
        assert words and words > 50


def test_a_crawl_archives_by_default_under_the_data_folder_and_off_turns_it_off(
        sample_web, pg_server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSCORPUS_WARC_DIR: WARC goes to `<home>/warc`; NEWSCORPUS_WARC_DIR=off: none."""
    monkeypatch.delenv("NEWSCORPUS_WARC_DIR", raising=False)
    monkeypatch.setenv("NEWSCORPUS_HOME", str(tmp_path / "home"))
    with exported_database(pg_server_url) as url:
        crawl(sample_web.sources_path, only=["daily-beacon"], max_pages=3, trigger="test")
        archived = sorted((tmp_path / "home" / "warc").glob("*.warc.gz"))
        assert archived
        assert query(url, "select count(*) from news.pages where warc_file is null and body_hash is not null") == [(0,)]
        monkeypatch.setenv("NEWSCORPUS_WARC_DIR", "off")
        monkeypatch.setenv("NEWSCORPUS_HOME", str(tmp_path / "other"))
        crawl(sample_web.sources_path, only=["worldwire"], max_pages=3, trigger="test")
        assert not list((tmp_path / "other").glob("warc/*.warc.gz"))
