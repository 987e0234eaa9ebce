"""Pages nested deeper than libxml2 builds (256 open elements): the article is extracted
whole, never cut silently; a page the parser still stops on is recorded with the reason
(pipeline/clean/flatten.py, article._parse). Real PostgreSQL through tests/plugins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline import paths
from pipeline.clean import clean_html
from pipeline.clean.flatten import MAX_DEPTH, flatten
from pipeline.extract import extract_pending
from tests.test_extract_learned import store_pages
from tests.test_hostile_pages import add_source, outcomes

WHEN = datetime(2026, 11, 24, 6, tzinfo=UTC)
SENTENCES = [f"Sentence {i} of the report: the harbour board said the ferry ramp needs new steel before "
             f"winter, and crossings stay cancelled until it is fitted." for i in range(8)]


def deep_page(title: str, wrap_open: str, wrap_close: str, depth: int) -> str:
    """An article whose first paragraphs sit inside `depth` wrappers and whose last ones follow
    them (libxml2 halts inside the wrappers: both parts were lost)."""
    inner = "".join(f"<p>{s}</p>" for s in SENTENCES[:6])
    tail = "".join(f"<p>{s}</p>" for s in SENTENCES[6:])
    return (f"<!doctype html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='article'>"
            f"<script type='application/ld+json'>{{\"@type\": \"NewsArticle\", \"headline\": \"{title}\", "
            f"\"datePublished\": \"2026-11-24T05:00:00Z\"}}</script></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>{title}</h1>{wrap_open * depth}{inner}{wrap_close * depth}{tail}</article>"
            f"</body></html>")


KINDS = {
    "divs": ("<div>", "</div>", 3000),                        # wrapped in thousands of <div>
    "sections": ("<section class='w'><div>", "</div></section>", 400),  # two wrappers a level
    "unclosed-font": ("<font size='2'>", "", 1500),           # a template that never closes <font>
    "spans": ("<span class='x'>", "</span>", 700),
    "lists": ("<ul><li>", "</li></ul>", 500),                 # structural tags nested deep
    "just-over": ("<div>", "</div>", 260),
}


@pytest.mark.parametrize("box", [
    "<aside class='related'>" + "<font>" * 600 + "<a href='/x'>Related story</a></aside>",
    "<figure>" + "<span>" * 700 + "<img src='/a.jpg'></figure>",
    "<svg viewBox='0 0 1 1'>" + "<g>" * 1000 + "</svg>",
])
def test_paragraphs_after_a_box_of_unclosed_tags_stay_in_the_article(box: str) -> None:
    """A box holding hundreds of unclosed inline tags, closed by its own end tag: the article
    paragraphs after it are the article's (an end tag looked up only near the top of the stack
    was dropped as stray, and the rest of the article went into the box)."""
    page = deep_page("Ferry ramp needs new steel", "", "", 0).replace(
        f"<p>{SENTENCES[3]}</p>", f"<p>{SENTENCES[3]}</p>{box}")
    cleaned = clean_html(page, None, None)
    for sentence in SENTENCES:
        assert sentence in cleaned.text, sentence


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_deep_pages_keep_the_whole_article(kind: str) -> None:
    wrap_open, wrap_close, depth = KINDS[kind]
    cleaned = clean_html(deep_page("Ferry ramp needs new steel", wrap_open, wrap_close, depth), None, None)
    shallow = clean_html(deep_page("Ferry ramp needs new steel", wrap_open, wrap_close, 3), None, None)
    for sentence in SENTENCES:
        assert sentence in shallow.text and sentence in cleaned.text, (kind, sentence)
    assert "Home" not in cleaned.text  # the <nav> before the article is still read as navigation
    if kind != "lists":  # paragraphs inside list items are one item's text
        assert cleaned.paragraphs == shallow.paragraphs == SENTENCES, kind
    assert cleaned.is_article and cleaned.title == "Ferry ramp needs new steel"
    assert cleaned.published_at == datetime(2026, 11, 24, 5, tzinfo=UTC)


def test_flatten_bounds_depth_and_keeps_paragraphs() -> None:
    from lxml import html as lxml_html

    text = flatten("<html><body>" + "<div><b>" * 20000 + "".join(f"<p>{s}" for s in SENTENCES) + "</body></html>")
    tree = lxml_html.document_fromstring(text)
    deepest = max(sum(1 for _ in el.iterancestors()) for el in tree.iter())
    assert deepest <= MAX_DEPTH + 3 < 256
    assert [p.text_content() for p in tree.iter("p")] == SENTENCES


def test_deep_and_parser_stopping_pages_in_the_extract_stage(conn) -> None:  # noqa: ANN001
    add_source(conn)
    # a single text node past libxml2's 10 MB buffer limit once decoded (cp1252 € is 3 bytes of
    # UTF-8): the parser stops there, so the page is recorded with that reason, not cut
    huge_node = (b"<html><head><title>Huge</title></head><body><p>Intro line.</p><p>"
                 + b"\x80" * (4 * 1024 * 1024) + b"</p><p>After the huge node.</p></body></html>")
    store_pages(conn, [
        ("tab", "https://tab.example/news/deep", deep_page("Deep story", "<div>", "</div>", 5000).encode(), WHEN),
        ("tab", "https://tab.example/news/huge", huge_node, WHEN + timedelta(minutes=1)),
        ("tab", "https://tab.example/news/plain", deep_page("Plain story", "<div>", "</div>", 3).encode(),
         WHEN + timedelta(minutes=2)),
    ])
    extract_pending(conn, sources_path=paths.DEFAULT_SOURCES, batch_size=10)
    got = outcomes(conn)
    assert got["https://tab.example/news/deep"] == ("article", None)
    assert got["https://tab.example/news/plain"] == ("article", None)
    outcome, error = got["https://tab.example/news/huge"]
    assert outcome == "not_article" and error.startswith("the HTML parser stopped: ") and "limit" in error
    with conn, conn.cursor() as cur:
        cur.execute("select canonical_url, text from news.articles where is_article")
        texts = dict(cur.fetchall())
    assert all(s in texts["https://tab.example/news/deep"] for s in SENTENCES)
    assert texts["https://tab.example/news/deep"] == texts["https://tab.example/news/plain"]
