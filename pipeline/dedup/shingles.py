"""Word shingles: the overlapping k-word windows of a text, the sets MinHash compares.

Each shingle is hashed once with xxhash (xxh32, a few ns per call in C) instead of
datasketch's default per-shingle SHA1; the 32-bit values feed MinHash's "affine32" scheme,
whose fmix pre-mix and bijective permutations need nothing stronger. At a few thousand
shingles per article, 32-bit collisions are negligible (~1e-3 per pair of articles).

SHINGLE_WORDS = 5: measured in bench/dedup.py. Unrelated stories share almost no 5-word
windows even when written from the same templates, while an edited copy keeps most of them;
3-word windows give the distractors (shared quotes, standard sentences, live-blog
templates) more common shingles and 7-word ones make every edit cost more.
"""

from __future__ import annotations

import numpy as np
import xxhash

from pipeline.dedup.normalize import words

SHINGLE_WORDS = 5
_xxh32 = xxhash.xxh32_intdigest


def shingle_strings(text: str, k: int = SHINGLE_WORDS) -> list[str]:
    """The k-word shingles of a text, in order (repeats kept); a text shorter than k words is one."""
    tokens = words(text)
    if len(tokens) <= k:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def shingle_hashes(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted distinct uint32 xxh32 hashes of the text's k-word shingles (the set MinHash sees).

    Same values as hashing each of `shingle_strings(text, k)`, built without a Python-level
    loop: zip of k shifted token lists -> " ".join -> encode -> xxh32, all through `map`.
    """
    tokens = words(text)
    n = len(tokens) - k + 1
    if n <= 1:
        return np.array([_xxh32(" ".join(tokens).encode())] if tokens else [], dtype=np.uint32)
    grams = map(" ".join, zip(*[tokens[i:] for i in range(k)]))
    hashes = np.fromiter(map(_xxh32, map(str.encode, grams)), dtype=np.uint32, count=n)
    hashes.sort()
    return hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]


def to_bytes(hashes: np.ndarray) -> bytes:
    """Storage form of a shingle set (news.fingerprints.shingles): little-endian uint32 values."""
    return hashes.astype("<u4", copy=False).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def containment(small: np.ndarray, large: np.ndarray) -> float:
    """Exact share of `small`'s shingles found in `large` (both sorted distinct hash arrays)."""
    if small.size == 0:
        return 0.0
    if large.size == 0:
        return 0.0
    # both sorted: a binary search per element, no concatenate-and-sort as np.isin does
    pos = np.searchsorted(large, small)
    pos[pos == large.size] = 0
    return float(np.count_nonzero(large[pos] == small)) / small.size


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two sorted distinct hash arrays."""
    if a.size == 0 and b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)
