"""Request routing: (outlet, path) -> Response, shared by the HTTP server and the static writer.

Admin endpoints (answered on every host, documented for the first one):
  GET /_sampleweb/day/N   switch the served day (1 or 2); answers {"day": N}
  GET /_sampleweb/state   {"day": N, "hits": {fault-key: count}}
  GET /_sampleweb/reset   forget fault counters (first-request-500 fires again)
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urlsplit

from . import discovery
from . import faults
from . import outlets
from . import render
from .world import World

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"


@dataclass
class Response:
    status: int
    ctype: str = HTML
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None
    delay: float = 0.0


def _not_found(path: str) -> Response:
    return Response(404, body=(f"<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
                               f"<h1>Sorry, we couldn't find that page</h1><p>{path}</p></body></html>").encode())


class Site:
    def __init__(self, world: World, base_urls: dict[str, str], day: int = 1, slow_seconds: float = 6.0):
        self.w = world
        self.base_urls = dict(base_urls)
        self.day = int(day)
        self.slow_seconds = float(slow_seconds)
        self.faults = faults.fault_list(world, self.slow_seconds)
        self.fault_by = {(f.source, f.path): f for f in self.faults}
        self.state = faults.FaultState()
        self._lock = threading.Lock()
        self.children = {o.slug: discovery.child_pattern(o) for o in outlets.OUTLETS}

    def set_day(self, day: int) -> None:
        if day not in (1, 2):
            raise ValueError("day must be 1 or 2")
        with self._lock:
            self.day = day

    # ------------------------------------------------------------------ routing
    def admin(self, path: str) -> Response | None:
        if not path.startswith("/_sampleweb/"):
            return None
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "day" and parts[2] in ("1", "2"):
            self.set_day(int(parts[2]))
        elif parts[1:] == ["reset"]:
            self.state.reset()
        elif parts[1:] != ["state"]:
            return _not_found(path)
        body = json.dumps({"day": self.day, "hits": dict(sorted(self.state.hits.items()))}).encode()
        return Response(200, "application/json", body)

    def handle(self, source: str, target: str) -> Response:
        path = urlsplit(target).path or "/"
        adm = self.admin(path)
        if adm is not None:
            return adm
        day = self.day
        w, o = self.w, outlets.BY_SLUG[source]
        base = self.base_urls[source]
        listed_faults = self.faults
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", discovery.robots(o, base, listed_faults).encode())
        for feed in o.feeds:
            if path == feed["path"]:
                fmt = feed["format"]
                if fmt == "rss":
                    return Response(200, "application/rss+xml; charset=utf-8", discovery.rss(w, o, feed, day, base, listed_faults))
                if fmt == "atom":
                    return Response(200, "application/atom+xml; charset=utf-8", discovery.atom(w, o, feed, day, base, listed_faults))
                if fmt == "broken-xml":
                    return Response(200, "application/rss+xml; charset=utf-8", faults.MALFORMED_FEED)
                if fmt == "billion-laughs":
                    return Response(200, "application/rss+xml; charset=utf-8", faults.BILLION_LAUGHS)
        sm = o.sitemap
        if path == sm.get("index"):
            return Response(200, XML, discovery.sitemap_index(w, o, day, base, listed_faults))
        if path == sm.get("news"):
            return Response(200, XML, discovery.news_sitemap(w, o, day, base, listed_faults))
        if path == sm.get("sections"):
            return Response(200, XML, discovery.sections_sitemap(w, o, base))
        pat = self.children[source]
        m = pat.match(path) if pat else None
        if m:
            body = discovery.sitemap_child(w, o, int(m.group(1)), day, base, listed_faults)
            if body is None:
                return _not_found(path)
            return Response(200, "application/x-gzip" if sm.get("gzip") else XML, body)
        f = self.fault_by.get((source, path))
        if f is None and source == "harbour-herald" and path.endswith("/loop-b/"):
            f = self.fault_by.get((source, path.replace("/loop-b/", "/loop-a/")))
        if f is not None:
            resp = self.fault(f, path)
            if resp is not None:
                return resp
        aid = w.by_path.get((source, path))
        if aid is not None and w.visible(aid, day):
            a = w.articles[aid]
            if a.fault == "wrong-charset":
                page = render.article_page(w, a, day, self.base_urls)
                return Response(200, HTML, page.encode("cp1252"))
            return Response(200, HTML, render.article_page(w, a, day, self.base_urls).encode())
        if path == "/" or path in o.sections:
            extra = discovery.videos(w, o)[:1] if path == o.sections[0] else []
            return Response(200, HTML, render.listing_page(w, o, path, day, base, extra).encode())
        for vp, title in discovery.videos(w, o):
            if path == vp:
                return Response(200, HTML, render.video_page(w, o, vp, title, base).encode())
        return _not_found(path)

    def fault(self, f: faults.Fault, path: str) -> Response | None:
        hits = self.state.hit(f"{f.source}{path}")
        name = f.name
        if name == "not-found":
            return _not_found(path)
        if name == "robots-disallowed":
            return Response(200, body=b"<!DOCTYPE html><html><head><title>Withdrawn</title></head><body>"
                                      b"<p>This article has been removed for legal reasons.</p></body></html>")
        if name == "server-error-once":
            if hits == 1:
                return Response(500, body=b"<html><body><h1>500 Internal Server Error</h1></body></html>")
            return None   # falls through to the article
        if name == "slow":
            return Response(200, body=b"<!DOCTYPE html><html><head><title>Slow</title></head><body><p>Finally.</p></body></html>",
                            delay=self.slow_seconds)
        if name == "redirect-loop":
            other = path.replace("/loop-a/", "/loop-b/") if "/loop-a/" in path else path.replace("/loop-b/", "/loop-a/")
            return Response(302, headers=[("Location", self.base_urls[f.source] + other)])
        if name == "redirect-offsite":
            target = self.w.articles[0]
            return Response(301, headers=[("Location", self.base_urls[target.source] + target.path)])
        if name == "not-html":
            return Response(200, HTML, faults.PDF_BYTES)
        if name == "not-html-jpeg":
            return Response(200, HTML, faults.JPEG_BYTES)
        if name == "oversized":
            return Response(200, HTML, stream=lambda: faults.oversized_stream(f.title), length=faults.OVERSIZE_BYTES)
        if name == "broken-gzip-sitemap":
            return Response(200, "application/x-gzip", faults.broken_gzip())
        return None

    # ------------------------------------------------------------------ enumeration (static writer)
    def static_paths(self, source: str) -> list[str]:
        """Every path worth writing for a source on the current day (faults needing a live server excluded)."""
        w, o, day = self.w, outlets.BY_SLUG[source], self.day
        paths = ["/robots.txt", "/"] + [p for p in o.sections if p != "/"]
        paths += [f["path"] for f in o.feeds]
        sm = o.sitemap
        paths += [p for p in (sm.get("index"), sm.get("news"), sm.get("sections")) if p]
        if sm.get("child"):
            n = discovery.child_count(w, o, day, self.faults)
            paths += [sm["child"].format(n=i) for i in range(1, n + 1)]
        paths += [p for p, _ in discovery.videos(w, o)]
        paths += [w.articles[i].path for i in sorted(w.by_outlet[source]) if w.visible(i, day)]
        paths += [f.path for f in self.faults if f.source == source and f.name in
                  ("not-html", "not-html-jpeg", "broken-gzip-sitemap", "robots-disallowed")]
        seen, out = set(), []
        for p in paths:
            if p not in seen:
                seen.add(p)
                out.append(p)
        return out
