"""robots.txt, RSS 2.0 / Atom feeds, sitemap indexes, (gzipped) sitemaps and Google News sitemaps.

Dates deliberately come in several formats and zones: RFC 822 with numeric offsets, "GMT" or
"EST" in RSS; ISO 8601 with offsets in Atom and sitemaps; date-only lastmod on one outlet.
"""
from __future__ import annotations

import gzip
import math
import random
import re
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from . import outlets
from .faults import Fault
from .render import iso_local
from .world import CRAWL, World

SM_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def videos(w: World, o: outlets.Outlet) -> list[tuple[str, str]]:
    """(path, title) of a few non-article video pages per outlet."""
    r = random.Random(f"{w.seed}:{o.slug}:videos")
    out = []
    for k in range(3):
        title = f"Video: {r.choice(['Dramatic moment', 'Watch', 'Footage shows', 'Caught on camera'])} " \
                f"{r.choice(['storm hits harbour', 'crowd cheers hero', 'bridge reopens', 'rescue at sea', 'fans invade pitch'])}"
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        num = 77_000_000 + k * 1000 + outlets.INDEX[o.slug]
        out.append((o.video_path.format(num=num, slug=slug, Slug=slug.title(), hex8=f"{num:08x}"[-8:]), title))
    return out


def robots(o: outlets.Outlet, base: str, faults: list[Fault]) -> str:
    lines = ["User-agent: *"] + [f"Disallow: {p}" for p in o.robots_disallow]
    lines += [f"Disallow: {f.path}" for f in faults if f.source == o.slug and f.name == "robots-disallowed"]
    lines += ["", "User-agent: GPTBot", "Disallow: /", ""]
    for p in sitemap_roots(o):
        lines.append(f"Sitemap: {base}{p}")
    return "\n".join(lines) + "\n"


def sitemap_roots(o: outlets.Outlet) -> list[str]:
    sm = o.sitemap
    return [p for p in (sm.get("index"), sm.get("news")) if p]


def feed_urls(o: outlets.Outlet) -> list[str]:
    return [f["path"] for f in o.feeds]


# ---------------------------------------------------------------------------- entries
class Entry:
    __slots__ = ("path", "title", "published", "lastmod", "article")

    def __init__(self, path, title, published, lastmod, article=None):
        self.path, self.title, self.published, self.lastmod, self.article = path, title, published, lastmod, article


def _fault_entries(o: outlets.Outlet, faults: list[Fault], where: str) -> list[Entry]:
    out = []
    for k, f in enumerate(faults):
        if f.source == o.slug and f.listed_in == where and f.name not in ("server-error-once", "wrong-charset"):
            t = CRAWL[1] - timedelta(minutes=150 + 7 * k)
            out.append(Entry(f.path, f.title, t, t))
    return out


def feed_entries(w: World, o: outlets.Outlet, feed: dict, day: int, faults: list[Fault]) -> list[Entry]:
    arts = w.visible_articles(o.slug, day)
    limit = feed.get("limit")
    if limit is not None:
        arts = arts[:limit]
    es = [Entry(a.path, w.title(a, day), a.published, w.lastmod(a, day), a) for a in arts]
    es += _fault_entries(o, faults, "feed")
    if o.slug == "daily-beacon":      # a non-article URL in a feed
        p, t = videos(w, o)[0]
        es.append(Entry(p, t, CRAWL[1] - timedelta(hours=5), CRAWL[1] - timedelta(hours=5)))
    es.sort(key=lambda e: (e.published, e.path), reverse=True)
    return es


def article_set_in_feeds(w: World, o: outlets.Outlet, day: int) -> set[int]:
    out: set[int] = set()
    for f in o.feeds:
        if f["format"] in ("rss", "atom"):
            arts = w.visible_articles(o.slug, day)
            out.update(a.aid for a in (arts if f.get("limit") is None else arts[: f["limit"]]) if a.day <= day)
    return out


def _rfc822(dt: datetime, o: outlets.Outlet) -> str:
    local = dt + timedelta(minutes=o.tz)
    if o.slug == "daily-courier":
        return format_datetime(dt, usegmt=True)
    if o.slug == "valley-chronicle":
        return local.strftime("%a, %d %b %Y %H:%M:%S EST")
    from datetime import timezone
    return format_datetime(local.replace(tzinfo=timezone(timedelta(minutes=o.tz))))


def rss(w: World, o: outlets.Outlet, feed: dict, day: int, base: str, faults: list[Fault]) -> bytes:
    items = []
    entries = feed_entries(w, o, feed, day, faults)
    for e in entries:
        url = base + e.path
        link = url + ("?utm_source=rss&utm_medium=feed&utm_campaign=latest" if feed.get("tracking") else "")
        desc = e.title
        if e.article is not None and feed.get("limit") is not None:
            desc = w.text(e.article.aid, day)[0][:200]
        items.append(f"<item><title>{xml_escape(e.title)}</title><link>{xml_escape(link)}</link>"
                     f'<guid isPermaLink="true">{xml_escape(url)}</guid><pubDate>{_rfc822(e.published, o)}</pubDate>'
                     f"<description>{xml_escape(desc)}</description></item>")
    last = max([e.lastmod for e in entries] or [CRAWL[day]])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f"<channel><title>{xml_escape(o.name)} - Latest</title><link>{xml_escape(base)}/</link>"
            f"<description>Latest news from {xml_escape(o.name)}</description><language>{o.lang.lower()}</language>"
            f"<lastBuildDate>{_rfc822(last, o)}</lastBuildDate>"
            f'<atom:link href="{xml_escape(base + feed["path"])}" rel="self" type="application/rss+xml"/>\n'
            + "\n".join(items) + "\n</channel></rss>\n").encode()


def atom(w: World, o: outlets.Outlet, feed: dict, day: int, base: str, faults: list[Fault]) -> bytes:
    entries = feed_entries(w, o, feed, day, faults)
    out = []
    for e in entries:
        url = base + e.path
        link = url + ("?utm_source=atom&utm_medium=feed" if feed.get("tracking") else "")
        out.append(f"<entry><title>{xml_escape(e.title)}</title><link rel=\"alternate\" href=\"{xml_escape(link)}\"/>"
                   f"<id>{xml_escape(url)}</id><published>{iso_local(e.published, o.tz)}</published>"
                   f"<updated>{iso_local(e.lastmod, o.tz)}</updated><author><name>{xml_escape(o.name)}</name></author></entry>")
    upd = max([e.lastmod for e in entries] or [CRAWL[day]])
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<title>{xml_escape(o.name)}</title><id>{xml_escape(base)}/</id><updated>{iso_local(upd, o.tz)}</updated>"
            f'<link rel="self" href="{xml_escape(base + feed["path"])}"/>\n' + "\n".join(out) + "\n</feed>\n").encode()


# ---------------------------------------------------------------------------- sitemaps
def _lastmod(dt: datetime, o: outlets.Outlet) -> str:
    if o.slug == "valley-chronicle":
        return (dt + timedelta(minutes=o.tz)).strftime("%Y-%m-%d")
    if o.slug == "worldwire":
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return iso_local(dt, o.tz)


def sitemap_entries(w: World, o: outlets.Outlet, day: int, faults: list[Fault]) -> list[Entry]:
    """Everything an outlet's (child) sitemaps list, oldest first."""
    arts = w.visible_articles(o.slug, day)
    es = [Entry(a.path, w.title(a, day), a.published, w.lastmod(a, day), a) for a in reversed(arts)]
    es += _fault_entries(o, faults, "sitemap")
    if not o.sitemap.get("sections"):
        for p, t in videos(w, o):
            es.append(Entry(p, t, CRAWL[1] - timedelta(days=3), CRAWL[1] - timedelta(days=3)))
    es.sort(key=lambda e: (e.published, e.path))
    return es


def child_count(w: World, o: outlets.Outlet, day: int, faults: list[Fault]) -> int:
    return max(1, math.ceil(len(sitemap_entries(w, o, day, faults)) / o.sitemap["per_child"]))


def _urlset(urls: list[str]) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SM_NS}">\n' + "\n".join(urls)
            + "\n</urlset>\n").encode()


def sitemap_index(w: World, o: outlets.Outlet, day: int, base: str, faults: list[Fault]) -> bytes:
    sm = o.sitemap
    es = sitemap_entries(w, o, day, faults)
    per = sm["per_child"]
    rows = []
    for n in range(1, child_count(w, o, day, faults) + 1):
        chunk = es[(n - 1) * per: n * per]
        lm = max(e.lastmod for e in chunk) if chunk else CRAWL[day]
        rows.append(f"<sitemap><loc>{xml_escape(base + sm['child'].format(n=n))}</loc><lastmod>{_lastmod(lm, o)}</lastmod></sitemap>")
    for extra in (sm.get("sections"), sm.get("news")):
        if extra:
            rows.append(f"<sitemap><loc>{xml_escape(base + extra)}</loc></sitemap>")
    for f in faults:
        if f.source == o.slug and f.listed_in == "sitemap-index":
            rows.append(f"<sitemap><loc>{xml_escape(base + f.path)}</loc></sitemap>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SM_NS}">\n' + "\n".join(rows)
            + "\n</sitemapindex>\n").encode()


def sitemap_child(w: World, o: outlets.Outlet, n: int, day: int, base: str, faults: list[Fault]) -> bytes | None:
    per = o.sitemap["per_child"]
    if n < 1 or n > child_count(w, o, day, faults):
        return None
    es = sitemap_entries(w, o, day, faults)[(n - 1) * per: n * per]
    body = _urlset([f"<url><loc>{xml_escape(base + e.path)}</loc><lastmod>{_lastmod(e.lastmod, o)}</lastmod></url>" for e in es])
    return gzip.compress(body, mtime=0) if o.sitemap.get("gzip") else body


def sections_sitemap(w: World, o: outlets.Outlet, base: str) -> bytes:
    paths = list(o.sections) + [p for p, _ in videos(w, o)]
    return _urlset([f"<url><loc>{xml_escape(base + p)}</loc><changefreq>hourly</changefreq></url>" for p in paths])


def news_sitemap(w: World, o: outlets.Outlet, day: int, base: str, faults: list[Fault]) -> bytes:
    rows = []
    arts = w.visible_articles(o.slug, day)
    es = [Entry(a.path, w.title(a, day), a.published, w.lastmod(a, day), a) for a in arts]
    es += _fault_entries(o, faults, "sitemap") if not o.sitemap.get("index") else []
    for e in es:
        rows.append(f"<url><loc>{xml_escape(base + e.path)}</loc><news:news><news:publication>"
                    f"<news:name>{xml_escape(o.name)}</news:name><news:language>en</news:language></news:publication>"
                    f"<news:publication_date>{iso_local(e.published, o.tz)}</news:publication_date>"
                    f"<news:title>{xml_escape(e.title)}</news:title></news:news></url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SM_NS}" xmlns:news="{NEWS_NS}">\n'
            + "\n".join(rows) + "\n</urlset>\n").encode()


def article_set_in_sitemaps(w: World, o: outlets.Outlet) -> bool:
    return bool(o.sitemap.get("index") or o.sitemap.get("news"))


def child_pattern(o: outlets.Outlet) -> re.Pattern | None:
    c = o.sitemap.get("child")
    if not c:
        return None
    return re.compile("^" + re.escape(c).replace(re.escape("{n}"), r"(\d+)") + "$")
