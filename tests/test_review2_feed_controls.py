"""Adversarial review 2: characters XML cannot hold in a FEED (f1294b8 handled them in pages only).
An RSS item whose title carries a numeric reference to a lone surrogate (`&#xD800;`, written by a
CMS that escapes UTF-16 halves) makes spiders.discovery.parse raise UnicodeEncodeError from inside
feedparser (mixin.handle_charref: chr(0xD800).encode('utf-8')): not a DiscoveryError, so the
spider callback dies and none of the feed's items is fetched. Real crawl on loopback, real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.crawl import crawl
from spiders import discovery
from tests.plugins.database import query
from tests.test_crawl_revisions import TinyWeb, _article


def _feed(web: TinyWeb, odd_title: str) -> str:
    titles = ["Ferry services resume", odd_title, "Harbour wall repaired"]
    items = "".join(f"<item><title>{t}</title><link>{web.base}/news/{n}.html</link>"
                    f"<pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>" for n, t in enumerate(titles, 1))
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Tiny</title>"
            f"<link>{web.base}/</link>{items}</channel></rss>")


@pytest.mark.parametrize("ref", ["&#xD800;", "&#56320;"])
def test_a_feed_with_a_surrogate_reference_is_read(ref: str) -> None:
    web = TinyWeb()
    document = discovery.parse(_feed(web, f"Bridge{ref} closed").encode(), web.base + "/feed.xml")
    assert len(document.entries) == 3


@pytest.fixture
def web() -> Iterator[TinyWeb]:
    tiny = TinyWeb()
    threading.Thread(target=tiny.server.serve_forever, daemon=True).start()
    yield tiny
    tiny.server.shutdown()
    tiny.server.server_close()


def test_a_crawl_keeps_the_other_items_of_a_feed_with_a_surrogate_reference(
        database_url: str, web: TinyWeb, tmp_path: Path) -> None:
    web.put("/feed.xml", _feed(web, "Bridge&#xD800; closed"), "application/rss+xml")
    for n, title in enumerate(["Ferry services resume", "Bridge closed", "Harbour wall repaired"], 1):
        web.put(f"/news/{n}.html", _article(title, f"Story {n}."), "text/html; charset=utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({
        "settings": {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 0,
                     "NEWSCORPUS_FLUSH_SECONDS": 0.5, "NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.1/32"]},
        "sources": [{"name": "tiny-times", "outlet": "Tiny Times", "kind": "wire", "domains": ["127.0.0.1"],
                     "feeds": [web.base + "/feed.xml"], "article_url": r"/news/\d+\.html$"}],
    }))
    summary = crawl(sources, trigger="test")
    fetched = {url for (url,) in query(database_url, "select url from news.pages where strpos(url, '/news/') > 0")}
    assert fetched == {f"{web.base}/news/{n}.html" for n in (1, 2, 3)}, (summary.status, summary.error, fetched)
