"""Read what feeds and sitemaps announce: RSS 2.0/1.0, Atom, JSON Feed, sitemap indexes, Google News
sitemaps, gzipped sitemaps and plain-text sitemaps.

XML is parsed by lxml with entity resolution, network access and DTD loading off (the same
stance as `scrapy.utils.sitemap.Sitemap`). A document that declares entities in an internal
DTD is refused outright: feeds have no business doing that, and it is how billion-laughs
payloads look. Malformed XML is reported and what lxml can recover is still used, because
real feeds break in small ways all the time.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from lxml import etree

MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # decompressed size bound for one feed or sitemap


class DiscoveryError(Exception):
    """A feed or sitemap that cannot be used at all (one human line)."""


@dataclass(frozen=True)
class Entry:
    """One announced URL and the newest date the document gives for it."""

    url: str
    lastmod: datetime | None = None


@dataclass
class Document:
    """A parsed discovery document.

    Args:
        kind: rss | atom | rdf | jsonfeed | urlset | sitemapindex | text
        entries: article candidates (urlset, feeds, text)
        sitemaps: child sitemaps (sitemapindex)
        warning: set when the XML was malformed and only partly recovered
    """

    kind: str
    entries: list[Entry] = field(default_factory=list)
    sitemaps: list[Entry] = field(default_factory=list)
    warning: str | None = None


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        recover=recover,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def maybe_gunzip(body: bytes) -> bytes:
    """Sitemaps served as .gz files (not Content-Encoding) arrive compressed.

    Decompressed with a size bound (a gzip bomb stops at MAX_DOCUMENT_BYTES) and checked for
    completeness: a truncated archive is an error, not a silently shorter sitemap.
    """
    if body[:2] != b"\x1f\x8b":
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_DOCUMENT_BYTES + 1)
    except zlib.error as exc:
        raise DiscoveryError(f"broken gzip ({exc})") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DiscoveryError(f"gzip expands beyond {MAX_DOCUMENT_BYTES} bytes")
    if not inflater.eof:
        raise DiscoveryError(f"truncated gzip ({len(body)} bytes read, archive incomplete)")
    return data


def parse(body: bytes) -> Document:
    """Parse a feed or sitemap body (gzip or not) into the URLs it announces."""
    body = maybe_gunzip(body)
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise DiscoveryError("empty document")
    if stripped.startswith(b"{"):
        return _parse_json_feed(stripped)
    if not stripped.startswith(b"<"):
        return _parse_text(stripped)
    warning = None
    try:
        root = etree.fromstring(stripped, _parser(recover=False))
    except etree.XMLSyntaxError as exc:
        warning = f"malformed XML ({exc})"
        try:
            root = etree.fromstring(stripped, _parser(recover=True))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise DiscoveryError(warning) from exc
    _refuse_entities(root)
    document = _read(root)
    document.warning = warning
    return document


def _refuse_entities(root: etree._Element) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DiscoveryError("refused: the document declares XML entities (possible entity-expansion attack)")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise DiscoveryError("refused: the document uses undeclared XML entities")


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: etree._Element, *names: str) -> str | None:
    """Text of the first descendant with one of the local names (namespaces ignored)."""
    for name in names:
        for child in element.iter():
            if _local(child.tag) == name and child.text and child.text.strip():
                return child.text.strip()
    return None


def _read(root: etree._Element) -> Document:
    kind = _local(root.tag)
    if kind == "urlset":
        return Document("urlset", entries=_sitemap_entries(root, "url"))
    if kind == "sitemapindex":
        return Document("sitemapindex", sitemaps=_sitemap_entries(root, "sitemap"))
    if kind == "rss":
        items = [item for channel in _children(root, "channel") for item in _children(channel, "item")]
        return Document("rss", entries=[e for e in map(_rss_entry, items) if e])
    if kind == "rdf":
        return Document("rdf", entries=[e for e in map(_rss_entry, _children(root, "item")) if e])
    if kind == "feed":
        return Document("atom", entries=[e for e in map(_atom_entry, _children(root, "entry")) if e])
    raise DiscoveryError(f"not a feed or sitemap (root element <{kind}>)")


def _sitemap_entries(root: etree._Element, name: str) -> list[Entry]:
    entries = []
    for element in _children(root, name):
        loc = next((c.text.strip() for c in _children(element, "loc") if c.text), None)
        if not loc and (element.text or "").strip().startswith(("http://", "https://")):
            loc = element.text.strip()  # <sitemap>URL</sitemap> without <loc>, seen in the wild
        if not loc:
            continue
        dates = [parse_date(_text(element, n)) for n in ("lastmod", "publication_date")]
        entries.append(Entry(loc, _newest(dates)))
    return entries


def _rss_entry(item: etree._Element) -> Entry | None:
    link = next((c.text.strip() for c in _children(item, "link") if c.text and c.text.strip()), None)
    if not link:
        for guid in _children(item, "guid"):
            text = (guid.text or "").strip()
            # a guid is a permalink by default; an explicit "false" one still counts if it is a URL
            if text and (guid.get("isPermaLink", "true").lower() == "true" or text.startswith("http")):
                link = text
    if not link:
        return None
    dates = [parse_date(_text(item, n)) for n in ("pubdate", "date", "updated", "modified")]
    return Entry(link, _newest(dates))


def _atom_entry(entry: etree._Element) -> Entry | None:
    links = _children(entry, "link")
    chosen = next((l for l in links if l.get("rel", "alternate") == "alternate" and l.get("href")), None)
    if chosen is None:
        chosen = next((l for l in links if l.get("href")), None)
    if chosen is None:
        return None
    dates = [parse_date(_text(entry, n)) for n in ("updated", "published")]
    return Entry(chosen.get("href").strip(), _newest(dates))


def _parse_json_feed(body: bytes) -> Document:
    """JSON Feed (jsonfeed.org): items[].url with date_modified / date_published."""
    try:
        feed = json.loads(body)
        items = feed["items"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DiscoveryError(f"not a JSON Feed ({exc.__class__.__name__})") from exc
    entries = []
    for item in items if isinstance(items, list) else []:
        url = item.get("url") or item.get("external_url") if isinstance(item, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            dates = [parse_date(item.get(k)) for k in ("date_modified", "date_published")]
            entries.append(Entry(url, _newest(dates)))
    return Document("jsonfeed", entries=entries)


def _parse_text(body: bytes) -> Document:
    """Plain-text sitemap: one URL a line."""
    lines = body.decode("utf-8", "replace").splitlines()
    urls = [line.strip() for line in lines if line.strip().startswith(("http://", "https://"))]
    if not urls:
        raise DiscoveryError("neither XML nor a text sitemap")
    return Document("text", entries=[Entry(u) for u in urls])


def _newest(dates: list[datetime | None]) -> datetime | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def parse_date(value: str | None) -> datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS); naive times are taken as UTC."""
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00:00+01:00: one bad date, not a lost document
        return None
