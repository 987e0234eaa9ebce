"""Layer 2, outlet rules: the `boilerplate:` block of a source in sources.yaml, applied.

Per-outlet knowledge is data: `drop_selectors` are CSS selectors removed from the DOM
before extraction; `drop_blocks_headed` are headings whose link list goes with them (in
the DOM and, for aggregators' pastes, in the extracted lines); `drop_lines` are regexes
searched in each extracted paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html
from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from pipeline.clean.blocks import detached, drop_headed_blocks, drop_headed_lines, squash
from pipeline.errors import ConfigError
from pipeline.sources import Boilerplate, compile_rule


def prune_dom(tree: lxml_html.HtmlElement, rules: Boilerplate | None) -> None:
    """Remove the outlet's selectors and headed blocks from the DOM in place."""
    if rules is None:
        return
    if rules.drop_selectors:
        for el in _selectors(tuple(rules.drop_selectors))(tree):  # one union: one walk of the tree
            if el.tag not in ("html", "body") and not detached(el):
                el.drop_tree()
    if rules.drop_blocks_headed:
        drop_headed_blocks(tree, _heading_matcher(tuple(rules.drop_blocks_headed)))


def clean_paragraphs(paragraphs: Sequence[str], rules: Boilerplate | None) -> list[str]:
    """Drop the outlet's headed blocks and matching lines from extracted paragraphs."""
    if rules is None:
        return list(paragraphs)
    kept = list(paragraphs)
    if rules.drop_blocks_headed:
        kept = drop_headed_lines(kept, _heading_matcher(tuple(rules.drop_blocks_headed)))
    patterns = _patterns(tuple(rules.drop_lines))
    return [p for p in kept if not any(rx.search(p) for rx in patterns)]


@lru_cache(maxsize=512)
def _selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except SelectorError as exc:
        raise ConfigError(f"boilerplate drop_selectors: bad CSS selector {css!r}: {exc}") from exc


@lru_cache(maxsize=512)
def _selectors(selectors: tuple[str, ...]) -> etree.XPath:
    """All of an outlet's selectors as one XPath union (each checked alone first, so a bad
    one is named in the error)."""
    for css in selectors:
        _selector(css)
    return etree.XPath(" | ".join(f"({_selector(css).path})" for css in selectors))


@lru_cache(maxsize=512)
def _patterns(patterns: tuple[str, ...]) -> tuple:
    """RE2-compiled (pipeline.sources.compile_rule): linear time on any paragraph."""
    return tuple(compile_rule(p) for p in patterns)


@lru_cache(maxsize=512)
def _heading_matcher(headings: tuple[str, ...]):  # noqa: ANN202 - a Matcher
    wanted = {h.casefold().strip(" :.") for h in headings}
    return lambda text: squash(text).casefold().strip(" :.") in wanted
