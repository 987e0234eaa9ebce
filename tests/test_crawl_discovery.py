"""Feed and sitemap parsing (spiders/discovery.py) on real files and hostile ones, and URL
normalisation. The real files are read by path from ../shared/realfeeds and skipped when absent."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pipeline import urls
from spiders import discovery

REALFEEDS = Path(__file__).resolve().parents[2] / "shared" / "realfeeds"
# manifest kinds whose counts a crawler should reproduce exactly ("text" in the manifest is a
# loose guess of its own: sitemap.ns.xml is a namespaced urlset with 2 URLs)
COUNTED_KINDS = {"rss", "atom", "urlset", "sitemapindex", "jsonfeed"}


def _manifest() -> list[dict]:
    path = REALFEEDS / "manifest.json"
    if not path.exists():
        return []
    return json.loads(path.read_text())


@pytest.mark.skipif(not (REALFEEDS / "manifest.json").exists(), reason="../shared/realfeeds not present")
@pytest.mark.parametrize("entry", _manifest(), ids=lambda e: e["file"])
def test_real_feeds_and_sitemaps_parse_to_the_manifest_counts(entry: dict) -> None:
    document = discovery.parse((REALFEEDS / entry["file"]).read_bytes())
    found = len(document.entries) + len(document.sitemaps)
    if entry["kind"] in COUNTED_KINDS:
        kind = {"rdf": "rss"}.get(document.kind, document.kind)
        assert kind == entry["kind"]
        assert found == entry["items"]
    else:
        assert found >= 1
    assert all(e.url.startswith(("http://", "https://")) for e in document.entries + document.sitemaps)


@pytest.mark.skipif(not (REALFEEDS / "manifest.json").exists(), reason="../shared/realfeeds not present")
def test_google_news_sitemap_publication_dates_are_read() -> None:
    document = discovery.parse((REALFEEDS / "crawler-commons/sitemaps/extension/sitemap-news.xml").read_bytes())
    assert document.entries and all(e.lastmod is not None and e.lastmod.tzinfo for e in document.entries)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><item><title>&lol3;</title><link>http://a.example/1</link></item></channel></rss>"""


def test_entity_declarations_are_refused_not_expanded() -> None:
    with pytest.raises(discovery.DiscoveryError, match="entities"):
        discovery.parse(BILLION_LAUGHS)


def test_malformed_feed_is_reported_and_salvaged() -> None:
    document = discovery.parse(b"<rss><channel><item><link>http://a.example/1</link></item><item><link>http://a.ex")
    assert document.warning and "malformed" in document.warning
    assert [e.url for e in document.entries][:1] == ["http://a.example/1"]


def test_gzip_sitemap_and_truncated_gzip() -> None:
    xml = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a.example/1</loc>'
           b"<lastmod>2026-11-22</lastmod></url></urlset>")
    packed = gzip.compress(xml)
    assert [e.url for e in discovery.parse(packed).entries] == ["http://a.example/1"]
    with pytest.raises(discovery.DiscoveryError, match="gzip"):
        discovery.parse(packed[: len(packed) // 2])


def test_atom_and_rss_dates() -> None:
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="http://a.example/2"/>'
            b"<updated>2026-11-22T10:00:00+01:00</updated></entry></feed>")
    (entry,) = discovery.parse(atom).entries
    assert entry.url == "http://a.example/2" and entry.lastmod.isoformat() == "2026-11-22T09:00:00+00:00"
    rss = b"<rss><channel><item><link>http://a.example/3</link><pubDate>Sun, 22 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>"
    (entry,) = discovery.parse(rss).entries
    assert entry.lastmod.isoformat() == "2026-11-22T10:00:00+00:00"


def test_not_a_feed_is_an_error() -> None:
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse(b"<html><body>hello</body></html>")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://WWW.Example.com/news/1/a/?utm_source=rss&utm_medium=feed#comments", "https://www.example.com/news/1/a/"),
        ("https://www.example.com/news/1/a/?fbclid=X&gclid=Y", "https://www.example.com/news/1/a/"),
        ("https://www.example.com/a.html?ico=mosaic_politics&page=2", "https://www.example.com/a.html?page=2"),
        ("http://127.0.1.3:8000/news/Mixed-Case-Path.html", "http://127.0.1.3:8000/news/Mixed-Case-Path.html"),
    ],
)
def test_urls_are_normalised(raw: str, expected: str) -> None:
    assert urls.normalise(raw) == expected


def test_an_out_of_range_date_loses_only_that_date() -> None:
    xml = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           b"<url><loc>http://a.example/1</loc><lastmod>0001-01-01T00:00:00+01:00</lastmod></url>"
           b"<url><loc>http://a.example/2</loc><lastmod>9999-12-31T23:00:00-05:00</lastmod></url>"
           b"<url><loc>http://a.example/3</loc><lastmod>2026-11-22</lastmod></url></urlset>")
    entries = discovery.parse(xml).entries
    assert [e.url for e in entries] == ["http://a.example/1", "http://a.example/2", "http://a.example/3"]
    assert entries[0].lastmod is None and entries[1].lastmod is None
    assert entries[2].lastmod.isoformat() == "2026-11-22T00:00:00+00:00"
    rss = b"<rss><channel><item><link>http://a.example/4</link><pubDate>Fri, 31 Dec 9999 23:00:00 -0500</pubDate></item></channel></rss>"
    assert [(e.url, e.lastmod) for e in discovery.parse(rss).entries] == [("http://a.example/4", None)]


# ---------------------------------------------------------------- what one item must not cost the rest

_RSS = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        "<item><title>Ferry{odd} resumes</title><description>Boats{odd} run</description>"
        "<link>http://a.example/news/1{odd}</link></item>"
        "<item><title>Bridge shut</title><link>http://a.example/news/2</link></item></channel></rss>")


@pytest.mark.parametrize("odd", ["&#xD800;", "&#xdfff;", "&#56320;", "&#1114112;", "&#x110000;",
                                 "&#99999999999;", f"&#{'9' * 5000};", "&#x1b;", "&#0;", "&#xFFFE;"])
def test_a_reference_to_no_character_or_one_xml_cannot_hold_costs_no_item(odd: str) -> None:
    """Such references are dropped before lxml and feedparser read the feed (feedparser raised
    UnicodeEncodeError, ValueError or OverflowError on them): every item is read, no warning."""
    document = discovery.parse(_RSS.format(odd=odd).encode(), "http://a.example/feed.xml")
    assert [e.url for e in document.entries] == ["http://a.example/news/1", "http://a.example/news/2"]
    assert document.warning is None
    sitemap = f"<urlset><url><loc>http://a.example/news/1{odd}</loc></url></urlset>".encode()
    assert [e.url for e in discovery.parse(sitemap).entries] == ["http://a.example/news/1"]


def test_a_reference_to_a_character_stays() -> None:
    document = discovery.parse(_RSS.format(odd="&#8217;&#x26;").encode(), "http://a.example/feed.xml")
    assert [e.url for e in document.entries] == ["http://a.example/news/1’&", "http://a.example/news/2"]


def test_a_utf16_feed_no_longer_hides_a_bad_reference_from_the_clean_up() -> None:
    """A BOM-less UTF-16 feed hid its `&#xD800;` from the byte-level clean-up (which reads
    ASCII-compatible bytes) and feedparser raised on it: lxml's items were used with a warning.
    Wide documents are now read as UTF-8 first (`discovery.as_utf8`), so the reference is dropped
    as in any feed and feedparser reads every item (relative links resolved), no warning."""
    feed = ('<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><item><title>a&#xD800;b</title>'
            '<link>/news/1</link></item><item><link>http://a.example/news/2</link></item></channel></rss>')
    document = discovery.parse(feed.encode("utf-16-le"), "http://a.example/feed.xml")
    assert [e.url for e in document.entries] == ["http://a.example/news/1", "http://a.example/news/2"]
    assert document.warning is None


def test_a_feed_feedparser_fails_on_keeps_lxmls_items_and_says_so() -> None:
    """feedparser raises ValueError on a GeoRSS GML point whose srsName is not `EPSG:<number>`
    (its `int(srs_name.split(":")[-1])`): lxml's reading of the items is used (relative links
    resolved) and the failure reported. (This test used a UTF-16 feed that hid a `&#xD800;` from
    the byte-level clean-up; wide feeds are now transcoded first, so it hides nothing.)"""
    feed = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:georss="http://www.georss.org/georss" '
            'xmlns:gml="http://www.opengis.net/gml"><channel><item><title>a</title><link>/news/1</link>'
            '<georss:where><gml:Point srsName="EPSG:none"><gml:pos>1 2</gml:pos></gml:Point></georss:where></item>'
            '<item><link>http://a.example/news/2</link></item></channel></rss>')
    document = discovery.parse(feed.encode(), "http://a.example/feed.xml")
    assert [e.url for e in document.entries] == ["http://a.example/news/1", "http://a.example/news/2"]
    assert "feedparser failed (ValueError" in document.warning


def test_an_unparseable_url_costs_only_its_entry() -> None:
    """`http://[bad/` (an unclosed IPv6 literal) made urljoin raise ValueError: the whole sitemap was lost."""
    sitemap = (b"<urlset><url><loc>http://[bad/news/1</loc></url><url><loc>/news/2</loc></url></urlset>")
    document = discovery.parse(sitemap, "http://a.example/sitemap.xml")
    assert [e.url for e in document.entries] == ["http://a.example/news/2"]
    assert document.dropped == {"unparseable URL": 1}
    index = b"<sitemapindex><sitemap><loc>http://[::1/s.xml</loc></sitemap><sitemap><loc>/s2.xml</loc></sitemap></sitemapindex>"
    assert [e.url for e in discovery.parse(index, "http://a.example/i.xml").sitemaps] == ["http://a.example/s2.xml"]


def test_a_json_feed_date_that_is_not_a_string_is_no_date() -> None:
    feed = json.dumps({"items": [{"url": "http://a.example/1", "date_published": 5},
                                 {"url": "http://a.example/2", "date_modified": ["2026-11-22"]},
                                 {"url": "http://a.example/3", "date_modified": "2026-11-22T10:00:00Z"}]})
    entries = discovery.parse(feed.encode()).entries
    assert [(e.url, e.lastmod and e.lastmod.isoformat()) for e in entries] == [
        ("http://a.example/1", None), ("http://a.example/2", None),
        ("http://a.example/3", "2026-11-22T10:00:00+00:00")]


def test_an_unexpected_parser_error_fails_that_document_with_its_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The spider's safety net: an error discovery.parse was not written to raise (a parser bug
    on some document) ended the callback in Scrapy's log only, the document neither ok nor
    failed, and a source with that one feed reported success. It is now that document's failure,
    with its reason. (The real spider and a real Scrapy response; the bug is simulated.)"""
    import yaml
    from scrapy.http import Request, XmlResponse

    from pipeline.sources import load_sources
    from spiders.news import NewsSpider

    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{
        "name": "tiny", "outlet": "Tiny", "kind": "wire", "domains": ["a.example"],
        "feeds": ["http://a.example/feed.xml"], "article_url": r"/news/\d+$"}]}))
    spider = NewsSpider(sources_file=load_sources(path))
    spider.pending_documents["tiny"] = 1

    def broken(body: bytes, url: str | None = None) -> discovery.Document:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(discovery, "parse", broken)
    request = Request("http://a.example/feed.xml", meta={"source": "tiny", "document": True, "depth": 0})
    response = XmlResponse(request.url, body=b"<rss/>", request=request)
    assert list(spider.parse_document(response)) == []
    ledger = spider.ledger["tiny"]
    assert (ledger.documents_ok, ledger.documents_failed, ledger.failed) == (0, 1, True)
    assert ledger.errors == ["http://a.example/feed.xml: unreadable (RecursionError: maximum recursion depth exceeded)"]
    assert spider.pending_documents["tiny"] == 0


# ---------------------------------------------------------------- UTF-16 and UTF-32 documents

_WIDE_RSS = ('<?xml version="1.0" encoding="{label}"?><rss version="2.0"><channel><title>Café</title>'
             "<item><title>Ferry “resumes”</title><link>http://a.example/news/1</link>"
             "<pubDate>Sun, 22 Nov 2026 10:00:00 GMT</pubDate></item>"
             "<item><title>Boats</title><link>http://a.example/news/2</link></item></channel></rss>")
_WIDE_SITEMAP = ('<?xml version="1.0" encoding="{label}"?>'
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 "<url><loc>http://a.example/news/3</loc><lastmod>2026-11-22</lastmod></url></urlset>")
_BOMS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
         "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}


def _wide(text: str, codec: str, bom: bool = True) -> bytes:
    return (_BOMS[codec] if bom else b"") + text.format(label=codec.rsplit("-", 1)[0]).encode(codec)


@pytest.mark.parametrize("codec", list(_BOMS))
def test_a_utf16_or_utf32_feed_with_a_byte_order_mark_is_read(codec: str) -> None:
    """A wide feed starts with its BOM and has a NUL beside every ASCII byte: it was refused as
    "neither XML nor a text sitemap" (only a UTF-8 BOM was skipped before looking for `<`)."""
    document = discovery.parse(_wide(_WIDE_RSS, codec), "http://a.example/feed.xml")
    assert document.kind == "rss" and document.warning is None
    assert [e.url for e in document.entries] == ["http://a.example/news/1", "http://a.example/news/2"]
    assert document.entries[0].lastmod.isoformat() == "2026-11-22T10:00:00+00:00"
    sitemap = discovery.parse(_wide(_WIDE_SITEMAP, codec))
    assert [(e.url, e.lastmod.isoformat()) for e in sitemap.entries] == [
        ("http://a.example/news/3", "2026-11-22T00:00:00+00:00")]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_text_sitemap_json_feed_and_bomless_feed_are_read(codec: str) -> None:
    text = _BOMS[codec] + "http://a.example/news/4\nhttp://a.example/news/5\n".encode(codec)
    assert [e.url for e in discovery.parse(text).entries] == ["http://a.example/news/4", "http://a.example/news/5"]
    feed = _BOMS[codec] + json.dumps({"items": [{"url": "http://a.example/news/6"}]}).encode(codec)
    assert [e.url for e in discovery.parse(feed).entries] == ["http://a.example/news/6"]
    bomless = _wide(_WIDE_RSS, codec, bom=False)  # XML 1.0 Appendix F: `<?xml` tells the form
    assert [e.url for e in discovery.parse(bomless).entries] == ["http://a.example/news/1", "http://a.example/news/2"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_entity_declarations_in_a_utf16_document_are_still_refused(codec: str) -> None:
    body = _BOMS[codec] + BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode(codec)
    with pytest.raises(discovery.DiscoveryError, match="entities"):
        discovery.parse(body)


def test_a_crawl_reads_utf16_feeds_with_a_byte_order_mark(tmp_path: Path, database_url: str) -> None:
    """The real spider over loopback: a UTF-16LE feed and a UTF-16BE one (each with its BOM,
    one labelled charset=UTF-16 by the server, one not) announce their articles, which are
    fetched; both documents were counted as failed ("neither XML nor a text sitemap")."""
    import http.server
    import threading

    import yaml

    from pipeline.crawl import crawl

    hits: list[str] = []
    feeds: dict[str, tuple[bytes, str]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            if self.path in feeds:
                body, ctype = feeds[self.path]
            elif self.path.startswith("/news/"):
                body, ctype = b"<html><body><p>A story.</p></body></html>", "text/html; charset=utf-8"
            else:
                body, ctype = b"", "text/plain"
                self.send_response(404)
            if body:
                self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for codec, ctype in (("utf-16-le", "application/rss+xml"), ("utf-16-be", "text/xml; charset=UTF-16")):
        items = "".join(f"<item><title>Story “{n}”</title><link>{base}/news/{codec}-{n}.html</link></item>"
                        for n in (1, 2))
        xml = f'<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel>{items}</channel></rss>'
        feeds[f"/{codec}.xml"] = (_BOMS[codec] + xml.encode(codec), ctype)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump({
            "settings": {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0,
                         "NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.1/32"]},
            "sources": [{"name": "wide", "outlet": "Wide", "kind": "wire", "domains": ["127.0.0.1"],
                         "feeds": [base + p for p in feeds], "article_url": r"/news/"}]}))
        summary = crawl(path, trigger="test")
    finally:
        server.shutdown()
        server.server_close()
    counts = summary.sources["wide"]
    assert (counts.documents_ok, counts.documents_failed, counts.errors) == (2, 0, [])
    assert counts.urls_announced == 4 and counts.pages_fetched == 4
    assert sorted(h for h in hits if h.startswith("/news/")) == sorted(
        f"/news/{codec}-{n}.html" for codec in ("utf-16-le", "utf-16-be") for n in (1, 2))
