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

import collections
import copy
import itertools
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

import trafilatura
from trafilatura.settings import Extractor
from lxml import etree
from lxml import html as lxml_html

from pipeline.clean import captions, datelines, generic, inline, learned as learned_layer, outlet_rules, paywall, quality
from pipeline.clean.blocks import normalized, squash
from pipeline.clean.byline import Byline, is_byline_line
from pipeline.clean.dates import parse_date, writes_day
from pipeline.clean.decode import decode_body
from pipeline.clean.flatten import flatten
from pipeline.clean.metadata import Metadata, date_from_url, read_metadata, strip_site_name
from pipeline.sources import Boilerplate

# bump the suffix when cleaning changes in a way worth re-extracting history for
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newscorpus-9"


class _NoDiscardNotice(logging.Filter):
    """Drops trafilatura's "discarding data: <url>" warning (trafilatura 2.3 core.bare_extraction
    logs it whenever it extracts nothing). Here that is an outcome, not a fault: the page is
    flagged `not_article` + `no_text` (quality.flags_for), and the stage or `clean` reports it
    once in its own words; the notice was a second, context-free stderr line (`clean blank.html`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and str(record.msg).startswith("discarding data"))


logging.getLogger("trafilatura.core").addFilter(_NoDiscardNotice())

# comments dropped at parse time: trafilatura's cleaning drops a comment with its tail
# text ("from the pandemic</a><!-- -->, but the effects…" would lose the sentence's end)
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
# every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python call per
# element proxy (~4 % of a sample-web page's cleaning time under cProfile) that only adds
# form-field classes, which nothing here uses
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity))
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
    byline: str | None                      # the person names, ", "-joined (None: no person)
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
    authors: list[str] = field(default_factory=list)   # person names, page order
    credit: str | None = None               # agencies/desks credited ("Press Association")
    byline_raw: str | None = None           # the byline as the page printed it
    modified_at: datetime | None = None
    paywalled: bool = False                 # the page declared or showed a paywall (stub or not)

    @property
    def is_article(self) -> bool:
        return quality.is_article(self.flags)

    def as_json(self) -> dict:
        """JSON-ready dict (dates as ISO 8601 UTC)."""
        data = asdict(self)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["modified_at"] = self.modified_at.isoformat() if self.modified_at else None
        data["is_article"] = self.is_article
        return data


@dataclass
class Draft:
    """A page after steps 1-5: metadata and paragraphs, before learned furniture is removed."""

    meta: Metadata
    paragraphs: list[str] = field(default_factory=list)
    refused: str | None = None
    link_share: float = 0.0   # share of the paragraphs' words that are link text (short texts only)


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
    try:
        tree = _parse(decoded.text)
    except ParserLimit as limit:
        return Draft(Metadata(), refused=f"the HTML parser stopped: {limit}")
    if tree is None:
        return Draft(Metadata(), refused="not an HTML document")
    inline.collapse(tree)  # thousands of inline elements in one block: text now, not a quadratic sort later
    meta = read_metadata(tree, url)
    if meta.title is None or meta.published_at is None:
        _fill_from(meta, trafilatura.extract_metadata(tree, default_url=url), url, tree)  # before pruning
    uncertain = "date_uncertain" in meta.date_flags  # the page named a date we cannot place: no guess
    if meta.published_at is None and not uncertain and (found := date_from_url(url)):  # the last evidence: the URL's day
        meta.published_at = found
        meta.date_flags.add("date_from_url")
    meta.paywall_prompt = paywall.prune_dom(tree)  # before generic pruning hides the evidence
    outlet_rules.prune_dom(tree, rules)
    datelines.prune_dom(tree)
    captions.prune_dom(tree)
    generic.prune_dom(tree)
    # only a paste of another outlet's article has plain-paragraph headlines to look for
    structured = generic.structured_lines(tree) if meta.source_link else None
    # favor_recall: trafilatura's layer keeps what it doubts, the layers here and learned
    # furniture remove furniture on evidence (bench/cleaning.py on realpages: recall 0.9745 ->
    # 0.9757, above bare trafilatura's 0.9743; favor_precision cost 0.013 recall; deduplicate
    # drops real repeated paragraphs of the sample web; include_tables changes nothing)
    doc = trafilatura.bare_extraction(tree, options=_extractor(url))
    if doc is None:
        return Draft(meta)
    paragraphs = [squash(line) for line in (doc.text or "").split("\n")]
    paragraphs = _restore_printed_repeats(tree, [p for p in paragraphs if p])
    paragraphs = _without_title(paragraphs, meta.title, meta.headline)
    paragraphs = outlet_rules.clean_paragraphs(paragraphs, rules)
    paragraphs = datelines.clean_paragraphs(paragraphs)
    paragraphs = [p for p in paragraphs if not is_byline_line(p, meta.authors)]
    paragraphs = [p for p in paragraphs if not captions.is_caption_line(p)]
    paragraphs, prompt = paywall.clean_paragraphs(paragraphs)
    meta.paywall_prompt = meta.paywall_prompt or prompt
    paragraphs = generic.clean_paragraphs(paragraphs, structured)
    return Draft(meta, paragraphs, link_share=link_share(tree, paragraphs))


_MAX_LINKS = 2000  # links read for `link_share`: a menu has tens to hundreds


def link_share(tree: lxml_html.HtmlElement, paragraphs: list[str]) -> float:
    """The share of the paragraphs' words that the page printed as link text (0.0-1.0).

    Measured on the pruned DOM trafilatura read (it works on a copy), and only for texts of
    at most `quality.LINK_CHECK_WORDS` words — navigation kept as text is short, and the
    substring test costs links × paragraphs. A link text counts where a paragraph contains it.
    """
    total = sum(count_words(p) for p in paragraphs)
    if not total or total > quality.LINK_CHECK_WORDS:
        return 0.0
    anchors = {squash(text) for text in (normalized(a) for a in itertools.islice(tree.iter("a"), _MAX_LINKS)) if text}
    linked = 0
    for paragraph in paragraphs:
        covered = sum(count_words(text) for text in anchors if text in paragraph)
        linked += min(covered, count_words(paragraph))
    return linked / total


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
        flags=quality.flags_for(meta, paragraphs, word_count, draft.refused, draft.link_share),
        canonical_link=meta.canonical_link,
        source_link=meta.source_link,
        authors=list(meta.authors),
        credit=meta.credit,
        byline_raw=meta.byline_raw,
        modified_at=meta.modified_at,
        paywalled=bool(meta.accessible_for_free is False or meta.paywall_prompt),
    )


# trafilatura's options for the main-text pass (see extract_draft), built once: an
# Extractor reads its numbers from a ConfigParser (eight lookups, ~0.1 ms) on every call
_EXTRACTOR = Extractor(output_format="python", comments=False, tables=True, recall=True)


def _extractor(url: str | None) -> Extractor:
    """The options with this page's URL (a shallow copy: trafilatura may set attributes)."""
    options = copy.copy(_EXTRACTOR)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _parse(text: str) -> lxml_html.HtmlElement | None:
    """The page's tree, or None when it is not an HTML document.

    libxml2 halts at 256 open elements, keeping only what came before (see `flatten.py`):
    then the page is parsed again from `flatten(text)`, which keeps its text and structure
    with fewer elements open. Raises ParserLimit when libxml2 still stopped at one of its
    resource limits, so a page is never cut silently.
    """
    text = _XML_DECLARATION.sub("", text, count=1)
    if "<" not in text[:2048]:
        return None
    try:
        tree = lxml_html.document_fromstring(text, parser=_PARSER)
        limit = _limit_hit(_PARSER.error_log)
        if limit and "depth" in limit:
            tree = lxml_html.document_fromstring(flatten(text), parser=_PARSER)
            limit = _limit_hit(_PARSER.error_log)
    except (etree.ParserError, ValueError):
        return None
    if limit:
        raise ParserLimit(limit)
    return tree if tree.find("body") is not None else None


class ParserLimit(Exception):
    """libxml2 stopped building the page's tree at one of its resource limits (the message)."""


def _limit_hit(log: etree._ListErrorLog) -> str | None:
    """libxml2's message when it stopped at a resource limit ("Excessive depth in document: 256 …")."""
    for error in log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            return error.message.strip()
    return None


# a body block the page printed again right after itself: same tag, same class, same text,
# longer than trafilatura's MIN_DUPLICATE_LENGTH (50 characters), below which it keeps repeats
_REPEAT_TAGS = ("p", "li", "blockquote", "pre", "h2", "h3", "h4")
_MIN_REPEAT_CHARS = 50


def _printed_in_a_row(tree: lxml_html.HtmlElement) -> list[str]:
    """The text of each block that repeats its previous sibling (one entry per extra copy).

    Cheap tests first (tag, first text nodes, children, class), so the whole texts of only
    the likely pairs are built: ~1 ms a realpages page, where one XPath expression took ~7 ms.
    """
    repeats = []
    for el in tree.iter(_REPEAT_TAGS):
        prev = el.getprevious()
        if (prev is None or prev.tag != el.tag or prev.text != el.text or len(prev) != len(el)
                or (len(el) and prev[0].text != el[0].text) or prev.get("class") != el.get("class")):
            continue
        text = squash(normalized(el))
        if len(text) > _MIN_REPEAT_CHARS and text == squash(normalized(prev)):
            repeats.append(text)
    return repeats


def _restore_printed_repeats(tree: lxml_html.HtmlElement, paragraphs: list[str]) -> list[str]:
    """Put back the copies of a paragraph the page printed twice (or more) in a row.

    trafilatura 2.3 drops an extracted block equal to the one before it when longer than 50
    characters (main_extractor.extract_content: meant for its own overlapping-candidate and
    recovery duplicates, bare extraction alike), so a line the writer printed twice in a row
    lost a copy (sample web seed 3 at 2,000 stories: the article text has it twice). The
    evidence here is the page's own DOM: sibling blocks of one tag and class with the same
    text; a template's second rendering differs in class and stays dropped, and the generic
    layer judges repeats afterwards (`generic._without_repeats`). Returns a new list.
    """
    extra = collections.Counter(_printed_in_a_row(tree))
    if not extra:
        return paragraphs
    restored = list(paragraphs)
    for text, more in extra.items():
        if text not in restored:
            continue  # pruned or not main text: nothing to restore
        at = restored.index(text)
        run = 1
        while at + run < len(restored) and restored[at + run] == text:
            run += 1
        if run < more + 1:
            restored[at:at] = [text] * (more + 1 - run)
    return restored


def _fill_from(meta: Metadata, doc: trafilatura.settings.Document | None, url: str | None = None,
               tree: lxml_html.HtmlElement | None = None) -> None:
    """trafilatura's metadata heuristics where the page's own declarations said nothing.

    Only called then: trafilatura's metadata pass costs about a third of its run time.
    """
    if doc is None:
        return
    if meta.title is None and doc.title:
        meta.title = strip_site_name(squash(doc.title), meta.site_names, meta.headline, url) or None
    if not meta.authors and not meta.credit and doc.author:
        byline = Byline()
        byline.add(doc.author)
        meta.set_byline(byline)
    if meta.published_at is None and "date_uncertain" not in meta.date_flags:  # htmldate would guess at the same unplaceable date
        _date_from_htmldate(meta, doc, tree, url)
    meta.site_name = meta.site_name or squash(doc.sitename or "") or None
    meta.categories = meta.categories or [c for c in (doc.categories or []) if c]
    meta.language = meta.language or (doc.language or None)


def _date_from_htmldate(meta: Metadata, doc: trafilatura.settings.Document,
                        tree: lxml_html.HtmlElement | None, url: str | None) -> None:
    """Take htmldate's day (trafilatura's `doc.date`, "YYYY-MM-DD") only when it is a day the
    page or its URL names; sets `meta.published_at` (midnight UTC) and its flag.

    htmldate (1.x, `core.find_date`) reads the URL (or the canonical link) first and returns its
    day before looking at the page: that day is flagged `date_from_url`, as when it is found
    here (`extract_draft`), so the feed's announced date still outranks it (extract/stage.py).
    Otherwise it makes days out of less than a day: its last resorts (`core.search_page`) turn
    the footer's "Copyright © 2024" or a lone year into 1 January and a "May 2024" or
    "2024-05" into 1 May, and its parsers (dateutil, dateparser) complete a partial value
    ("2024-05", "March 3") from the day of cleaning. A copyright year is not a publication
    date, a year or month is not a day, and a date must not depend on when the page is
    cleaned; so its day is kept only when the page writes that day in full, with its day,
    month and year (`dates.writes_day` over `_date_segments`); otherwise the article stays
    undated.
    """
    found = parse_date(doc.date, meta.locale)
    if found is None:
        return
    named = {date_from_url(u) for u in (url, meta.canonical_link, doc.url)} - {None}
    if found in named:
        meta.published_at = found
        meta.date_flags.add("date_from_url")
        return
    if tree is None or not writes_day(_date_segments(tree, found), found.date()):
        return
    meta.published_at = found


# attributes that hold links: a day in a link is the URL's day, flagged as such (above)
_LINK_ATTRIBUTES = frozenset({"href", "src", "srcset", "action", "data-src", "cite", "poster"})
_LINK_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|/|\./|\.\./)", re.I)  # an image path's day is no day written
_NOT_TEXT = frozenset({"script", "style", "noscript", "template"})
_MAX_SEGMENT = 200  # a date expression with its label; a longer text is cut around its years
_AROUND = 60  # characters kept on each side of a year in a longer text
_MAX_SEGMENTS = 20  # dateparser reads each: bounded on a page of thousands of dates


def _date_segments(tree: lxml_html.HtmlElement, day: datetime) -> list[tuple[str, str | None]]:
    """The page's short texts that could write `day`, with their language tag: each element's
    text nodes and its whole text when short (a date split over inline markup), its attribute
    values (not links or paths) and a script's quoted strings (JSON data). Only those holding
    the day's year (four digits, or two in a numeric date) and its day number, a long text cut
    to `_AROUND` characters each side of its years: dateparser reads a handful, not the page."""
    year = re.compile(rf"(?<!\d){day.year}(?!\d)|(?<!\d)\d{{1,2}}[./-]\d{{1,2}}[./-]{day.year % 100:02d}(?!\d)")
    number = re.compile(rf"(?<!\d)0?{day.day}(?!\d)")
    seen: set[str] = set()
    segments: list[tuple[str, str | None]] = []
    for el in tree.iter(etree.Element):
        for value in _texts_of(el):
            for text in _around(value, year):
                if text not in seen and number.search(text):
                    seen.add(text)
                    segments.append((text, _language_of(el)))
                    if len(segments) >= _MAX_SEGMENTS:
                        return segments
    return segments


def _around(value: str, year: re.Pattern[str]) -> list[str]:
    """`value` (whitespace squashed) if short and holding the year; else the windows around
    its first years."""
    if len(value) <= _MAX_SEGMENT:
        text = " ".join(value.split())
        return [text] if year.search(text) else []
    windows = []
    for match in itertools.islice(year.finditer(value), 5):
        windows.append(" ".join(value[max(0, match.start() - _AROUND):match.end() + _AROUND].split()))
    return windows


def _texts_of(el: lxml_html.HtmlElement) -> list[str]:
    """The element's attribute values (not links, not paths), its tail (a date loose in a
    block after an inline element), its whole text when short (a date split over inline
    markup) or else its own text; a script's quoted strings."""
    values = [v for k, v in el.attrib.items() if k not in _LINK_ATTRIBUTES and not _LINK_LIKE.match(v)]
    values.append(el.tail or "")
    if el.tag == "script":
        values += re.findall(r'"([^"\\]{6,%d})"' % _MAX_SEGMENT, el.text or "")
    elif el.tag not in _NOT_TEXT:
        text = el.text_content()
        values.append(text if len(text) <= _MAX_SEGMENT else el.text or "")
    return values


def _language_of(el: lxml_html.HtmlElement) -> str | None:
    """The nearest `lang` (or `xml:lang`) on the element or its ancestors (HTML: the language
    of an element's text is inherited)."""
    for node in itertools.chain((el,), el.iterancestors()):
        tag = node.get("lang") or node.get("{http://www.w3.org/XML/1998/namespace}lang")
        if tag:
            return tag
    return None


def _without_title(paragraphs: list[str], title: str | None, headline: str | None = None) -> list[str]:
    """trafilatura keeps the headline as the first line; the title has its own field.

    The page's `<h1>` counts too: a title that still differs from it (another wording in
    `og:title`) must not leave the headline in the text.
    """
    keys = [_TOKEN.findall(t.lower()) for t in (title, headline) if t]
    if not keys:
        return paragraphs
    head = [p for p in paragraphs[:3] if _TOKEN.findall(p.lower()) in keys]
    return [p for p in paragraphs if p not in head] if head else paragraphs


def _mostly_english(text: str) -> bool:
    tokens = _TOKEN.findall(text.lower())[:400]
    return len(tokens) >= 20 and sum(t in _EN_STOPWORDS for t in tokens) / len(tokens) >= 0.2
