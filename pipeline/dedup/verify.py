"""Verification: which candidate pairs are copies of each other, and by what evidence.

A candidate pair is a copy pair when
- 'minhash': the MinHash estimate of Jaccard >= MINHASH_THRESHOLD (edited wire copies measure
  0.74-1.0 on the sample web; unrelated stories <= 0.06, shared-quote/live-blog/standard-sentence
  distractors <= 0.2), or
- 'containment': the smaller text's shingles lie mostly (>= CONTAINMENT_THRESHOLD) inside the
  larger's, computed exactly from the shingle hashes of the pair: a truncated aggregator copy
  is fully contained in its original (1.0 measured) while distractors stay <= 0.33. The
  smaller text needs MIN_CONTAINED_SHINGLES shingles, so a one-line brief cannot attach itself
  to every long story that happens to contain its sentence, or
- a link ('canonical-link', 'source-link') names the other article and the texts overlap
  (containment >= LINK_MIN_CONTAINMENT), so a wrong or generic link cannot merge unrelated
  stories.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.dedup.shingles import containment
from pipeline.dedup.signatures import estimated_jaccard

MINHASH_THRESHOLD = 0.5
CONTAINMENT_THRESHOLD = 0.8
MIN_CONTAINED_SHINGLES = 20
LINK_MIN_CONTAINMENT = 0.5


@dataclass(frozen=True)
class Match:
    """A verified copy pair (article_id < other_id), as stored in news.dedup_matches."""

    article_id: int
    other_id: int
    jaccard: float
    containment: float
    method: str

    @property
    def score(self) -> float:
        """How strongly the pair matches: Jaccard, or containment for a truncated copy."""
        return max(self.jaccard, self.containment)


def pair_containment(a: np.ndarray, b: np.ndarray) -> float:
    """Exact containment of the smaller shingle set in the larger."""
    small, large = (a, b) if a.size <= b.size else (b, a)
    return containment(small, large)


def verify(
    pair: tuple[int, int],
    signatures: tuple[np.ndarray, np.ndarray],
    shingles: tuple[np.ndarray, np.ndarray],
    link_method: str | None = None,
) -> Match | None:
    """The Match for a candidate pair, or None when the evidence does not hold."""
    a, b = pair
    if shingles[0].size == 0 or shingles[1].size == 0:
        return None
    jaccard = float(estimated_jaccard(signatures[0], signatures[1]))
    contained = pair_containment(*shingles)
    smaller = min(shingles[0].size, shingles[1].size)
    if jaccard >= MINHASH_THRESHOLD:
        method = "minhash"
    elif contained >= CONTAINMENT_THRESHOLD and smaller >= MIN_CONTAINED_SHINGLES:
        method = "containment"
    elif link_method and contained >= LINK_MIN_CONTAINMENT:
        method = link_method
    else:
        return None
    return Match(a, b, jaccard, round(contained, 6), method)
