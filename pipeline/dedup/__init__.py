"""Deduplication: MinHash LSH over the whole history in PostgreSQL, copies linked to originals.

One module per step: normalize (text folding) -> shingles (word 5-grams, xxh32) ->
signatures (datasketch MinHash, bulk) -> lsh (bands/rows from datasketch's optimiser, bucket
keys) -> candidates (set-oriented SQL over news.lsh_buckets) -> verify (Jaccard estimate,
exact containment, links) -> clusters (originals first, no chaining). `dedup()` runs them.
"""

from pipeline.dedup.run import DedupSummary, dedup

__all__ = ["DedupSummary", "dedup"]
