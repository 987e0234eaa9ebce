"""Shingles: the overlapping k-token windows of a text, the sets MinHash compares.

Tokens come from `normalize.words`: words for spaced scripts, single characters for text
written without word spaces (Chinese, Japanese, Thai...; chosen per text). The window is
SHINGLE_WORDS = 5 words, or SHINGLE_CHARS = 4 characters for unspaced text:

- 5 words, measured in bench/dedup.py: unrelated stories share almost no 5-word windows even
  when written from the same templates, while an edited copy keeps most of them; 3-word
  windows give distractors (shared quotes, standard sentences) more common shingles and
  7-word ones make every edit cost more.
- 4 characters: a Chinese word is 1-2 characters, so 4 characters span 2-3 words (the usual
  3-5 character n-grams of Chinese near-duplicate detection); one changed character breaks
  4 shingles of a 245-character article's ~240, where a 5-"word" window over `\\w+` clauses
  broke 5 of 13.

Hashing (scheme "tokpoly32"): each token is hashed once (tokens.tokenize, over the text's
bytes in numpy), and a shingle's hash is the polynomial sum(t[i+j] * C[j]) mod 2**32 of its
k token hashes with odd constants C, computed for every window at once. No string is joined
or encoded per shingle. The 32-bit values feed MinHash's "affine32" scheme, whose fmix
pre-mix spreads them; at a few thousand shingles per article, 32-bit collisions are
negligible (~1e-3 per pair).
"""

from __future__ import annotations

import numpy as np
import xxhash

from pipeline.dedup.normalize import is_unspaced, words
from pipeline.dedup.tokens import Tokens, tokenize

SHINGLE_WORDS = 5
SHINGLE_CHARS = 4
HASH_SCHEME = "tokpoly32"
# odd multipliers (from a fixed xxh32 stream), one per position in the window
_COEF = np.array([xxhash.xxh32_intdigest(f"shingle-coef-{j}".encode()) | 1 for j in range(16)],
                 dtype=np.uint32)


def shingle_size(text: str) -> int:
    """Tokens per shingle for this text: SHINGLE_CHARS for unspaced scripts, else SHINGLE_WORDS."""
    return SHINGLE_CHARS if is_unspaced(text) else SHINGLE_WORDS


def size_for(tokens: Tokens) -> int:
    return SHINGLE_CHARS if tokens.unspaced else SHINGLE_WORDS


def window_hashes(hashes: np.ndarray, k: int) -> np.ndarray:
    """Hash of every k-token window (unsorted, repeats kept); fewer than k tokens: one window."""
    n = hashes.size - k + 1
    if hashes.size == 0:
        return hashes
    if n <= 1:
        return (hashes * _COEF[: hashes.size]).sum(dtype=np.uint32, keepdims=True)
    out = hashes[:n] * _COEF[0]
    for j in range(1, k):
        out += hashes[j : j + n] * _COEF[j]
    return out


def shingle_set(token_hashes: np.ndarray, k: int) -> np.ndarray:
    """Sorted distinct shingle hashes of a token-hash sequence."""
    if token_hashes.size == 0:
        return np.array([], dtype=np.uint32)
    values = window_hashes(token_hashes, k)
    values.sort()
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def shingle_hashes(text: str, k: int | None = None) -> np.ndarray:
    """Sorted distinct uint32 hashes of the text's shingles (the set MinHash sees).

    k defaults to the text's script (`shingle_size`). Equal to `window_hashes` over
    `tokens.token_hash` of each token of `normalize.words` (tests compare the two).
    """
    tokens = tokenize(text)
    return shingle_set(tokens.hashes, k or size_for(tokens))


def shingle_strings(text: str, k: int | None = None) -> list[str]:
    """The shingles of a text as strings, in order (repeats kept): the plain definition."""
    tokens = words(text)
    k = k or shingle_size(text)
    if len(tokens) <= k:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def to_bytes(hashes: np.ndarray) -> bytes:
    """Storage form of a shingle set (news.fingerprints.shingles): little-endian uint32 values."""
    return hashes.astype("<u4", copy=False).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def containment(small: np.ndarray, large: np.ndarray) -> float:
    """Exact share of `small`'s elements found in `large` (both sorted distinct arrays)."""
    if small.size == 0 or large.size == 0:
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
