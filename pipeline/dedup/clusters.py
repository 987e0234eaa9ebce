"""Clusters from verified matches: each copy joins the original it matches best, no chaining.

Articles are taken in the contract's original order (earliest published_at, then
non-aggregator before aggregator, then earliest fetched, then article id). An article that
matches one or more earlier *canonicals* joins the one it matches best (highest score,
then the earliest); otherwise it starts a cluster as its canonical. A copy therefore always
matched its canonical directly: two stories that both match a third, later article are never
merged through it (no union-find closure over matches).

The result is a function of the matches and the order only, computed per connected
component of the match graph; `cluster_store.affected` widens a set of changed articles to whole
components (and the clusters they sat in), so an incremental run re-clusters exactly what a
full rebuild would change. When an earlier original arrives after its copies, it becomes the
canonical of the cluster those copies were in (same cluster_id, canonical re-chosen).
Pure: the reads and writes around `assign` are in cluster_store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.dedup.verify import Match


@dataclass(frozen=True)
class Membership:
    canonical: int
    matched: int | None
    similarity: float
    method: str


def assign(order: list[int], matches: Iterable[Match]) -> dict[int, Membership]:
    """Greedy star clustering in original order (pure; see the module docstring)."""
    rank = {article_id: i for i, article_id in enumerate(order)}
    earlier: dict[int, list[tuple[int, Match]]] = {}
    for match in matches:
        a, b = match.article_id, match.other_id
        if a not in rank or b not in rank:
            continue
        first, later = (a, b) if rank[a] < rank[b] else (b, a)
        earlier.setdefault(later, []).append((first, match))
    result: dict[int, Membership] = {}
    for article_id in order:
        best: tuple[tuple[float, int], int, Match] | None = None
        for other, match in earlier.get(article_id, ()):
            if result[other].canonical != other:
                continue  # matched a copy, not an original: no chaining
            key = (match.score, -rank[other])
            if best is None or key > best[0]:
                best = (key, other, match)
        if best is None:
            result[article_id] = Membership(article_id, None, 1.0, "self")
        else:
            _, canonical, match = best
            result[article_id] = Membership(canonical, canonical, match.jaccard, match.method)
    return result
