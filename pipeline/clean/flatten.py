"""Markup nested deeper than libxml2 builds, rewritten shallow enough to parse whole.

libxml2 (lxml's parser) stops building the tree at 256 open elements (`xmlParserMaxDepth`;
2048 with XML_PARSE_HUGE, lxml's `huge_tree`): it reports ERR_RESOURCE_LIMIT "Excessive depth
in document" and HALTS, so everything after that point — usually the whole article of a page
wrapped in thousands of `<div>`s, or of a template that never closes its `<font>`/`<span>`
tags — is lost without an exception. `huge_tree` only moves the cliff to 2048 and lifts other
safety limits with it, so `article._parse` notices the error instead and parses `flatten(text)`
again: the same tags, text and attributes, but no more than `MAX_DEPTH` elements open at once.

How: one pass of the standard library's tokenizer (`html.parser`, iterative, no tree, linear
in the page) keeps every tag while fewer than WRAPPER_DEPTH are open; deeper, a plain wrapper
start tag (`<div>`, `<span>`, `<font>`, `<b>` ...) and its end tag are dropped while the tags
the extractor reads as evidence (landmarks such as `<article>`/`<nav>`, lists, tables, links,
paragraphs) are kept up to MAX_DEPTH; beyond that only a block that carries text structure
(`<p>`, a heading, `<li>`, a cell, ...) is kept — closing the previous such block first — so
paragraphs stay paragraphs. The open-element count never undercounts libxml2's (implied ends only close
elements), so the result parses below the limit. Memory: the output and one stack entry per
open start tag; an end tag finds its element through a per-tag list of stack positions (no
scan down the stack: a `</aside>` after thousands of unclosed `<font>` still closes it).
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

WRAPPER_DEPTH = 128  # every tag kept while fewer are open
MAX_DEPTH = 224      # structural tags kept while fewer are open: under libxml2's 256, leaving
                     # room for the implied html/body/tbody and the one deep block
_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
# kept beyond MAX_DEPTH, one open at a time: they carry the article's paragraph structure
_BLOCKS = frozenset("p h1 h2 h3 h4 h5 h6 li dt dd blockquote pre td th caption figcaption".split())
# kept up to MAX_DEPTH where plain wrappers (div, span, font, b, ...) are dropped: the
# extractor's evidence of main text and furniture (landmarks, lists, tables, links)
_STRUCTURAL = _BLOCKS | frozenset(
    "html head body title article main nav aside header footer section figure form table thead tbody "
    "tfoot tr ul ol dl menu details summary a".split())
_RAW = frozenset({"script", "style"})
# start tag → open tags it closes when on top of the stack (HTML's implied end tags, the
# common cases), so unclosed <p>/<li> lists do not count as depth
_CLOSES = {"p": {"p"}, "li": {"li", "p"}, "dt": {"dt", "dd", "p"}, "dd": {"dt", "dd", "p"},
           "tr": {"tr", "td", "th"}, "td": {"td", "th"}, "th": {"td", "th"}, "option": {"option"}}


class _Flattener(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[list] = []   # [tag, emitted, closed-early] per open start tag
        self.open_at: dict[str, list[int]] = {}  # tag -> stack positions of its open elements
        self.depth = 0                # emitted and still open
        self.deep_block: list | None = None  # the one block kept open beyond MAX_DEPTH

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        markup = "<" + tag + "".join(f' {k}="{escape(v)}"' if v is not None else f" {k}" for k, v in attrs) + ">"
        if tag in _VOID:
            self.out.append(markup)
            return
        closes = _CLOSES.get(tag)
        while closes and self.stack and self.stack[-1][0] in closes:
            self._pop_to(len(self.stack) - 1)
        if self.depth < WRAPPER_DEPTH or tag in _RAW or (self.depth < MAX_DEPTH and tag in _STRUCTURAL):
            entry = [tag, True, False]
            self.out.append(markup)
            self.depth += 1
        elif tag in _BLOCKS:
            if self.deep_block is not None and not self.deep_block[2]:
                self._close(self.deep_block)
            entry = self.deep_block = [tag, True, False]
            self.out.append(markup)
            self.depth += 1
        else:
            entry = [tag, False, False]
        self.open_at.setdefault(tag, []).append(len(self.stack))
        self.stack.append(entry)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self._pop_to(len(self.stack) - 1)

    def handle_endtag(self, tag: str) -> None:
        positions = self.open_at.get(tag)
        if positions:
            self._pop_to(positions[-1])
        # else a stray end tag: dropped, as the tree builder would ignore it

    def handle_data(self, data: str) -> None:
        raw = self.stack and self.stack[-1][0] in _RAW
        self.out.append(data if raw else escape(data, quote=False))

    def _pop_to(self, index: int) -> None:
        """Close the open elements from the top of the stack down to `index`, inclusive."""
        while len(self.stack) > index:
            entry = self.stack.pop()
            self.open_at[entry[0]].pop()
            if entry[1] and not entry[2]:
                self._close(entry)

    def _close(self, entry: list) -> None:
        self.out.append(f"</{entry[0]}>")
        entry[2] = True
        self.depth -= 1
        if entry is self.deep_block:
            self.deep_block = None


def flatten(text: str) -> str:
    """`text` with at most MAX_DEPTH (+1) elements open at any point; comments and processing
    instructions dropped (the cleaner's parser drops them anyway)."""
    parser = _Flattener()
    parser.feed(text)
    parser.close()
    return "".join(parser.out)
