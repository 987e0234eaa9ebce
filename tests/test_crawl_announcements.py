"""Feeds that lose no links (issue 13): relative links, xml:base, original-link elements and
RDF read; URL variants fetched once; every dropped announcement counted per source and
reason. Parsing on documents written here; the crawl with real Scrapy over real HTTP on
loopback and real PostgreSQL (the tiny server of test_crawl_revisions)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline import urls
from pipeline.crawl import crawl
from spiders import discovery
from tests.plugins.database import query as _query
from tests.test_crawl_revisions import TinyWeb, _article, tiny_web  # noqa: F401 - fixture

FEED_URL = "https://www.tidewater.example/rss/latest.xml"


def test_rss_relative_links_resolve_against_the_feed_url() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><link>/stories/ferry-timetable-31/</link></item>
    <item><link>../stories/pier-lights-32/</link></item>
    <item><title>no link at all</title></item></channel></rss>"""
    document = discovery.parse(body, FEED_URL)
    assert [e.url for e in document.entries] == [
        "https://www.tidewater.example/stories/ferry-timetable-31/",
        "https://www.tidewater.example/stories/pier-lights-32/",
    ]
    assert document.dropped == {"no link": 1}


def test_atom_links_resolve_with_nested_xml_base() -> None:
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.tidewater.example/a/">
    <title>T</title><id>urn:t</id><updated>2025-01-01T00:00:00Z</updated>
    <entry xml:base="stories/"><id>urn:1</id><title>x</title><updated>2025-01-02T00:00:00Z</updated>
      <link rel="alternate" href="harbour-dredge-41"/></entry>
    <entry><id>urn:2</id><title>y</title><updated>2025-01-02T00:00:00Z</updated><link href="/root/tide-tables-42"/></entry>
    </feed>"""
    document = discovery.parse(body, FEED_URL)
    assert [e.url for e in document.entries] == [
        "https://cdn.tidewater.example/a/stories/harbour-dredge-41",
        "https://cdn.tidewater.example/root/tide-tables-42",
    ]


def test_original_link_wins_over_an_off_site_redirect_link() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
    <channel><title>T</title><item><link>https://clicks.relay.example/r/9f8e7d</link>
    <feedburner:origLink>https://www.tidewater.example/stories/lifeboat-day-43/</feedburner:origLink></item>
    </channel></rss>"""
    (entry,) = discovery.parse(body, FEED_URL).entries
    assert entry.url == "https://www.tidewater.example/stories/lifeboat-day-43/"


def test_rss_1_rdf_items_are_read() -> None:
    body = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel rdf:about="https://www.tidewater.example/"><title>T</title></channel>
    <item rdf:about="https://www.tidewater.example/stories/a-44/"><title>a</title>
      <link>https://www.tidewater.example/stories/a-44/</link><dc:date>2025-02-03T04:05:06+01:00</dc:date></item>
    </rdf:RDF>"""
    (entry,) = discovery.parse(body, FEED_URL).entries
    assert entry.url == "https://www.tidewater.example/stories/a-44/"
    assert entry.lastmod is not None and entry.lastmod.isoformat() == "2025-02-03T03:05:06+00:00"


def test_url_variants_share_one_key_and_amp_forms_become_plain() -> None:
    plain = "https://www.tidewater.example/stories/ferry-timetable-31/"
    for variant in ("https://www.tidewater.example/stories/ferry-timetable-31",
                    "https://m.tidewater.example/stories/ferry-timetable-31/amp/",
                    "https://www.tidewater.example/stories/ferry-timetable-31/?amp=1"):
        assert urls.variant_key(variant) == urls.variant_key(plain)
    assert urls.canonical_form("https://m.tidewater.example/stories/x-1/amp/", {"www.tidewater.example"}) == \
        "https://www.tidewater.example/stories/x-1/"
    assert urls.variant_key("https://www.tidewater.example/stories/x-2/") != urls.variant_key(plain)


def _sources(web: TinyWeb, tmp_path: Path) -> Path:
    settings = {"NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.0/8"], "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 0,
                "NEWSCORPUS_FLUSH_SECONDS": 0.5}
    doc = {"settings": settings, "sources": [
        {"name": "quay-news", "outlet": "Quay News", "kind": "tabloid", "domains": ["127.0.0.1"],
         "feeds": [web.base + "/quay.rss"], "article_url": r"/stories/[a-z-]+-\d+/?$"},
        {"name": "lost-links", "outlet": "Lost Links", "kind": "other", "domains": ["127.0.0.1"],
         "feeds": [web.base + "/lost.rss"], "article_url": r"/stories/[a-z-]+-\d+/?$"},
    ]}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_crawl_fetches_each_announced_article_once_and_counts_every_drop(
    database_url: str, tiny_web: TinyWeb, tmp_path: Path,  # noqa: F811
) -> None:
    web = tiny_web
    web.put("/quay.rss", f"""<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
    <channel><title>Quay</title>
    <item><link>/stories/crane-repair-51/</link></item>
    <item><link>stories/crane-repair-51</link></item>
    <item><link>{web.base}/stories/crane-repair-51/amp/</link></item>
    <item><link>http://127.0.0.9:9/r/abc</link><feedburner:origLink>{web.base}/stories/net-mending-52/</feedburner:origLink></item>
    <item><link>{web.base}/about-us/</link></item>
    <item><link>https://elsewhere.example/stories/not-ours-53/</link></item>
    <item><title>nothing to follow</title></item>
    </channel></rss>""")
    web.put("/lost.rss", """<?xml version="1.0"?><rss version="2.0"><channel><title>Lost</title>
    <item><link>https://elsewhere.example/stories/gone-61/</link></item>
    <item><description>no link</description></item></channel></rss>""")
    for slug in ("crane-repair-51", "net-mending-52"):
        web.put(f"/stories/{slug}/", _article(slug.replace("-", " ").title(), f"Words of {slug}."), "text/html; charset=utf-8")
    summary = crawl(_sources(web, tmp_path), trigger="test")
    assert summary.status == "succeeded", summary.error
    fetched = _query(database_url, "select url from news.pages where body_hash is not null order by url")
    assert [u for (u,) in fetched] == [f"{web.base}/stories/crane-repair-51/", f"{web.base}/stories/net-mending-52/"]
    assert web.hits.get("/stories/crane-repair-51/") == 1 and "/stories/crane-repair-51/amp/" not in web.hits
    assert summary.sources["quay-news"].urls_dropped == {
        "no link": 1, "not matching article_url": 1, "off the source's domains": 1,
        "URL variant of one already announced or stored": 1,
    }
    report = dict(_query(database_url, "select source, urls_dropped from news.crawl_report"))
    assert report["lost-links"] == {"no link": 1, "off the source's domains": 1}
    health = dict(_query(database_url, "select source, urls_dropped from news.source_health"))
    assert health["lost-links"] == {"no link": 1, "off the source's domains": 1}
    assert health["quay-news"]["no link"] == 1
    import psycopg2

    from pipeline.nightly.checks import source_health, stats_table

    conn = psycopg2.connect(database_url)
    try:
        headers, table = stats_table(*source_health(conn))
    finally:
        conn.close()
    lost = next(row for row in table if row[headers.index("source")] == "lost-links")
    assert lost[headers.index("fetched")] == 0
    assert lost[headers.index("dropped")] == "no link: 1; off the source's domains: 1"
