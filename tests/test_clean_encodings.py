"""UTF-16 and UTF-32 pages, as real servers send them: with or without a byte order mark,
the charset in the Content-Type header, in a <meta> (written in the wide form itself) or
nowhere. Crawled by real Scrapy over loopback HTTP, extracted into real PostgreSQL; a truly
binary body served as text/html stays refused with its reason (pipeline/clean/decode.py)."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from pipeline.backfill.records import not_html
from pipeline.clean import clean_html, extract_draft, finish
from pipeline.clean.decode import decode_body
from pipeline.crawl import crawl
from pipeline.extract import extract_pending
from tests.plugins.database import query
from tests.test_crawl_revisions import TinyWeb, _urlset

# (path, how the body is encoded, Content-Type, whether the page names its charset in a <meta>)
VARIANTS = [
    ("/news/1.html", "utf-16", "text/html", False),                       # BOM, no label
    ("/news/9.html", "utf-8+nul", "text/html", False),                    # UTF-8 with a stray NUL
    ("/news/10.html", "utf-16-le+zh", "text/html", False),                # no BOM, no label, Chinese
    ("/news/2.html", "utf-16-le", "text/html; charset=utf-16", False),    # no BOM, header label
    ("/news/3.html", "utf-16-be", "text/html", True),                     # no BOM, <meta> only
    ("/news/4.html", "utf-32", "text/html; charset=UTF-32", False),       # BOM, header label
    ("/news/5.html", "utf-32-le", "text/html", True),                     # no BOM, <meta> only
    ("/news/6.html", "utf-32-be", "text/html", False),                    # no BOM, no label at all
    ("/news/7.html", "utf-16-le", "text/html; charset=utf-16le", True),   # no BOM, both labels
]


def story(n: int, meta_charset: str | None) -> tuple[str, str]:
    """A page of story n with non-ASCII text (accents, curly quotes, CJK), and its key sentence."""
    key = f"Café owner’s naïve plan number {n} for the 渡轮 terminal was approved on Tuesday."
    paragraphs = "".join(
        f"<p>{key if i == 0 else ''} Paragraph {i} of story {n}: the council said the crossing would stay "
        f"shut for weeks while engineers inspected the ramp, and residents were told to use the bus.</p>"
        for i in range(6))
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    html = (f"<!doctype html><html lang='en'><head>{meta}<title>Ferry story {n}</title>"
            f"<meta property='og:type' content='article'></head><body><article><h1>Ferry story {n}</h1>"
            f"{paragraphs}</article></body></html>")
    return html, key


@pytest.fixture
def web() -> Iterator[TinyWeb]:
    tiny = TinyWeb()
    threading.Thread(target=tiny.server.serve_forever, daemon=True).start()
    yield tiny
    tiny.server.shutdown()
    tiny.server.server_close()


def test_utf16_and_utf32_pages_are_crawled_and_extracted(database_url: str, web: TinyWeb, tmp_path: Path) -> None:
    keys = {}
    for n, (path, codec, content_type, meta) in enumerate(VARIANTS, start=1):
        if codec == "utf-8+nul":
            html, keys[path] = story(n, None)
            web.documents[path] = (content_type, with_stray_nul(html.encode()))
        elif codec == "utf-16-le+zh":
            html, keys[path] = chinese_story(n)
            web.documents[path] = (content_type, html.encode("utf-16-le"))
        else:
            html, keys[path] = story(n, codec.replace("-le", "").replace("-be", "") if meta else None)
            web.documents[path] = (content_type, html.encode(codec))
    web.documents["/news/8.html"] = ("text/html", binary_body(6000))  # binary served as HTML: refused as before
    web.put("/sitemap.xml", _urlset(web, *[v[0] for v in VARIANTS], "/news/8.html"))
    sources = web.sources(tmp_path, ["/sitemap.xml"])
    summary = crawl(sources, trigger="test")
    assert summary.status == "succeeded", summary.error
    errors = dict(query(database_url, "select url, error from news.pages"))
    assert {u: e for u, e in errors.items() if e} == {
        f"{web.base}/news/8.html": "not HTML: binary content served as text/html"}
    conn = psycopg2.connect(database_url)
    try:
        extract_pending(conn, sources)
    finally:
        conn.close()
    rows = query(database_url, "select p.url, a.text, a.title, a.is_article from news.articles as a "
                               "join news.pages as p using (page_id)")
    got = {url.removeprefix(web.base): (text, title, is_article) for url, text, title, is_article in rows}
    assert set(got) == {v[0] for v in VARIANTS}
    for n, (path, *_rest) in enumerate(VARIANTS, start=1):
        text, title, is_article = got[path]
        assert keys[path] in text and "\x00" not in text, path
        assert title in (f"Ferry story {n}", f"渡轮报道{n}") and is_article, path


def with_stray_nul(body: bytes, at: int = 300) -> bytes:
    """A text page with one NUL byte in its head (a CMS bug, a pasted byte)."""
    return body[:at] + b"\x00" + body[at:]


# pages almost all in their own script: the ASCII of their tags is a small share of the bytes,
# so their UTF-16 form has few NULs (a CJK character's two bytes are rarely 00)
SCRIPT_TEXT = {
    "zh": "渡轮公司周二表示，由于机舱起火，多佛的渡轮已暂停运营。公司发言人说，船上没有人受伤，乘客已被安排改乘其他航班。",
    "ja": "フェリー会社は火曜日、機関室で火災が発生したため運航を停止したと発表した。けが人はおらず、乗客は別の便に振り替えられた。",
    "ko": "페리 회사는 화요일 기관실에서 화재가 발생해 운항을 중단했다고 밝혔다. 다친 사람은 없었고 승객들은 다른 배로 옮겨졌다.",
    "ar": "قالت شركة العبارات يوم الثلاثاء إن الخدمة توقفت بعد اندلاع حريق في غرفة المحركات، ولم يصب أحد بأذى.",
    "hi": "फेरी कंपनी ने मंगलवार को कहा कि इंजन कक्ष में आग लगने के बाद सेवा रोक दी गई। कोई घायल नहीं हुआ।",
    "th": "บริษัทเรือข้ามฟากกล่าวเมื่อวันอังคารว่าได้หยุดให้บริการหลังเกิดไฟไหม้ในห้องเครื่อง ไม่มีผู้ได้รับบาดเจ็บ",
    "ru": "Паромная компания во вторник заявила, что движение остановлено после пожара в машинном отделении.",
}


def chinese_story(n: int) -> tuple[str, str]:
    return script_page("zh", f"渡轮报道{n}", SCRIPT_TEXT["zh"]), SCRIPT_TEXT["zh"]


def script_page(lang: str, title: str, sentence: str) -> str:
    body = "".join(f"<p>{sentence}</p>" for _ in range(12))
    return (f"<html lang='{lang}'><head><title>{title}</title><meta property='og:type' content='article'>"
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("lang", sorted(SCRIPT_TEXT))
def test_bomless_utf16_is_recognised_in_any_script(lang: str, codec: str) -> None:
    html = script_page(lang, "Ferry", SCRIPT_TEXT[lang])
    body = html.encode(codec)
    decoded = decode_body(body)
    assert decoded.refused is None and decoded.encoding == codec and decoded.text == html
    assert SCRIPT_TEXT[lang] in clean_html(body, None, None).paragraphs
    assert not_html("text/html", body) is None


@pytest.mark.parametrize("shift", [0, 1, 2, 3])   # every alignment of a 2- and 4-byte code unit
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_a_stray_nul_does_not_make_a_text_page_binary(encoding: str, shift: int) -> None:
    html, key = story(1, encoding)
    raw = html.encode(encoding, "replace")
    body = with_stray_nul(raw, raw.index(b"<p>") + 1 + shift)  # `<`+NUL also reads as UTF-16's "<"
    decoded = decode_body(body)
    assert decoded.refused is None and decoded.encoding == encoding and "\x00" not in decoded.text
    cleaned = clean_html(body, None, None)
    assert cleaned.is_article and "\x00" not in cleaned.text
    assert any(key.encode(encoding, "replace").decode(encoding) in p for p in cleaned.paragraphs)
    assert not_html("text/html", body) is None  # the WARC backfill keeps it too


@pytest.mark.parametrize("body", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
    __import__("gzip").compress(b"<html><body><p>The council said the bridge would stay shut.</p></body></html>" * 50),
    b"%PDF-1.7\n" + bytes(range(256)) * 20,
    b"PK\x03\x04" + bytes(range(256)) * 20,
    # markup, but NULs far beyond a stray one: a binary file with text inside
    b"<html><body>" + (b"\x00\x00\x00\x01record\x00" * 400),
])
def test_binary_files_stay_refused(body: bytes) -> None:
    assert decode_body(body).refused
    assert not clean_html(body, "https://tab.example/x", None).is_article


def binary_body(size: int) -> bytes:
    """Seeded random bytes: NULs where no UTF-16/32 layout has them (a stand-in for a binary file)."""
    rng = random.Random(5)
    return bytes(rng.randrange(256) for _ in range(size))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_wide_forms_decode_and_clean(codec: str) -> None:
    html, key = story(1, None)
    body = html.encode(codec)
    decoded = decode_body(body)
    assert decoded.refused is None and decoded.text == html
    assert key in clean_html(body, None, None).text
    assert not_html("text/html", body) is None  # the WARC backfill keeps it as a page too


@pytest.mark.parametrize("body", [
    b"\x00" * 5000,                                          # a blank disk block
    bytes(range(256)) * 40,                                  # NULs at every 256th byte
    b"\xff\xfe" + bytes(range(256)) * 20,                    # a UTF-16 BOM on binary data
    b"\xff\xfe\x00\x00" + os.urandom(4000),                  # a UTF-32 BOM on random data
    "\x01\x02\x03\x04<\x05\x06\x07".encode("utf-16-le") * 300,  # wide, but control codes
])
def test_binary_with_nul_bytes_stays_refused(body: bytes) -> None:
    decoded = decode_body(body)
    assert decoded.text is None and decoded.refused
    cleaned = clean_html(body, "https://tab.example/x", None)
    assert not cleaned.is_article and cleaned.text == ""
    assert not_html("text/html", body) == "binary content"


def test_a_wide_label_on_ascii_compatible_bytes_is_ignored() -> None:
    """`<meta charset="utf-16">` on a cp1252 page: the bytes have no UTF-16 layout, so the
    label is wrong (browsers ignore it too); decoding as UTF-16 gave CJK-looking garbage."""
    html = "<html><head><meta charset='utf-16'></head><body><p>Café owner’s naïve plan</p></body></html>"
    for label in (None, "text/html; charset=utf-16", "text/html; charset=UTF-32LE"):
        decoded = decode_body(html.encode("cp1252"), label)
        assert decoded.text == html, label


_LATIN = "<p>Café owner’s naïve plan for the “old” harbour kiosk was approved on Tuesday.</p>" * 4


@pytest.mark.parametrize("label", [None, "text/html; charset=utf-8", "text/html; charset=x-unknown-charset"])
def test_a_utf8_page_with_a_bad_sequence_is_utf8(label: str | None) -> None:
    """A UTF-8 page with a few bad sequences (declared UTF-8 or not declared usably) is UTF-8:
    the bad sequences become U+FFFD, every other character is kept (decode.utf8_majority)."""
    html = f"<html><head><title>Kiosk</title></head><body>{_LATIN}</body></html>"
    body = html.encode("utf-8").replace(b"Tuesday", b"Tues\xffday", 2).replace(b"kiosk", b"kiosk\xe2\x80", 1)
    decoded = decode_body(body, label)
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("Tues\ufffdday") == 2 and "kiosk\ufffd" in decoded.text
    assert decoded.text.replace("\ufffd", "") == html


@pytest.mark.parametrize("label", [None, "text/html; charset=utf-8", "text/html; charset=UTF8"])
def test_a_cp1252_page_labelled_utf8_is_still_cp1252(label: str | None) -> None:
    """Really cp1252, labelled UTF-8 (or not at all), with an accidental valid UTF-8 pair ("Â»",
    bytes C2 BB): its invalid sequences outnumber its valid ones, so it is read as cp1252."""
    html = f"<html><head><meta charset='utf-8'></head><body>{_LATIN}<p>Next Â» page</p></body></html>"
    decoded = decode_body(html.encode("cp1252"), label)
    assert (decoded.encoding, decoded.text) == ("cp1252", html)


def test_a_declared_legacy_charset_is_honoured_on_mostly_utf8_bytes() -> None:
    """A page declared ISO-8859-1 that is not strictly UTF-8 keeps its label: only a UTF-8 label
    or none lets the majority rule read it as UTF-8 (legacy multi-byte charsets, EUC or
    Shift_JIS, form valid UTF-8 pairs by accident, so the rule does not second-guess them).
    The label is read as browsers read it: ISO-8859-1 means windows-1252 (WHATWG)."""
    body = f"<html><body>{_LATIN}</body></html>".encode("utf-8") + b"\xff"
    decoded = decode_body(body, "text/html; charset=iso-8859-1")
    assert decoded.encoding == "cp1252" and decoded.text == body.decode("cp1252", "replace")


_QUOTED = b"<p>\x93Caf\xe9\x94 owners \x91agree\x92 on the harbour kiosk plan, the council said on Tuesday.</p>"


@pytest.mark.parametrize("label", ["us-ascii", "ascii", "iso-8859-1", "ISO_8859-1", "latin1", "l1", "windows-1252"])
@pytest.mark.parametrize("where", ["header", "meta"])
def test_latin1_and_ascii_labels_are_read_as_windows_1252(label: str, where: str) -> None:
    """The WHATWG Encoding Standard gives us-ascii, iso-8859-1, latin1 and the other labels of
    its windows-1252 entry one decoder, windows-1252, and so do browsers: templates label cp1252
    text with them. Taken as Python's codecs, a us-ascii page lost every byte over 0x7F to
    U+FFFD and an iso-8859-1 page its curly quotes (0x91-0x94 are C1 controls in Latin-1, then
    dropped from the text)."""
    meta = f"<meta charset='{label}'>".encode() if where == "meta" else b""
    body = b"<html><head><title>Kiosk</title>" + meta + b"</head><body>" + _QUOTED * 3 + b"</body></html>"
    content_type = f"text/html; charset={label}" if where == "header" else "text/html"
    decoded = decode_body(body, content_type)
    assert decoded.encoding == "cp1252"
    assert decoded.text.count("“Café” owners ‘agree’") == 3 and "\ufffd" not in decoded.text
    cleaned = finish(extract_draft(body, None, None, content_type))
    assert "“Café” owners ‘agree’ on the harbour kiosk plan" in cleaned.text
