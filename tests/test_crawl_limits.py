"""Discovery and crawl bounds, each a setting, each recorded when hit (spiders/news.py):
sitemap depth, discovery documents per source, crawl deadline."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest
import yaml

from pipeline.crawl import crawl


class _Endless:
    """A sitemap index that keeps generating new children (FANOUT per index), and slow pages."""

    FANOUT = 5

    def __init__(self) -> None:
        self.hits: list[str] = []
        web = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                web.hits.append(self.path)
                if self.path.startswith("/sitemap/"):
                    n = int(self.path.split("/")[2].split(".")[0])
                    kids = "".join(f"<sitemap><loc>{web.base}/sitemap/{n * 10 + i}.xml</loc></sitemap>"
                                   for i in range(1, web.FANOUT + 1))
                    body = f"<sitemapindex>{kids}</sitemapindex>".encode()
                elif self.path == "/slow-feed.xml":
                    items = "".join(f"<item><link>{web.base}/news/slow-{i}.html</link></item>" for i in range(6))
                    body = f"<rss><channel>{items}</channel></rss>".encode()
                elif self.path.startswith("/news/slow"):
                    time.sleep(20)
                    body = b"<html><body><p>late</p></body></html>"
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml" if b"<html" not in body else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def endless():
    web = _Endless()
    yield web
    web.server.shutdown()
    web.server.server_close()


def _sources(tmp_path: Path, web: _Endless, settings: dict, **source: object) -> Path:
    doc = {"settings": {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0,
                        "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.1/32"],
                        **settings},
           "sources": [{"name": "endless", "outlet": "Endless", "kind": "wire", "domains": ["127.0.0.1"], **source}]}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_sitemap_depth_is_bounded_and_recorded(tmp_path: Path, endless: _Endless, database_url: str) -> None:
    path = _sources(tmp_path, endless, {"NEWSCORPUS_MAX_SITEMAP_DEPTH": 3},
                    sitemaps=[f"{endless.base}/sitemap/1.xml"])
    summary = crawl(path, trigger="test")
    fetched = [h for h in endless.hits if h.startswith("/sitemap/")]
    assert len(fetched) == 1 + 5 + 25  # depths 0, 1, 2
    counts = summary.sources["endless"]
    assert counts.limits_hit > 0 and any("NEWSCORPUS_MAX_SITEMAP_DEPTH" in e for e in counts.errors)


def test_documents_per_source_are_bounded_and_recorded(tmp_path: Path, endless: _Endless, database_url: str) -> None:
    path = _sources(tmp_path, endless, {"NEWSCORPUS_MAX_DOCUMENTS_PER_SOURCE": 12},
                    sitemaps=[f"{endless.base}/sitemap/1.xml"])
    summary = crawl(path, trigger="test")
    assert len([h for h in endless.hits if h.startswith("/sitemap/")]) == 12
    counts = summary.sources["endless"]
    assert any("NEWSCORPUS_MAX_DOCUMENTS_PER_SOURCE" in e for e in counts.errors)


def test_the_crawl_deadline_ends_a_slow_crawl_and_is_recorded(
    tmp_path: Path, endless: _Endless, database_url: str,
) -> None:
    path = _sources(tmp_path, endless, {"NEWSCORPUS_CRAWL_DEADLINE_SECONDS": 3, "DOWNLOAD_TIMEOUT": 60},
                    feeds=[f"{endless.base}/slow-feed.xml"])
    summary = crawl(path, trigger="test")
    assert summary.error and "NEWSCORPUS_CRAWL_DEADLINE_SECONDS" in summary.error
    assert summary.status == "succeeded"
