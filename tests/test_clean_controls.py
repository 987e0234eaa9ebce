"""Characters XML cannot hold in a page (C0 controls but TAB/LF/CR, U+FFFE, U+FFFF), raw or
as numeric character references: lxml refuses them in text, and trafilatura then extracted
nothing — one ESC in a paragraph made the page `no_text, not_article` with 0 words. They are
dropped (whitespace-like ones become a space) when the body is decoded (pipeline/clean/decode.py)."""

from __future__ import annotations

import lxml.html
import pytest

from pipeline.clean import clean_html
from pipeline.clean.decode import decode_body

_BODY = ("The council voted on Tuesday to close the old harbour bridge for repairs after engineers "
         "found cracks in two of its supports during a routine inspection last month.")
# every code point XML 1.0 has no room for, but the lone surrogates (a str only)
NOT_XML = [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + [0xFFFE, 0xFFFF]


def _page(odd: str) -> str:
    return (f"<html><head><title>Bridge closed for repairs</title></head><body><article>"
            f"<h1>Bridge closed for repairs</h1><p>{_BODY}</p>"
            f"<p>Officials said{odd} the work would take six weeks and cost the city about two million.</p>"
            f"<p>{_BODY.replace('Tuesday', 'Monday')}</p></article></body></html>")


def _forms(code: int) -> list[str]:
    return [chr(code), f"&#{code};", f"&#x{code:x};", f"&#X{code:04X};", f"&#00{code}"]


@pytest.mark.parametrize("code", NOT_XML, ids=hex)
def test_an_article_with_a_character_xml_cannot_hold_keeps_its_text(code: int) -> None:
    for odd in _forms(code):
        for body in (_page(odd), _page(odd).encode("utf-8")):
            article = clean_html(body, "https://news.example/local/bridge-closed", None)
            assert "not_article" not in article.flags, (odd, article.flags)
            assert "Officials said the work would take six weeks" in article.text, odd
            assert article.word_count > 60
            assert not any(ord(c) < 0x20 and c not in "\t\n\r" for c in article.text)


def test_only_those_characters_go() -> None:
    """Legal references (TAB, LF, CR, an apostrophe, a character whose number starts like a
    control's) and legal characters stay as the page wrote them."""
    text = "<p>a&#9;b&#10;c&#13;d&#39;e&#270;f&#x1b0;g&#x10;&#31;h\x7fi\x85j\x1bk\x0bl</p>"
    assert decode_body(text).text == "<p>a&#9;b&#10;c&#13;d&#39;e&#270;f&#x1b0;g h\x7fi\x85jk l</p>"
    assert decode_body(text.encode("utf-8")).text == decode_body(text).text
    assert decode_body("<p>a\ud800b</p>").text == "<p>ab</p>"


def test_a_dropped_reference_does_not_leave_a_new_one() -> None:
    """Dropping `&#1;` from `&&#1;#27;` joins `&` and `#27;` into an ESC reference: it is written
    as text (`&amp;#27;`), never read as the character."""
    assert decode_body("<p>a&&#1;#27;b&&#xD800;#x1b;c&#8217;d</p>").text == \
        "<p>a&amp;#27;b&amp;#x1b;c&#8217;d</p>"


@pytest.mark.parametrize("levels", [2, 100_000])
def test_references_nested_in_each_other_leave_no_control_character(levels: int) -> None:
    """`&&&#1;#1;#1;`: each dropped reference makes the next; dropping level by level was one
    pass over the page per level (quadratic). Two passes now, and the page parses to text
    without a control character."""
    page = "<p>a" + "&" * levels + "&#1;" + "#1;" * (levels - 1) + "b</p>"
    decoded = decode_body(page).text
    assert "&#" not in decoded  # the one reference left is written as text: &amp;#1;
    text = lxml.html.fromstring(decoded).text_content()
    assert text.startswith("a") and text.endswith("b") and "\x01" not in text


def test_a_reference_of_many_digits_is_no_character() -> None:
    """Thousands of digits (past int()'s conversion limit) name no character: dropped, no error;
    zeros padding a real character's number keep it."""
    assert decode_body(f"<p>a&#{'9' * 5000};b&#x{'f' * 5000};c&#{'0' * 40}8217;d</p>").text == \
        f"<p>abc&#{'0' * 40}8217;d</p>"


def test_a_warc_backfill_keeps_the_articles(database_url: str, tmp_path) -> None:
    """End to end: response records in a .warc.gz, backfilled into real PostgreSQL."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from pipeline.backfill.run import backfill
    from tests.plugins.database import query

    odd = {"raw": "\x1b", "hex": "&#x1b;", "dec": "&#1;", "nonchar": "&#xFFFF;"}
    path = tmp_path / "controls.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        for name, char in odd.items():
            body = _page(char).replace("Bridge closed", f"Bridge {name} closed").encode("utf-8")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"http://127.0.0.1/news/{name}.html", "response", payload=io.BytesIO(body), length=len(body),
                http_headers=http))
    backfill([str(path)], all_hosts=True, workers=1, out=None)
    rows = query(database_url, "select title, is_article, text from news.articles order by title")
    assert len(rows) == len(odd)
    for title, is_article, text in rows:
        assert is_article, title
        assert "Officials said the work would take six weeks" in text, title
