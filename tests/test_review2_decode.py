"""Adversarial review 2 of clean/decode's handling of characters XML cannot hold and of bytes that
are not UTF-8 (pipeline/clean/decode.py). `newscorpus clean FILE` and clean_html on pages written here."""

from __future__ import annotations

import pytest

from pipeline.clean import clean_html, extract_draft, finish
from pipeline.clean.decode import decode_body

_P1 = ("The café owner’s naïve plan to reopen the harbour kiosk was approved by the council on"
       " Tuesday after a long debate about parking, noise and the cost of repairs.")
_P2 = ("Officials said{odd} the work would take six weeks and cost the city about two million,"
       " and that the kiosk would open again before the summer season began.")


def _page(odd: str, charset: str = "<meta charset='utf-8'>") -> str:
    return (f"<html><head>{charset}<title>Kiosk to reopen</title></head><body><article>"
            f"<h1>Kiosk to reopen</h1><p>{_P1}</p><p>{_P2.format(odd=odd)}</p>"
            f"<p>{_P1.replace('Tuesday', 'Monday')}</p></article></body></html>")


@pytest.mark.parametrize("bad", [b"\xed\xa0\x80", b"\xff", b"\xe2\x80"], ids=["surrogate", "ff", "cut"])
@pytest.mark.parametrize("label", ["meta", "header"])
def test_one_bad_byte_in_a_utf8_page_keeps_its_other_characters(bad: bytes, label: str) -> None:
    charset = "<meta charset='utf-8'>" if label == "meta" else ""
    content_type = "text/html; charset=utf-8" if label == "header" else None
    body = _page("@@BAD@@", charset).encode("utf-8").replace(b"@@BAD@@", bad)
    decoded = decode_body(body, content_type)
    assert "café owner’s naïve plan" in decoded.text, decoded.encoding
    # the Content-Type header reaches the cleaner as extract does it (extract_draft); clean_html's third
    # argument is the outlet's boilerplate rules, not a content type
    article = finish(extract_draft(body, "https://news.example/local/kiosk", None, content_type))
    assert "café owner’s naïve plan" in article.text
    assert "Ã" not in article.text and "â€" not in article.text


@pytest.mark.parametrize("ref", ["&#xD800;", "&#55296;", "&#xDFFF;", "&#1114112;", "&#99999999999;", "&#x110000;"])
def test_a_reference_to_no_character_is_dropped(ref: str) -> None:
    article = clean_html(_page(ref).encode("utf-8"), "https://news.example/local/kiosk", None)
    assert "not_article" not in article.flags
    assert "Officials said the work would take six weeks" in article.text, article.text
    assert "\ufffd" not in article.text
