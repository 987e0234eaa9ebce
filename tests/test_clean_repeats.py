"""A paragraph the page prints twice (or three times) in a row is article text printed twice:
the clean text keeps every copy (trafilatura drops a long block equal to the one before it;
article._restore_printed_repeats puts it back on the DOM's evidence). A template's second
rendering of a block (another class) still goes. Real PostgreSQL for the extract stage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline import paths
from pipeline.clean import clean_html
from pipeline.extract import extract_pending
from tests.test_extract_learned import store_pages
from tests.test_hostile_pages import add_source

BODY = [f"Paragraph {i} of the report: the harbour board met on Tuesday and agreed the ramp repairs "
        f"would start in the spring, officials said." for i in range(8)]
REPEAT = "Analysts said the closure reflected deeper problems with the ferry fleet that had built up for years."


def page(paragraphs: list[str], tag: str = "p", cls: str = "body-text") -> str:
    items = "".join(f"<{tag} class='{cls}'>{p}</{tag}>" for p in paragraphs)
    wrapped = f"<ul>{items}</ul>" if tag == "li" else items
    return (f"<!doctype html><html lang='en'><head><title>Ferry fleet</title>"
            f"<meta property='og:type' content='article'></head><body><article><h1>Ferry fleet</h1>"
            f"{wrapped}</article></body></html>")


@pytest.mark.parametrize(("copies", "where"), [(2, 3), (3, 5), (2, 8), (2, 0)])
def test_a_paragraph_printed_again_in_a_row_keeps_its_copies(copies: int, where: int) -> None:
    paragraphs = BODY[:where] + [REPEAT] * copies + BODY[where:]
    cleaned = clean_html(page(paragraphs), "https://tab.example/news/1/x/", None)
    assert cleaned.paragraphs == paragraphs


def test_a_repeat_in_a_row_inside_a_quote_block() -> None:
    html = page(BODY[:4]).replace("</article>", f"<blockquote>{REPEAT}</blockquote><blockquote>{REPEAT}</blockquote>"
                                                f"<p class='body-text'>{BODY[5]}</p></article>")
    cleaned = clean_html(html, "https://tab.example/news/1/x/", None)
    assert cleaned.paragraphs.count(REPEAT) == 2


def test_a_template_printing_a_block_twice_keeps_one() -> None:
    html = page(BODY[:3] + [REPEAT] + BODY[3:]).replace(
        f"<p class='body-text'>{REPEAT}</p>",
        f"<p class='standfirst standfirst--desktop'>{REPEAT}</p><p class='standfirst standfirst--mobile'>{REPEAT}</p>")
    cleaned = clean_html(html, "https://tab.example/news/1/x/", None)
    assert cleaned.paragraphs.count(REPEAT) == 1


def test_the_extract_stage_stores_both_copies(conn) -> None:  # noqa: ANN001
    add_source(conn)
    paragraphs = BODY[:4] + [REPEAT, REPEAT] + BODY[4:]
    store_pages(conn, [("tab", "https://tab.example/news/twice", page(paragraphs).encode(),
                        datetime(2026, 11, 26, 8, tzinfo=UTC))])
    extract_pending(conn, sources_path=paths.DEFAULT_SOURCES)
    with conn, conn.cursor() as cur:
        cur.execute("select text from news.articles")
        (text,) = cur.fetchone()
    assert text.split("\n\n") == paragraphs
