"""Fact tokens: the numbers, names, places and dates of a text.

Template stories (two weather warnings from one template for other regions, days and
rainfall; local briefs from one frame) share most of their wording and differ exactly in
these tokens, while a copy of a story, however edited, keeps the story's facts. `fact_hashes`
collects them so verification can tell the two apart (verify.facts_agree):

- any token with a digit (6am, 30mm, 2026, 101, 21日's '21');
- a capitalised word that does not open a sentence (Cumbria, Met, Office, Friday), spaced
  scripts only: unspaced scripts have no capitals, and their digits are what is left.

The flags are set by tokens.tokenize; returned as sorted distinct token hashes.
"""

from __future__ import annotations

import numpy as np

from pipeline.dedup.arrays import sorted_distinct
from pipeline.dedup.tokens import Tokens, tokenize


def fact_hashes(tokens: Tokens) -> np.ndarray:
    """Sorted distinct uint32 hashes (tokens.token_hash) of a tokenised text's fact tokens."""
    return sorted_distinct(tokens.hashes[tokens.fact])


def text_fact_hashes(text: str) -> np.ndarray:
    return fact_hashes(tokenize(text))
