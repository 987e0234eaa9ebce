"""This run's news.lsh_buckets rows in memory, for a run that started on an empty index.

Why: a first load, a rebuild (`dedup --rebuild`) or a backfill into an empty index writes
every row news.lsh_buckets will hold during the run, so its probes (CANDIDATES_SQL per band,
SENTENCE_ROWS_SQL per sentence) can be answered from what it wrote: at 100,000 articles they
were a third of the run (bench/dedup.py). The rows are still written to the table batch by
batch (the durable truth: a crash, a rerun and other processes see the same index); the run
holds the dedup lock for its whole length while it answers from memory, so nobody else writes
meanwhile (store.hold_lock). A run that finds rows at its start probes the table as before.

Shape: levels of rows sorted by (band, bucket), merged when a level is at least half its
predecessor (a log-structured merge: O(n log n) in all, a few levels). 22 bytes a row
(band int16, day int32, bucket and article_id int64), 60-70 rows an article: ~140 MB at
100,000 articles; `RUN_INDEX_ARTICLES` bounds the run size that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class _Level:
    band: np.ndarray    # int16, sorted (with bucket)
    bucket: np.ndarray  # int64
    day: np.ndarray     # int32
    article: np.ndarray  # int64

    def __post_init__(self) -> None:
        # band -> (first, end) row of its run, found once: a binary search of the int16 band
        # column per probe converted the whole column to int64 each time (a third of the
        # candidate search at 100,000 articles)
        # (the column is sorted: runs start where it changes; np.unique sorts it again)
        first = np.flatnonzero(np.concatenate(([True], self.band[1:] != self.band[:-1]))) \
            if self.band.size else np.empty(0, dtype=np.int64)
        bands = self.band[first]
        ends = np.append(first[1:], self.band.size)
        self.slices = dict(zip(bands.tolist(), zip(first.tolist(), ends.tolist())))

    @property
    def size(self) -> int:
        return int(self.band.size)


def _sorted_level(band, bucket, day, article) -> _Level:
    order = np.lexsort((bucket, band))
    return _Level(band[order].astype(np.int16), bucket[order].astype(np.int64),
                  day[order].astype(np.int32), article[order].astype(np.int64))


def _merged(a: _Level, b: _Level) -> _Level:
    """One sorted level of two, a column at a time (each old column freed once copied:
    the peak is one column's copies, not the whole level's)."""
    order = np.lexsort((np.concatenate([a.bucket, b.bucket]), np.concatenate([a.band, b.band])))
    columns = {}
    for name in ("band", "bucket", "day", "article"):
        joined = np.concatenate([getattr(a, name), getattr(b, name)])
        setattr(a, name, None)
        setattr(b, name, None)
        columns[name] = joined[order]
        del joined
    return _Level(**columns)


class RunIndex:
    """Every bucket row this run wrote, answering the two probes store.py sends the table."""

    def __init__(self) -> None:
        self.levels: list[_Level] = []

    def add(self, keys: "np.ndarray | list[tuple[int, int, int, int]]") -> None:
        """The (band, bucket, day, article_id) rows just written for a batch."""
        rows = np.asarray(keys, dtype=np.int64).reshape(-1, 4)
        if not rows.shape[0]:
            return
        self.levels.append(_sorted_level(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]))
        while len(self.levels) > 1 and 2 * self.levels[-1].size >= self.levels[-2].size:
            b, a = self.levels.pop(), self.levels.pop()
            self.levels.append(_merged(a, b))

    def nbytes(self) -> int:
        return sum(x.band.nbytes + x.bucket.nbytes + x.day.nbytes + x.article.nbytes for x in self.levels)

    def rows(self, band: int, buckets: np.ndarray) -> np.ndarray:
        """(bucket, day, article_id) rows of `band` whose bucket is in `buckets` (any order)."""
        found = []
        for level in self.levels:
            lo_band, hi_band = level.slices.get(band, (0, 0))
            if lo_band == hi_band:
                continue
            mine = level.bucket[lo_band:hi_band]
            lo = np.searchsorted(mine, buckets, side="left")
            hi = np.searchsorted(mine, buckets, side="right")
            counts = hi - lo
            total = int(counts.sum())
            if not total:
                continue
            at = lo_band + np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
            found.append(np.stack([level.bucket[at], level.day[at].astype(np.int64), level.article[at]], axis=1))
        return np.concatenate(found) if found else np.empty((0, 3), dtype=np.int64)

    def counts(self, band: int, buckets: np.ndarray) -> np.ndarray:
        """Rows of `band` stored with each of `buckets` (int64, aligned), none read."""
        total = np.zeros(len(buckets), dtype=np.int64)
        for level in self.levels:
            lo_band, hi_band = level.slices.get(band, (0, 0))
            if lo_band < hi_band:
                mine = level.bucket[lo_band:hi_band]
                total += np.searchsorted(mine, buckets, side="right") - np.searchsorted(mine, buckets, side="left")
        return total
