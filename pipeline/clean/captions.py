"""Caption and credit lines next to media: not article text, however labelled.

Templates print a picture's or a clip's caption in many ways: `<figcaption>` (generic.py
drops it), any text inside a `<figure>` holding media ("media-text", "img-note" spans), or a
paragraph of its own right before or after the image or video: emphasised ("<em>The pup was
found … (Photo: Sam Reed)</em>"), or ending in a credit ("… Image: Marine Rescue Trust"),
or led by a label ("Clip: …", "Watch: …", "Pictured: …"). A paragraph is dropped only when it
sits next to media AND reads like a caption (short, and emphasised, credited or labelled),
so body prose after an inline image stays.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from pipeline.clean.blocks import squash, words

MEDIA_TAGS = ("img", "picture", "video", "audio", "iframe", "svg", "source", "embed", "object")
MAX_CAPTION_WORDS = 60
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
_MEDIA_XPATH = " or ".join(f"self::{t}" for t in MEDIA_TAGS)


def prune_dom(tree: lxml_html.HtmlElement) -> int:
    """Drop caption text in figures and caption paragraphs next to media; returns how many."""
    dropped = 0
    for figure in tree.xpath("//body//figure"):
        if figure.xpath(f".//*[{_MEDIA_XPATH}]") and not figure.xpath(".//blockquote"):
            for child in list(figure):
                if child.tag not in MEDIA_TAGS and not child.xpath(f"self::*[{_MEDIA_XPATH}] | .//*[{_MEDIA_XPATH}]"):
                    _drop(child)
                    dropped += 1
                else:
                    child.tail = None
            figure.text = None
    for p in tree.xpath("//body//p | //body//div[not(.//p) and not(.//div)]"):
        if p.getparent() is None or not _next_to_media(p):
            continue
        text = squash(p.text_content())
        if text and words(text) <= MAX_CAPTION_WORDS and (_emphasised(p, text) or CREDIT.search(text) or LABEL.match(text)):
            _drop(p)
            dropped += 1
    return dropped


def is_caption_line(line: str) -> bool:
    """A plain-text line that is only a credit ("Photo: Sam Reed", "(Picture: PA)")."""
    text = squash(line)
    return bool(text) and words(text) <= 12 and bool(CREDIT.match(text) or re.fullmatch(r"\(?\s*" + CREDIT.pattern, text, re.I))


def _next_to_media(el: lxml_html.HtmlElement) -> bool:
    """The element holds media, or its nearest element sibling (before/after) is or holds media,
    or it shares a small wrapper with media (a video box: <video> then a caption <p>)."""
    if el.xpath(f".//*[{_MEDIA_XPATH}]"):
        return True
    for sibling in (el.getprevious(), el.getnext()):
        while sibling is not None and not isinstance(sibling.tag, str):
            sibling = sibling.getprevious() if sibling is el.getprevious() else sibling.getnext()
        if sibling is not None and (sibling.tag in MEDIA_TAGS or sibling.xpath(f".//*[{_MEDIA_XPATH}]")) and not squash(
            _text_without_media(sibling)
        ):
            return True
    return False


def _text_without_media(el: lxml_html.HtmlElement) -> str:
    return "" if el.tag in MEDIA_TAGS else el.text_content()


def _emphasised(el: lxml_html.HtmlElement, text: str) -> bool:
    bold = sum(len(squash(b.text_content())) for b in el.iter("em", "i", "small", "cite"))
    return bold >= 0.9 * len(text)


def _drop(el: lxml_html.HtmlElement) -> None:
    """Remove the element, keeping its tail text (the prose after it is not the caption's)."""
    parent = el.getparent()
    if parent is None:
        return
    el.drop_tree()
