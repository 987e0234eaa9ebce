"""Sample web over real HTTP: discovery, pages vs. answer key, faults, day switching."""
from __future__ import annotations

import gzip
import socket
import urllib.error
import urllib.request
from html import unescape

import defusedxml.ElementTree as DET
import pytest
import yaml
from lxml import html as lhtml

from tests.plugins.sampleweb import discover, fetch, parse_xml

BROKEN_KINDS = {"broken-gzip-sitemap", "malformed-feed", "billion-laughs"}


@pytest.fixture(scope="module")
def doc(sample_web):
    return yaml.safe_load(sample_web.sources_path.read_text())


def _broken(key):
    return {f["url"] for f in key.faults if f["fault"] in BROKEN_KINDS}


@pytest.fixture(scope="module")
def found(sample_web, doc):
    sample_web.set_day(1)
    return discover(doc, _broken(sample_web.key))


def test_serve_line_and_hosts(sample_web):
    assert sample_web.port > 0
    hosts = {u.split("//")[1].split(":")[0] for u in sample_web.base_urls.values()}
    assert len(hosts) == len(sample_web.base_urls) >= 11
    assert all(u.endswith(f":{sample_web.port}") for u in sample_web.base_urls.values())


def test_robots(sample_web, doc):
    for s in doc["sources"]:
        status, headers, body = fetch(sample_web.url(s["name"], "/robots.txt"))
        text = body.decode()
        assert status == 200 and "Disallow: /" in text
        for sm in s["sitemaps"]:
            assert f"Sitemap: {sm}" in text


def test_every_feed_and_sitemap_parses_and_lists_existing_urls(sample_web, found):
    faults = {f["url"] for f in sample_web.key.faults}
    kinds = set()
    for name, info in found.items():
        for url, status in info["documents"].items():
            assert status == "200" or status.startswith("broken"), (url, status)
        for url in info["pages"]:
            clean = url.split("?")[0]
            if clean in faults:
                continue
            st, _, _ = fetch(clean, method="HEAD")
            assert st == 200, url
        kinds.update(info["pages"].values())
    assert kinds == {"feed", "sitemap"}


def test_every_day1_article_reachable_by_discovery(sample_web, found):
    reachable = {u.split("?")[0] for info in found.values() for u in info["pages"]}
    key = sample_web.key
    for a in key.articles_on(1):
        assert a.url in reachable, a.url
        assert a.in_feeds or a.in_sitemaps
    for a in key:
        if a.day == 2:
            assert a.url not in reachable, a.url


def test_discovery_shape(found, sample_web):
    key = sample_web.key
    by_src = {}
    for a in key.articles_on(1):
        by_src.setdefault(a.source, set()).add(a.url)
    feed_only = sitemap_only = both = 0
    for name, info in found.items():
        vias = {v for u, v in info["pages"].items() if u.split("?")[0] in by_src.get(name, ())}
        feed_only += vias == {"feed"}
        sitemap_only += vias == {"sitemap"}
        both += vias == {"feed", "sitemap"}
    assert feed_only and sitemap_only and both
    tracking = [u for info in found.values() for u in info["pages"] if "utm_source=" in u]
    assert tracking
    non_article = []
    import re
    doc_sources = {s["name"]: s for s in yaml.safe_load(sample_web.sources_path.read_text())["sources"]}
    for name, info in found.items():
        rx = re.compile(doc_sources[name]["article_url"])
        for u in info["pages"]:
            clean = u.split("?")[0]
            if key.by_url(clean):
                assert rx.search(u) and rx.search(clean), u
            elif clean not in {f["url"] for f in key.faults}:
                assert not rx.search(clean), u
                non_article.append(u)
    assert any("/video" in u for u in non_article)


def test_gzip_and_news_sitemaps(sample_web):
    st, headers, body = fetch(sample_web.url("worldwire", "/sitemaps/1.xml.gz"))
    assert st == 200 and "gzip" in headers["Content-Type"] and body[:2] == b"\x1f\x8b"
    parse_xml(gzip.decompress(body))
    st, _, body = fetch(sample_web.url("worldwire", "/sitemap_news.xml"))
    root = parse_xml(body)
    ns = {"n": "http://www.google.com/schemas/sitemap-news/0.9"}
    dates = root.findall(".//n:publication_date", ns)
    assert dates and all("T" in d.text for d in dates)


def test_pages_match_key(sample_web):
    key = sample_web.key
    jsonld = set()
    for a in key.articles_on(1):
        st, headers, body = fetch(a.url)
        assert st in (200, 500), a.url
        if st == 500:
            assert a.fault == "server-error-once"
            st, headers, body = fetch(a.url)
            assert st == 200
        enc = "cp1252" if a.fault == "wrong-charset" else "utf-8"
        page = body.decode(enc)
        doc = lhtml.fromstring(page)
        canon = doc.xpath('//link[@rel="canonical"]/@href')
        assert canon == [a.url]
        assert doc.xpath('//meta[@property="og:title"]/@content')
        texts = {unescape(e.text_content()) for e in doc.iter("p")}
        for para in a.text:
            assert para in texts, (a.url, para[:60])
        if "application/ld+json" in page:
            jsonld.add(a.source)
    assert jsonld and len(jsonld) < len(key.sources)


def test_day_switch_and_updates(sample_web_day):
    web = sample_web_day
    key = web.key
    day2_new = [a for a in key if a.day == 2]
    assert fetch(day2_new[0].url)[0] == 404
    upd = next(a for a in key if a.day2)
    before = fetch(upd.url)[2].decode()
    assert web.set_day(2)["day"] == 2
    assert fetch(day2_new[0].url)[0] == 200
    after = lhtml.fromstring(fetch(upd.url)[2])
    paras = {unescape(p.text_content()) for p in after.iter("p")}
    assert all(p in paras for p in upd.day2["text"])
    assert before != lhtml.tostring(after).decode()
    found = discover(yaml.safe_load(web.sources_path.read_text()), _broken(key))
    reachable = {u.split("?")[0] for info in found.values() for u in info["pages"]}
    missing = [a.url for a in key if a.url not in reachable]
    assert not missing
    web.set_day(1)


def test_head_is_honoured(sample_web):
    a = sample_web.key.articles[0]
    st, headers, body = fetch(a.url, method="HEAD")
    assert st == 200 and body == b"" and int(headers["Content-Length"]) > 1000


# ---------------------------------------------------------------------------- faults
def _fault(key, name):
    return key.fault(name)


def test_fault_404(sample_web):
    assert fetch(_fault(sample_web.key, "not-found")["url"])[0] == 404


def test_fault_500_then_200(sample_web_day):
    web = sample_web_day
    web.reset_faults()
    url = _fault(web.key, "server-error-once")["url"]
    assert fetch(url)[0] == 500
    assert fetch(url)[0] == 200
    assert web.key.by_url(url) is not None


def test_fault_slow(sample_web):
    url = _fault(sample_web.key, "slow")["url"]
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(url, timeout=1).read()


def test_fault_redirects(sample_web):
    key = sample_web.key
    url = _fault(key, "redirect-loop")["url"]
    st, h, _ = fetch(url)
    assert st in (301, 302)
    st2, h2, _ = fetch(h["Location"])
    assert st2 in (301, 302) and h2["Location"] == url
    off = _fault(key, "redirect-offsite")
    st, h, _ = fetch(off["url"])
    assert st == 301
    target = key.by_url(h["Location"])
    assert target is not None and target.source != off["source"]
    assert h["Location"].split("/")[2] != off["url"].split("/")[2]


def test_fault_not_html(sample_web):
    for name, magic in (("not-html", b"%PDF"), ("not-html-jpeg", b"\xff\xd8\xff")):
        st, h, body = fetch(_fault(sample_web.key, name)["url"])
        assert st == 200 and h["Content-Type"].startswith("text/html") and body.startswith(magic)


def test_fault_wrong_charset(sample_web):
    url = _fault(sample_web.key, "wrong-charset")["url"]
    st, h, body = fetch(url)
    assert b'<meta charset="utf-8">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("cp1252")
    art = sample_web.key.by_url(url)
    joined = " ".join(art.text)
    for w in ("café", "naïve", "“", "’"):
        assert w in joined and w in text


def test_fault_oversized_streams(sample_web):
    url = _fault(sample_web.key, "oversized")["url"]
    st, h, body = fetch(url, method="HEAD")
    assert st == 200 and int(h["Content-Length"]) > 10 * 1024 * 1024
    with urllib.request.urlopen(url, timeout=10) as r:
        total = 0
        while chunk := r.read(1 << 20):
            total += len(chunk)
    assert total == int(h["Content-Length"])


def test_fault_broken_xml(sample_web):
    key = sample_web.key
    st, h, body = fetch(_fault(key, "broken-gzip-sitemap")["url"])
    assert st == 200 and body[:2] == b"\x1f\x8b"
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(body)
    st, h, body = fetch(_fault(key, "malformed-feed")["url"])
    with pytest.raises(Exception):
        parse_xml(body)
    st, h, body = fetch(_fault(key, "billion-laughs")["url"])
    assert b"<!ENTITY" in body and len(body) < 4096
    with pytest.raises(Exception):
        DET.fromstring(body)
    from lxml import etree
    try:                            # lxml without entity resolution: rejects or expands nothing
        root = parse_xml(body)
    except etree.XMLSyntaxError:
        return
    assert len(etree.tostring(root)) < 4096


def test_fault_robots_disallowed(sample_web):
    f = _fault(sample_web.key, "robots-disallowed")
    robots = fetch(f["url"].split("/news/")[0] + "/robots.txt")[2].decode()
    path = "/" + f["url"].split("/", 3)[3]
    assert f"Disallow: {path}" in robots


def test_faults_are_discoverable(sample_web, found, doc):
    listed = {u.split("?")[0] for info in found.values() for u in info["pages"]}
    documents = {u for info in found.values() for u in info["documents"]}
    for f in sample_web.key.faults:
        assert f["url"] in listed or f["url"] in documents, f
