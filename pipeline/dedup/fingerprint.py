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
from pipeline.dedup.facts import fact_hashes
from pipeline.dedup.sentences import SENTENCE_MIN_CHARS, SENTENCE_MIN_WORDS, long_sentences, sentence_hashes
from pipeline.dedup.shingles import HASH_SCHEME, SHINGLE_CHARS, SHINGLE_WORDS, shingle_set, size_for
from pipeline.dedup.signatures import LEAD_PERM, MINHASH_SCHEME, NUM_PERM, SEED, lead_length, signatures
from pipeline.dedup.tokens import tokenize

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
    shingles, leads, sentences, facts = [], [], [], []
    for _, text in articles:
        tokens = tokenize(text)
        k = size_for(tokens)
        shingles.append(shingle_set(tokens.hashes, k))
        if evidence:
            leads.append(shingle_set(tokens.hashes[: lead_length(tokens)], k))
            sentences.append(sentence_hashes(tokens))
            facts.append(fact_hashes(tokens))
    if not evidence:
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
