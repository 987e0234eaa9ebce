"""Metadata researchers can trust (issue 13), on pages written here in their own wording:
titles without the site name, bylines as person names + credit, dates with zones and the
page's day/month order, the page's own JSON-LD article, captions, date lines and paywall
stubs out of the corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.clean import clean_html
from pipeline.clean.byline import split_byline
from pipeline.clean.dates import UNCERTAIN, Locale, parse

URL = "https://www.moorlandherald.example/local/2025/07/14/reservoir-levels-fall/"
BODY = "".join(
    f"<p>{text}</p>"
    for text in (
        "Water levels in the three upland reservoirs have fallen to their lowest July mark in a decade, the water company confirmed on Monday.",
        "Engineers said a dry spring followed by a hot start to the summer had left the moorland catchment with little to give.",
        "A hosepipe ban is not planned yet, but customers have been asked to take shorter showers and to water gardens in the evening.",
        "Farmers on the high ground say springs that have never failed in living memory are down to a trickle this week.",
    )
)


def page(head: str = "", body: str = BODY, lang: str = "en", h1: str | None = "Reservoir levels fall") -> str:
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>{head}</head><body><article>{heading}{body}</article></body></html>"


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


# ---- titles ---------------------------------------------------------------------------------

@pytest.mark.parametrize("head", [
    '<meta property="og:title" content="Reservoir levels fall — Moorland Herald"><meta property="og:site_name" content="Moorland Herald">',
    '<title>Reservoir levels fall :: Moorland Herald</title>',
    '<title>Reservoir levels fall | Local | Moorland Herald</title><meta property="og:site_name" content="Moorland Herald">',
    ld({"@type": "ReportageNewsArticle", "headline": "Reservoir levels fall - Moorland Herald",
        "publisher": {"@type": "NewsMediaOrganization", "name": "Moorland Herald"}}),
])
def test_title_loses_the_site_name_and_the_headline_leaves_the_text(head: str) -> None:
    article = clean_html(page(head), URL, None)
    assert article.title == "Reservoir levels fall"
    assert "Reservoir levels fall" not in article.text


def test_a_hyphenated_headline_keeps_its_hyphens() -> None:
    head = '<meta property="og:title" content="Re-run of cross-county race - Moorland Herald"><meta property="og:site_name" content="Moorland Herald">'
    article = clean_html(page(head, h1="Re-run of cross-county race"), URL, None)
    assert article.title == "Re-run of cross-county race"


def test_a_title_whose_last_part_is_not_the_site_is_kept_whole() -> None:
    head = '<meta property="og:title" content="Drought - what it means for you"><meta property="og:site_name" content="Moorland Herald">'
    article = clean_html(page(head, h1="Drought - what it means for you"), URL, None)
    assert article.title == "Drought - what it means for you"


# ---- bylines --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, names, credit", [
    ("By Tomasz Wren and Ada Quill", ["Tomasz Wren", "Ada Quill"], None),
    ("Tomasz Wren, Ada Quill | Reuters", ["Tomasz Wren", "Ada Quill"], "Reuters"),
    ("Tomasz Wren; Ada Quill", ["Tomasz Wren", "Ada Quill"], None),
    ("Words by Tomasz Wren & Ada Quill", ["Tomasz Wren", "Ada Quill"], None),
    ("Tomasz Wren, Ada Quill and Lena Moor", ["Tomasz Wren", "Ada Quill", "Lena Moor"], None),
    ("By Tomasz Wren, Environment Correspondent", ["Tomasz Wren"], None),
    ("Staff and agencies", [], "Staff and agencies"),
    ("Ada Quill and agencies", ["Ada Quill"], "agencies"),
    ("PA Media", [], "PA Media"),
])
def test_byline_shapes_give_the_same_names(raw: str, names: list[str], credit: str | None) -> None:
    found, credits = split_byline(raw)
    assert found == names
    assert (", ".join(credits) or None) == credit


@pytest.mark.parametrize("head", [
    '<meta name="author" content="By Tomasz Wren and Ada Quill | Associated Press">',
    ld({"@type": "NewsArticle", "headline": "Reservoir levels fall",
        "author": [{"@type": "Person", "name": "Tomasz Wren"}, {"@type": "Person", "name": "Ada Quill"},
                   {"@type": "Organization", "name": "Associated Press"}]}),
    ld({"@type": "NewsArticle", "headline": "Reservoir levels fall",
        "author": {"@type": "Person", "name": "By Tomasz Wren and Ada Quill, Associated Press"}}),
])
def test_page_bylines_store_authors_and_credit(head: str) -> None:
    article = clean_html(page(head), URL, None)
    assert article.authors == ["Tomasz Wren", "Ada Quill"]
    assert article.byline == "Tomasz Wren, Ada Quill"
    assert article.credit == "Associated Press"
    assert article.byline_raw


def test_bylines_printed_as_rel_author_links_name_everyone_and_leave_the_text() -> None:
    body = '<p>By <a rel="author" href="/a">Ada Quill</a> and <a rel="author" href="/b">Tomasz Wren</a></p>' + BODY
    article = clean_html(page(body=body), URL, None)
    assert article.authors == ["Ada Quill", "Tomasz Wren"]
    assert "Ada Quill" not in article.text


def test_visible_byline_is_read_when_the_head_names_nobody() -> None:
    body = '<p class="story-byline">By Tomasz Wren and Ada Quill</p>' + BODY
    article = clean_html(page(body=body), URL, None)
    assert article.authors == ["Tomasz Wren", "Ada Quill"]
    assert "Tomasz Wren" not in article.text


# ---- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, tags, expected", [
    ("Mon, 14 Jul 2025 18:30:00 CEST", ("de-DE",), datetime(2025, 7, 14, 16, 30, tzinfo=UTC)),
    ("July 14, 2025 10:30 PM PDT", ("en-US",), datetime(2025, 7, 15, 5, 30, tzinfo=UTC)),
    ("2025-07-14 08:00 BST", ("en-GB",), datetime(2025, 7, 14, 7, 0, tzinfo=UTC)),
    ("04/07/2025 12:00", ("en-GB",), datetime(2025, 7, 4, 12, 0, tzinfo=UTC)),
    ("04/07/2025 12:00", ("en-US",), datetime(2025, 4, 7, 12, 0, tzinfo=UTC)),
    ("25/07/2025 12:00", ("en",), datetime(2025, 7, 25, 12, 0, tzinfo=UTC)),
    ("2025-07-14T09:00:00+0200", (), datetime(2025, 7, 14, 7, 0, tzinfo=UTC)),
])
def test_dates_with_zones_and_page_order(value: str, tags: tuple, expected: datetime) -> None:
    assert parse(value, Locale.from_tags(*tags)).value == expected


@pytest.mark.parametrize("value, tags", [
    ("14 Jul 2025 09:00 QQT", ("en-GB",)),   # an abbreviation nobody knows
    ("14 Jul 2025 09:00 IST", ("en",)),      # India, Ireland or Israel: the page does not say
    ("04/07/2025 12:00", ("en",)),            # 4 July or 7 April: no country
])
def test_dates_that_cannot_be_placed_are_null_and_flagged(value: str, tags: tuple) -> None:
    result = parse(value, Locale.from_tags(*tags))
    assert result.value is None and result.problem == UNCERTAIN
    article = clean_html(page(f'<meta name="date" content="{value}">', lang=tags[0]),
                         "https://www.moorlandherald.example/local/reservoir-levels-fall-991/", None)
    assert article.published_at is None
    assert UNCERTAIN in article.flags


def test_the_article_time_labelled_published_wins_over_masthead_sidebar_and_updated() -> None:
    body = ('<div class="dates"><span>Last updated <time datetime="2025-07-15T11:00:00Z">15 July</time></span> '
            '<span>First posted <time datetime="2025-07-14T06:45:00Z">14 July 2025</time></span></div>' + BODY)
    html = ("<!doctype html><html lang='en-GB'><head></head><body>"
            "<div class='site-header'><time datetime='2025-07-16'>Wednesday 16 July</time></div>"
            "<div class='rail'><ul><li><a href='/x'>Other</a><time datetime='2025-07-16T08:00:00Z'>08:00</time></li></ul></div>"
            f"<article><h1>Reservoir levels fall</h1>{body}</article></body></html>")
    article = clean_html(html, "https://www.moorlandherald.example/local/reservoir-levels-fall-991/", None)
    assert article.published_at == datetime(2025, 7, 14, 6, 45, tzinfo=UTC)
    assert "Last updated" not in article.text and "First posted" not in article.text


def test_itemprop_date_published_on_a_time_element() -> None:
    body = ('<p>Posted by the news desk</p><time itemprop="dateModified" datetime="2025-07-15T10:00:00Z">15 July</time>'
            '<time itemprop="datePublished" datetime="2025-07-14T05:00:00Z">14 July</time>' + BODY)
    article = clean_html(page(body=body), "https://www.moorlandherald.example/local/reservoir-levels-fall-991/", None)
    assert article.published_at == datetime(2025, 7, 14, 5, 0, tzinfo=UTC)
    assert article.modified_at == datetime(2025, 7, 15, 10, 0, tzinfo=UTC)


# ---- JSON-LD --------------------------------------------------------------------------------

def test_graph_references_resolve_and_the_page_own_article_is_chosen() -> None:
    other = ld({"@type": "NewsArticle", "headline": "Where to swim this summer", "datePublished": "2024-06-01T06:00:00Z",
                "author": {"@type": "Person", "name": "Hal Brook"}, "url": "https://www.moorlandherald.example/leisure/swim/"})
    own = ld({"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "https://www.moorlandherald.example/#org", "name": "Moorland Herald"},
        {"@type": "Person", "@id": "https://www.moorlandherald.example/#p/7", "name": "Ada Quill"},
        {"@type": "NewsArticle", "@id": URL + "#story", "headline": "Reservoir levels fall",
         "datePublished": "2025-07-14T07:10:00+01:00", "author": {"@id": "https://www.moorlandherald.example/#p/7"},
         "publisher": {"@id": "https://www.moorlandherald.example/#org"}},
    ]})
    article = clean_html(page(other + own), URL, None)
    assert article.title == "Reservoir levels fall"
    assert article.authors == ["Ada Quill"]
    assert article.site_name == "Moorland Herald"
    assert article.published_at == datetime(2025, 7, 14, 6, 10, tzinfo=UTC)


# ---- captions ---------------------------------------------------------------------------------

def test_caption_lines_next_to_media_are_not_text() -> None:
    body = (
        "<p>Water levels in the three upland reservoirs have fallen to their lowest July mark in a decade, the water company said.</p>"
        "<figure><picture><img src='/a.jpg'></picture><div class='pic-info'>Cracked mud at the dam wall, Monday</div></figure>"
        "<p>Engineers said a dry spring followed by a hot start to the summer had left the catchment with little to give.</p>"
        "<div class='embed'><iframe src='/player/1'></iframe></div><p><i>Watch: the dam from the air</i></p>"
        "<p>A hosepipe ban is not planned yet, but customers have been asked to take shorter showers this month.</p>"
        "<p><img src='/b.jpg'></p><p>Sheep shelter by a dry stream bed. Picture: Moor Lens Agency</p>"
        "<p>Farmers on the high ground say springs that have never failed in living memory are down to a trickle.</p>"
    )
    article = clean_html(page(body=body), URL, None)
    for caption in ("Cracked mud", "Watch: the dam", "Sheep shelter", "Moor Lens"):
        assert caption not in article.text
    assert len(article.paragraphs) == 4


# ---- paywall stubs ------------------------------------------------------------------------------

TEASER = ("<p>Water levels in the three upland reservoirs have fallen to their lowest July mark in a decade, "
          "the water company confirmed on Monday after weeks of</p>")


@pytest.mark.parametrize("head, tail", [
    ("", "<div class='regwall-overlay'><h4>Keep reading with a free account</h4><p>Register to unlock this article.</p></div>"),
    ("", "<div class='story-end'><p>Sign in or start a subscription to read the rest of this article.</p></div>"),
    (ld({"@type": "NewsArticle", "headline": "Reservoir levels fall", "isAccessibleForFree": "False"}), ""),
    ("", "<section><p>Become a supporter today and continue reading with unlimited access.</p></section>"),
])
def test_paywall_stubs_are_flagged_and_kept_out(head: str, tail: str) -> None:
    article = clean_html(page(head, body=TEASER + tail), URL, None)
    assert "paywalled_stub" in article.flags
    assert not article.is_article
    assert article.paywalled
    for prompt in ("Register to unlock", "start a subscription", "free account", "Become a supporter"):
        assert prompt not in article.text


def test_a_full_article_is_not_a_stub() -> None:
    article = clean_html(page(body=BODY), URL, None)
    assert "paywalled_stub" not in article.flags and article.is_article


# ---- storage: a later stub never replaces the full article; new fields reach the views ---------

def test_a_later_paywall_stub_keeps_the_full_article_and_the_view_shows_the_new_fields(conn) -> None:  # noqa: ANN001
    from datetime import timedelta

    from pipeline.extract import extract_pending
    from tests.test_extract_learned import store_pages
    from tests.test_extract_versions import URL as TAB_URL, WHEN, add_source

    head = ('<meta property="article:published_time" content="2026-11-22T09:00:00Z">'
            + ld({"@type": "NewsArticle", "headline": "Reservoir levels fall", "url": TAB_URL,
                  "dateModified": "2026-11-22T11:00:00Z",
                  "author": [{"@type": "Person", "name": "Ada Quill"}, {"@type": "Organization", "name": "Reuters"}],
                  "publisher": {"@type": "Organization", "name": "The Tab"}}))
    full = page(head, body=BODY * 2).encode()
    stub = page(head, body=TEASER + "<div class='paywall'><p>Subscribe to continue reading.</p></div>").encode()
    add_source(conn)
    store_pages(conn, [("tab", TAB_URL, full, WHEN)])
    extract_pending(conn)
    store_pages(conn, [("tab", TAB_URL, stub, WHEN + timedelta(hours=2))])
    extract_pending(conn)
    with conn, conn.cursor() as cur:
        cur.execute("select title, authors, credit, modified_at, site_name, flags, paywalled, word_count "
                    "from news.all_articles where url = %s", (TAB_URL,))
        title, authors, credit, modified, site, flags, paywalled, words = cur.fetchone()
    assert (title, authors, credit, site) == ("Reservoir levels fall", ["Ada Quill"], "Reuters", "The Tab")
    assert modified == datetime(2026, 11, 22, 11, tzinfo=UTC)
    assert "paywalled_stub" not in flags and paywalled is False and words > 80
