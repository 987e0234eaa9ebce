"""Sorted distinct values of an array, by one sort.

Why not `np.unique`: numpy 2.4 answers a plain `np.unique(x)` (no return_index/counts) from
a hash table, then sorts what it found; measured here on random 64-bit keys it takes
~1.2 s for 700,000 values where `np.sort` and one comparison take ~25 ms (and ~50 ms vs
~5 ms at 50,000). dedup calls it on every batch's shingle, pair and bucket arrays.
"""

from __future__ import annotations

import numpy as np


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-d array (`np.unique(values)`), same dtype."""
    out = np.sort(values)
    if out.size < 2:
        return out
    keep = np.empty(out.size, dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]
