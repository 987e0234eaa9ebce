"""One page → one cleaned article: decode, read metadata, three cleaning layers, flags.

The order, and why:

1. decode (`decode.py`): bytes to text, the declared charset checked against the bytes.
2. metadata (`metadata.py`), read from the untouched DOM: JSON-LD, Open Graph, canonical
   and source links.
3. DOM pruning, before trafilatura so its main-content heuristics never see furniture:
   outlet rules first (`outlet_rules.py`, precise), then generic furniture (`generic.py`).
4. trafilatura extracts the main text from the pruned DOM (metadata fallback too).
5. paragraph cleaning, for what survives as plain text (aggregators paste the tabloid's
   headings in as paragraphs): the title line, outlet rules, then generic rules.
6. learned site furniture (`learned.py`): needs every page of the domain, so the stage
   runs steps 1-5 (`extract_draft`) for a batch, learns, then `finish`es each draft.
7. quality flags (`quality.py`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from pipeline.clean import generic, learned as learned_layer, outlet_rules, quality
from pipeline.clean.blocks import squash
from pipeline.clean.decode import decode_body
from pipeline.clean.metadata import Metadata, parse_date, read_metadata
from pipeline.sources import Boilerplate

# bump the suffix when cleaning changes in a way worth re-extracting history for
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newscorpus-1"

# comments dropped at parse time: trafilatura's cleaning drops a comment with its tail
# text ("from the pandemic</a><!-- -->, but the effects…" would lose the sentence's end)
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_TOKEN = re.compile(r"\w+")
_EN_STOPWORDS = frozenset(
    "the of and to a in is that for on was with he it as at by his be from are said have has had not but "
    "they were their an this which been who will would".split()
)


@dataclass
class CleanedArticle:
    """The clean article of one page (see `clean_html`)."""

    title: str | None
    byline: str | None
    published_at: datetime | None
    language: str | None
    site_name: str | None
    categories: list[str]
    text: str
    paragraphs: list[str]
    word_count: int
    flags: list[str]
    canonical_link: str | None
    source_link: str | None

    @property
    def is_article(self) -> bool:
        return quality.is_article(self.flags)

    def as_json(self) -> dict:
        """JSON-ready dict (dates as ISO 8601 UTC)."""
        data = asdict(self)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["is_article"] = self.is_article
        return data


@dataclass
class Draft:
    """A page after steps 1-5: metadata and paragraphs, before learned furniture is removed."""

    meta: Metadata
    paragraphs: list[str] = field(default_factory=list)
    refused: str | None = None


def clean_html(
    html: str | bytes,
    url: str | None,
    rules: Boilerplate | None,
    learned: set[int] | None = None,
) -> CleanedArticle:
    """Clean one page.

    Args:
        html: the page, as text or as the raw bytes fetched (then decoded here).
        url: the page's URL (resolves relative links, helps trafilatura); may be None.
        rules: the outlet's `boilerplate:` rules from sources.yaml, or None.
        learned: fingerprints of the page's domain's learned furniture (`learned.py`).

    Example:
        >>> article = clean_html(open("page.html", "rb").read(), "https://www.thesun.co.uk/news/1/x/", None)
        >>> article.text, article.flags
    """
    return finish(extract_draft(html, url, rules), learned)


def extract_draft(
    html: str | bytes, url: str | None, rules: Boilerplate | None, content_type: str | None = None
) -> Draft:
    """Steps 1-5 of the module docstring; never raises on a bad page (it is refused instead)."""
    decoded = decode_body(html, content_type)
    if decoded.text is None:
        return Draft(Metadata(), refused=decoded.refused)
    tree = _parse(decoded.text)
    if tree is None:
        return Draft(Metadata(), refused="not an HTML document")
    meta = read_metadata(tree, url)
    if meta.title is None or meta.published_at is None:
        _fill_from(meta, trafilatura.extract_metadata(tree, default_url=url))  # before pruning
    outlet_rules.prune_dom(tree, rules)
    generic.prune_dom(tree)
    # only a paste of another outlet's article has plain-paragraph headlines to look for
    structured = generic.structured_lines(tree) if meta.source_link else None
    doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True)
    if doc is None:
        return Draft(meta)
    paragraphs = [squash(line) for line in (doc.text or "").split("\n")]
    paragraphs = _without_title([p for p in paragraphs if p], meta.title)
    paragraphs = outlet_rules.clean_paragraphs(paragraphs, rules)
    paragraphs = generic.clean_paragraphs(paragraphs, structured)
    return Draft(meta, paragraphs)


# letters of scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, CJK,
# kana): each counts as one word, as word processors count East Asian text; a 245-character
# Chinese article is ~230 words, not the 6 whitespace-separated clauses. Same blocks as
# pipeline/dedup/normalize.UNSPACED.
_UNSPACED_CHAR = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)


def count_words(text: str) -> int:
    """Whitespace-separated words, each unspaced-script letter counted as one word.

    'Ferries halted' -> 2; '渡轮停航。' -> 4; '21日宣布' -> 4 (the number and three characters).
    """
    if text.isascii() or not _UNSPACED_CHAR.search(text):
        return len(text.split())
    # such letters become words of their own; punctuation left alone between them is dropped
    spaced = _UNSPACED_CHAR.sub(lambda m: f" {m.group()} ", text)
    return sum(1 for chunk in spaced.split() if any(c.isalnum() for c in chunk))


def finish(draft: Draft, learned: set[int] | None = None) -> CleanedArticle:
    """Steps 6-7: drop learned furniture, count words, set quality flags."""
    meta = draft.meta
    paragraphs = learned_layer.clean_paragraphs(draft.paragraphs, learned)
    text = "\n\n".join(paragraphs)
    word_count = count_words(text)
    if not meta.language and _mostly_english(text):
        meta.language = "en"
    return CleanedArticle(
        title=meta.title,
        byline=meta.byline,
        published_at=meta.published_at,
        language=meta.language,
        site_name=meta.site_name,
        categories=list(meta.categories),
        text=text,
        paragraphs=paragraphs,
        word_count=word_count,
        flags=quality.flags_for(meta, paragraphs, word_count, draft.refused),
        canonical_link=meta.canonical_link,
        source_link=meta.source_link,
    )


def _parse(text: str) -> lxml_html.HtmlElement | None:
    text = _XML_DECLARATION.sub("", text, count=1)
    if "<" not in text[:2048]:
        return None
    try:
        tree = lxml_html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree if tree.find("body") is not None else None


def _fill_from(meta: Metadata, doc: trafilatura.settings.Document | None) -> None:
    """trafilatura's metadata heuristics where the page's own declarations said nothing.

    Only called then: trafilatura's metadata pass costs about a third of its run time.
    """
    if doc is None:
        return
    meta.title = meta.title or squash(doc.title or "") or None
    meta.byline = meta.byline or squash(doc.author or "") or None
    meta.published_at = meta.published_at or parse_date(doc.date)
    meta.site_name = meta.site_name or squash(doc.sitename or "") or None
    meta.categories = meta.categories or [c for c in (doc.categories or []) if c]
    meta.language = meta.language or (doc.language or None)


def _without_title(paragraphs: list[str], title: str | None) -> list[str]:
    """trafilatura keeps the headline as the first line; the title has its own field."""
    if not title:
        return paragraphs
    key = _TOKEN.findall(title.lower())
    head = [p for p in paragraphs[:3] if _TOKEN.findall(p.lower()) == key]
    return [p for p in paragraphs if p not in head] if head else paragraphs


def _mostly_english(text: str) -> bool:
    tokens = _TOKEN.findall(text.lower())[:400]
    return len(tokens) >= 20 and sum(t in _EN_STOPWORDS for t in tokens) / len(tokens) >= 0.2
