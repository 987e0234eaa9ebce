"""A page whose only content is navigation (a menu, a footer, link labels, a list of links)
is not an article, with its reason in the flags (`no_prose`, `mostly_links`); a short real
article — a brief of two or three sentences, links in it or not — stays one
(pipeline/clean/quality.py). Through the extract stage into real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline import paths
from pipeline.clean import clean_html
from pipeline.extract import extract_pending
from tests.test_extract_learned import store_pages
from tests.test_hostile_pages import add_source, outcomes

WHEN = datetime(2026, 11, 25, 7, tzinfo=UTC)
SECTIONS = ["Home", "UK News", "World", "Money", "Sport", "Showbiz", "Weather", "Puzzles"]


def page(body: str, title: str = "The Tab", og_type: str = "article") -> str:
    return (f"<!doctype html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='{og_type}'></head><body>{body}</body></html>")


NAVIGATION = {
    "nav-word": page("<nav>Home</nav>"),
    "nav-links": page("<nav>" + " ".join(f"<a href='/{s.lower()}'>{s}</a>" for s in SECTIONS) + "</nav>"),
    "menu-div": page("<div class='top'>" + " | ".join(f"<a href='/{i}'>{s}</a>" for i, s in enumerate(SECTIONS))
                     + "</div>"),
    "menu-words": page("<div>" + " ".join(SECTIONS) + "</div>"),
    "footer": page("<footer><a href='/about'>About us</a> · <a href='/contact'>Contact</a> · "
                   "<a href='/privacy'>Privacy policy</a> · <a href='/terms'>Terms and conditions</a></footer>"),
    # links whose labels read as sentences: only the link density says they are not prose
    "sentence-links": page("<article><div>" + " ".join(
        f"<a href='/news/{i}'>The council voted on plan {i} to close the old bridge.</a>" for i in range(4))
        + "</div></article>"),
    "link-list": page("<main><ul>" + "".join(
        f"<li><a href='/news/{i}'>Police said the man, {20 + i}, was arrested at the scene.</a></li>" for i in range(5))
        + "</ul></main>"),
}
BRIEFS = {
    "two-sentences": page("<article><h1>Ferry halted</h1><p>The Dover ferry was halted on Tuesday after a fire in "
                          "the engine room, the operator said.</p><p>No one was hurt.</p></article>", "Ferry halted"),
    "three-with-links": page(
        "<article><h1>Ferry halted</h1><p>The Dover ferry was halted on Tuesday after a fire in the engine room, "
        "<a href='https://operator.example/'>the operator</a> said.</p><p>No one was hurt.</p>"
        "<p>Crossings resume tomorrow, <a href='/port'>according to the port</a>.</p></article>", "Ferry halted"),
    "one-exclamation": page("<article><h1>Lottery win</h1><p>A cleaner from Hull has won the £2m jackpot, "
                            "and she says she will keep working!</p></article>", "Lottery win"),
    "question-then-quote": page(
        "<article><h1>Who owns the pier?</h1><p>Who owns the pier at Southend, and who pays to fix it?</p>"
        "<p>“We do not know yet,” the council said</p></article>", "Who owns the pier?"),
    # Thai ends a sentence with a space, not a mark
    "thai": page("<article><h1>เรือข้ามฟากหยุด</h1><p>เรือข้ามฟากหยุดให้บริการในวันอังคารหลังเกิดไฟไหม้ในห้องเครื่อง "
                 "ผู้ประกอบการกล่าว ไม่มีผู้ได้รับบาดเจ็บ</p></article>", "เรือข้ามฟากหยุด"),
}


@pytest.mark.parametrize("kind", sorted(NAVIGATION))
def test_navigation_only_pages_are_not_articles(kind: str) -> None:
    cleaned = clean_html(NAVIGATION[kind], "https://tab.example/news/1/x/", None)
    assert not cleaned.is_article, (kind, cleaned.paragraphs)
    assert "not_article" in cleaned.flags


@pytest.mark.parametrize("kind", sorted(BRIEFS))
def test_short_real_articles_stay_articles(kind: str) -> None:
    cleaned = clean_html(BRIEFS[kind], "https://tab.example/news/1/x/", None)
    assert cleaned.is_article, (kind, cleaned.flags, cleaned.paragraphs)
    assert "too_short" in cleaned.flags and "no_prose" not in cleaned.flags and "mostly_links" not in cleaned.flags


def test_navigation_pages_in_the_extract_stage(conn) -> None:  # noqa: ANN001
    add_source(conn)
    pages = {**{f"nav-{k}": v for k, v in NAVIGATION.items()}, **{f"brief-{k}": v for k, v in BRIEFS.items()}}
    store_pages(conn, [("tab", f"https://tab.example/news/{name}", html.encode(), WHEN + timedelta(minutes=i))
                       for i, (name, html) in enumerate(sorted(pages.items()))])
    extract_pending(conn, sources_path=paths.DEFAULT_SOURCES, batch_size=50)
    got = outcomes(conn)
    for name in pages:
        expected = "article" if name.startswith("brief-") else "not_article"
        assert got[f"https://tab.example/news/{name}"][0] == expected, name
    with conn, conn.cursor() as cur:
        cur.execute("select canonical_url, flags from news.articles")
        flags = dict(cur.fetchall())
    # navigation the extractor kept as text says why it is not an article
    for name in ("nav-nav-links", "nav-menu-words", "nav-menu-div"):
        assert "no_prose" in flags[f"https://tab.example/news/{name}"], name
    assert "mostly_links" in flags["https://tab.example/news/nav-sentence-links"]
    with conn, conn.cursor() as cur:
        cur.execute("select count(*) from news.articles where is_article")
        assert cur.fetchone()[0] == len(BRIEFS)


def _listing() -> str:
    """A section front without og:type or JSON-LD: teaser headlines only (the links around them
    are elsewhere)."""
    items = "".join(f"<p>Council votes on bridge plan number {i}</p>" for i in range(12))
    return f"<html lang='en'><head><title>News</title></head><body><main>{items}</main></body></html>"


NOT_ARTICLES = {
    **NAVIGATION,
    "blank": page(""),
    "nothing-extracted": page("<div><img src='/a.png'></div>"),
    "declared-video": page("<article><h1>Watch</h1><p>The ferry fire, filmed by a passenger on deck.</p></article>",
                           og_type="video.other"),
    "listing": _listing(),
    "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "not-html": "just a line of plain text",
}


@pytest.mark.parametrize("kind", sorted(NOT_ARTICLES))
def test_every_page_that_is_not_an_article_says_why(kind: str) -> None:
    from pipeline.clean.quality import NOT_ARTICLE_REASONS

    flags = clean_html(NOT_ARTICLES[kind], "https://tab.example/news/1/x/", None).flags
    assert "not_article" in flags, (kind, flags)
    assert len(NOT_ARTICLE_REASONS.intersection(flags)) == 1, (kind, flags)
