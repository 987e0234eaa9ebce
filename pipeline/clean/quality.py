"""Quality flags: what a researcher should know before counting words in an article.

`is_article` is false when the page is not an article at all (section front, video page,
error or binary page, nothing extracted, a text that is only navigation) or only a paywall
teaser; everything else is a flag on a kept article. `news.corpus` and `news.all_articles` show `is_article` rows only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import regex

from pipeline.clean import paywall
from pipeline.clean.blocks import ends_with_mark, headline_like, words
from pipeline.clean.metadata import Metadata

TOO_SHORT_WORDS = 80
# a page whose text is navigation, not an article: no paragraph reads as a sentence, or nearly
# all of its words are link text (a menu, a footer, a list of links the extractor kept)
MIN_PROSE_WORDS = 4           # "No one was hurt." is a sentence; "Home News Sport" is not
MOSTLY_LINKS = 0.8            # share of the text's words inside <a> (jusText's link-density idea)
LINK_CHECK_WORDS = 300        # link share is measured on texts up to this long (see article.py)
# Thai and Lao end sentences with a space, not a mark: a run of their letters is prose
_UNMARKED_SCRIPT = re.compile("[\u0e00-\u0eff]{40}")
# a sentence end inside the paragraph (Unicode's Sentence_Terminal property, any script), then
# the next sentence: after a space, or straight after a full-width mark ('完了。他说' — Chinese
# and Japanese put no space after 。！？)
_INNER_SENTENCE = regex.compile(r"\w(?:[\p{Sentence_Terminal}\u2026][\p{Pe}\p{Pf}\"']*\s+\S"
                                r"|(?=\p{Sentence_Terminal})[\p{ea=W}\p{ea=F}\p{ea=H}][\p{Pe}\p{Pf}\"']*\w)")
EXCLUDING = frozenset({"not_article", "paywalled_stub"})
NOT_ARTICLE_REASONS = frozenset({"refused", "no_text", "declared_not_article", "listing", "no_prose", "mostly_links"})
_PAYWALL = re.compile(
    r"(subscribe (now )?to (continue|keep) reading|this (article|story|content) is (only )?(available|for) "
    r"(to )?(subscribers|members)|already a subscriber\?|to read the full (article|story),? (please )?"
    r"(subscribe|log ?in|sign in)|you have reached your (free )?article limit)",
    re.I,
)


def flags_for(
    meta: Metadata, paragraphs: Sequence[str], word_count: int, refused: str | None = None, link_share: float = 0.0,
) -> list[str]:
    """The sorted quality flags of one cleaned page.

    `link_share`: the share of the text's words that are link text (`article.link_share`).
    `not_article` always comes with one flag saying why (NOT_ARTICLE_REASONS): `refused` (the
    cleaner refused the bytes: binary, not HTML, a parser limit; the reason is the draft's),
    `no_text` (nothing extracted), `declared_not_article` (og:type video, profile, website…),
    `listing` (teaser headlines, no article metadata), `no_prose` (not one paragraph reads as
    a sentence: a menu, a footer, link labels) or `mostly_links`.
    """
    flags: set[str] = set()
    if refused:
        flags |= {"not_article", "refused"}
    elif not paragraphs:
        flags |= {"not_article", "no_text"}
    elif meta.declares_non_article:
        flags |= {"not_article", "declared_not_article"}
    elif _looks_like_listing(meta, paragraphs, word_count):
        flags |= {"not_article", "listing"}
    elif not any(reads_as_prose(p) for p in paragraphs):
        flags |= {"not_article", "no_prose"}
    elif link_share >= MOSTLY_LINKS:
        flags |= {"not_article", "mostly_links"}
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


def reads_as_prose(paragraph: str) -> bool:
    """A sentence: a few words ending with a terminal mark of any script, or two sentences in
    one paragraph.

    'No one was hurt.' -> True; '无人受伤。' -> True; 'کوئی زخمی نہیں ہوا۔' -> True;
    'Home News Sport' -> False; 'About us · Contact · Terms' -> False. Words are counted per
    script (`blocks.words`: each Chinese or Thai letter is one).
    """
    if words(paragraph) < MIN_PROSE_WORDS:
        return False
    return (ends_with_mark(paragraph) or _INNER_SENTENCE.search(paragraph) is not None
            or _UNMARKED_SCRIPT.search(paragraph) is not None)


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
