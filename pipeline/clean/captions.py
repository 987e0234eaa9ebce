"""Caption and credit lines next to media: not article text, however labelled.

Templates print a picture's or a clip's caption in many ways: `<figcaption>` (generic.py
drops it), any text inside a `<figure>` holding media ("media-text", "img-note" spans), or a
paragraph of its own right before or after the image or video: emphasised ("<em>The pup was
found … (Photo: Sam Reed)</em>"), or ending in a credit ("… Image: Marine Rescue Trust"),
or led by a label ("Clip: …", "Watch: …", "Pictured: …"), or the only text of a small
box (div/span) around one picture. A paragraph is dropped only when it sits next to media
AND reads like a caption (short, and emphasised, credited or labelled), so body prose after
an inline image stays, and so does a note to readers set in italics under the lead picture
(an editor's note, a correction, an update line: READER_NOTE).
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from pipeline.clean.blocks import squash, words, xp

MEDIA_TAGS = ("img", "picture", "video", "audio", "iframe", "svg", "source", "embed", "object")
MAX_CAPTION_WORDS = 60
MAX_MEDIA = 150
# "(Photo: Sam Reed)", "Image: Marine Rescue Trust", "Picture: PA", "Credit: Getty Images"
CREDIT = re.compile(
    r"(?:\(\s*|\b)(?:photo(?:graph)?s?|image|pic(?:ture)?s?|credit|video|clip|footage|illustration|graphic)"
    r"\s*(?:credit)?\s*[:/|]\s*[^.()]{1,80}\)?\s*\.?$",
    re.I,
)
LABEL = re.compile(
    r"^(?:photo|image|picture|pic|clip|video|watch|footage|pictured|above|below|left|right|top|main image|gallery"
    r"|illustration|graphic)\s*[:|]\s*\S",
    re.I,
)
# A note to readers is article text wherever the template prints it, and it is often set in
# italics right under the lead picture, where an emphasised caption also sits: an editor's
# note, a correction or clarification, an update line, a republication note. Emphasis next
# to media is then no evidence of a caption (a credit or a caption label still is).
READER_NOTE = re.compile(
    r"^\W*(?:editor[’']?s[’']?\s+note|note\s+to\s+(?:readers|editors)|corrections?|clarifications?|updates?d?"
    r"|an\s+earlier\s+version|(?:this|the)\s+(?:story|article|report|post|piece|page)\s+(?:has\s+been|was|is|will\s+be"
    r"|originally|first)|this\s+is\s+a\s+(?:developing|breaking|live)(?:\s+news)?\s+story)\b",
    re.I,
)
_MEDIA_XPATH = " or ".join(f"self::{t}" for t in MEDIA_TAGS)


def prune_dom(tree: lxml_html.HtmlElement) -> int:
    """Drop caption text in figures and caption paragraphs next to media; returns how many."""
    dropped = 0
    body = tree.find("body")
    # pictures and clips, not icons (svg) or <source> children; a bounded number per page
    media_elements = list(body.iter("img", "picture", "video", "audio", "iframe"))[:MAX_MEDIA] if body is not None else []
    if not media_elements:
        return 0
    for figure in list(body.iter("figure")):
        if xp(figure, f".//*[{_MEDIA_XPATH}]") and not xp(figure, ".//blockquote"):
            for child in list(figure):
                if child.tag not in MEDIA_TAGS and not xp(child, f"self::*[{_MEDIA_XPATH}] | .//*[{_MEDIA_XPATH}]"):
                    _drop(child)
                    dropped += 1
                else:
                    child.tail = None
            figure.text = None
    for media in media_elements:
        block = _media_block(media)
        if block is None:
            continue
        if block is media and _media_box(media.getparent()):
            dropped += _strip_box(media.getparent())
            continue
        neighbours = [block.getprevious(), block.getnext()]
        if block is media and media.getparent() is not None and media.getparent().tag == "p":
            neighbours.append(media.getparent())  # <p><img> caption text</p>
        for el in neighbours:
            if el is not None and el.getparent() is not None and el.tag in _CAPTION_TAGS and _caption_like(el):
                _drop(el)
                dropped += 1
    return dropped


_CAPTION_TAGS = ("p", "div", "span", "em", "i", "small", "cite")
_STOP_TAGS = ("body", "article", "main", "section", "html")


def _media_block(media: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The largest ancestor holding only this media (no text of its own): its siblings are
    what sits "next to" the image or video."""
    if any(a.tag == "figure" for a in media.iterancestors()):
        return None  # figures are handled whole
    block = media
    parent = block.getparent()
    while parent is not None and parent.tag not in _STOP_TAGS and not squash(parent.text_content()) \
            and len(parent) <= 3:
        block, parent = parent, parent.getparent()
    return block


def _media_box(box: lxml_html.HtmlElement | None) -> bool:
    """A small wrapper (div/span/a) holding one picture or clip and a line of text: a caption box."""
    if box is None or box.tag not in ("div", "span", "a") or box.getparent() is None:
        return False
    if len(box) > 4 or xp(box, "count(.//p) > 1 or .//h1 or .//h2 or .//h3"):
        return False
    text = squash(box.text_content())
    return bool(text) and words(text) <= MAX_CAPTION_WORDS and len(list(box.iter(*MEDIA_TAGS))) == 1


def _strip_box(box: lxml_html.HtmlElement) -> int:
    """Remove the caption text of a media box, keeping the media."""
    box.text = None
    for child in list(box):
        if child.tag in MEDIA_TAGS or any(True for _ in child.iter(*MEDIA_TAGS)):
            child.tail = None
        else:
            _drop(child)
    for child in box:
        child.tail = None
    return 1


def _caption_like(el: lxml_html.HtmlElement) -> bool:
    text = squash(el.text_content())
    if not text or words(text) > MAX_CAPTION_WORDS:
        return False
    if CREDIT.search(text) or LABEL.match(text):
        return True
    return _emphasised(el, text) and not READER_NOTE.match(text)


def is_caption_line(line: str) -> bool:
    """A plain-text line that is only a credit ("Photo: Sam Reed", "(Picture: PA)")."""
    text = squash(line)
    return bool(text) and words(text) <= 12 and bool(CREDIT.match(text) or re.fullmatch(r"\(?\s*" + CREDIT.pattern, text, re.I))


def _emphasised(el: lxml_html.HtmlElement, text: str) -> bool:
    bold = sum(len(squash(b.text_content())) for b in el.iter("em", "i", "small", "cite"))
    return bold >= 0.9 * len(text)


def _drop(el: lxml_html.HtmlElement) -> None:
    """Remove the element, keeping its tail text (the prose after it is not the caption's)."""
    parent = el.getparent()
    if parent is None:
        return
    el.drop_tree()
