"""Long sentences of an article, hashed: the evidence that links a heavy rewrite.

A rewrite of a wire story keeps some of the agency's sentences word for word while the rest
is reworded: word 5-gram Jaccard 0.30 and containment 0.48 with 43% of its sentences
verbatim (issue 14's held-back web), below what MinHash or containment can accept without
also merging template stories. Several shared *long* sentences are much stronger evidence
than shared shingles: two independent reporters do not write the same 12-word sentence,
unless it is a standard sentence (a police appeal's contact line, a weather warning's advice),
which recurs across many articles and is learned as such (see store.common_sentences).

`sentence_hashes` gives the sorted distinct signed 64-bit hashes (a polynomial of the
sentence's token hashes, `long_sentences`) of the sentences with at least SENTENCE_MIN_WORDS tokens (SENTENCE_MIN_CHARS for
unspaced scripts, one token a character); they are stored as news.lsh_buckets rows of band
fingerprint.SENTENCE_BAND, so a shared sentence makes a candidate pair exactly as a shared
MinHash band does.
"""

from __future__ import annotations

import re

import numpy as np

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.dedup.tokens import Tokens

SENTENCE_MIN_WORDS = 12
SENTENCE_MIN_CHARS = 20
# sentence ends: . ! ? followed by space (and an optional closing quote), CJK full stops, line breaks
_SPLIT = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+|(?<=[\u3002\uff01\uff1f])|\n+")


def split_sentences(text: str) -> list[str]:
    """The text's sentences (non-empty, stripped), in order."""
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip()]


_C64 = 0x9E3779B97F4A7C15  # odd: invertible mod 2**64


def _powers64(n: int) -> tuple[np.ndarray, np.ndarray]:
    """C64**i and C64**-i mod 2**64 for at least i < n (the largest table made so far is
    kept: a batch's joined token sequence and single texts alternate in one process)."""
    global _held_powers
    if _held_powers is not None and _held_powers[0].size >= n:
        return _held_powers
    size = 1 << 16
    while size < n:
        size *= 2
    pw = np.empty(size, dtype=np.uint64)
    inv = np.empty(size, dtype=np.uint64)
    pw[0] = inv[0] = 1
    np.multiply.accumulate(np.full(size - 1, _C64, dtype=np.uint64), out=pw[1:])
    np.multiply.accumulate(np.full(size - 1, pow(_C64, -1, 1 << 64), dtype=np.uint64), out=inv[1:])
    if size <= _MAX_HELD:  # the table of one huge text is not kept (review: 512 MB held)
        _held_powers = pw, inv
    return pw, inv


_held_powers: tuple[np.ndarray, np.ndarray] | None = None
# the largest table kept between calls (tokens of a joined batch: ~200,000)
_MAX_HELD = 1 << 19


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def long_sentences(tokens: "Tokens") -> list[tuple[int, int, int]]:
    """(first token, end token, hash) of each long sentence of a tokenised text, in order.

    A sentence's hash: fmix64(sum(t[i] * C64**i) mod 2**64) over its token hashes t, signed;
    for every sentence at once from one prefix sum (`sentence_hash` is the plain definition).
    """
    minimum = SENTENCE_MIN_CHARS if tokens.unspaced else SENTENCE_MIN_WORDS
    if tokens.hashes.size == 0:
        return []
    starts, ends, values = sentence_runs(tokens.hashes, tokens.sentence, minimum)
    return list(zip(starts.tolist(), ends.tolist(), values.tolist()))


def sentence_runs(hashes: np.ndarray, ids: np.ndarray, minimum: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starts, ends, int64 hashes) of the runs of equal sentence numbers `ids` at least
    `minimum` tokens long, over the token hashes `hashes` (uint32; one text, or several
    joined: a hash does not depend on where its sentence starts)."""
    if hashes.size == 0:
        return _EMPTY, _EMPTY, _EMPTY
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    ends = np.append(starts[1:], ids.size)
    long = ends - starts >= minimum
    starts, ends = starts[long], ends[long]
    if not starts.size:
        return _EMPTY, _EMPTY, _EMPTY
    n = ids.size
    pw, inv = _powers64(n + 1)
    prefix = np.empty(n + 1, dtype=np.uint64)
    prefix[0] = 0
    np.multiply(hashes.astype(np.uint64), pw[:n], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    return starts, ends, _fmix64((prefix[ends] - prefix[starts]) * inv[starts]).view(np.int64)


_EMPTY = np.array([], dtype=np.int64)


def sentence_hash(token_hashes: list[int]) -> int:
    """The plain definition of a sentence's hash (tests compare `long_sentences` with it)."""
    total = sum(h * pow(_C64, i, 1 << 64) for i, h in enumerate(token_hashes)) % (1 << 64)
    return int(_fmix64(np.array([total], dtype=np.uint64)).view(np.int64)[0])


def sentence_hashes(tokens: "Tokens") -> np.ndarray:
    """Sorted distinct int64 hashes of the long sentences of a tokenised text."""
    return np.array(sorted({h for _, _, h in long_sentences(tokens)}), dtype=np.int64)


def text_sentence_hashes(text: str) -> np.ndarray:
    """`sentence_hashes` of a text."""
    from pipeline.dedup.tokens import tokenize

    return sentence_hashes(tokenize(text))


def to_bytes(hashes: np.ndarray) -> bytes:
    return hashes.astype("<i8", copy=False).tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray:
    if data is None:
        return np.array([], dtype=np.int64)
    return np.frombuffer(data, dtype="<i8").astype(np.int64)
