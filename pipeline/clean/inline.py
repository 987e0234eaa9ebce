"""Blocks made of thousands of inline elements, turned into plain text before trafilatura.

Why: trafilatura unwraps inline tags it does not keep (links with `links=False`, `span`,
formatting with `formatting=False`, its MANUALLY_STRIPPED list) with `lxml.etree.strip_tags`,
which leaves each unwrapped element's text and tail as separate, adjacent text nodes; its
next XPath over text (`//p//text()` in `main_extractor._extract`) then sorts them in document
order, and libxml2 orders sibling text nodes by walking the siblings: quadratic, inside one
C call no signal interrupts. Measured here (trafilatura 2.3.1, libxml2 2.14): one paragraph
of 4,000 links 1.9 s, 8,000 links 6.4 s, 50,000 links (a 1.2 MB page) more than 5 minutes
(now 0.5 s).

What: a block with more than `MAX_INLINE_CHILDREN` children that trafilatura would unwrap
anyway becomes one text node per run, in one linear pass, with the outcome trafilatura gives
such a block:

* a link farm by trafilatura's own rule (`htmlprocessing.link_density_test`: link text over
  `LINK_FARM_RATIO` of the text, links shorter than 100 characters on average) loses its
  links — trafilatura deletes such a block as boilerplate;
* any other block keeps every word (links and formatting unwrapped, as trafilatura's
  `convert_tags` and `tree_cleaning` would).

A real paragraph has tens of inline elements, so normal pages are not touched (bench/cleaning.py:
realpages and sample web unchanged).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html
from trafilatura.htmlprocessing import REND_TAG_MAPPING
from trafilatura.settings import MANUALLY_STRIPPED
from trafilatura.utils import LINK_FARM_RATIO

from pipeline.clean.blocks import squash

# more inline children than a paragraph has (a long one with a link every sentence has ~50);
# at 500 the quadratic sort costs ~0.1 s (the figures above), so a block just under it is cheap
MAX_INLINE_CHILDREN = 500
# the tags trafilatura unwraps itself with our options (links=False, formatting=False, images=False)
UNWRAPPED = frozenset({"a", "span", *REND_TAG_MAPPING, *MANUALLY_STRIPPED})
_FARM_MAX_AVERAGE_LINK = 100  # link_density_test: longer links on average are a catalogue, kept


def collapse(tree: lxml_html.HtmlElement) -> int:
    """Turn every block of more than MAX_INLINE_CHILDREN unwrappable children into text, in place.

    Only children whose whole subtree is unwrappable go (an inline element holding a `<br>`,
    an image kept by trafilatura or a block stays an element, and the runs around it become
    text). Returns the number of blocks collapsed. Linear in the page's size.
    """
    blocks = [el for el in tree.iter(etree.Element) if len(el) > MAX_INLINE_CHILDREN]
    collapsed = 0
    for block in blocks:
        plain = [_unwrappable(child) for child in block]
        if sum(plain) <= MAX_INLINE_CHILDREN:
            continue
        _rebuild(block, plain, drop_links=_link_farm(block))
        collapsed += 1
    return collapsed


def _unwrappable(el: etree._Element) -> bool:
    return el.tag in UNWRAPPED and all(d.tag in UNWRAPPED for d in el.iterdescendants())


def _link_farm(block: etree._Element) -> bool:
    """trafilatura's link-farm test: link text > LINK_FARM_RATIO of the text, short links
    (lengths of whitespace-collapsed text, as its `trim`)."""
    total = len(squash("".join(block.itertext())))
    lengths = [len(squash("".join(a.itertext()))) for a in block.iter("a")]
    lengths = [n for n in lengths if n]
    linked = sum(lengths)
    return bool(lengths) and linked > total * LINK_FARM_RATIO and linked < _FARM_MAX_AVERAGE_LINK * len(lengths)


def _rebuild(block: etree._Element, plain: list[bool], drop_links: bool) -> None:
    """Replace each run of unwrappable children (and the text around it) by one text node."""
    children = list(block)
    kept: list[etree._Element] = []
    run: list[str] = [block.text or ""]
    texts: list[str] = []          # the text before the first kept child, then each kept child's tail
    for child, unwrap in zip(children, plain, strict=True):
        if unwrap:
            run.extend(_text(child, drop_links))
            run.append(child.tail or "")
        else:
            texts.append("".join(run))
            kept.append(child)
            run = [child.tail or ""]
    texts.append("".join(run))
    attributes, tail = dict(block.attrib), block.tail
    block.clear()  # drops every child, the text, the tail and the attributes: restored below
    block.attrib.update(attributes)
    block.text = texts[0] or None
    for child, text in zip(kept, texts[1:], strict=True):
        child.tail = text or None
        block.append(child)
    block.tail = tail


def _text(el: etree._Element, drop_links: bool) -> Iterator[str]:
    """The text inside an element (not its tail); a link's text only when links stay."""
    if drop_links and el.tag == "a":
        return
    yield el.text or ""
    for child in el:
        yield from _text(child, drop_links)
        yield child.tail or ""
