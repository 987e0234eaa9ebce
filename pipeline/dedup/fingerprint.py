"""Fingerprint a batch of articles: shingle sets, MinHash signatures and LSH bucket keys.

Pure computation, no database: `fingerprint_batch` turns (article_id, text) pairs into what
news.fingerprints and news.lsh_buckets store, plus the shingle sets the verification step
needs for exact containment.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from pipeline.dedup import lsh
from pipeline.dedup.shingles import SHINGLE_WORDS, shingle_hashes
from pipeline.dedup.signatures import (
    LEAD_PERM,
    MINHASH_SCHEME,
    NUM_PERM,
    SEED,
    lead_text,
    signatures,
)

# fingerprint_batch forks workers only for chunks of at least this many articles (a fork and
# the texts' round trip cost ~10 ms), and at most MAX_WORKERS of them
PARALLEL_MIN_CHUNK = 100
MAX_WORKERS = 4

# Everything that changes signatures or buckets; a stored fingerprint with another tag is stale.
SCHEME_TAG = (
    f"xxh32-w{SHINGLE_WORDS}-{MINHASH_SCHEME}-seed{SEED}-p{NUM_PERM}"
    f"-b{lsh.BODY.bands}x{lsh.BODY.rows}-lead{LEAD_PERM}-b{lsh.LEAD.bands}x{lsh.LEAD.rows}"
)


@dataclass
class Fingerprints:
    """Fingerprints of a batch, row i belonging to article_ids[i]."""

    article_ids: list[int]
    shingles: list[np.ndarray]   # sorted distinct uint32 shingle hashes per article
    body: np.ndarray             # (n, NUM_PERM) uint32
    lead: np.ndarray             # (n, LEAD_PERM) uint32

    def buckets(self) -> list[tuple[int, int, int]]:
        """(band, bucket, article_id) rows for news.lsh_buckets."""
        rows = []
        for i, article_id in enumerate(self.article_ids):
            has_text = self.shingles[i].size > 0
            for band, bucket in lsh.article_buckets(self.body[i], self.lead[i], has_text, has_text):
                rows.append((band, bucket, article_id))
        return rows


def fingerprint_batch(articles: Sequence[tuple[int, str]], workers: int | None = None) -> Fingerprints:
    """Shingle, sign and band a batch of (article_id, text).

    Shingling is pure-Python string work (regex, joins, xxh32 per shingle), so a large batch is
    cut into contiguous chunks fingerprinted by `workers` forked processes (default: the CPUs,
    at most MAX_WORKERS); the rows come back in input order, identical to a serial run.
    """
    if workers is None:
        workers = min(len(os.sched_getaffinity(0)), MAX_WORKERS)
    workers = min(workers, len(articles) // PARALLEL_MIN_CHUNK)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _fingerprint_serial(articles)
    size = -(-len(articles) // workers)
    chunks = [list(articles[i : i + size]) for i in range(0, len(articles), size)]
    with ProcessPoolExecutor(len(chunks), mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_fingerprint_serial, chunks))
    return Fingerprints(
        article_ids=[i for part in parts for i in part.article_ids],
        shingles=[x for part in parts for x in part.shingles],
        body=np.concatenate([part.body for part in parts]),
        lead=np.concatenate([part.lead for part in parts]),
    )


def _fingerprint_serial(articles: Sequence[tuple[int, str]]) -> Fingerprints:
    shingles = [shingle_hashes(text) for _, text in articles]
    leads = [shingle_hashes(lead_text(text)) for _, text in articles]
    return Fingerprints(
        article_ids=[article_id for article_id, _ in articles],
        shingles=shingles,
        body=signatures(shingles, NUM_PERM),
        lead=signatures(leads, LEAD_PERM),
    )
