"""Deduplication: MinHash LSH over the whole history in PostgreSQL, copies linked to originals.

One module per step: normalize (text folding) -> shingles (word 5-grams, xxh32) ->
signatures (datasketch MinHash, bulk) -> lsh (bands/rows from datasketch's optimiser, bucket
keys) -> candidates (set-oriented SQL over news.lsh_buckets, in store) -> verify (Jaccard
estimate, exact containment, links) -> clusters (originals first, no chaining; stored by
cluster_store). `stage.dedup()` runs them; store and cluster_store hold all of dedup's SQL.
"""

from pipeline.dedup.stage import DedupSummary, dedup

__all__ = ["DedupSummary", "dedup"]
