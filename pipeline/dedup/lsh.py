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


# xxh64's primes (xxHash specification, github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md)
_P1, _P2, _P3, _P4, _P5 = (np.uint64(p) for p in (
    0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5))


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def xxh64_rows(values: np.ndarray) -> np.ndarray:
    """xxh64 (seed 0) of each row's little-endian uint32 bytes, for rows of at most 7 values.

    The short-input path of the xxHash specification (input under 32 bytes: 8-byte lanes,
    then one 4-byte lane, then the avalanche), in numpy's wrapping uint64 arithmetic: the
    value `xxhash.xxh64_intdigest(row.tobytes())` gives (tests/test_dedup_speed.py checks it),
    for a whole (n, rows) array at once instead of one call per band.
    """
    values = np.asarray(values, dtype=np.uint32)
    n, width = values.shape
    if width > 7:
        raise ValueError("xxh64_rows: rows of at most 7 uint32 (28 bytes)")
    with np.errstate(over="ignore"):
        h = np.full(n, _P5 + np.uint64(4 * width), dtype=np.uint64)
        v = values.astype(np.uint64)
        for k in range(0, width - 1, 2):
            lane = v[:, k] | (v[:, k + 1] << np.uint64(32))
            h ^= _rotl(lane * _P2, 31) * _P1
            h = _rotl(h, 27) * _P1 + _P4
        if width % 2:
            h ^= v[:, width - 1] * _P1
            h = _rotl(h, 23) * _P2 + _P3
        h ^= h >> np.uint64(33)
        h *= _P2
        h ^= h >> np.uint64(29)
        h *= _P3
        h ^= h >> np.uint64(32)
    return h


def band_keys(banding: Banding, signatures: np.ndarray) -> np.ndarray:
    """(n, bands) int64 buckets of n signatures: what `banding.buckets` gives, row by row."""
    signatures = np.asarray(signatures, dtype=np.uint32)
    n = signatures.shape[0]
    rows = signatures[:, : banding.bands * banding.rows].reshape(n * banding.bands, banding.rows)
    # minus 2**63 into PostgreSQL's signed bigint: the top bit flipped, read as int64
    return (xxh64_rows(rows) ^ np.uint64(_SIGNED)).view(np.int64).reshape(n, banding.bands)


def article_buckets(body: np.ndarray, lead: np.ndarray, has_body: bool, has_lead: bool) -> list[tuple[int, int]]:
    """Every (band, bucket) key an article is stored under."""
    keys = BODY.buckets(body) if has_body else []
    if has_lead:
        keys += LEAD.buckets(lead)
    return keys
