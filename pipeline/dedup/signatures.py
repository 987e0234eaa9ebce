"""MinHash signatures of an article: one over the whole text, one over its lead.

Both are datasketch MinHashes in the "affine32" scheme (datasketch 2.0's default: bijective
32-bit permutations, values stored as uint32) over shingle hashes that were already
xxh32-hashed once (as `hashfunc=int`: the scheme's fmix pre-mix spreads them). `signatures`
computes them in numpy with datasketch's own permutation parameters, bit-identical to
`MinHash.generator` + `update_batch` (tests/test_dedup_speed.py) without its per-value calls.
bench/dedup.py compares the whole path (shingling included) with datasketch's batch paths
(`MinHash.bulk`, `update_batch`, default SHA1 hash) and with rensa, per CPU-second.

- body: NUM_PERM = 128 permutations over the whole text. Standard error of the Jaccard
  estimate is sqrt(J(1-J)/128) <= 0.044, well inside the gap between edited copies (J >= 0.74
  measured on the sample web) and the verification threshold (0.5). 64 halves the cost but
  doubles the variance near the threshold; 256 buys nothing the data needs.
- lead: LEAD_PERM = 16 over the first paragraph (see `lead_text`). A truncated aggregator copy
  (first 3-5 paragraphs of an 800-word story) has a whole-text Jaccard as low as 0.06 (no
  LSH setting finds that without flagging every unrelated pair too), but its lead is the
  original's lead. The lead sketch only has to find near-identical leads, so 16 suffice.

Signatures are stored as little-endian uint32 arrays (4 bytes x num_perm) in
news.fingerprints.signature; seed and scheme are fixed here and recorded in `SCHEME_TAG`.
"""

from __future__ import annotations

import re
from functools import cache
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.dedup.tokens import Tokens

NUM_PERM = 128
LEAD_PERM = 16
SEED = 1
MINHASH_SCHEME = "affine32"
# a lead: the first paragraph, topped up to LEAD_MIN_WORDS from the next ones, cut at LEAD_MAX_WORDS
LEAD_MIN_WORDS = 15
LEAD_MAX_WORDS = 50
# unspaced scripts: one token per character, a word is ~1.5-2 characters
LEAD_MIN_CHARS = 30
LEAD_MAX_CHARS = 90
_PARAGRAPHS = re.compile(r"\s*\n\s*")


@cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a, b) for SEED, as uint32 rows."""
    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme=MINHASH_SCHEME).permutations
    return a.astype(np.uint32)[np.newaxis, :], b.astype(np.uint32)[np.newaxis, :]


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix datasketch's affine32 scheme applies."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signatures(shingle_sets: Sequence[np.ndarray], num_perm: int = NUM_PERM) -> np.ndarray:
    """One row of num_perm uint32 MinHash values per shingle set (empty set: all 2**32-1).

    Exactly datasketch's `MinHash(num_perm, seed=SEED, hashfunc=int, scheme="affine32")`
    after `update_batch(shingles)` (tests/test_dedup_speed.py compares them), computed on
    the uint32 arrays directly instead of through datasketch's per-value `hashfunc` calls.
    """
    a, b = _permutations(num_perm)
    out = np.full((len(shingle_sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if not len(shingle_sets):
        return out
    # one (shingles, num_perm) work buffer reused for every set: no temporaries per article
    buffer = np.empty((max(map(len, shingle_sets)), num_perm), dtype=np.uint32)
    for row, shingles in enumerate(shingle_sets):
        n = len(shingles)
        if n:
            hv = _fmix32(np.asarray(shingles, dtype=np.uint32))[:, np.newaxis]
            values = buffer[:n]
            np.multiply(hv, a, out=values)
            np.add(values, b, out=values)
            values.min(axis=0, out=out[row])
    return out


def to_bytes(signature: np.ndarray) -> bytes:
    """Compact storage form: little-endian uint32 values."""
    return signature.astype("<u4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise MinHash Jaccard estimate (share of equal values, as MinHash.jaccard)."""
    return (a == b).mean(axis=-1)


def lead_text(text: str) -> str:
    """The opening of an article: what an aggregator's truncated copy always keeps.

    The first paragraph, topped up from the next ones to LEAD_MIN_WORDS words, cut at
    LEAD_MAX_WORDS (whitespace-separated words: the lead of a spaced-script text).
    """
    text = text.strip()
    words: list[str] = []
    start = 0
    # paragraph by paragraph as _PARAGRAPHS.split would cut them, without splitting the rest
    for separator in _PARAGRAPHS.finditer(text):
        words.extend(text[start : separator.start()].split())
        if len(words) >= LEAD_MIN_WORDS:
            return " ".join(words[:LEAD_MAX_WORDS])
        start = separator.end()
    words.extend(text[start:].split())
    return " ".join(words[:LEAD_MAX_WORDS])


def lead_length(tokens: "Tokens") -> int:
    """How many of a tokenised text's first tokens make its lead.

    The first paragraph, topped up from the next ones to LEAD_MIN_WORDS tokens, cut at
    LEAD_MAX_WORDS (unspaced scripts, one token a character: LEAD_MIN_CHARS / LEAD_MAX_CHARS,
    about the same span of text).
    """
    low, high = (LEAD_MIN_CHARS, LEAD_MAX_CHARS) if tokens.unspaced else (LEAD_MIN_WORDS, LEAD_MAX_WORDS)
    paragraph = tokens.paragraph
    if paragraph.size <= low:
        return min(int(paragraph.size), high)
    # tokens before the end of the paragraph holding token number `low - 1`
    last = paragraph[low - 1]
    end = int(np.searchsorted(paragraph, last, side="right"))
    return min(end, high)
