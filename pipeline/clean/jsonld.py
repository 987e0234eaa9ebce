"""The page's own JSON-LD article: `@graph` references resolved, the object matched to the URL.

Two shapes of the field break a "first article-typed object" reader:

* Yoast-style `@graph`s name the author and publisher by reference
  (`"author": [{"@id": "…#/schema/person/a1b2"}]`), the names living in other graph nodes;
* pages carry more than one article object: a promo or teaser block's `NewsArticle` for
  another URL can come before the page's own.

So every `application/ld+json` block is read, every node with an `@id` indexed, references
(objects holding only `@id`) replaced by the node they name (bounded depth, cycles cut), and
the article chosen by matching its `url`, `mainEntityOfPage`, `@id` or `isPartOf` to the
page's URL or canonical (scheme, `www.`, trailing slash, query and fragment ignored). An
article object that names another URL is never taken; one naming no URL is taken only when
nothing matches. JSON is parsed with the standard library (`strict=False` for raw control
characters, which CMSs emit); extruct's JSON-LD extractor would add no resolution of its own.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from lxml import html as lxml_html

from pipeline.clean.blocks import xp

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
    "socialmediaposting", "askpublicnewsarticle", "satiricalarticle", "report", "webpage",
}
MAX_DEPTH = 4          # how deep references are followed (author → worksFor → … is never needed deeper)
MAX_NODES = 2000       # nodes read from one page: a hostile page cannot make us walk forever
MAX_SCRIPT_CHARS = 2_000_000


def page_article(tree: lxml_html.HtmlElement, urls: list[str | None], titles: list[str | None] = ()) -> dict | None:
    """The JSON-LD object describing this page's article, references resolved, or None.

    Args:
        tree: the parsed page.
        urls: the page's URL and its canonical (either may be None).
        titles: the page's other statements of its headline (`og:title`, `<title>`, `<h1>`):
            an article object naming another URL (an AMP, syndicated or moved copy's) is still
            the page's own when its headline is one of them.
    """
    nodes = _nodes(tree)
    index = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    keys = {_key(u) for u in urls if u}
    typed = [n for n in nodes if article_type(n)]
    if not typed:
        return None
    matched, anonymous = [], []
    for node in typed:
        named = _urls_of(node, index)
        if keys and named & keys:
            matched.append(node)
        elif not named or not keys or _same_headline(node, titles):
            anonymous.append(node)
    pool = matched or anonymous
    if not pool:
        return None
    # a news type beats a generic WebPage describing the same URL
    pool.sort(key=lambda n: article_type(n) == "webpage")
    return resolve(pool[0], index)


def article_type(node: dict) -> str | None:
    """The node's first article-like schema.org type, lowercase, or None."""
    types = node.get("@type")
    for t in types if isinstance(types, list) else [types]:
        if isinstance(t, str) and t.rsplit("/", 1)[-1].lower() in ARTICLE_TYPES:
            return t.rsplit("/", 1)[-1].lower()
    return None


def resolve(value: object, index: dict[str, dict], depth: int = 0, seen: frozenset[str] = frozenset()) -> object:
    """`value` with `{"@id": …}` references replaced by the indexed nodes (copies)."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [resolve(v, index, depth + 1, seen) for v in value[:200]]
    if not isinstance(value, dict):
        return value
    ref = value.get("@id")
    if isinstance(ref, str) and set(value) <= {"@id", "@type"} and ref in index and ref not in seen:
        return resolve(index[ref], index, depth + 1, seen | {ref})
    own = frozenset({ref}) if isinstance(ref, str) else frozenset()
    return {k: resolve(v, index, depth + 1, seen | own) for k, v in value.items()}


def _same_headline(node: dict, titles: list[str | None]) -> bool:
    headline = node.get("headline") or node.get("name")
    if not isinstance(headline, str) or len(headline.split()) < 3:
        return False
    key = _fold(headline)
    return any(t and (key in _fold(t) or _fold(t) in key) and len(_fold(t)) > 10 for t in titles)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _nodes(tree: lxml_html.HtmlElement) -> list[dict]:
    found: list[dict] = []
    for script in xp(tree, '//script[@type="application/ld+json"]'):
        text = script.text_content() or ""
        if len(text) > MAX_SCRIPT_CHARS:
            continue
        try:
            data = json.loads(text.strip().rstrip(";") or "null", strict=False)
        except (ValueError, RecursionError):  # broken, or nested deeper than the stack (hostile)
            continue
        _collect(data, found, 0)
        if len(found) >= MAX_NODES:
            break
    return found[:MAX_NODES]


def _collect(data: object, found: list[dict], depth: int) -> None:
    if depth > 3 or len(found) >= MAX_NODES:
        return
    if isinstance(data, list):
        for item in data:
            _collect(item, found, depth + 1)
    elif isinstance(data, dict):
        found.append(data)
        _collect(data.get("@graph"), found, depth + 1)
        main = data.get("mainEntity")  # a WebPage whose mainEntity is the article
        if isinstance(main, (dict, list)):
            _collect(main, found, depth + 1)


def _urls_of(node: dict, index: dict[str, dict]) -> set[str]:
    """Keys of the URLs a node says it describes."""
    values: list[object] = [node.get("url"), node.get("@id"), node.get("mainEntityOfPage")]
    part_of = node.get("isPartOf")
    if isinstance(part_of, dict) and isinstance(part_of.get("@id"), str):
        part_of = index.get(part_of["@id"], part_of)
    if isinstance(part_of, dict) and article_type(part_of) == "webpage":
        values += [part_of.get("url"), part_of.get("@id")]
    keys = set()
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item = item.get("@id") or item.get("url")
            if isinstance(item, str) and item.startswith(("http://", "https://", "//")):
                keys.add(_key(item))
    return keys


def _key(url: str) -> str:
    """host without www. + path without trailing slash: what two spellings of one page share."""
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"
