"""Article metadata read from the page head: JSON-LD first, then Open Graph, then the markup.

Publishers write JSON-LD `NewsArticle` and `og:`/`article:` tags for search engines and
social cards, so they are the most deliberate statement of title, author and date a page
makes; trafilatura's own heuristics (passed in as `fallback`) fill what is missing. Dates
are normalised to aware UTC datetimes. The canonical link and an aggregator's "Source /
Read Full Article" link are kept as evidence for the dedup stage.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from pipeline.clean.urls import normalise_url

_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
    "socialmediaposting", "webpage",
}
_NOT_ARTICLE_OG_TYPES = {"website", "video.other", "video.movie", "video.episode", "profile", "music.song"}
_SOURCE_ANCHOR = re.compile(r"^\s*(source:?\s*)?read (the )?(full|original) (article|story)\s*$", re.I)
_SOURCE_PREFIX = re.compile(r"^\s*(source|via|originally published (at|by|on))\s*:?\s*$", re.I)


@dataclass
class Metadata:
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    categories: list[str] = field(default_factory=list)
    canonical_link: str | None = None
    source_link: str | None = None
    og_type: str | None = None
    ld_type: str | None = None
    accessible_for_free: bool | None = None

    @property
    def declares_non_article(self) -> bool:
        """The page itself says it is a section front, a video or a profile."""
        return self.og_type in _NOT_ARTICLE_OG_TYPES and self.ld_type is None


def read_metadata(tree: lxml_html.HtmlElement, url: str | None) -> Metadata:
    """Everything the head (and a few body links) say about the article."""
    meta = Metadata()
    ld = _json_ld_article(tree)
    og = _meta_properties(tree)
    if ld:
        meta.ld_type = _first_type(ld)
        meta.title = _clean(ld.get("headline") or ld.get("name"))
        meta.byline = _authors(ld.get("author"))
        meta.published_at = parse_date(ld.get("datePublished"))
        meta.modified_at = parse_date(ld.get("dateModified"))
        meta.language = _language(ld.get("inLanguage"))
        publisher = ld.get("publisher")
        if isinstance(publisher, dict):
            meta.site_name = _clean(publisher.get("name"))
        meta.categories = _strings(ld.get("articleSection"))
        free = ld.get("isAccessibleForFree")
        if free is not None:
            meta.accessible_for_free = str(free).lower() not in ("false", "0", "no")
    meta.og_type = (og.get("og:type") or "").lower() or None
    meta.title = meta.title or _clean(og.get("og:title") or og.get("twitter:title"))
    meta.byline = meta.byline or _clean(og.get("author") or og.get("article:author") or og.get("byl"))
    if meta.byline and meta.byline.startswith(("http://", "https://")):
        meta.byline = None  # article:author is often a profile URL, not a name
    meta.published_at = meta.published_at or parse_date(
        og.get("article:published_time") or og.get("datepublished") or og.get("pubdate")
        or og.get("date") or og.get("dc.date.issued") or og.get("sailthru.date")
    )
    meta.modified_at = meta.modified_at or parse_date(og.get("article:modified_time"))
    meta.site_name = meta.site_name or _clean(og.get("og:site_name"))
    meta.categories = meta.categories or _strings(og.get("article:section"))
    meta.language = meta.language or _language(tree.get("lang")) or _language(og.get("og:locale"))
    if meta.published_at is None:
        meta.published_at = _first_time_element(tree)
    meta.canonical_link = _canonical(tree, url)
    meta.source_link = _source_link(tree, url)
    return meta


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (naive means UTC) or epoch seconds/millis."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return parse_date(value[0]) if value else None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            from dateutil import parser as date_parser

            parsed = date_parser.parse(text)
        except (ValueError, OverflowError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.astimezone(UTC)


def _json_ld_article(tree: lxml_html.HtmlElement) -> dict | None:
    """The first article-typed JSON-LD object on the page (searching @graph and lists)."""
    candidates: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
            found = _objects(data)
        except (ValueError, RecursionError):  # broken, or nested deeper than the stack (hostile)
            continue
        candidates.extend(found)
    typed = [c for c in candidates if _first_type(c)]
    # prefer a real news type over a generic WebPage
    typed.sort(key=lambda c: _first_type(c) == "webpage")
    return typed[0] if typed else None


def _objects(data: object) -> list[dict]:
    if isinstance(data, list):
        return [o for item in data for o in _objects(item)]
    if isinstance(data, dict):
        return [data, *_objects(data.get("@graph", []))]
    return []


def _first_type(obj: dict) -> str | None:
    types = obj.get("@type")
    for t in types if isinstance(types, list) else [types]:
        if isinstance(t, str) and t.lower() in _ARTICLE_TYPES:
            return t.lower()
    return None


def _meta_properties(tree: lxml_html.HtmlElement) -> dict[str, str]:
    props: dict[str, str] = {}
    for el in tree.xpath("//meta[@content]"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key and key not in props:
            props[key] = el.get("content", "").strip()
    return props


def _authors(value: object) -> str | None:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        name = item.get("name") if isinstance(item, dict) else item
        name = _clean(name)
        if name and not name.startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _strings(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [s for s in (_clean(i) for i in items if isinstance(i, str)) if s]


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _language(value: object) -> str | None:
    """The primary language subtag, lowercase: 'en-GB' and 'en_GB' give 'en'."""
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower())[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _first_time_element(tree: lxml_html.HtmlElement) -> datetime | None:
    for el in tree.xpath("//time[@datetime] | //*[@data-timestamp]"):
        found = parse_date(el.get("datetime") or el.get("data-timestamp"))
        if found:
            return found
    return None


def _canonical(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    for el in tree.xpath('//link[@href][contains(concat(" ", normalize-space(@rel), " "), " canonical ")]'):
        href = el.get("href", "").strip()
        if href:
            return normalise_url(urljoin(url or "", href))
    return None


def _source_link(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    """An aggregator's credit link ("Source: Read Full Article") pointing off-site."""
    own_host = urlsplit(url).hostname if url else None
    for anchor in tree.xpath("//a[@href]"):
        text = anchor.text_content()
        parent = anchor.getparent()
        lead = (parent.text or "") if parent is not None else ""
        if not (_SOURCE_ANCHOR.match(text) or (_SOURCE_PREFIX.match(lead) and len(text) < 80)):
            continue
        target = urljoin(url or "", anchor.get("href", "").strip())
        host = urlsplit(target).hostname
        if host and host != own_host:
            return normalise_url(target)
    return None
