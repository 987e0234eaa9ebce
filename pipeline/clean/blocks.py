"""The shape shared by every furniture rule: a heading followed by a list of headlines.

Tabloids put "Most read in …", "Read More on …", "Related" blocks inside the article
body; in the DOM that is a heading plus a link list, in an aggregator's paste it is one
plain line followed by 3-5 headline lines. Generic and outlet rules differ only in which
headings they recognise, so both call the two functions here with their own matcher.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

import regex
from lxml import etree
from lxml import html as lxml_html

Matcher = Callable[[str], bool]

HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "header", "a", "li", "section", "aside")
MAX_HEADING_CHARS = 80
MAX_LISTED_LINES = 8      # headlines after a heading line that go with it
MAX_BLOCK_CHARS = 2500    # a heading-led link block is never longer than this
# the tag test first: string-length is then computed for candidate tags only
_SHORT_ELEMENTS = ("//body//*[" + " or ".join(f"self::{t}" for t in HEADING_TAGS)
                   + f"][string-length(normalize-space()) <= {MAX_HEADING_CHARS}]")


# an element's text, whitespace collapsed, in one C call (no Python text join and regex):
# XPath's normalize-space, which collapses XML whitespace (a no-break space stays)
normalized = etree.XPath("normalize-space()", smart_strings=False)


@lru_cache(maxsize=256)
def _compiled(expr: str) -> etree.XPath:
    return etree.XPath(expr)


def xp(node: lxml_html.HtmlElement, expr: str) -> list:
    """`node.xpath(expr)` with the expression compiled once (lxml compiles a string on
    every `.xpath` call: ~0.2 ms a page of the cleaning layers' scans on the sample web)."""
    return _compiled(expr)(node)


def squash(text: str) -> str:
    """Whitespace collapsed, ends trimmed (str.split: the same Unicode whitespace as `\\s`, no regex)."""
    return " ".join(text.split())


# letters of scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, CJK,
# kana): each is a word of its own, as word processors count East Asian text (the blocks of
# article.count_words and pipeline/dedup/normalize.UNSPACED)
UNSPACED = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f"
            "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
_ASCII_WORD = re.compile(r"\w+")
# the `regex` module's \w includes combining marks (Unicode TR18), so Devanagari, Arabic or Thai
# vowel signs do not split a word as Python's `re` does ('भारत' is one word, not 'भ', 'रत')
_WORD = regex.compile(r"\w+")
_UNSPACED_CHAR = regex.compile(f"[{UNSPACED}]")
_WORD_OR_LETTER = regex.compile(f"[{UNSPACED}]|(?:(?![{UNSPACED}])\\w)+")


def words(text: str) -> int:
    """Words in any script: runs of word characters, each unspaced-script letter one word.

    'Ferries halted' -> 2; 'भारत में बारिश' -> 3; '渡轮停航' -> 4. (Three patterns, fastest
    first: the letter-by-letter one costs ~5x on long English text with curly quotes.)
    """
    if text.isascii():
        return len(_ASCII_WORD.findall(text))
    if _UNSPACED_CHAR.search(text) is None:
        return len(_WORD.findall(text))
    return len(_WORD_OR_LETTER.findall(text))


# Unicode's Terminal_Punctuation property (UCD PropList.txt, read through the `regex` module):
# the marks that end a sentence or a clause in every script — . , : ; ! ? of Latin,
# 。、，：；！？ of CJK, ۔ ، ؛ ؟ of Arabic script (Arabic, Urdu, Persian), । ॥ of Devanagari,
# ။ of Myanmar, ។ of Khmer, ። of Ethiopic, ๚ ๛ of Thai… — and the ellipsis, which has no property.
# Thai and Lao mostly end a sentence with a space, not a mark (quality.py reads their prose by length).
_TERMINAL = regex.compile(r"[\p{Terminal_Punctuation}\u2026]")
# what may follow the mark: closing brackets and quotes of every script (Pe: ) ] 」 』 ）, Pf: ” ’ »,
# Pi: “ as German closes), straight quotes, emphasis stars and spaces
_CLOSING_CATEGORIES = frozenset({"Pe", "Pf", "Pi"})


def _before_closers(line: str) -> int:
    """The length of `line` without its closing quotes, brackets, stars and spaces (linear)."""
    end = len(line)
    while end and (line[end - 1].isspace() or line[end - 1] in "\"'*"
                   or unicodedata.category(line[end - 1]) in _CLOSING_CATEGORIES):
        end -= 1
    return end


@lru_cache(maxsize=1024)
def _mark(char: str) -> str | None:
    """'ask' for a question or exclamation mark of any script, 'stop' for any other terminal
    mark (full stops, commas, colons, semicolons, the ellipsis), None for anything else."""
    if not _TERMINAL.match(char):
        return None
    name = unicodedata.name(char, "")
    return "ask" if any(kind in name for kind in ("QUESTION", "EXCLAMATION", "INTERROBANG")) else "stop"


def final_mark(line: str) -> str | None:
    """`_mark` of the line's last character before closing quotes and brackets."""
    end = _before_closers(line)
    return _mark(line[end - 1]) if end else None


def ends_sentence(line: str) -> bool:
    """True when a line ends like body prose, in any script: a full stop, comma, colon,
    semicolon or ellipsis ('.', '。', '۔', '।', '，'…), also inside closing quotes or brackets.
    A question or exclamation mark ends headlines as often as prose: not counted here."""
    return final_mark(line) == "stop"


def ends_with_mark(line: str) -> bool:
    """True when a line ends with any terminal mark of any script, '?' and '!' included."""
    return final_mark(line) is not None


def headline_like(line: str) -> bool:
    """A short line that does not end like prose: a listed headline, not a paragraph."""
    return 2 <= words(line) <= 30 and not ends_sentence(line)


def drop_headed_lines(paragraphs: Sequence[str], is_heading: Matcher, min_listed: int = 0) -> list[str]:
    """Drop each heading line and the headline-like lines listed under it.

    With `min_listed`, a heading goes only with at least that many headlines under it (the
    list is the evidence; a lone "Related" line between body paragraphs is left alone).
    """
    kept: list[str] = []
    i = 0
    while i < len(paragraphs):
        line = paragraphs[i]
        if len(line) <= MAX_HEADING_CHARS and is_heading(line):
            listed = 0
            while (i + 1 + listed < len(paragraphs) and listed < MAX_LISTED_LINES
                   and headline_like(paragraphs[i + 1 + listed])):
                listed += 1
            if listed >= min_listed:
                i += 1 + listed
                continue
        kept.append(line)
        i += 1
    return kept


def short_text(el: lxml_html.HtmlElement, limit: int) -> str | None:
    """The element's squashed text, or None as soon as it is longer than `limit` characters.

    Headings are short; stopping early keeps a scan of every element linear in page size
    instead of re-reading each container's whole text.
    """
    parts, size = [], 0
    for piece in el.itertext():
        size += len(piece)
        if size > 3 * limit:  # whitespace-heavy markup gets slack before squashing
            return None
        parts.append(piece)
    text = squash("".join(parts))
    return text if len(text) <= limit else None


def link_text_share(el: lxml_html.HtmlElement) -> float:
    """How much of an element's text sits inside links (0 for an empty element)."""
    total = len(squash(el.text_content()))
    if not total:
        return 0.0
    linked = sum(len(squash(a.text_content())) for a in el.iter("a"))
    return min(1.0, linked / total)


def drop_headed_blocks(tree: lxml_html.HtmlElement, is_heading: Matcher) -> int:
    """Remove every heading-led link block; returns how many were removed.

    The block is the largest ancestor of the heading that is still (almost) only links
    besides the heading; a heading standing directly in the article body takes the
    link-dense siblings that follow it instead.
    """
    removed = 0
    # XPath (C) picks the short elements; Python only looks at those
    for el in xp(tree, _SHORT_ELEMENTS):
        text = normalized(el)
        if not text or not is_heading(text) or detached(el):
            continue
        block = _link_block(el, len(text))
        if block is not None:
            block.drop_tree()
        elif _alone(el, text):
            el.drop_tree()  # its list went already (a furniture box): the heading of nothing
        else:
            _drop_with_listed_siblings(el)
        removed += 1
    return removed


def _alone(heading: lxml_html.HtmlElement, text: str) -> bool:
    """The heading is the only text of its parent block (not the page's body or article):
    a widget's title whose list was removed before, never a subheading among paragraphs."""
    parent = heading.getparent()
    return (parent is not None and parent.tag not in ("body", "html", "article", "main")
            and heading.tag in ("h2", "h3", "h4", "h5", "h6") and normalized(parent) == text)


def detached(el: lxml_html.HtmlElement) -> bool:
    """True once an ancestor was dropped (lxml keeps the subtree alive)."""
    while el is not None:
        if el.tag == "html":
            return False
        el = el.getparent()
    return True


def _link_block(heading: lxml_html.HtmlElement, heading_chars: int) -> lxml_html.HtmlElement | None:
    best = None
    node = heading
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html", "article", "main"):
            break
        total = len(squash(parent.text_content()))
        if total > MAX_BLOCK_CHARS:
            break
        rest = total - heading_chars
        linked = sum(len(squash(a.text_content())) for a in parent.iter("a"))
        linked -= sum(len(squash(a.text_content())) for a in heading.iter("a"))
        if rest > 0 and linked < 0.75 * rest:
            break
        best = parent if rest > 0 else best
        node = parent
    return best


def _drop_with_listed_siblings(heading: lxml_html.HtmlElement) -> None:
    """Drop the heading with the link-dense siblings after it; with none, leave both to the
    paragraph pass (`drop_headed_lines`), which also sees headlines pasted as plain text."""
    listed = []
    sibling = heading.getnext()
    while sibling is not None and len(listed) < MAX_LISTED_LINES:
        text = squash(sibling.text_content())
        if not text or link_text_share(sibling) < 0.7:
            break
        listed.append(sibling)
        sibling = sibling.getnext()
    if listed:
        for el in listed:
            el.drop_tree()
        heading.drop_tree()
