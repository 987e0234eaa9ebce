"""Quality flags: what a researcher should know before counting words in an article.

`is_article` is false when the page is not an article at all (section front, video page,
error or binary page, nothing extracted) or only a paywall teaser; everything else is a
flag on a kept article. `news.corpus` and `news.all_articles` show `is_article` rows only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.clean import paywall
from pipeline.clean.blocks import headline_like
from pipeline.clean.metadata import Metadata

TOO_SHORT_WORDS = 80
EXCLUDING = frozenset({"not_article", "paywalled_stub"})
_PAYWALL = re.compile(
    r"(subscribe (now )?to (continue|keep) reading|this (article|story|content) is (only )?(available|for) "
    r"(to )?(subscribers|members)|already a subscriber\?|to read the full (article|story),? (please )?"
    r"(subscribe|log ?in|sign in)|you have reached your (free )?article limit)",
    re.I,
)


def flags_for(meta: Metadata, paragraphs: Sequence[str], word_count: int, refused: str | None = None) -> list[str]:
    """The sorted quality flags of one cleaned page."""
    flags: set[str] = set()
    if refused or not paragraphs or meta.declares_non_article or _looks_like_listing(meta, paragraphs, word_count):
        flags.add("not_article")
    if word_count < TOO_SHORT_WORDS:
        flags.add("too_short")
    if _paywalled(meta, paragraphs, word_count):
        flags.add("paywalled_stub")
    if not meta.language:
        flags.add("language_unknown")
    if meta.published_at is None:
        flags.add("undated")
    if meta.ld_type == "liveblogposting":
        flags.add("liveblog")
    flags |= meta.date_flags if meta.published_at is None else meta.date_flags - {"date_uncertain"}
    return sorted(flags)


def is_article(flags: Sequence[str]) -> bool:
    return not EXCLUDING.intersection(flags)


def _looks_like_listing(meta: Metadata, paragraphs: Sequence[str], word_count: int) -> bool:
    """A page of teaser headlines with no article metadata: a section front or an index."""
    if meta.ld_type or meta.og_type == "article":
        return False
    headlines = sum(1 for p in paragraphs if headline_like(p.lstrip("-•* ")))
    return len(paragraphs) >= 3 and headlines / len(paragraphs) >= 0.6


def _paywalled(meta: Metadata, paragraphs: Sequence[str], word_count: int) -> bool:
    """A teaser: see `paywall.is_stub` (the evidence is read before pruning, in paywall.py)."""
    def prompt() -> bool:  # a search of every paragraph: only for the short or cut-off pages that need it
        return meta.paywall_prompt or any(_PAYWALL.search(p) for p in paragraphs)

    return paywall.is_stub(paragraphs, word_count, meta.accessible_for_free, prompt, meta.article_body_words)
