"""Sample-web fixtures: the sample web served over real HTTP for the whole test session.

    def test_x(sample_web):
        sample_web.port, sample_web.base_urls, sample_web.sources_path, sample_web.key_path
        sample_web.key                      # pipeline.sampleweb.key.AnswerKey
        sample_web.url("daily-beacon", "/news/feed/")
        sample_web.set_day(2)               # remember to set_day(1) after, the server is shared

`sample_web_day` gives a function-scoped guard that puts the shared server back on day 1.
`sample_web_factory` starts a private server (own seed/size/day) for the duration of a test.
`fetch`, `parse_xml`, `listed_urls`, `discover`: a feed/sitemap reader independent of the crawler.
"""
from __future__ import annotations

import contextlib
import urllib.request

import pytest

from pipeline.sampleweb.serving import running_sample_web


@pytest.fixture(scope="session")
def sample_web(tmp_path_factory):
    with running_sample_web(tmp_path_factory.mktemp("sampleweb")) as web:
        yield web


@pytest.fixture
def sample_web_day(sample_web):
    """The shared sample web, restored to day 1 (and fault counters reset) after the test."""
    yield sample_web
    sample_web.set_day(1)
    sample_web.reset_faults()


@pytest.fixture
def sample_web_factory(tmp_path_factory):
    with contextlib.ExitStack() as stack:
        def start(**kw):
            return stack.enter_context(running_sample_web(tmp_path_factory.mktemp("sampleweb-own"), **kw))
        yield start


# ------------------------------------------------- a second, independent feed reader for the tests
# It walks the sample web's feeds and sitemaps with lxml and urllib (not the crawler's code), so
# the tests can check what the crawler found against what the sample web lists.
def fetch(url: str, timeout: float = 10, method: str = "GET") -> tuple[int, dict, bytes]:
    """(status, headers, body) without following redirects and without raising on 4xx/5xx."""
    import urllib.error

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, method=method, headers={"User-Agent": "sampleweb-tests"})
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def parse_xml(data: bytes):
    """Parse feed/sitemap bytes (gunzipping .gz) safely: no entity expansion, no network."""
    import gzip

    from lxml import etree
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser=parser)


def listed_urls(root) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) listed by an RSS/Atom feed, sitemap or sitemap index."""
    tag = root.tag.split("}")[-1]
    pages, children = [], []
    if tag == "rss":
        pages = [e.text.strip() for e in root.iter("link") if e.getparent().tag == "item" and e.text]
    elif tag == "feed":
        pages = [e.get("href") for e in root.iter("{http://www.w3.org/2005/Atom}link")
                 if e.get("rel", "alternate") == "alternate" and e.getparent().tag.endswith("entry")]
    elif tag == "sitemapindex":
        children = [e.text.strip() for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    elif tag == "urlset":
        pages = [e.text.strip() for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    return pages, children


def discover(sources_doc: dict, broken: set[str] = frozenset(), timeout: float = 10) -> dict[str, dict]:
    """Walk every source's feeds and sitemaps (following indexes). Returns per source
    {"pages": {url: "feed"|"sitemap"}, "documents": {url: status-or-error}}."""
    out: dict[str, dict] = {}
    for src in sources_doc["sources"]:
        pages: dict[str, str] = {}
        docs: dict[str, str] = {}
        todo = [(u, "feed") for u in src.get("feeds", [])] + [(u, "sitemap") for u in src.get("sitemaps", [])]
        while todo:
            url, via = todo.pop(0)
            if url in docs:
                continue
            status, _, body = fetch(url, timeout)
            if url in broken:
                docs[url] = f"broken:{status}"
                continue
            root = parse_xml(body)
            docs[url] = str(status)
            p, c = listed_urls(root)
            for u in p:
                pages.setdefault(u, via)
            todo += [(u, "sitemap") for u in c]
        out[src["name"]] = {"pages": pages, "documents": docs}
    return out
