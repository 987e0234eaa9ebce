"""Date lines are metadata, not text: "Published 18 June 2024, 08:00", "Updated <time>…".

The publication time is read into `published_at` (metadata.py); the line printing it, with
its "Published"/"Updated"/"Posted" label, would otherwise become the first paragraph. On the
DOM: the smallest block around a `<time>` (or a microdata date) whose text, the times'
texts removed, is only such labels. On plain paragraphs (an aggregator's paste): a line
that is a label followed by a date and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import html as lxml_html

from pipeline.clean.blocks import squash, xp

MAX_LINE_CHARS = 160
LABELS = re.compile(
    r"^(?:[\s|:·•,–—\-/]*(?:first\s+)?(?:published|updated|posted|modified|created|last\s+(?:updated|modified)"
    r"|originally\s+published|date|on|at|by)?\b)*[\s|:·•,–—\-/]*$",
    re.I,
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
DATE_LINE = re.compile(
    r"^(?:(?:first\s+)?(?:published|updated|posted|modified|last\s+(?:updated|modified))\s*:?\s*(?:on\s+|at\s+)?)+"
    r"(?:\w+day,?\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"|" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}[:.]\d{2}).{0,60}$",
    re.I,
)
_DATED = "//body//time | //body//*[@itemprop='datePublished' or @itemprop='dateModified']"


def prune_dom(tree: lxml_html.HtmlElement) -> int:
    """Drop date lines around `<time>` elements; returns how many blocks were dropped."""
    dropped = 0
    for time_el in xp(tree, _DATED):
        if time_el.getparent() is None or not _attached(time_el):
            continue
        block = _date_block(time_el)
        # the <time> alone is kept: inline in prose ("the meeting on <time>Tuesday</time>") it is text
        if block is not None and block is not time_el and block.tag not in ("body", "article", "main"):
            block.drop_tree()
            dropped += 1
    return dropped


def clean_paragraphs(paragraphs: Sequence[str]) -> list[str]:
    return [p for p in paragraphs if not is_date_line(p)]


def is_date_line(line: str) -> bool:
    text = squash(line)
    return len(text) <= MAX_LINE_CHARS and bool(DATE_LINE.match(text))


def _date_block(time_el: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The largest ancestor (up to a paragraph-sized block) holding only dates and labels."""
    best = None
    el = time_el
    while el is not None and el.tag not in ("body", "article", "main", "html"):
        text = squash(el.text_content())
        if len(text) > MAX_LINE_CHARS:
            break
        rest = text
        for dated in xp(el, ".//time | .//*[@itemprop='datePublished' or @itemprop='dateModified']") + [el]:
            if dated.tag == "time" or dated.get("itemprop") in ("datePublished", "dateModified"):
                rest = rest.replace(squash(dated.text_content()), " ")
        if not LABELS.match(rest):
            break
        best = el
        el = el.getparent()
    return best


def _attached(el: lxml_html.HtmlElement) -> bool:
    return any(a.tag == "html" for a in el.iterancestors())
