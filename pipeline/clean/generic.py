"""Layer 1, generic furniture: what news templates share, for outlets nobody wrote rules for.

Recall first: a rule drops text only on *evidence* that it is furniture, never on its words
alone. The words of a furniture line ("Read more: …", "Follow us on …", "Sign up to our
newsletter", "Copyright © 2026 …", "Source: Read Full Article", share labels —
`FURNITURE_LINES`) only name a *candidate*; a body sentence holding the same words
("Residents can read more about the plan…", "Source: a council officer said…") is text.
The evidence, per pass:

* DOM, before trafilatura: captions; share/newsletter/promo boxes by their class or id
  (only while short or link-dense, so a body container named "article-share-enabled"
  survives); paragraphs that are nothing but a link; heading-led link lists ("Most read",
  "Related"…); and furniture-line candidates that are mostly a link, link to another
  host, are a button, or sit in a small box whose class/role names furniture
  (`drop_marked_furniture_lines`).
* extracted paragraphs, after trafilatura (an aggregator's paste has no markup left): a
  furniture heading line with the headlines listed under it; candidates outside the
  article body — in the leading block before the first body paragraph or the trailing
  block after the last one (`_outside_body`); exact repeats and teaser bullets. Repetition
  across the site's own pages is learned separately (`learned.py`).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Sequence
from functools import lru_cache

from lxml import html as lxml_html

from pipeline.clean.blocks import (
    detached,
    drop_headed_blocks,
    drop_headed_lines,
    headline_like,
    link_text_share,
    normalized,
    short_text,
    squash,
    words,
    xp,
)

# headings that introduce a list of other stories
HEADING = re.compile(
    r"""^(?:
        most\ (?:read|popular|viewed|shared|watched)(?:\ (?:in|on|from)\ .{1,40})?
      | (?:read|see)\ (?:more|next|also)(?:\ (?:on|in|from|about)\ .{1,40})?
      | more\ (?:on|from|in|about)\ .{1,40}
      | more\ (?:stories|news|top\ stories|headlines)
      | related(?:\ (?:stories|articles|content|coverage|topics|links|reading|news|posts))?
      | trending(?:\ (?:now|stories|news|today|in\ .{1,30}))?
      | recommended(?:\ (?:for\ you|stories|reading|articles|videos))?
      | don'?t\ miss | you\ (?:may|might)\ (?:also\ )?(?:like|be\ interested\ in) | also\ read
      | top\ stories | latest\ (?:news|stories|headlines) | popular(?:\ now|\ stories)?
      | editor'?s\ picks | what\ to\ read\ next | in\ other\ news | today'?s\ top\ stories
    )\s*[:.!]?$""",
    re.I | re.X,
)

# the words of furniture lines: candidates only, dropped with evidence (module docstring)
FURNITURE_LINES = [
    re.compile(p, re.I)
    for p in (
        r"^source:\s*read (?:the )?(?:full|original) (?:article|story)$",
        r"^read (?:the )?(?:full|original) (?:article|story)(?: here| at .{1,40})?\.?$",
        r"^(?:read more|more|also read|read next|see also|related|recommended|most read)\s*:\s*.{3,200}$",
        r"^(?:sign up|subscribe)\b.{0,160}\bnewsletters?\b.{0,160}$",
        r"^.{0,160}\bsign(?:ing)? up (?:to|for) (?:our|the) .{0,60}newsletters?\b.{0,160}$",
        r"^(?:share|share this(?: article| story| post)?|share (?:on|via|with) .{1,20}|share this with|post|tweet|whatsapp"
        r"|email|e-mail|facebook|twitter|x|pinterest|linkedin|reddit|copy link|link copied|save|print"
        r"|comments?|view comments|\d+ (?:comments?|shares?)|sign me up|subscribe)$",
        r"^(?:image|photo|picture|video)?\s*credit\s*:.{0,120}$",
        r"^(?:click|tap) here to .{0,120}$",
        r"^(?:got a story|do you have a story(?: to tell)?)\??\s.{0,200}$",
        r"^(?:get in touch with our news team|for more stories like this|join our commenting forum"
        r"|join thought-provoking conversations).{0,200}$",
        r"^follow (?:us|[\w.@' ]{1,40}) on (?:twitter|facebook|instagram|x|google news|tiktok|threads)\b.{0,200}$",
        r"^(?:follow along with|follow|keep up with|stay up to date with) (?:all )?(?:the|our) latest"
        r" (?:updates|developments|news)(?: below| here| live)?\.?$",
        r"^(?:copyright\s*)?(?:©|\(c\))\s*(?:copyright\s*)?\d{4}(?:\s*[-–]\s*\d{4})?\b.{0,100}$",
        r"^advertisement$",
        r"^\d[\d,.]*$",  # a counter (shares, comments): a line without a word
    )
]

_CLASS_TOKEN = re.compile(
    r"(?:^|[-_])(?:share|sharing|social|newsletter|signup|subscribe|related|most-?read|mostread|most-?popular"
    r"|trending|recommended|read-?more|puff|outbrain|taboola|promo|caption|credit|comments?|advert|adslot|pull-?quote"
    r"|sponsored|by|byline|author)(?:[-_]|$)",
    re.I,
)
# boxes that are furniture however long their prose runs (an author's bio, a quoted tweet,
# a log-in wall), so they get a higher length cap than the share bars above
_BOX_TOKEN = re.compile(
    r"(?:^|[-_])(?:twitter-tweet|instagram-media|tiktok-embed|bluesky-embed|threads-embed"
    r"|author-*_*(?:bio|biography|description|info\w*)|about-?the-?author|bio|biography"
    r"|access-?wall|reg-?wall|registration-?wall|donations?|donate|donation-?promo)(?:[-_]|$)",
    re.I,
)
# a teaser card for another story: its headline is a link away (image, headline, dek, author)
_CARD_TOKEN = re.compile(r"(?:^|[-_])(?:card|teaser|story-?card)(?:[-_]|$)", re.I)
MAX_CARD_CHARS = 600
# "You are using a browser version with limited support…", "Please upgrade your browser"
_BROWSER_NOTICE = re.compile(
    r"(?:you are using|your browser|(?:upgrade|update) (?:your|to a (?:newer|modern|more up.to.date)) browser)"
    r".{0,120}(?:limited support|not (?:fully )?supported|unsupported|outdated|out of date|no longer supported"
    r"|upgrade|up to date browser|newer browser)",
    re.I,
)
# every word the three token patterns above can match, anywhere: a prefilter only
_ANY_NAME = re.compile(
    r"share|sharing|social|newsletter|signup|subscribe|related|most|trending|recommended|read|puff|outbrain"
    r"|taboola|promo|caption|credit|comment|advert|adslot|pull|sponsored|by|author|tweet|instagram|tiktok|bluesky"
    r"|threads|bio|access|reg|wall|donat|card|teaser",
    re.I,
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "InlineDonationPromo" names the same as "inline-donation-promo"
_NEVER_DROP = {"html", "body", "main", "article", "head"}
MAX_FURNITURE_CHARS = 400  # a share bar, caption or newsletter box is short (unless all links)
MAX_BOX_CHARS = 1500  # a bio or an embedded post; never a whole article body
MIN_REPEAT_WORDS = 8  # a shorter line may legitimately recur ("He said no.")
MAX_REPEAT_HOLDERS = 16  # paragraphs a list item is compared with (bounds a page of one repeated line)
_ITEM = ("- ", "• ")  # how trafilatura prints a list item
_TOKEN = re.compile(r"\w+")


def prune_dom(tree: lxml_html.HtmlElement) -> None:
    """Drop generic furniture elements in place (each step of DOM_STEPS in turn)."""
    for step in DOM_STEPS:
        step(tree)


def drop_figcaptions(tree: lxml_html.HtmlElement) -> None:
    """`<figcaption>`: a caption by its role."""
    for el in xp(tree, "//figcaption"):
        el.drop_tree()


@lru_cache(maxsize=4096)
def _named(class_and_id: str) -> tuple[bool, bool, bool]:
    """(box, card, furniture): what an element's class and id name (cached: templates reuse them)."""
    if not _ANY_NAME.search(class_and_id):
        return (False, False, False)  # most names hold no furniture word at all: one search
    names = _CAMEL.sub("-", class_and_id).split()
    return (any(_BOX_TOKEN.search(n) for n in names), any(_CARD_TOKEN.search(n) for n in names),
            any(_CLASS_TOKEN.search(n) for n in names))


def _names_of(el: lxml_html.HtmlElement) -> tuple[bool, bool, bool]:
    """`_named` of the class and of the id, apart (an id is unique: cached alone it would miss)."""
    by_class, by_id = _named(el.get("class") or ""), _named(el.get("id") or "")
    return by_class[0] or by_id[0], by_class[1] or by_id[1], by_class[2] or by_id[2]


def drop_furniture_boxes(tree: lxml_html.HtmlElement) -> None:
    """Elements whose class or id names furniture, while short or link-dense (see the tokens)."""
    for el in xp(tree, "//body//*[@class or @id]"):
        box, card, furniture = _names_of(el)
        if not (box or card or furniture) or el.tag in _NEVER_DROP or detached(el):
            continue
        if box and short_text(el, MAX_BOX_CHARS) is not None:
            el.drop_tree()
        elif (card and xp(el, "(.//h2|.//h3|.//h4)//a[@href]")
              and short_text(el, MAX_CARD_CHARS) is not None):
            el.drop_tree()
        elif not furniture:
            continue
        elif short_text(el, MAX_FURNITURE_CHARS) is not None or link_text_share(el) >= 0.5:
            if _BYLINE_NAME.search(el.get("class") or "") or _BYLINE_NAME.search(el.get("id") or ""):
                _lift_prose(el)
            el.drop_tree()


_BYLINE_NAME = re.compile(r"(?:^|[-_\s])(?:by|byline|author)(?:[-_\s]|$)", re.I)
MIN_LIFTED_WORDS = 5


def _lift_prose(box: lxml_html.HtmlElement) -> None:
    """Move a byline box's own prose paragraph (a standfirst printed with the byline and
    date) out in front of the box, so dropping the box drops names and dates only.

    Prose: a `<p>` or `<h2>` without links, of at least MIN_LIFTED_WORDS words, whose own
    class/id names no furniture (realpages: TechRadar's strapline inside "byline-social").
    """
    for el in list(box.iter("p", "h2")):
        if el is box or el.find(".//a") is not None or any(_names_of(el)):
            continue
        if words(el.text_content()) >= MIN_LIFTED_WORDS:
            el.tail = None
            box.addprevious(el)


def drop_image_captions(tree: lxml_html.HtmlElement) -> None:
    """WordPress caption: a paragraph of an image, a line break and an emphasised line."""
    for p in xp(tree, "//p[.//img]"):
        if not detached(p) and short_text(p, 200) and _all_emphasised(p):
            p.drop_tree()


def drop_browser_notices(tree: lxml_html.HtmlElement) -> None:
    for el in xp(tree, "//body//*[self::p or self::div][contains(., 'browser')]"):
        text = short_text(el, MAX_FURNITURE_CHARS)
        if text and not detached(el) and _BROWSER_NOTICE.search(text):
            el.drop_tree()


def drop_link_paragraphs(tree: lxml_html.HtmlElement) -> None:
    """A paragraph that is nothing but a link: an inline related-story link."""
    for p in xp(tree, "//p[.//a]"):
        if not detached(p) and words(p.text_content()) >= 3 and link_text_share(p) >= 0.95:
            p.drop_tree()


def drop_headed_link_blocks(tree: lxml_html.HtmlElement) -> None:
    drop_headed_blocks(tree, is_heading)


def drop_teaser_bullets(tree: lxml_html.HtmlElement) -> None:
    """List items whose words a body paragraph repeats (standfirst bullets cut from the lede).

    Dropped before trafilatura: it removes the second of two adjacent equal blocks itself,
    and with the bullet first that would be the body paragraph.
    """
    items = [li for li in tree.iter("li") if li.find(".//li") is None and li.find(".//p") is None]
    if not items:
        return
    tokens = [_TOKEN.findall(el.text_content().lower()) for el in items]
    candidates = [i for i in range(len(items)) if len(tokens[i]) >= MIN_REPEAT_WORDS]
    if candidates:  # only then are the paragraphs read (most pages have no long list item)
        paragraphs = list(tree.iter("p"))
        elements = items + paragraphs
        tokens += [_TOKEN.findall(el.text_content().lower()) for el in paragraphs]
        normal = [" ".join(t) for t in tokens]
        for i in _contained_items(candidates, tokens, normal, holders_ok=set(range(len(items), len(elements)))):
            if not detached(elements[i]):
                elements[i].drop_tree()


# whole lines only: an inline link or span inside a sentence is never dropped on its own
_LINE_ELEMENTS = ("p", "li", "div", "h2", "h3", "h4", "h5", "h6", "button", "section", "aside", "footer")
_BLOCK_CHILDREN = ("p", "div", "li", "ul", "ol", "section", "article", "table", "h1", "h2", "h3", "h4", "h5", "h6")
_FURNITURE_ROLES = {"complementary", "navigation", "contentinfo", "banner", "button", "dialog", "form"}
_FURNITURE_TAGS = {"aside", "nav", "footer", "form", "button"}
MAX_LINE_CHARS = 400  # a furniture line is a line or two, never a paragraph of prose
MAX_MARKED_BOX_CHARS = 1500  # an ancestor box whose class names furniture: never the article body
MARKED_BOX_LEVELS = 3  # ancestors looked at for a furniture class or role
_LINE_CANDIDATES = ("//body//*[" + " or ".join(f"self::{t}" for t in _LINE_ELEMENTS)
                    + "][not(" + " or ".join(_BLOCK_CHILDREN) + ")]"
                    + f"[string-length(normalize-space()) <= {MAX_LINE_CHARS}]")


def drop_marked_furniture_lines(tree: lxml_html.HtmlElement) -> None:
    """A furniture-line candidate (its words) that the markup also marks as furniture.

    Evidence (one suffices): at least half its text is linked, it links to another host
    (an aggregator's "Source: Read Full Article", a "Follow us on X" handle), it is or sits
    in a button, or one of its nearest MARKED_BOX_LEVELS ancestors is a small box (under
    MAX_MARKED_BOX_CHARS) whose class/id names furniture or whose tag/role is a side bar,
    navigation, footer or form. A candidate with none of these is left to the paragraph
    pass, which drops it only outside the article body.
    """
    host = _page_host(tree)
    for el in xp(tree, _LINE_CANDIDATES):
        text = normalized(el)
        if not text or not _furniture_or_heading(text) or detached(el):
            continue  # the words first: most candidates are body lines, turned away by a set lookup
        if _marked_as_furniture(el, host):
            el.drop_tree()


def _page_host(tree: lxml_html.HtmlElement) -> str | None:
    for href in xp(tree, "//head/link[@rel='canonical']/@href | //head/meta[@property='og:url']/@content"):
        found = _host(href)
        if found:
            return found
    return None


def _host(href: str) -> str | None:
    match = _HOST.match(href.strip())
    return match.group(1).lower().removeprefix("www.") if match else None


_HOST = re.compile(r"^(?:https?:)?//([^/:?#\s]+)", re.I)


def _marked_as_furniture(el: lxml_html.HtmlElement, host: str | None) -> bool:
    if link_text_share(el) >= 0.5:
        return True
    for a in el.iter("a"):
        other = _host(a.get("href") or "")
        if other and host and other != host and not other.endswith("." + host):
            return True
    node = el
    for _ in range(MARKED_BOX_LEVELS + 1):
        if node is None or node.tag in _NEVER_DROP:
            return False
        if node.tag in _FURNITURE_TAGS or (node.get("role") or "").lower() in _FURNITURE_ROLES:
            return True
        box, _, furniture = _names_of(node)
        if (box or furniture) and short_text(node, MAX_MARKED_BOX_CHARS) is not None:
            return True
        node = node.getparent()
    return False


DOM_STEPS = (drop_figcaptions, drop_furniture_boxes, drop_image_captions, drop_browser_notices,
             drop_link_paragraphs, drop_headed_link_blocks, drop_marked_furniture_lines, drop_teaser_bullets)


# the first words HEADING and FURNITURE_LINES can start with (`_FIRST` of the line): a set
# lookup turns away a body line before the long case-insensitive alternations run (~15 µs)
_HEADING_START = frozenset(
    "most read see more related trending recommended don you also top latest popular editor editors what in today"
    " todays".split())
_LINE_START = frozenset(
    "source read more also see related recommended most sign subscribe share post tweet whatsapp email e facebook"
    " twitter x pinterest linkedin reddit copy link save print comment comments view image photo picture video"
    " credit click tap got do get for join follow keep stay copyright c advertisement".split())
_FIRST = re.compile(r"[^\w©]*([a-z]*)")


def _first_word(text: str) -> str:
    return _FIRST.match(text[:40].lower()).group(1)


_ANY_START = _HEADING_START | _LINE_START


def _furniture_or_heading(text: str) -> bool:
    """`is_furniture_line(text) or is_heading(text)`, a body line turned away after one look
    at its first word (both tests start from it; squashing never changes a word that ends
    inside the 40 characters `_first_word` reads)."""
    match = _FIRST.match(text[:40].lower())
    if match.end() < 40 and match.group(1) and match.group(1) not in _ANY_START and not _SIGN_UP.search(text):
        return False
    return is_furniture_line(text) or is_heading(text)


def is_heading(text: str) -> bool:
    text = squash(text)
    return _first_word(text) in _HEADING_START and bool(HEADING.match(text))


_FURNITURE_LINE = re.compile("|".join(f"(?:{p.pattern})" for p in FURNITURE_LINES), re.I)


_SIGN_UP = re.compile(r"\bsign(?:ing)? up\b", re.I)  # the one candidate pattern that is not led by its first word


def is_furniture_line(line: str) -> bool:
    text = squash(line.lstrip("-–—•* "))
    first = _first_word(text)
    if first not in _LINE_START and first and not _SIGN_UP.search(text):
        return False  # "" (a line led by a digit or ©) goes to the patterns
    return bool(_FURNITURE_LINE.match(text))


def structured_lines(tree: lxml_html.HtmlElement) -> set[str]:
    """Normalised texts the markup itself calls headings, list items or emphasised lines.

    A headline-like line that is none of these is a plain paragraph pretending to be a
    headline: an aggregator's paste of the original's related-story links.
    """
    found = set()
    for el in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "li", "p", "blockquote", "figcaption", "td", "th"):
        if el.tag == "p" and not _all_emphasised(el):
            continue
        found.add(squash(el.text_content()).casefold())
    return found


def clean_paragraphs(paragraphs: Sequence[str], structured: set[str] | None = None) -> list[str]:
    """Drop pasted-in furniture lines, heading-led headline lists and orphan headlines.

    Orphan headlines are only looked for in a paste of another outlet's article (pass
    `structured`, from `structured_lines`, for those pages: an aggregator page crediting
    its source); elsewhere a short unpunctuated paragraph is too often a real subheading.
    """
    kept = drop_headed_lines(paragraphs, is_heading, min_listed=1)
    kept = _outside_body(kept)
    kept = _without_repeats(kept)
    if structured is not None:
        kept = [p for p in kept if not _orphan_headline(p, structured)]
    return kept


def _outside_body(paragraphs: list[str]) -> list[str]:
    """Drop furniture-line candidates in the leading and trailing blocks of the text.

    Position is the evidence: a "Follow along with the latest updates below." before the
    first body paragraph, or a run of "MORE: …", "Got a story? …", "Copyright © 2026 …",
    "Source: Read Full Article" lines after the last one, is outside the article; the same
    words between two body paragraphs are a body sentence, kept. A block is the maximal
    run of candidates (or furniture headings) at either end; a candidate longer than
    MAX_LINE_CHARS is prose and ends it.
    """
    def furniture(line: str) -> bool:
        return len(line) <= MAX_LINE_CHARS and (is_furniture_line(line) or is_heading(line))

    start, end = 0, len(paragraphs)
    while start < end and furniture(paragraphs[start]):
        start += 1
    while end > start and furniture(paragraphs[end - 1]):
        end -= 1
    return paragraphs[start:end]


def _without_repeats(paragraphs: list[str]) -> list[str]:
    """Drop exact repeats of a paragraph and teaser bullets that repeat a longer paragraph.

    Evidence, not words: a paragraph of at least MIN_REPEAT_WORDS words whose words come
    again in another paragraph is a duplicate when the page printed it twice — it is a list
    item (a repeated list, a product card's spec line), or another paragraph next to it is
    repeated too (a responsive template printing a block twice); of the copies the body one
    stays — not a list item, the longer spelling (with its full stop), the earlier one. A
    prose paragraph repeated alone, among paragraphs said once — far apart or side by side —
    is the writer repeating a line (a key sentence restated, a quote given again): article
    text, kept (sample web seed 11 at 1,000 stories: 5 such paragraphs were dropped; seed 3
    at 2,000 stories: 1 printed twice in a row). A paragraph whose words are only *part*
    of a longer one goes only when it is a list item (standfirst bullets cut from the first
    paragraph); a body sentence a longer paragraph also holds is article text, and a pull
    quote is caught by its class in the DOM pass.

    Linear in the page: paragraphs are grouped by their normalised words (a dict), and a
    list item is compared only with the paragraphs holding its first words (a dict of
    word runs), so a 40,000-paragraph page cleans in about a second.
    """
    tokens = [_TOKEN.findall(p.lower()) for p in paragraphs]
    normal = [" ".join(t) for t in tokens]
    rank = [(p.startswith(_ITEM), -len(p), i) for i, p in enumerate(paragraphs)]
    candidates = [i for i, t in enumerate(tokens) if len(t) >= MIN_REPEAT_WORDS]
    best: dict[str, int] = {}
    for i in candidates:
        if normal[i] not in best or rank[i] < rank[best[normal[i]]]:
            best[normal[i]] = i
    copies = collections.Counter(normal[i] for i in candidates)
    repeated = {i for i in candidates if copies[normal[i]] > 1}
    dropped = {
        i for i in repeated
        if best[normal[i]] != i and (paragraphs[i].startswith(_ITEM) or any(
            j in repeated and normal[j] != normal[i] for j in (i - 1, i + 1)))
    }
    items = [i for i in candidates if i not in dropped and paragraphs[i].startswith(_ITEM)]
    if items:
        dropped |= _contained_items(items, tokens, normal)
    return [p for i, p in enumerate(paragraphs) if i not in dropped]


def _contained_items(
    items: list[int], tokens: list[list[str]], normal: list[str], holders_ok: set[int] | None = None
) -> set[int]:
    """The list items whose words are a run inside a longer paragraph (the last word may be cut).

    With `holders_ok`, only those paragraphs count as holders, and one of the same length does.
    """
    width = MIN_REPEAT_WORDS - 1  # whole words even when the item was cut mid-word
    wanted: dict[tuple[str, ...], list[int]] = {}
    for i in items:
        wanted.setdefault(tuple(tokens[i][:width]), []).append(i)
    holders: dict[tuple[str, ...], list[int]] = {}
    for j, words_ in enumerate(tokens):
        for start in range(len(words_) - width + 1):
            key = tuple(words_[start:start + width])
            if key in wanted:
                found = holders.setdefault(key, [])
                if (not found or found[-1] != j) and len(found) < MAX_REPEAT_HOLDERS:
                    found.append(j)
    contained = set()
    for key, item_ids in wanted.items():
        for i in item_ids:
            needle = f" {normal[i]}"
            if any(
                (len(normal[j]) > len(normal[i]) if holders_ok is None else j in holders_ok and j != i)
                and needle in f" {normal[j]}"
                for j in holders.get(key, ())
            ):
                contained.add(i)
    return contained


def _orphan_headline(line: str, structured: set[str]) -> bool:
    return (
        headline_like(line)
        and words(line) >= 4
        and ";" not in line  # "Reporting by X in Y; Editing by Z"
        and not line.startswith(("- ", "• ", "|"))
        and squash(line).casefold() not in structured
    )


def _all_emphasised(el: lxml_html.HtmlElement) -> bool:
    text = squash(el.text_content())
    if not text:
        return False
    bold = sum(len(squash(b.text_content())) for b in el.iter("strong", "b", "em", "i"))
    return bold >= 0.9 * len(text)
