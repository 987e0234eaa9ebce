"""The extract stage over a real database: the sample web crawled for real, then cleaned.

One module database: day-1 crawl → extract, checked against the answer key (title, date,
every key paragraph, no furniture); a rerun changes nothing; the wrong-charset page reads
"café"; then day 2 replaces updated articles while the old version stays in news.pages.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from datetime import datetime

import psycopg2
import pytest

from pipeline.crawl import crawl
from pipeline.extract import extract_pending
from tests.plugins.database import exported_database, query

FURNITURE = ("Most read in", "Read More on", "Source: Read Full Article", "Sign up to our newsletter", "Credit:")


def token_f1(got: str, expected: str) -> float:
    g = collections.Counter(re.findall(r"\w+", got.lower()))
    e = collections.Counter(re.findall(r"\w+", expected.lower()))
    overlap = sum((g & e).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(g.values()), overlap / sum(e.values())
    return 2 * p * r / (p + r)


class Crawled:
    def __init__(self, url: str, sources_path) -> None:
        self.url, self.sources_path = url, sources_path

    def connect(self) -> psycopg2.extensions.connection:
        return psycopg2.connect(self.url)

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        return query(self.url, sql, args)

    def extract(self, **kw):  # noqa: ANN003
        conn = self.connect()
        try:
            return extract_pending(conn, sources_path=self.sources_path, **kw)
        finally:
            conn.close()

    def articles(self) -> dict[str, tuple]:
        rows = self.query(
            "select canonical_url, title, published_at, text, is_article, flags, updated_at, page_id "
            "from news.articles"
        )
        return {row[0]: row[1:] for row in rows}


@pytest.fixture(scope="module")
def crawled(sample_web, pg_server_url: str, template_database_url: str) -> Iterator[Crawled]:
    with exported_database(pg_server_url) as url:
        sample_web.set_day(1)
        sample_web.reset_faults()
        try:
            crawl(sample_web.sources_path, trigger="test")
            state = Crawled(url, sample_web.sources_path)
            state.first = state.extract()
            yield state
        finally:
            sample_web.set_day(1)


def test_articles_match_the_key(crawled: Crawled, sample_web) -> None:
    articles = crawled.articles()
    fetched = {row[0] for row in crawled.query("select url from news.pages where body_zlib is not null")}
    expected = [a for a in sample_web.key.articles_on(1) if a.url in fetched]
    assert len(expected) > 50
    assert crawled.first.articles_new >= len(expected)
    missing, wrong = [], []
    for key in expected:
        row = articles.get(key.url)
        if row is None:
            missing.append(key.url)
            continue
        title, published_at, text, is_article, flags, *_ = row
        if title != key.title_on(1) or not is_article:
            wrong.append((key.url, "title/is_article", title, flags))
        if abs((published_at - datetime.fromisoformat(key.published_at.replace("Z", "+00:00"))).total_seconds()) > 60:
            wrong.append((key.url, "published_at", published_at, key.published_at))
        absent = [p for p in key.text_on(1) if p not in text]
        if absent:
            wrong.append((key.url, "lost paragraph", absent[0][:80]))
        if token_f1(text, "\n".join(key.text_on(1))) < 0.99:
            wrong.append((key.url, "score", token_f1(text, "\n".join(key.text_on(1)))))
        furniture = [f for f in FURNITURE if f in text]
        if furniture:
            wrong.append((key.url, "furniture", furniture))
    assert not missing
    assert not wrong, wrong[:5]


def test_every_page_is_recorded_with_the_extractor_version(crawled: Crawled) -> None:
    rows = crawled.query(
        "select count(*) filter (where e.page_id is null), count(distinct e.extractor_version) "
        "from news.pages as p left join news.page_extractions as e using (page_id) where p.body_zlib is not null"
    )
    assert rows == [(0, 1)]


def test_section_and_video_pages_are_not_articles(crawled: Crawled, sample_web) -> None:
    key_urls = {a.url for a in sample_web.key.articles}
    others = [(url, row) for url, row in crawled.articles().items() if url not in key_urls]
    assert all(not row[3] and "not_article" in row[4] for _, row in others), others[:3]
    corpus_urls = {r[0] for r in crawled.query("select url from news.all_articles")}
    assert corpus_urls <= key_urls


def test_wrong_charset_is_decoded(crawled: Crawled, sample_web) -> None:
    fault = sample_web.key.fault("wrong-charset")
    title, _, text, is_article, *_ = crawled.articles()[fault["url"]]
    assert title == "Café owner’s naïve plan wins over ‘fussy’ critics"
    assert is_article and "Ã" not in text


def test_rerun_changes_nothing(crawled: Crawled) -> None:
    before = crawled.articles()
    again = crawled.extract()
    assert (again.pages_seen, again.articles_new, again.articles_updated) == (0, 0, 0)
    assert crawled.articles() == before


def test_reextract_gives_the_same_articles(crawled: Crawled) -> None:
    before = crawled.articles()
    again = crawled.extract(reextract=True)
    assert again.pages_seen > 0
    assert (again.articles_new, again.articles_updated) == (0, 0)
    assert crawled.articles() == before


def test_day2_update_replaces_the_text_and_keeps_the_old_page(crawled: Crawled, sample_web) -> None:
    updated = [a for a in sample_web.key.articles_on(1) if a.day2]
    assert updated
    sample_web.set_day(2)
    crawl(sample_web.sources_path, trigger="test")
    summary = crawled.extract()
    assert summary.articles_updated >= 1
    articles = crawled.articles()
    replaced = 0
    for key in updated:
        row = articles.get(key.url)
        if row is None:
            continue
        versions = crawled.query("select count(*) from news.pages where url = %s and body_zlib is not null", (key.url,))
        if versions[0][0] < 2:
            continue  # not re-fetched on day 2
        assert row[0] == key.day2["title"]
        assert all(p in row[2] for p in key.day2["text"])
        replaced += 1
    assert replaced >= 1
