"""Fingerprint a batch of articles: shingle sets, MinHash signatures, LSH bucket keys, evidence.

Pure computation, no database: `fingerprint_batch` turns (article_id, text) pairs into what
news.fingerprints and news.lsh_buckets store: the shingle set (for exact containment), the
body and lead MinHash signatures, the long-sentence hashes (rewrites) and the fact-token
hashes (template stories).

One process: measured in bench/dedup.py, forked workers cost more CPU per article than they
save in wall time on a shared 2-core machine (0.88x per CPU-second, issue 14), and a fork
inherits the parent's database connections and outlives it when killed. Fingerprinting is
cheap enough serially (a few thousand articles/s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.dedup import lsh
from pipeline.dedup.arrays import sorted_distinct
from pipeline.dedup.facts import fact_hashes
from pipeline.dedup.sentences import (
    SENTENCE_MIN_CHARS,
    SENTENCE_MIN_WORDS,
    long_sentences,
    sentence_hashes,
    sentence_runs,
)
from pipeline.dedup.shingles import _COEF, HASH_SCHEME, SHINGLE_CHARS, SHINGLE_WORDS, shingle_set, size_for, window_hashes
from pipeline.dedup.signatures import (
    LEAD_MAX_WORDS,
    LEAD_MIN_WORDS,
    LEAD_PERM,
    MINHASH_SCHEME,
    NUM_PERM,
    SEED,
    lead_length,
    signatures,
)
from pipeline.dedup.tokens import Tokens, prepare, scan, tokenize

# band number of the long-sentence rows in news.lsh_buckets (MinHash bands are 0..35)
SENTENCE_BAND = 64

# Everything that changes stored signatures, shingles, evidence or buckets; a stored
# fingerprint with another tag is stale and recomputed by the next run (that is how stored
# signatures are migrated when the scheme changes).
SCHEME_TAG = (
    f"{HASH_SCHEME}-w{SHINGLE_WORDS}c{SHINGLE_CHARS}-{MINHASH_SCHEME}-seed{SEED}-p{NUM_PERM}"
    f"-b{lsh.BODY.bands}x{lsh.BODY.rows}-lead{LEAD_PERM}-b{lsh.LEAD.bands}x{lsh.LEAD.rows}"
    f"-s{SENTENCE_MIN_WORDS}c{SENTENCE_MIN_CHARS}@{SENTENCE_BAND}-facts1"
)


@dataclass
class Fingerprints:
    """Fingerprints of a batch, row i belonging to article_ids[i]."""

    article_ids: list[int]
    shingles: list[np.ndarray]   # sorted distinct uint32 shingle hashes per article
    body: np.ndarray             # (n, NUM_PERM) uint32
    lead: np.ndarray             # (n, LEAD_PERM) uint32
    sentences: list[np.ndarray]  # sorted distinct int64 long-sentence hashes per article
    facts: list[np.ndarray]      # sorted distinct uint32 fact-token hashes per article
    # (m, 3) int64 (row i, band, bucket): every news.lsh_buckets row of the batch, computed
    # with the fingerprints (in the worker process); None: computed when asked
    keys: np.ndarray | None = None

    def buckets(self, days: Mapping[int, int] | None = None) -> np.ndarray:
        """(m, 4) int64 rows (band, bucket, day, article_id) for news.lsh_buckets (day 0
        when unknown): each article's MinHash bands (lsh.article_buckets; none without
        text), then its long-sentence rows (band SENTENCE_BAND)."""
        keys = self.keys if self.keys is not None else bucket_keys(
            self.shingles, self.body, self.lead, self.sentences)
        days = days or {}
        ids = np.asarray(self.article_ids, dtype=np.int64)
        day = np.fromiter((days.get(a, 0) for a in self.article_ids), dtype=np.int64, count=ids.size)
        return np.stack([keys[:, 1], keys[:, 2], day[keys[:, 0]], ids[keys[:, 0]]], axis=1)


def bucket_keys(shingles: Sequence[np.ndarray], body: np.ndarray, lead: np.ndarray,
                sentences: Sequence[np.ndarray]) -> np.ndarray:
    """(m, 3) int64 (row i, band, bucket) of a batch: the body and lead bands of every article
    with text (lsh.band_keys, the values lsh.article_buckets gives), then its sentence rows."""
    n = len(shingles)
    if n == 0:
        return np.empty((0, 3), dtype=np.int64)
    bands = np.concatenate([lsh.band_keys(lsh.BODY, body), lsh.band_keys(lsh.LEAD, lead)], axis=1)
    numbers = np.concatenate([lsh.BODY.offset + np.arange(lsh.BODY.bands),
                              lsh.LEAD.offset + np.arange(lsh.LEAD.bands)])
    with_text = np.flatnonzero(np.fromiter((x.size > 0 for x in shingles), dtype=bool, count=n))
    width = numbers.size
    minhash = np.stack([np.repeat(with_text, width), np.tile(numbers, with_text.size),
                        bands[with_text].reshape(-1)], axis=1)
    counts = np.fromiter((x.size for x in sentences), dtype=np.int64, count=n)
    sentence = np.stack([np.repeat(np.arange(n), counts), np.full(int(counts.sum()), SENTENCE_BAND),
                         np.concatenate(sentences).astype(np.int64) if counts.sum() else
                         np.empty(0, dtype=np.int64)], axis=1)
    return np.concatenate([minhash, sentence]).astype(np.int64, copy=False)


def fingerprint_batch(articles: Sequence[tuple[int, str]], evidence: bool = True) -> Fingerprints:
    """Shingle, sign and band a batch of (article_id, text), in input order.

    evidence=False computes the shingle sets and body signatures only, the work other MinHash
    implementations do (bench/dedup.py's like-for-like comparison): no lead sketch (its rows
    are left at the empty-set value), sentence or fact hashes. dedup always needs them.
    """
    sets = _article_sets([text for _, text in articles], evidence)
    shingles = [x[0] for x in sets]
    if evidence:
        leads, sentences, facts = ([x[i] for x in sets] for i in (1, 2, 3))
    else:
        leads = [np.array([], dtype=np.uint32)] * len(articles)
        sentences = [np.array([], dtype=np.int64)] * len(articles)
        facts = [np.array([], dtype=np.uint32)] * len(articles)
    body, lead = signatures(shingles, NUM_PERM), signatures(leads, LEAD_PERM)
    return Fingerprints(
        article_ids=[article_id for article_id, _ in articles],
        shingles=shingles,
        body=body,
        lead=lead,
        sentences=sentences,
        facts=facts,
        keys=bucket_keys(shingles, body, lead, sentences) if evidence else None,
    )


# bytes of text joined per `_joined_sets` call (~230 articles; its arrays a few MB)
JOINED_BYTES = 1 << 20
_Sets = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _article_sets(texts: Sequence[str], evidence: bool) -> list[_Sets]:
    """(shingles, lead shingles, sentence hashes, fact hashes) of each text, in order.

    Texts for the byte scanner are tokenised and hashed joined, a few thousand numpy calls
    fewer per batch than text by text (the fingerprint worker's CPU at 100,000 articles fell
    from 75 to 29 s with `arrays.sorted_distinct`; bench/dedup.py's fingerprint table); the
    others (scripts without word spaces) text by text. Same sets either way
    (tests/test_dedup_speed.py compares them)."""
    out: list[_Sets | None] = [None] * len(texts)
    joined: list[tuple[int, tuple[bytes, bytes]]] = []
    size = 0
    for i, text in enumerate(texts):
        prepared = prepare(text)
        if isinstance(prepared, bool):
            out[i] = _text_sets(tokenize(text), evidence)
            continue
        joined.append((i, prepared))
        size += len(prepared[0]) + 1
        if size >= JOINED_BYTES:
            _fill(out, joined, evidence)
            joined, size = [], 0
    _fill(out, joined, evidence)
    return out  # type: ignore[return-value]


def _fill(out: list, joined: list[tuple[int, tuple[bytes, bytes]]], evidence: bool) -> None:
    if joined:
        for (i, _), sets in zip(joined, _joined_sets([p for _, p in joined], evidence)):
            out[i] = sets


def _text_sets(tokens: Tokens, evidence: bool) -> _Sets:
    """One tokenised text's sets (the plain path `_joined_sets` must agree with)."""
    k = size_for(tokens)
    shingles = shingle_set(tokens.hashes, k)
    if not evidence:
        return shingles, _NO_U32, _NO_I64, _NO_U32
    return (shingles, shingle_set(tokens.hashes[: lead_length(tokens)], k),
            sentence_hashes(tokens), fact_hashes(tokens))


def _joined_sets(prepared: list[tuple[bytes, bytes]], evidence: bool) -> list[_Sets]:
    """`_text_sets` of spaced texts, computed on their bytes joined by line breaks (tokens.scan).

    Every set is made for all texts at once: values are tagged with their text's number,
    sorted and split per text. A text's shingles are the windows of SHINGLE_WORDS tokens that
    start and end inside it (one window over all its tokens when it has no more than that);
    its lead's are the windows inside its first `lead_length` tokens; its long sentences are
    runs of one sentence number (a line break ends a sentence, so none spans two texts)."""
    m = len(prepared)
    tokens = scan(b"\n".join(p[0] for p in prepared), b"\n".join(p[1] for p in prepared))
    k = SHINGLE_WORDS
    hashes = tokens.hashes
    if hashes.size == 0:
        return [(_NO_U32, _NO_U32, _NO_I64, _NO_U32)] * m
    byte_starts = np.cumsum([0] + [len(p[0]) + 1 for p in prepared[:-1]])
    first = np.searchsorted(tokens._starts, byte_starts)          # each text's first token
    end = np.append(first[1:], hashes.size)                       # and its end
    count = end - first
    owner = np.repeat(np.arange(m), count)                        # text of each token
    windows = window_hashes(hashes, k) if hashes.size >= k else np.empty(0, dtype=np.uint32)
    starts = np.arange(windows.size)
    inside = starts + k <= end[owner[: windows.size]]
    short = np.flatnonzero((count > 0) & (count <= k))            # one window over all tokens
    short_values = np.array([(hashes[first[t] : end[t]] * _COEF[: count[t]]).sum(dtype=np.uint32)
                             for t in short.tolist()], dtype=np.uint32)
    # a short text's windows from the joined sequence span its neighbours: not inside
    body = _split_sets(np.concatenate((owner[: windows.size][inside], short)),
                       np.concatenate((windows[inside], short_values)), m)
    if not evidence:
        return [(x, _NO_U32, _NO_I64, _NO_U32) for x in body]
    paragraph = tokens.paragraph
    low = np.minimum(first + LEAD_MIN_WORDS - 1, hashes.size - 1)
    lead_end = np.where(count <= LEAD_MIN_WORDS, count,
                        np.minimum(np.searchsorted(paragraph, paragraph[low], side="right") - first,
                                   LEAD_MAX_WORDS))
    in_lead = inside & (starts + k <= (first + lead_end)[owner[: windows.size]])
    lead = _split_sets(np.concatenate((owner[: windows.size][in_lead], short)),
                       np.concatenate((windows[in_lead], short_values)), m)
    run_starts, _, values = sentence_runs(hashes, tokens.sentence, SENTENCE_MIN_WORDS)
    sentences = _split_sets(owner[run_starts], values, m)
    fact = tokens.fact
    facts = _split_sets(owner[fact], hashes[fact], m)
    return list(zip(body, lead, sentences, facts))


def _split_sets(owner: np.ndarray, values: np.ndarray, m: int) -> list[np.ndarray]:
    """Sorted distinct values of each of m texts (owner[i]: the text of values[i])."""
    if values.dtype == np.uint32:  # one sort of (text, value) packed in 64 bits
        packed = sorted_distinct((owner.astype(np.uint64) << np.uint64(32)) | values)
        owner, values = (packed >> np.uint64(32)).astype(np.int64), packed.astype(np.uint32)
    else:
        order = np.lexsort((values, owner))
        owner, values = owner[order], values[order]
        keep = np.ones(values.size, dtype=bool)
        keep[1:] = (owner[1:] != owner[:-1]) | (values[1:] != values[:-1])
        owner, values = owner[keep], values[keep]
    return np.split(values, np.searchsorted(owner, np.arange(1, m)))


_NO_U32 = np.array([], dtype=np.uint32)
_NO_I64 = np.array([], dtype=np.int64)


def distinctive_shingles(text: str, common: set[int] | frozenset[int]) -> np.ndarray:
    """The text's shingle set with its common (standard) long sentences left out.

    What two articles share once the sentences that recur across many articles are set
    aside: two police appeals ending with the same three standard sentences share little
    else (verify.verify re-measures such pairs on these sets).
    """
    tokens = tokenize(text)
    keep = np.ones(tokens.hashes.size, dtype=bool)
    for start, end, value in long_sentences(tokens):
        if value in common:
            keep[start:end] = False
    return shingle_set(tokens.hashes[keep], size_for(tokens))
