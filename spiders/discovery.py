"""Read what feeds and sitemaps announce: RSS 2.0/1.0, Atom, JSON Feed, sitemap indexes, Google News
sitemaps, gzipped sitemaps and plain-text sitemaps.

XML is parsed by lxml with entity resolution, network access and DTD loading off (the same
stance as `scrapy.utils.sitemap.Sitemap`). A document that declares entities in an internal
DTD is refused outright: feeds have no business doing that, and it is how billion-laughs
payloads look. Malformed XML is reported and what lxml can recover is still used, because
real feeds break in small ways all the time.

Feeds (RSS 0.9x/1.0/2.0, Atom), once lxml has checked them, are read by feedparser, which
resolves relative links against `xml:base` and the feed's own URL and knows the original-link
elements (`feedburner:origLink`) that FeedBurner-style proxies put next to an off-site
`<link>`. It is given the document with any DOCTYPE cut off, so it never sees a DTD.
Every announced item that yields no URL is counted in `Document.dropped` with its reason.

UTF-16 and UTF-32 documents (by their byte order mark, or by the wide form whose decode shows
markup) are read as UTF-8 (`as_utf8`) before anything looks at them.

Numeric character references to characters XML cannot hold or to no character at all
(`&#xD800;`, `&#1114112;`) are dropped before either parser reads the document, as they are
from pages (`pipeline.clean.decode.without_bad_references`): feedparser raised on them
(UnicodeEncodeError, ValueError, OverflowError) and the whole feed was lost for one title.
Should feedparser still fail on a document, lxml's reading of its items is used and the
failure is reported in `Document.warning`.
"""

from __future__ import annotations

import calendar
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from w3lib.encoding import read_bom

from pipeline.clean.decode import wide_encoding, without_bad_references

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
        dropped: announced items that gave no usable URL, per reason ("no link", …)
    """

    kind: str
    entries: list[Entry] = field(default_factory=list)
    sitemaps: list[Entry] = field(default_factory=list)
    warning: str | None = None
    dropped: Counter = field(default_factory=Counter)


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


def parse(body: bytes, url: str | None = None) -> Document:
    """Parse a feed or sitemap body (gzip or not) into the URLs it announces.

    Args:
        body: the document as fetched.
        url: where it was fetched from: relative links resolve against it (and `xml:base`).
    """
    body = as_utf8(maybe_gunzip(body))
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise DiscoveryError("empty document")
    if stripped.startswith(b"{"):
        document = _parse_json_feed(stripped)
    elif not stripped.startswith(b"<"):
        document = _parse_text(stripped)
    else:
        document = _parse_xml(without_bad_references(stripped), url)
    return _resolved(document, url)


_XML_DECLARATION = re.compile(rb"""\A(\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


def as_utf8(body: bytes) -> bytes:
    """A UTF-16 or UTF-32 document as UTF-8 bytes; any other document as it is.

    The byte order mark decides (w3lib's `read_bom`, as `pipeline.clean.decode` reads pages:
    UTF-32 before UTF-16); without one, a body with NUL bytes is taken in the wide form whose
    head reads as markup (`decode.wide_encoding`; XML 1.0 Appendix F, "Autodetection of
    Character Encodings", detects `<?xml` in each form the same way). Everything after this is
    ASCII-compatible code: the sniffing of `<` and `{`, the text sitemap's UTF-8 reading,
    `without_bad_references`; a UTF-16 feed, every other byte NUL, was refused as "neither XML
    nor a text sitemap". The XML declaration's `encoding` (it names the wide form) is rewritten
    to utf-8 so that lxml and feedparser read the transcoded bytes as what they now are; the
    document is still parsed by the same safe parser (no entity expansion, no DTD).
    """
    encoding, bom = read_bom(body)
    if encoding is None:
        encoding, bom = wide_encoding(body), b""  # None at once when the head has no NUL
    if encoding is None or encoding == "utf-8":
        return body
    data = body[len(bom):].decode(encoding, "replace").encode("utf-8")
    return _XML_DECLARATION.sub(rb"\1\2utf-8\2", data, count=1)


def _parse_xml(stripped: bytes, url: str | None) -> Document:
    """A sitemap through lxml, a feed through lxml (the check) and feedparser (the reading)."""
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
    if document.kind in ("rss", "rdf", "atom"):
        document = _read_feed(stripped, url, document)
    document.warning = "; ".join(w for w in (warning, document.warning) if w) or None
    return document


_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", re.I)


def _read_feed(body: bytes, url: str | None, checked: Document) -> Document:
    """A feed's items through feedparser (see the module docstring); `checked` is lxml's reading,
    kept when feedparser finds no entries at all (a document it cannot read)."""
    body = _DOCTYPE.sub(b"", body, count=1)
    headers = {"content-location": url} if url else {}
    try:
        parsed = feedparser.parse(body, response_headers=headers, resolve_relative_uris=False, sanitize_html=False)
    except Exception as exc:  # noqa: BLE001 - a third-party parser on hostile input; reported, lxml's reading kept
        checked.warning = f"feedparser failed ({type(exc).__name__}: {exc}); the items lxml read are used"
        return checked
    if not parsed.entries:
        return checked
    document = Document(checked.kind)
    feed_host = _host(url) if url else None
    for item in parsed.entries:
        link = _item_link(item, feed_host)
        if not link:
            document.dropped["no link"] += 1
            continue
        dates = [_struct_date(dict.get(item, k)) for k in ("updated_parsed", "published_parsed")]
        document.entries.append(Entry(link, _newest(dates)))
    return document


def _resolved(document: Document, url: str | None) -> Document:
    """The document with its URLs resolved against its own URL (when known), and those no URL
    parser can read (`http://[bad/`, an unclosed IPv6 literal: urlsplit raises ValueError)
    dropped and counted in `dropped` ("unparseable URL"): one such entry raised out of the
    parser and lost the whole sitemap."""
    for entry_list in (document.entries, document.sitemaps):
        kept = []
        for entry in entry_list:
            try:
                link = urljoin(url, entry.url.strip()) if url else entry.url
                urlsplit(link)
            except ValueError:
                document.dropped["unparseable URL"] += 1
                continue
            kept.append(Entry(link, entry.lastmod))
        entry_list[:] = kept
    return document


def _host(url: str) -> str | None:
    """The URL's host, None when it has none or cannot be parsed."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _item_link(item: dict, feed_host: str | None) -> str | None:
    """The article URL of one feed item: an original-link element first (`feedburner:origLink`,
    `pheedo:origLink`…: the article behind a tracking redirect), then `<link>`/the alternate
    link, then a permalink `<guid>`/`<id>` that is a URL."""
    for key, value in item.items():
        if key.endswith("origlink") and isinstance(value, str) and value.strip():
            return value.strip()
    links = [l for l in item.get("links", []) if isinstance(l.get("href"), str) and l["href"].strip()]
    alternates = [l["href"].strip() for l in links if l.get("rel", "alternate") == "alternate"]
    # any link at all (Atom rel="self" on an entry) before giving up, as feed readers do
    link = next(iter(alternates), None) or next((l["href"].strip() for l in links if l.get("rel") != "enclosure"), None)
    guid = item.get("id") or ""
    guid_is_url = isinstance(guid, str) and guid.startswith(("http://", "https://"))
    if link and guid_is_url and feed_host and _host(link) not in (None, feed_host) and _host(guid) == feed_host:
        return guid  # <link> points off-site (a redirector), the permalink guid is the outlet's own
    if not link and guid_is_url:
        return guid
    return link


def _struct_date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


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


def parse_date(value: object) -> datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS); naive times are taken as UTC. Anything but
    a string is no date (a JSON Feed's `"date_published": 5` raised AttributeError and lost the feed)."""
    if not value or not isinstance(value, str):
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
