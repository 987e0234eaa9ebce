"""The SSRF guard (pipeline/netguard.py, spiders/middlewares.py): real crawls on loopback for the
request paths, plain calls (no network I/O) for the address ranges."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import psycopg2
import pytest
import yaml

from pipeline import netguard
from pipeline.crawl import crawl
from pipeline.extract.stage import _key
from pipeline.extract.store import Page as _Page

# ---- the address and URL rules, no network -------------------------------------------------


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "::1", "::ffff:127.0.0.1",
    "[::ffff:127.0.0.1]", "::127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.0.1", "169.254.169.254",
    "fe80::1", "fc00::1", "100.64.0.1", "100.127.255.254", "224.0.0.1", "ff02::1", "0.0.0.0", "::",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "2002:a00:1::", "64:ff9b::a00:1", "2001:db8::1",
])
def test_non_public_addresses_are_refused(host: str) -> None:
    address = netguard.ip_literal(host)
    assert address is not None
    assert netguard.non_public(address) is not None


@pytest.mark.parametrize("host", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "134744072"])
def test_public_addresses_pass(host: str) -> None:
    assert netguard.non_public(netguard.ip_literal(host)) is None


def test_allowed_network_is_explicit() -> None:
    assert netguard.non_public("127.0.1.3", ["127.0.0.0/8"]) is None
    assert netguard.non_public("127.0.1.3", ["10.0.0.0/8"]) is not None
    assert netguard.non_public("::ffff:127.0.0.1", ["127.0.0.0/8"]) is None


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:18500\\@www.real-outlet.test:18400/x",   # two parsers disagreed
    "http://user@www.real-outlet.test/x",
    "http://www.real-outlet.test.evil.test/x",
    "http://evilreal-outlet.test/x",
    "file:///etc/passwd",
    "http://[::1",
])
def test_urls_not_the_sources_are_refused(url: str) -> None:
    with pytest.raises(netguard.Refused):
        netguard.check(url, ["real-outlet.test"])


def test_one_ownership_rule_for_crawler_and_extractor() -> None:
    domains = ["www.real-outlet.test"]
    for host in ("real-outlet.test", "news.real-outlet.test", "WWW.Real-Outlet.test."):
        assert netguard.owns(domains, host)
    page = _Page(1, "s", "http://www.real-outlet.test/a", "http://www.real-outlet.test/a", None, 200, None)

    class Article:
        canonical_link = "http://127.0.0.1:1\\@www.real-outlet.test/b"

    key, link = _key(page, Article(), domains)
    assert "127.0.0.1" not in key  # a smuggled canonical never keys the article


# ---- real crawls on loopback -------------------------------------------------------------

OUTLET = "real-outlet.test"


class _Web:
    """A tiny server on 127.0.0.1 whose feed lists redirects to loopback in every spelling."""

    def __init__(self, address: str = "127.0.0.1", internal_port: int = 0) -> None:
        self.hits: list[str] = []
        web = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                web.hits.append(self.path)
                if self.path == "/feed.xml":
                    items = "".join(f"<item><link>{web.base}/go/{i}</link></item>" for i in range(len(web.targets)))
                    items += (f"<item><link>http://127.0.0.1:{internal_port}\\@www.{OUTLET}:{web.port}"
                              "/news/smuggled</link></item>")
                    body = f"<rss><channel>{items}</channel></rss>".encode()
                    self._send(200, body, "application/rss+xml")
                elif self.path.startswith("/go/"):
                    target = web.targets[int(self.path.rsplit("/", 1)[1])]
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path == "/robots.txt":
                    self._send(404, b"", "text/plain")
                else:
                    self._send(200, b"<html><head><title>SECRET internal</title></head><body><p>"
                               + b"secret internal text " * 50 + b"</p></body></html>", "text/html")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((address, 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://{address}:{self.port}"
        p = internal_port or self.port
        self.targets = [f"http://127.0.0.1:{p}/news/a", f"http://0x7f000001:{p}/news/b",
                        f"http://2130706433:{p}/news/c", f"http://127.1:{p}/news/d",
                        f"http://[::ffff:127.0.0.1]:{p}/news/e", f"http://localhost:{p}/news/f"]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web():
    server = _Web()
    yield server
    server.close()


@pytest.fixture
def internal():
    """An "internal service" on 127.0.0.1 that nothing may reach."""
    server = _Web()
    yield server
    server.close()


@pytest.fixture
def outlet(internal: _Web):
    """The outlet on another loopback address (127.0.0.2), redirecting to the internal service."""
    server = _Web("127.0.0.2", internal.port)
    yield server
    server.close()


def _sources(tmp_path: Path, web: _Web, **settings: object) -> Path:
    """The outlet claims real-outlet.test and, to let its feed be read at all, the feed host."""
    doc = {
        "settings": {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0,
                     "DOWNLOAD_TIMEOUT": 5, "NEWSCORPUS_FLUSH_SECONDS": 0.5, **settings},
        "sources": [{"name": "real-outlet", "outlet": "Real Outlet", "kind": "tabloid",
                     "domains": [OUTLET, web.base.split("//")[1].split(":")[0]], "feeds": [f"{web.base}/feed.xml"]}],
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_redirects_and_tricks_to_loopback_are_refused_and_counted(
    tmp_path: Path, outlet: _Web, internal: _Web, database_url: str,
) -> None:
    # only the outlet's own address is allowed: 127.0.0.1 in every spelling must be refused
    path = _sources(tmp_path, outlet, NEWSCORPUS_ALLOW_NETWORKS=["127.0.0.2/32"])
    summary = crawl(path, trigger="test")
    assert "/feed.xml" in outlet.hits and any(h.startswith("/go/") for h in outlet.hits)
    assert internal.hits == []  # no redirect target, no smuggled URL reached it
    counts = summary.sources["real-outlet"]
    assert counts.refused >= 6, counts  # the six redirect hops (the smuggled URL is not the source's)
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from news.pages where run_id = %s and error like 'refused: %%'",
                    (summary.run_id,))
        assert cur.fetchone()[0] >= 5
        cur.execute("select requests_refused from news.crawl_report where run_id = %s", (summary.run_id,))
        assert cur.fetchone()[0] == counts.refused
        cur.execute("select coalesce(sum(pages_refused), 0) from news.source_health where source = 'real-outlet'")
        assert cur.fetchone()[0] >= 5
        cur.execute("select count(*) from news.pages where body_zlib is not null and run_id = %s", (summary.run_id,))
        assert cur.fetchone()[0] == 0
    assert not [h for h in outlet.hits if h.startswith("/news/")]


def test_loopback_is_refused_without_the_setting(
    tmp_path: Path, web: _Web, database_url: str,
) -> None:
    summary = crawl(_sources(tmp_path, web), trigger="test")
    assert web.hits == []
    assert summary.sources["real-outlet"].refused >= 1
    assert summary.sources["real-outlet"].status == "failed"


def test_a_source_host_resolving_to_loopback_is_refused_at_resolve_time(
    tmp_path: Path, web: _Web, database_url: str,
) -> None:
    """`localhost` is the source's own domain and passes the URL check; its DNS answer
    (127.0.0.1) is refused where the connection is made (spiders.middlewares.GuardedResolver)."""
    doc = {"settings": {"RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
           "sources": [{"name": "loop", "outlet": "Loop", "kind": "wire", "domains": ["localhost"],
                        "feeds": [f"http://localhost:{web.port}/feed.xml"]}]}
    path = tmp_path / "loop.yaml"
    path.write_text(yaml.safe_dump(doc))
    summary = crawl(path, trigger="test")
    assert web.hits == []
    counts = summary.sources["loop"]
    assert counts.refused >= 1 and any("resolves to 127.0.0.1" in e for e in counts.errors), counts
