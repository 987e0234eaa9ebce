"""The extract stage on pages loaded directly (real PostgreSQL, the project's loader):
learned per-domain furniture, foreign canonicals and source links, pages that are no article.

Sample-web HTML comes from `write_site` (the same bytes the server sends); a recurring
template block the generic rules cannot know is injected into an outlet without rules,
as a new outlet's template would carry one.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.extract import extract_pending
from pipeline.load import upsert
from pipeline.sources import load_sources, upsert_sources

PROMO = ("The Daily Lantern is proud to be part of the Lantern Media Group, whose titles reach "
         "millions of readers across the country every single week.")
PAIR_ONLY = "Our reporters were at the scene within the hour and spoke to several of the people affected."
PAGE_COLUMNS = ["source", "url", "final_url", "canonical_url", "status", "content_type", "body_zlib",
                "body_hash", "body_bytes", "fetched_at"]


def store_pages(conn, pages: list[tuple[str, str, bytes, datetime]]) -> None:  # noqa: ANN001
    """(source, url, body, fetched_at) rows into news.pages, as the crawler stores them."""
    rows = [(source, url, url, None, 200, "text/html; charset=utf-8", zlib.compress(body),
             hashlib.sha256(body).digest(), len(body), fetched_at) for source, url, body, fetched_at in pages]
    with conn:
        upsert(conn, "news.pages", PAGE_COLUMNS, rows, ["url", "body_hash"])


def texts(conn) -> dict[str, str]:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        cur.execute("select canonical_url, text from news.articles")
        return dict(cur.fetchall())


@pytest.fixture(scope="module")
def written_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.sampleweb.writer import write_site

    return write_site(tmp_path_factory.mktemp("web"), stories=40)


def test_unruled_outlet_furniture_is_learned_and_removed(conn, written_web: Path) -> None:
    from pipeline.sampleweb.key import load_key

    sources_path = written_web / "sources.yaml"
    sources = load_sources(sources_path)
    assert sources.by_name("daily-lantern").boilerplate.drop_selectors == []  # no rules
    with conn:
        upsert_sources(conn, sources.sources)
    articles = [a for a in load_key(written_web / "key").articles_on(1) if a.source == "daily-lantern"]
    assert len(articles) >= 6
    when = datetime(2026, 11, 23, 5, tzinfo=UTC)
    pages = []
    for i, article in enumerate(articles):
        parts = urlsplit(article.url)
        html = (written_web / parts.hostname / parts.path.lstrip("/")).read_bytes()  # one is cp1252
        extra = f"<p>{PROMO}</p>" + (f"<p>{PAIR_ONLY}</p>" if i < 2 else "")
        html = html.replace(b'itemprop="articleBody">', b'itemprop="articleBody">' + extra.encode("ascii"), 1)
        pages.append(("daily-lantern", article.url, html, when + timedelta(seconds=i)))
    store_pages(conn, pages)

    first = extract_pending(conn, sources_path=sources_path, batch_size=3)  # learned across batches
    assert first.articles_new == len(articles) and first.furniture_learned >= 1
    stored = texts(conn)
    for article in articles:
        text = stored[article.url]
        assert PROMO not in text
        assert all(p in text for p in article.text), article.url
    # a sentence on two pages of the domain is not furniture (K = 5)
    assert sum(PAIR_ONLY in t for t in stored.values()) == 2
    with conn, conn.cursor() as cur:
        cur.execute("select domain, pages from news.learned_furniture")
        learned = cur.fetchall()
    assert learned and {d for d, _ in learned} == {urlsplit(articles[0].url).hostname}

    again = extract_pending(conn, sources_path=sources_path, reextract=True)
    assert (again.articles_new, again.articles_updated) == (0, 0)
    assert texts(conn) == stored


def test_foreign_canonical_and_source_link_are_kept_as_links(conn) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("insert into news.sources (name, outlet, kind, domains) values "
                    "('tab', 'The Tab', 'tabloid', '{tab.example}'), ('agg', 'Agg', 'aggregator', '{agg.example}')")
    original = "https://tab.example/news/1/story/"
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story says the council confirmed the bridge would stay shut for weeks.</p>"
        for i in range(8)
    )
    tab_page = (f"<html lang='en'><head><title>Bridge shut</title><link rel='canonical' href='{original}'>"
                f"<meta property='og:type' content='article'></head><body><article><h1>Bridge shut</h1>"
                f"{paragraphs}</article></body></html>")
    agg_page = (f"<html lang='en'><head><title>Bridge shut</title><link rel='canonical' href='{original}'>"
                f"<meta property='og:type' content='article'></head><body><article><h1>Bridge shut</h1>"
                f"{paragraphs}<p>Source: <a href='{original}'>Read Full Article</a></p></article></body></html>")
    when = datetime(2026, 11, 23, 5, tzinfo=UTC)
    store_pages(conn, [("tab", original, tab_page.encode(), when),
                       ("agg", "https://agg.example/s/1.html", agg_page.encode(), when + timedelta(hours=1))])
    summary = extract_pending(conn)
    assert summary.articles_new == 2
    with conn, conn.cursor() as cur:
        cur.execute("select canonical_url, source, canonical_link, source_link, text from news.articles "
                    "order by source")
        rows = cur.fetchall()
    (agg_url, _, agg_canonical, agg_source, agg_text), (tab_url, _, tab_canonical, _, tab_text) = rows
    assert (agg_url, agg_canonical, agg_source) == ("https://agg.example/s/1.html", original, original)
    assert (tab_url, tab_canonical) == (original, None)
    assert agg_text == tab_text and "Read Full Article" not in agg_text


def test_binary_and_empty_pages_are_not_articles(conn) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("insert into news.sources (name, outlet, kind, domains) values "
                    "('tab', 'The Tab', 'tabloid', '{tab.example}')")
    when = datetime(2026, 11, 23, 5, tzinfo=UTC)
    store_pages(conn, [
        ("tab", "https://tab.example/photo", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 50, when),
        ("tab", "https://tab.example/blank", b"   ", when),
        ("tab", "https://tab.example/garbage", bytes(range(256)) * 50, when),
    ])
    summary = extract_pending(conn)
    assert (summary.pages_seen, summary.not_articles, summary.failed) == (3, 3, 0)
    with conn, conn.cursor() as cur:
        cur.execute("select bool_or(is_article), bool_and('not_article' = any(flags)) from news.articles")
        assert cur.fetchone() == (False, True)
        cur.execute("select count(*) from news.all_articles")
        assert cur.fetchone() == (0,)


NOTICE = "An earlier version of this story misstated the date of the announcement. It has been corrected."


def _story_page(index: int, extra_first: str, extra_last: str) -> bytes:
    from pipeline.sampleweb.texts import make_story

    story = make_story(11, index)
    body = extra_first + "".join(f"<p>{p}</p>" for p in story.paragraphs) + extra_last
    return (f"<html lang='en'><head><title>{story.title}</title><meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='2026-11-22T09:00:00Z'></head><body><article>"
            f"<h1>{story.title}</h1><div class='body'>{body}</div></article></body></html>").encode()


def test_new_site_first_batch_loses_its_template_but_keeps_recurring_notices(conn) -> None:
    """A site nobody wrote rules for, first extract: its template line (every page) is learned
    from the batch before the batch is cleaned; a correction notice that recurs word for word
    on 6 of its 40 pages (≥ K, < the share) is article text and stays on each of them."""
    with conn, conn.cursor() as cur:
        cur.execute("insert into news.sources (name, outlet, kind, domains) values "
                    "('new', 'New Site', 'broadsheet', '{new.example}')")
    when = datetime(2026, 11, 23, 5, tzinfo=UTC)
    pages = []
    for i in range(40):
        notice = f"<p>{NOTICE}</p>" if i % 7 == 0 else ""
        pages.append(("new", f"https://new.example/news/{i}/", _story_page(i, notice, f"<p>{PROMO}</p>"),
                      when + timedelta(seconds=i)))
    store_pages(conn, pages)
    summary = extract_pending(conn)
    assert summary.articles_new == 40 and summary.recleaned == 0  # learned before cleaning
    stored = texts(conn)
    assert not any(PROMO in text for text in stored.values())
    assert {url for url, text in stored.items() if NOTICE in text} == {f"https://new.example/news/{i}/"
                                                                       for i in range(0, 40, 7)}
