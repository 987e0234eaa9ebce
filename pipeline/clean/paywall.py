"""Paywall stubs: a teaser that breaks off, then a subscription or membership prompt.

The evidence a page gives, read before generic cleaning drops it as furniture:

* markup: a box whose class/id names a paywall product or function ("paywall",
  "subscribe-box", "premium", "piano", "tp-container", "regwall", "meter", "locked"…)
  holding a prompt — recorded, then removed so the prompt is never text;
* wording: a short paragraph asking the reader to subscribe, join, become a member or log in
  *in order to read on* (both halves needed, in any order and wording, so "members of the
  council voted" is not a prompt);
* truncation: the visible text stops mid-sentence, or is much shorter than the JSON-LD
  `articleBody` it declares;
* `isAccessibleForFree: false` (schema.org's paywalled-content markup, used by Google).

`is_stub` combines them (quality.py flags `paywalled_stub`, which keeps the page out of the
corpus); `paywalled` says a page declared or showed a paywall at all, stub or full text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html

from pipeline.clean.blocks import ends_with_mark, squash, words, xp

MAX_PROMPT_WORDS = 45      # a prompt is a line or two, never a paragraph of prose
MAX_BOX_CHARS = 1200       # a paywall box (prompt, offer, buttons)
STUB_MAX_WORDS = 250       # a page this short with paywall evidence is a teaser
TRUNCATED_SHARE = 0.6      # visible words below this share of articleBody's: truncated

_BOX_NAME = re.compile(
    r"(?:^|[-_\s])(?:pay-?wall|paywalled|subscribe|subscription|subscriber|premium|piano|tp-(?:container|modal|iframe)"
    r"|reg-?wall|meter(?:ed)?|locked|lock-?screen|member(?:ship)?-?(?:only|gate|wall|prompt)|plus-?content"
    r"|article-?gate|content-?gate|gate|offer|poool|pelcro|laterpay|zephr|tinypass)(?:[-_\s]|$)",
    re.I,
)
_ASK = (r"(?:subscribe|subscription|subscriber|become a (?:member|subscriber|supporter)|members?|join(?: us| today| now)?"
        r"|sign (?:in|up)|log ?in|register|unlock|upgrade|premium|already have an account)")
_READ = (r"(?:(?:continue|keep) reading|(?:this|the full|the whole) (?:article|story|piece)|read (?:the rest|on|more|the full|this (?:story|article)|unlimited)"
         r"|rest of (?:this|the) (?:story|article)|full (?:access|story|article)|unlimited (?:access|articles|reading)"
         r"|access (?:this|to (?:this|all|every|our))|exclusive (?:content|access)|is (?:only )?(?:available|for) (?:to )?"
         r"(?:subscribers|members))")
PROMPT = re.compile(rf"\b{_ASK}\b.{{0,80}}\b{_READ}|\b{_READ}.{{0,80}}\b{_ASK}\b", re.I)


def prune_dom(tree: lxml_html.HtmlElement) -> bool:
    """Remove paywall boxes (named so in the markup and holding a prompt) and prompt
    paragraphs; True when any was found."""
    found = False
    body = tree.find("body")
    if body is None or not _has_prompt(" ".join(" ".join(_TEXTS(body)).split())):
        return False  # both passes need a prompt somewhere: one look instead of one per element
    for el in xp(tree, "//body//*[@class or @id]"):
        if el.getparent() is None or el.tag in ("body", "html", "main", "article"):
            continue
        if not _box_named(f"{el.get('class') or ''} {el.get('id') or ''}"):
            continue
        text = squash(el.text_content())
        if len(text) <= MAX_BOX_CHARS and PROMPT.search(text):
            el.drop_tree()
            found = True
    for el in xp(tree, "//body//p | //body//div[not(.//p) and not(.//div)] | //body//h2 | //body//h3 | //body//h4"):
        if el.getparent() is not None and is_prompt(el.text_content()):
            el.drop_tree()
            found = True
    return found


# the body's text nodes, joined with spaces (so a prompt split over tags with no space between
# them, "<b>Premium</b><p>Subscribe to read…", is still seen)
_TEXTS = etree.XPath(".//text()[not(parent::script) and not(parent::style)]", smart_strings=False)


@lru_cache(maxsize=4096)
def _box_named(names: str) -> bool:
    """A class/id naming a paywall box (cached: a template repeats its class names)."""
    return bool(_BOX_NAME.search(names))


# lowercase text searched without re.I: Python's re scans a case-insensitive alternation far slower
_ASK_WORD = re.compile(r"subscri|member|supporter|sign (?:in|up)|log ?in|regist|unlock|upgrade|premium|join|account")


def _gate() -> object:
    """PROMPT for a whole page's text: RE2 on lowercased text, one linear scan (~0.1 ms on a
    sample-web page against ~0.5 ms for `re` searching windows around every ask word).

    RE2's `\\b` is ASCII-only, so next to a non-ASCII letter it sees a boundary Python's does
    not: the gate can only let more pages through, never fewer. Python's `re` with the same
    pattern if RE2 is missing or refuses it.
    """
    pattern = PROMPT.pattern  # all lowercase (re.I is what lets it match capitals), so it fits lowercased text
    try:
        import re2

        options = re2.Options()
        options.log_errors = False
        options.max_mem = 32 << 20  # the DFA of the bounded gaps
        return re2.compile(pattern, options=options)
    except Exception:  # noqa: BLE001 - any refusal: the standard engine gives the same answer
        return re.compile(pattern)


_PROMPT_LOWER = _gate()


def _has_prompt(text: str) -> bool:
    """PROMPT anywhere in a long text (a page's whole body, whitespace collapsed)."""
    return bool(_PROMPT_LOWER.search(text.lower()))


def is_prompt(text: str) -> bool:
    if not _ASK_WORD.search(text.lower()):  # PROMPT needs one of these words: a cheap look first
        return False
    text = squash(text)
    return bool(text) and words(text) <= MAX_PROMPT_WORDS and bool(PROMPT.search(text))


def clean_paragraphs(paragraphs: Sequence[str]) -> tuple[list[str], bool]:
    """(paragraphs without prompt lines, whether any was found)."""
    kept = [p for p in paragraphs if not is_prompt(p)]
    return kept, len(kept) != len(paragraphs)


def truncated(paragraphs: Sequence[str], word_count: int, article_body_words: int | None) -> bool:
    """The visible text stops mid-sentence or falls well short of the declared articleBody."""
    if article_body_words and word_count < TRUNCATED_SHARE * article_body_words:
        return True
    return bool(paragraphs) and not ends_with_mark(paragraphs[-1])


def is_stub(
    paragraphs: Sequence[str], word_count: int, accessible_for_free: bool | None, prompt: bool | Callable[[], bool],
    article_body_words: int | None,
) -> bool:
    """A teaser, not the article: short and declared/shown paywalled, or cut off with a prompt.

    `prompt` may be a function, called only when the answer needs it (a long page never does).
    """
    if word_count >= STUB_MAX_WORDS and not (article_body_words and word_count < TRUNCATED_SHARE * article_body_words):
        return False
    if article_body_words and word_count < TRUNCATED_SHARE * article_body_words:
        return True  # the page declares a body several times longer than what it shows
    cut = truncated(paragraphs, word_count, article_body_words)
    if accessible_for_free is False and (word_count < 200 or cut):
        return True
    return (cut or word_count < 150) and (prompt() if callable(prompt) else prompt)
