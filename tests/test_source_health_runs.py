"""news.source_health.urls_dropped counts a night's dropped announcements once, not once per
crawl run: two real crawls (Scrapy over loopback, real PostgreSQL) of one feed on one night
drop the same URLs twice; the view shows the night's last crawl's count, which
news.crawl_report shows per run."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.crawl import crawl
from tests.plugins.database import query
from tests.test_crawl_revisions import TinyWeb, _article, tiny_web  # noqa: F401 - fixture


def _feed(web: TinyWeb, *items: str) -> None:
    web.put("/quay.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>Quay</title>'
            + "".join(items) + "</channel></rss>")


def _sources(web: TinyWeb, tmp_path: Path) -> Path:
    settings = {"NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.0/8"], "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 0, "NEWSCORPUS_FLUSH_SECONDS": 0.5}
    doc = {"settings": settings, "sources": [
        {"name": "quay-news", "outlet": "Quay News", "kind": "tabloid", "domains": ["127.0.0.1"],
         "feeds": [web.base + "/quay.rss"], "article_url": r"/stories/[a-z-]+-\d+/?$"}]}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_two_runs_on_one_night_count_each_dropped_url_once(
    database_url: str, tiny_web: TinyWeb, tmp_path: Path,  # noqa: F811
) -> None:
    web = tiny_web
    story = f"<item><link>{web.base}/stories/crane-repair-51/</link></item>"
    _feed(web, story, f"<item><link>{web.base}/about-us/</link></item>",
          "<item><link>https://elsewhere.example/stories/x-1/</link></item>",
          "<item><title>no link here</title></item>")
    web.put("/stories/crane-repair-51/", _article("Crane Repair", "Words."), "text/html; charset=utf-8")
    sources = _sources(web, tmp_path)
    once = {"no link": 1, "not matching article_url": 1, "off the source's domains": 1}
    for _ in range(2):  # the nightly run and a manual rerun, same feed
        summary = crawl(sources, trigger="test")
        assert summary.status == "succeeded", summary.error
        assert summary.sources["quay-news"].urls_dropped == once
    per_run = query(database_url, "select urls_dropped from news.crawl_report where source = 'quay-news'")
    assert [row[0] for row in per_run] == [once, once]
    nights = query(database_url, "select night, urls_dropped from news.source_health where source = 'quay-news'")
    assert len(nights) == 1 and nights[0][1] == once

    # the feed changes during the night: the night shows what its last crawl dropped
    _feed(web, story, f"<item><link>{web.base}/contact/</link></item>")
    assert crawl(sources, trigger="test").status == "succeeded"
    nights = query(database_url, "select urls_dropped from news.source_health where source = 'quay-news'")
    assert nights == [({"not matching article_url": 1},)]
