"""Fingerprint a batch of articles: shingle sets, MinHash signatures and LSH bucket keys.

Pure computation, no database: `fingerprint_batch` turns (article_id, text) pairs into what
news.fingerprints and news.lsh_buckets store, plus the shingle sets the verification step
needs for exact containment.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def fingerprint_batch(articles: Sequence[tuple[int, str]]) -> Fingerprints:
    """Shingle, sign and band a batch of (article_id, text)."""
    shingles = [shingle_hashes(text) for _, text in articles]
    leads = [shingle_hashes(lead_text(text)) for _, text in articles]
    return Fingerprints(
        article_ids=[article_id for article_id, _ in articles],
        shingles=shingles,
        body=signatures(shingles, NUM_PERM),
        lead=signatures(leads, LEAD_PERM),
    )
