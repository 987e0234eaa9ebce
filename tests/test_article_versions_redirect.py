"""news.article_versions lists every fetch of an article, also a fetch that came under another
URL and was redirected to it (and the fetches of the URL it was redirected to). Real Scrapy
over loopback HTTP, the real extract stage, real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg2

from pipeline.crawl import crawl
from pipeline.extract import extract_pending
from tests.plugins.database import query
from tests.test_crawl_revisions import TinyWeb, _article, _urlset, tiny_web  # noqa: F401 - fixture


def _page(title: str, words: str, canonical: str) -> str:
    return _article(title, words).replace("</head>", f'<link rel="canonical" href="{canonical}"></head>')


def test_a_fetch_under_another_url_is_a_version_of_the_article(
    database_url: str, tiny_web: TinyWeb, tmp_path: Path,  # noqa: F811
) -> None:
    web = tiny_web
    home, moved = f"{web.base}/news/1.html", f"{web.base}/news/7.html"
    sources = web.sources(tmp_path, ["/sitemap.xml"])
    conn = psycopg2.connect(database_url)

    def night(listed: str, words: str) -> None:
        web.put("/sitemap.xml", _urlset(web, listed))
        web.put("/news/1.html", _page("Harbour", words, home), "text/html; charset=utf-8")
        summary = crawl(sources, trigger="test")
        assert summary.status == "succeeded", summary.error
        extract_pending(conn, sources)

    try:
        night("/news/1.html", "Alpha version words about the harbour reopening.")
        web.redirect("/news/7.html", home)  # the outlet moved the story; its sitemap lists the new URL
        night("/news/7.html", "Bravo version words about the harbour closing.")
        night("/news/1.html", "Charlie version words about the harbour reopening again.")
    finally:
        conn.close()
    pages = query(database_url, "select page_id, url, final_url from news.pages where body_hash is not null"
                                " order by page_id")
    assert [(url, final) for _, url, final in pages] == [(home, home), (moved, home), (home, home)]
    ((article_id, current),) = query(database_url, "select article_id, page_id from news.articles")
    versions = query(database_url, "select fetch_no, page_id, page_url, final_url, is_current"
                                   " from news.article_versions where article_id = %s order by fetch_no",
                     (article_id,))
    assert [(n, page_id) for n, page_id, *_ in versions] == [(1, pages[0][0]), (2, pages[1][0]), (3, pages[2][0])]
    assert [row[2] for row in versions] == [home, moved, home]
    assert [row[4] for row in versions] == [page_id == current for _, page_id, *_ in versions]
    by_url = query(database_url, "select page_id from news.article_versions where url = %s order by fetch_no", (home,))
    assert [row[0] for row in by_url] == [p[0] for p in pages]
