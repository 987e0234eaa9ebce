"""Broken pages of the sample web, at stable URLs, each with the outcome a crawler should have.

Every fault is listed by its outlet's discovery (feed or sitemap, or as a feed in sources.yaml)
and appears in ``key/meta.json`` as ``{url, fault, expected, note, source, listed_in}``.
The server's behaviour for each lives in :meth:`site.Site.fault`.
"""
from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass

OVERSIZE_BYTES = 12 * 1024 * 1024          # > the crawl's 8 MiB DOWNLOAD_MAXSIZE, streamed in chunks
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fault:
    name: str
    source: str
    path: str
    listed_in: str          # feed | sitemap | sources-feed | sitemap-index
    title: str
    expected: str
    note: str = ""


def fault_list(world, slow_seconds: float) -> list[Fault]:
    flaky = world.fault_article("server-error-once")
    charset = world.fault_article("wrong-charset")
    target = world.articles[0]         # story 0 is always a day-1 Worldwire original
    return [
        Fault("not-found", "daily-beacon", "/news/9990404/council-confirms-summer-fair-cancelled/", "sitemap",
              "Council confirms summer fair cancelled", "http-404: failed page, no article",
              "listed in the sitemap but gone"),
        Fault("robots-disallowed", "daily-beacon", "/news/9990777/injunction-story-withdrawn/", "sitemap",
              "Story withdrawn after injunction", "not-fetched: robots.txt disallows it",
              "served as 200 if fetched anyway; /_sampleweb/hits counts requests"),
        Fault("server-error-once", "daily-courier", flaky.path, "feed", flaky.title,
              "article: 500 on the first request per server process, then 200 (a retry gets it)",
              "the article is in articles.jsonl"),
        Fault("slow", "lakeside-post", "/national/minister-waits-on-slow-report-99906000.html", "feed",
              "Minister waits on slow report",
              f"timeout: answers only after {slow_seconds:g}s, beyond DOWNLOAD_TIMEOUT 2", ""),
        Fault("redirect-loop", "harbour-herald", "/2026/11/22/world/loop-a/", "sitemap",
              "Looping story", "error: 302 loop between loop-a and loop-b, no article", ""),
        Fault("redirect-offsite", "northfield-gazette", "/news/99903010.wire-story-moved/", "feed",
              target.title, f"redirect: 301 to another source's host ({target.source}{target.path}); "
              "the article there belongs to that source", "target is in articles.jsonl under worldwire"),
        Fault("not-html", "valley-chronicle", "/story/news/2026/11/22/annual-report-download/99907000007/",
              "sitemap", "Annual report download", "skip: PDF bytes served as text/html, no article", ""),
        Fault("not-html-jpeg", "headline-hub", "/n/99908000/photo-of-the-day", "sitemap", "Photo of the day",
              "skip: JPEG bytes served as text/html, no article", ""),
        Fault("wrong-charset", "daily-lantern", charset.path, "feed", charset.title,
              "article: cp1252 bytes under <meta charset=utf-8>; text must read café, naïve, curly quotes",
              "the article is in articles.jsonl"),
        Fault("oversized", "associated-newswire", "/article/budget-annex-full-text-" + "9" * 32, "sitemap",
              "Budget annex full text", f"skip: {OVERSIZE_BYTES // (1024 * 1024)} MiB body (> the crawl's 8 MiB cap), streamed; "
              "drop by size limit (DOWNLOAD_MAXSIZE)", ""),
        Fault("broken-gzip-sitemap", "worldwire", "/sitemaps/archive-2026-10.xml.gz", "sitemap-index",
              "", "sitemap-error: truncated gzip; the other sitemaps still work", ""),
        Fault("malformed-feed", "valley-chronicle", "/rss/breaking.xml", "sources-feed", "",
              "feed-error: malformed XML; the other feed and sitemaps still work", ""),
        Fault("billion-laughs", "lakeside-post", "/rss/latest.xml", "sources-feed", "",
              "feed-rejected: entity-expansion payload must not be expanded", ""),
    ]


class FaultState:
    """Per-server-process counters (first-request 500, hit counts)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}

    def hit(self, key: str) -> int:
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()


PDF_BYTES = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
             b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n"
             b"xref\n0 4\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n")
JPEG_BYTES = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
              + bytes(range(256)) * 8 + b"\xff\xd9")


def broken_gzip() -> bytes:
    data = gzip.compress(b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         + b"<url><loc>http://example.invalid/x</loc></url>" * 50 + b"</urlset>", mtime=0)
    return data[: len(data) // 2]


MALFORMED_FEED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Breaking & Latest</title>'
                  b"<item><title>Storm <b>warning</item><link>/story/news/broken</link>\n<item><title>Unclosed")

BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Latest &lol9;</title><link>/</link><description>Latest</description>
<item><title>&lol9;</title><link>/national/</link></item></channel></rss>
"""


def oversized_stream(title: str):
    """Yield an HTML page of OVERSIZE_BYTES bytes in chunks (never held in memory whole)."""
    head = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            "<article><h1>" + title + "</h1>").encode()
    tail = b"</article></body></html>\n"
    filler = (b"<p>" + b"Table row of the budget annex with figures in thousands. " * 20 + b"</p>\n")
    yield head
    left = OVERSIZE_BYTES - len(head) - len(tail)
    chunk = filler * (CHUNK // len(filler))
    while left > 0:
        piece = chunk[:left]
        yield piece
        left -= len(piece)
    yield tail
