"""LSH banding: which (band, bucket) keys an article is stored under in news.lsh_buckets.

Two articles become candidates when they share one (band, bucket). Band and row counts are
computed from a Jaccard threshold with datasketch's own `_optimal_param` (equal weights for
false positives and negatives), not picked by hand:

- body bands: BODY_THRESHOLD = 0.4 over 128 permutations -> 32 bands x 4 rows. The
  probability to become candidates is 1 - (1 - J^4)^32: 0.9998 at J = 0.7, ~1 above 0.75
  (edited wire copies measure J >= 0.74), 0.0002 at J = 0.05 (unrelated stories measure
  J <= 0.06). datasketch's default for threshold 0.8 (9 x 13) finds only 40% of J = 0.8
  pairs and 8% at 0.7 (bench/dedup.py).
- lead bands: LEAD_THRESHOLD = 0.6 over the 16-permutation lead sketch -> 4 bands x 4 rows,
  stored as bands 32..35. Identical leads always collide, which is what finds truncated copies.

A bucket is the xxh64 of the band's uint32 values, shifted into PostgreSQL's signed bigint.
An article without shingles gets no buckets (empty texts must not all collide).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import xxhash
from datasketch.lsh import _optimal_param

from pipeline.dedup.signatures import LEAD_PERM, NUM_PERM

BODY_THRESHOLD = 0.4
LEAD_THRESHOLD = 0.6
_SIGNED = 1 << 63


@dataclass(frozen=True)
class Banding:
    """b bands of r rows over a num_perm signature, numbered from `offset` in the table."""

    offset: int
    bands: int
    rows: int

    def buckets(self, signature: np.ndarray) -> list[tuple[int, int]]:
        """(band, bucket) keys of one signature."""
        data = np.ascontiguousarray(signature, dtype="<u4").tobytes()
        width = 4 * self.rows  # bytes of one band's rows (uint32 each)
        digest = xxhash.xxh64_intdigest
        return [(self.offset + i, digest(data[i * width : (i + 1) * width]) - _SIGNED)
                for i in range(self.bands)]

    def probability(self, jaccard: float) -> float:
        """Chance that two sets of this Jaccard similarity share at least one band."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands


@cache
def banding(threshold: float, num_perm: int, offset: int = 0) -> Banding:
    """datasketch's optimal (bands, rows) for a threshold, as a Banding."""
    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return Banding(offset, bands, rows)


BODY = banding(BODY_THRESHOLD, NUM_PERM)
LEAD = banding(LEAD_THRESHOLD, LEAD_PERM, offset=BODY.offset + BODY.bands)


def article_buckets(body: np.ndarray, lead: np.ndarray, has_body: bool, has_lead: bool) -> list[tuple[int, int]]:
    """Every (band, bucket) key an article is stored under."""
    keys = BODY.buckets(body) if has_body else []
    if has_lead:
        keys += LEAD.buckets(lead)
    return keys
