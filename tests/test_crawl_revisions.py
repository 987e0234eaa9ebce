"""Crawl edge cases on a tiny local server whose documents the test writes: sitemap indexes
that list themselves, and a page that goes back to an earlier version. Real Scrapy over real
HTTP (`crawl()` runs the spider in a child process), real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2
import pytest
import yaml

from pipeline.crawl import crawl
from pipeline.extract import extract_pending
from tests.plugins.database import query as _query

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
REDIRECT = "redirect"  # TinyWeb.put content type: answer 301 with the body as Location
MAX_HITS = 5  # a document asked for more often than this is answered 404, so a loop still ends


class TinyWeb:
    """path → (content type, body), every hit counted; settable while the server runs."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with web.lock:
                    web.hits[self.path] = web.hits.get(self.path, 0) + 1
                    found = web.documents.get(self.path) if web.hits[self.path] <= MAX_HITS else None
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content_type, body = found
                if content_type == REDIRECT:  # body: the Location
                    self.send_response(301)
                    self.send_header("Location", body.decode())
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def redirect(self, path: str, location: str) -> None:
        """Answer `path` with a 301 to `location`."""
        self.put(path, location, REDIRECT)

    def put(self, path: str, body: str, content_type: str = "application/xml") -> None:
        with self.lock:
            self.documents[path] = (content_type, body.encode("utf-8"))

    def sources(self, tmp_path: Path, sitemaps: list[str]) -> Path:
        doc = {
            "settings": {"NEWSCORPUS_REVISIT_EVERY_HOURS": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                         "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 0, "NEWSCORPUS_FLUSH_SECONDS": 0.5,
                         "NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.1/32"]},
            "sources": [{"name": "tiny-times", "outlet": "Tiny Times", "kind": "wire", "domains": ["127.0.0.1"],
                         "sitemaps": [self.base + s for s in sitemaps], "article_url": r"/news/\d+\.html$"}],
        }
        path = tmp_path / "tiny-sources.yaml"
        path.write_text(yaml.safe_dump(doc))
        return path


@pytest.fixture
def tiny_web() -> Iterator[TinyWeb]:
    web = TinyWeb()
    thread = threading.Thread(target=web.server.serve_forever, daemon=True)
    thread.start()
    yield web
    web.server.shutdown()
    web.server.server_close()


def _index(web: TinyWeb, *paths: str) -> str:
    items = "".join(f"<sitemap><loc>{web.base}{p}</loc></sitemap>" for p in paths)
    return f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{items}</sitemapindex>'


def _urlset(web: TinyWeb, *paths: str) -> str:
    items = "".join(f"<url><loc>{web.base}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{items}</urlset>'


def _article(title: str, words: str) -> str:
    paragraphs = "".join(
        f"<p>{words} This is paragraph {i} of the story about {title.lower()}, told at some length so that "
        f"the extractor keeps it as article text and not as navigation or page furniture.</p>"
        for i in range(1, 6)
    )
    return (f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>{paragraphs}</article></body></html>")


def test_sitemap_index_listing_itself_is_read_once(database_url: str, tiny_web: TinyWeb, tmp_path: Path) -> None:
    web = tiny_web
    # A lists A, B and the real child; B lists A again (A→A and A→B→A)
    web.put("/index.xml", _index(web, "/index.xml", "/index-b.xml", "/child.xml"))
    web.put("/index-b.xml", _index(web, "/index.xml"))
    web.put("/child.xml", _urlset(web, "/news/1.html", "/news/2.html"))
    for n in (1, 2):
        web.put(f"/news/{n}.html", _article(f"Story {n}", f"Words of story {n}."), "text/html; charset=utf-8")
    summary = crawl(web.sources(tmp_path, ["/index.xml"]), trigger="test")
    assert summary.status == "succeeded", summary.error
    assert {p: web.hits.get(p) for p in ("/index.xml", "/index-b.xml", "/child.xml")} == {
        "/index.xml": 1, "/index-b.xml": 1, "/child.xml": 1}
    stored = _query(database_url, "select url from news.pages where body_hash is not null order by url")
    assert [u for (u,) in stored] == [f"{web.base}/news/1.html", f"{web.base}/news/2.html"]
    assert summary.sources["tiny-times"].documents_ok == 3


def _pages(database_url: str) -> list[tuple]:
    return _query(database_url, "select page_id, body_hash, fetched_at, lastmod, run_id from news.pages order by page_id")


def test_page_back_to_an_earlier_version_is_extracted_again(
    database_url: str, tiny_web: TinyWeb, tmp_path: Path
) -> None:
    web = tiny_web
    url = f"{web.base}/news/7.html"
    web.put("/sitemap.xml", _urlset(web, "/news/7.html"))
    sources = web.sources(tmp_path, ["/sitemap.xml"])
    text_a = "Alpha version words about the harbour reopening."
    text_b = "Bravo version words about the harbour closing."
    conn = psycopg2.connect(database_url)
    try:
        counts = []

        def crawl_and_extract(words: str) -> tuple[str, int]:
            web.put("/news/7.html", _article("Harbour", words), "text/html; charset=utf-8")
            web.hits.clear()
            summary = crawl(sources, trigger="test")
            assert summary.status == "succeeded", summary.error
            c = summary.sources["tiny-times"]
            counts.append((c.pages_new, c.pages_updated, c.pages_unchanged))
            assert web.hits.get("/news/7.html") == 1  # fetched again on every crawl (revisit due at once)
            extract_pending(conn, sources)
            ((text, page_id),) = _query(database_url, "select text, page_id from news.articles")
            return text, page_id

        text, first_a = crawl_and_extract(text_a)
        assert text_a in text
        text, page_b = crawl_and_extract(text_b)
        assert text_b in text and page_b != first_a
        text, page_a = crawl_and_extract(text_a)  # back to A: stored once, the article is A again
        assert text_a in text and text_b not in text
        assert page_a == first_a
        rows = _pages(database_url)
        assert [r[0] for r in rows] == [first_a, page_b]
        assert rows[0][2] > rows[1][2]  # the A row is the URL's latest version again
        latest_run = _query(database_url, "select max(run_id) from news.crawl_runs")[0][0]
        assert rows[0][4] == latest_run

        # re-fetching the latest version unchanged is a no-op: nothing stored, nothing to extract again
        text, page = crawl_and_extract(text_a)
        assert (text_a in text, page) == (True, first_a)
        assert _pages(database_url) == rows
        assert counts == [(1, 0, 0), (0, 1, 0), (0, 1, 0), (0, 0, 1)]  # new, B, back to A, unchanged
        assert _query(database_url, "select count(*) from news.pages as p left join news.page_extractions "
                                    "as e using (page_id) where e.page_id is null") == [(0,)]
    finally:
        conn.close()
    assert url == _query(database_url, "select url from news.pages limit 1")[0][0]
