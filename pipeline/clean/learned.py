"""Layer 3, learned site furniture: text blocks that recur across a domain's own pages.

An outlet nobody wrote rules for still repeats its template — a standards line, a
newsletter pitch, a sign-off — on every page. Each cleaned paragraph is fingerprinted
(xxhash64 of its lowercased word tokens); a fingerprint seen on at least K distinct URLs
of one domain (K = 5 by default) *and* on at least a share S of the domain's recent pages
(S = 0.2, over the domain's latest WINDOW = 500 pages) is furniture *for that domain*.

Note:
    Learning is per domain, so article text shared by copies on different domains (the
    syndication the dedup stage is looking for) is never learned. K pages, not 2, so a
    standard sentence that two short stories of one outlet share survives; a wire's
    "Reporting by …" line names different people each time and never repeats.

    The share is what tells a template from a standard sentence: a template block is on
    (nearly) every page of its layout, while a correction notice ("An earlier version of
    this story misstated …"), an editor's note or a live blog's standing intro recurs
    word for word on a few pages only — article text all the same. On the 1,000-story
    sample web (bench/cleaning.py --stories 1000) the one correction notice that repeats
    verbatim is on 9, 16, 5 and 5 pages of four domains (3.2-6.8 % of their pages) and was
    learned at K = 5 alone, dropping 35 real paragraphs; with S = 0.2 none is. The
    window keeps the share about the domain's current template: a block new to an
    outlet with years of history is learned once it is on a fifth of its latest pages.

The extract stage stores every page's fingerprints (`news.page_blocks`) and what was learned
(`news.learned_furniture`, see sql/migrations/003_extract.sql), so a rerun sees the same
furniture: that set-oriented side is `pipeline.extract.store` (`record_blocks`, `learn`).
bench/cleaning.py's `learn_in_memory` applies the same rule without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import xxhash

DEFAULT_MIN_PAGES = 5
DEFAULT_MIN_SHARE = 0.2
WINDOW = 500  # a domain's latest pages the share is measured over
_TOKEN = re.compile(r"\w+")


@lru_cache(maxsize=16_384)
def fingerprint(paragraph: str) -> int:
    """A signed 64-bit fingerprint of a paragraph's words (fits PostgreSQL bigint).

    Cached: a batch's paragraphs are fingerprinted to learn from (`fingerprints`) and again
    when each page is finished (`clean_paragraphs`); 16,384 paragraphs is a large extract
    batch (a few MB of strings held)."""
    normal = " ".join(_TOKEN.findall(paragraph.lower()))
    return xxhash.xxh64_intdigest(normal.encode("utf-8")) - (1 << 63)


def fingerprints(paragraphs: Iterable[str]) -> set[int]:
    return {fingerprint(p) for p in paragraphs if _TOKEN.search(p)}


def clean_paragraphs(paragraphs: Sequence[str], learned: set[int] | None) -> list[str]:
    """Drop the paragraphs whose fingerprint is learned furniture of this page's domain."""
    if not learned:
        return list(paragraphs)
    return [p for p in paragraphs if fingerprint(p) not in learned]
