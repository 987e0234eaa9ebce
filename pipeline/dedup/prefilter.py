"""Pre-verify rejection: candidate pairs that no accepting rule of verify.verify can accept.

Why: LSH's false candidates grow with the window's population (32 bands x 4 rows: about
32 * J**4 * N pairs an article at background similarity J), 1.7 an article at 1,000
articles, 12.9 at 100,000 (bench/dedup.py) while true links stay 1-2; verifying each read
its stored shingles, sentences and facts and the text's ends from PostgreSQL. Here the pairs
are tested all at once on small summaries (`Summary`: the MinHash signature, a 4096-bit
shingle bitmap, sizes, sentence hashes, credits), and only the survivors are verified.

A pair is rejected only when it provably cannot be accepted (verify.py's rules, in order):

1. it is not a link pair (links are never rejected here: the caller passes only others);
2. the two texts share no long sentence at all, common or not: so verify takes no
   distinctive-shingles path (which re-measures on other sets), the shared-sentence count is
   0 ('sentences' cannot fire) and 'wire-credit' needs containment >= CREDIT_MIN_CONTAINMENT;
3. the MinHash estimate (the very value verify compares, `estimated_jaccard`) is below
   MINHASH_THRESHOLD, so 'minhash' cannot fire;
4. an upper bound of the exact containment is below CONTAINMENT_THRESHOLD (or the smaller
   set has fewer than MIN_CONTAINED_SHINGLES shingles), so 'containment' cannot fire, and
   below CREDIT_MIN_CONTAINMENT unless neither article credits the other's source
   (credit.credits_source both ways), so 'wire-credit' cannot fire.

The containment bound: every shingle x sets bit (x mod 4096) of its article's bitmap. Each
shared shingle sets a bit that is set in both bitmaps; shingles of A that share a bit with
another shingle of A number at most |A| - popcount(A). So
|A n B| <= popcount(A & B) + min(|A| - popcount(A), |B| - popcount(B)), and containment
(verify.pair_containment: |A n B| over the smaller size) is at most that over min(|A|, |B|).
Two unrelated 400-shingle texts: ~37 common bits + ~19 self-collisions, bound ~0.14.

Two more rejections for pairs that do share long sentences, none of them common (a shared
common sentence sends verify down the distinctive-shingles path, which re-measures Jaccard
and containment on other sets: such pairs are always kept), so verify's Jaccard is the
MinHash estimate and its shared-sentence count is the number of shared sentences:

5. template stories: the estimate is below NEAR_TOTAL_JACCARD, both texts have at least
   MIN_FACTS fact tokens and fewer than FACT_MIN_CONTAINMENT of the smaller fact set is in
   the other (verify's distinct-facts rule returns before any accepting rule);
6. few shared sentences: conditions 3 and 4 hold and fewer than MIN_SHARED_SENTENCES are
   shared, so 'sentences' cannot fire, and 'wire-credit' cannot either unless one article
   credits the other's source (then one shared sentence is enough: the pair is kept).

Rejecting on these conditions drops exactly pairs verify would drop (tests/test_dedup_prefilter.py
checks it pair by pair against verify on the sample web and on texts built for each rule).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse

from pipeline.dedup.credit import credits_source
from pipeline.dedup.verify import (
    CONTAINMENT_THRESHOLD,
    CREDIT_MIN_CONTAINMENT,
    FACT_MIN_CONTAINMENT,
    MIN_CONTAINED_SHINGLES,
    MIN_FACTS,
    MIN_SHARED_SENTENCES,
    MINHASH_THRESHOLD,
    NEAR_TOTAL_JACCARD,
    Evidence,
)

BITMAP_BITS = 4096
BITMAP_BYTES = BITMAP_BITS // 8


def bitmap(shingles: np.ndarray) -> np.ndarray:
    """The BITMAP_BITS-bit map of a shingle set (bit x mod BITMAP_BITS), as uint8[BITMAP_BYTES]."""
    return bitmaps([shingles])[0]


def bitmaps(shingle_sets: Sequence[np.ndarray]) -> np.ndarray:
    """`bitmap` of each set, as rows of one (n, BITMAP_BYTES) uint8 array."""
    bits = np.zeros((len(shingle_sets), BITMAP_BITS), dtype=bool)
    sizes = np.fromiter((x.size for x in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    if sizes.sum():
        values = np.concatenate(shingle_sets).astype(np.uint32, copy=False)
        bits[np.repeat(np.arange(sizes.size), sizes), values & np.uint32(BITMAP_BITS - 1)] = True
    return np.packbits(bits, axis=1)


@dataclass
class Summary:
    """What rejection needs of one article (a few hundred bytes, no shingle set)."""

    signature: np.ndarray        # uint32[NUM_PERM]
    bits: np.ndarray             # uint8[BITMAP_BYTES]
    size: int                    # distinct shingles
    collisions: int              # size - popcount(bits)
    sentences: np.ndarray        # int64 sentence hashes
    credits: frozenset[str]
    names: frozenset[str]
    facts: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.uint32))  # fact hashes

    @property
    def credit_bits(self) -> int:
        return name_bits(self.credits)

    @property
    def name_bits(self) -> int:
        return name_bits(self.names)


def summarize(evidence: Evidence) -> Summary:
    bits = bitmap(evidence.shingles)
    size = int(evidence.shingles.size)
    return Summary(np.asarray(evidence.signature, dtype=np.uint32), bits, size,
                   size - int(np.bitwise_count(bits).sum()), evidence.sentences,
                   evidence.credits, evidence.names, evidence.facts)


@lru_cache(maxsize=4096)  # a corpus has few distinct credit and source-name sets
def name_bits(names: frozenset[str]) -> int:
    """A 63-bit mask of a set of names (bit crc32(name) mod 63): two sets whose masks share no
    bit share no name, so the pairs where neither article credits the other's source are
    found in numpy; a shared bit is checked on the names (`_credited`)."""
    bits = 0
    for name in names:
        bits |= 1 << (zlib.crc32(name.encode()) % 63)
    return bits


class RunMemory:
    """Summaries of the articles this run fingerprinted, newest `capacity` kept (a ring).

    dedup holds the dedup lock for the whole run (store.lock), so what this run wrote is what
    the tables hold for these articles until the run ends; keeping their summaries saves
    reading them back for every later batch. The tables stay the durable truth: survivors
    are verified on evidence read from news.fingerprints, and articles not held here are
    read from it as before. Memory: capacity x (4 x NUM_PERM + BITMAP_BYTES + ~300) bytes,
    about 140 MB at the default 100,000 (`nbytes`).
    """

    def __init__(self, capacity: int, num_perm: int, recent: int = 0) -> None:
        self.capacity = capacity
        self.recent = RecentEvidence(recent)
        self.signatures = np.zeros((capacity, num_perm), dtype=np.uint32)
        self.bits = np.zeros((capacity, BITMAP_BYTES), dtype=np.uint8)
        self.sizes = np.zeros(capacity, dtype=np.int64)
        self.collisions = np.zeros(capacity, dtype=np.int64)
        self.credit_bits = np.zeros(capacity, dtype=np.int64)
        self.name_bits = np.zeros(capacity, dtype=np.int64)
        self.ids = np.full(capacity, -1, dtype=np.int64)
        self.sentences: list[np.ndarray] = [np.array([], dtype=np.int64)] * capacity
        self.facts: list[np.ndarray] = [np.array([], dtype=np.uint32)] * capacity
        self.credits: list[frozenset[str]] = [frozenset()] * capacity
        self.names: list[frozenset[str]] = [frozenset()] * capacity
        self.row: dict[int, int] = {}
        self.next = 0
        self._interned: dict[frozenset[str], frozenset[str]] = {}

    def _intern(self, names: frozenset[str]) -> frozenset[str]:
        return self._interned.setdefault(names, names)

    def add(self, article_id: int, s: Summary) -> None:
        """Keep (or replace) an article's summary, evicting the oldest when full."""
        if self.capacity == 0:
            return
        row = self.row.get(article_id)
        if row is None:
            row = self.next
            self.next = (self.next + 1) % self.capacity
            old = int(self.ids[row])
            if old >= 0:
                self.row.pop(old, None)
            self.row[article_id] = row
            self.ids[row] = article_id
        self.signatures[row] = s.signature
        self.bits[row] = s.bits
        self.sizes[row] = s.size
        self.collisions[row] = s.collisions
        self.sentences[row] = s.sentences
        self.facts[row] = s.facts
        self.credits[row] = self._intern(s.credits)
        self.names[row] = self._intern(s.names)
        self.credit_bits[row] = s.credit_bits
        self.name_bits[row] = s.name_bits

    def add_batch(self, evidence: "dict[int, Evidence]") -> None:
        """`add` the summary of each article of a batch (bitmaps made for all at once)."""
        if self.capacity == 0 or not evidence:
            return
        items = list(evidence.items())
        bits = bitmaps([e.shingles for _, e in items])
        sizes = np.fromiter((e.shingles.size for _, e in items), dtype=np.int64, count=len(items))
        collisions = sizes - np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
        for k, (article_id, e) in enumerate(items):
            self.add(article_id, Summary(np.asarray(e.signature, dtype=np.uint32), bits[k],
                                         int(sizes[k]), int(collisions[k]), e.sentences,
                                         e.credits, e.names, e.facts))

    def credit_names(self, article_id: int) -> tuple[frozenset[str], frozenset[str]]:
        """(credits, source names) of a held article."""
        row = self.row[article_id]
        return self.credits[row], self.names[row]

    def __contains__(self, article_id: int) -> bool:
        return article_id in self.row

    def __len__(self) -> int:
        return len(self.row)

    def nbytes(self) -> int:
        """Bytes held by the arrays, sentence hashes and recent evidence (not the id maps)."""
        return (self.signatures.nbytes + self.bits.nbytes + self.sizes.nbytes * 5
                + sum(x.nbytes for x in self.sentences[: len(self.row)])
                + sum(x.nbytes for x in self.facts[: len(self.row)]) + self.recent.nbytes())


class RecentEvidence:
    """The Evidence of a run's newest `capacity` articles (first in, first out; RunMemory.recent).

    Why: a batch's candidates are mostly articles of the batches just before it (copies are
    fingerprinted within days of their originals: on the sample web every match lies within
    7,500 article ids at 20,000 articles), and reading their evidence back from
    news.fingerprints was a tenth of a bulk run. ~3 KB an article (613 shingles on average):
    ~60 MB at the default RECENT_ARTICLES. What is not held is read from the table as before.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.held: dict[int, Evidence] = {}

    def add(self, batch: dict[int, Evidence]) -> None:
        for article_id, evidence in batch.items():
            self.held.pop(article_id, None)
            self.held[article_id] = evidence
        while len(self.held) > self.capacity:  # dicts keep insertion order: oldest first
            del self.held[next(iter(self.held))]

    def take(self, ids: Iterable[int]) -> dict[int, Evidence]:
        """The held Evidence of each of `ids` that is held."""
        return {i: self.held[i] for i in ids if i in self.held}

    def nbytes(self) -> int:
        return sum(e.signature.nbytes + e.shingles.nbytes + e.sentences.nbytes + e.facts.nbytes
                   for e in self.held.values())


def rejected(pairs: Sequence[tuple[int, int]], summaries: dict[int, Summary] | None,
             memory: RunMemory | None = None,
             common: "set[int] | frozenset[int]" = frozenset()) -> set[tuple[int, int]]:
    """The pairs (none of them a link pair) that verify provably cannot accept.

    summaries: article_id -> Summary for articles not in `memory`; every article of `pairs`
    must be in one or the other (a pair with an unknown article is kept).
    common: the common (standard) sentences verify is given for these pairs.

    All pairs at once in numpy (shared sentences and facts counted by a sparse product,
    `_Sets.shared`): per-pair Python sets cost ~60 % of a 100,000-article run's main
    process (a CPU profile: 4.9 million set lookups, 1.3 million fact containments).
    """
    if not pairs:
        return set()
    memory = memory or RunMemory(0, 1)
    summaries = summaries or {}
    # a local table of the articles involved: memory's rows first, then other summaries
    involved = {x for p in pairs for x in p}
    held = [i for i in involved if i in memory.row]
    extra = [i for i in involved if i not in memory.row and i in summaries]
    index = {i: k for k, i in enumerate(held + extra)}
    rows = np.fromiter((memory.row[i] for i in held), dtype=np.int64, count=len(held))

    def table(column: np.ndarray, attribute: str) -> np.ndarray:
        own = column[rows]
        if not extra:
            return own
        values = [getattr(summaries[i], attribute) for i in extra]
        values = np.stack(values) if own.ndim == 2 else np.array(values, dtype=own.dtype)
        return np.concatenate([own, values]) if held else values

    def lists(attribute: str) -> list[np.ndarray]:
        return ([getattr(memory, attribute)[r] for r in rows.tolist()]
                + [getattr(summaries[i], attribute) for i in extra])

    known = [p for p in pairs if p[0] in index and p[1] in index]
    if not known:
        return set()
    sig, bits = table(memory.signatures, "signature"), table(memory.bits, "bits")
    sizes, coll = table(memory.sizes, "size"), table(memory.collisions, "collisions")
    ia = np.fromiter((index[a] for a, _ in known), dtype=np.int64, count=len(known))
    ib = np.fromiter((index[b] for _, b in known), dtype=np.int64, count=len(known))
    estimate = (sig[ia] == sig[ib]).mean(axis=1)
    common_bits = np.bitwise_count(bits[ia] & bits[ib]).sum(axis=1, dtype=np.int64)
    smaller = np.minimum(sizes[ia], sizes[ib])
    bound = (common_bits + np.minimum(coll[ia], coll[ib])) / np.maximum(smaller, 1)
    empty = (sizes[ia] == 0) | (sizes[ib] == 0)  # verify accepts nothing without shingles
    no_containment = (bound < CONTAINMENT_THRESHOLD) | (smaller < MIN_CONTAINED_SHINGLES)
    # conditions 3 and 4 fail: 'minhash' or 'containment' may fire
    maybe = (estimate >= MINHASH_THRESHOLD) | ~no_containment

    sentences = _Sets(lists("sentences"))
    shared = sentences.shared(ia, ib)
    # a shared standard sentence sends verify down the distinctive-shingles path: kept
    standard = sentences.shared(ia, ib, common) > 0 if common else np.zeros(len(known), dtype=bool)
    open_ = ~empty & ~standard
    kept = maybe | (shared >= MIN_SHARED_SENTENCES)
    # rule 6 and rule 2's 'wire-credit': one shared sentence, or containment up to
    # CREDIT_MIN_CONTAINMENT, is enough when one article credits the other's source (asked
    # of the names only where the name masks allow it)
    credit_bits, names = table(memory.credit_bits, "credit_bits"), table(memory.name_bits, "name_bits")
    may_credit = ((credit_bits[ia] & names[ib]) | (credit_bits[ib] & names[ia])) != 0
    ask = open_ & ~kept & may_credit & ((shared > 0) | (bound >= CREDIT_MIN_CONTAINMENT))
    for k in np.flatnonzero(ask).tolist():
        kept[k] = _credited(memory, summaries, *known[k])
    out = empty | (open_ & ~kept)
    # rule 5 (template stories) for the pairs still kept: verify's Jaccard is the estimate
    facts_for = np.flatnonzero(open_ & kept & (estimate < NEAR_TOTAL_JACCARD))
    if facts_for.size:
        fa, fb = ia[facts_for], ib[facts_for]
        # the fact sets of the articles of these pairs only
        local, position = np.unique(np.concatenate((fa, fb)), return_inverse=True)
        fact_lists = lists("facts")
        facts = _Sets([fact_lists[i] for i in local.tolist()])
        fa, fb = position[: facts_for.size], position[facts_for.size :]
        least = np.minimum(facts.sizes[fa], facts.sizes[fb])
        both = facts.shared(fa, fb)
        template = (least >= MIN_FACTS) & (both / np.maximum(least, 1) < FACT_MIN_CONTAINMENT)
        out[facts_for[template]] = True
    return {known[k] for k in np.flatnonzero(out).tolist()}


class _Sets:
    """Sets of hashes (sorted distinct arrays) of a local table's articles, as the rows of a
    sparse 0/1 matrix over their distinct values: the number of values two rows share is
    the row count of their element-wise product (scipy's sorted-index merge, in C)."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.sizes = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
        flat = (np.concatenate(arrays).astype(np.int64, copy=False) if self.sizes.sum()
                else np.empty(0, dtype=np.int64))
        # columns: each value's rank among the distinct values (ranks keep every row sorted)
        self.values, column = np.unique(flat, return_inverse=True)
        self.matrix = sparse.csr_matrix(
            (np.ones(flat.size, dtype=np.int8), column.astype(np.int32),
             np.concatenate(([0], np.cumsum(self.sizes)))),
            shape=(len(arrays), max(self.values.size, 1)))

    def shared(self, a: np.ndarray, b: np.ndarray, among: "frozenset[int] | None" = None) -> np.ndarray:
        """How many values the sets of a[k] and b[k] share, for each k (only values in
        `among`, when given)."""
        product = self.matrix[a].multiply(self.matrix[b]).tocsr()
        if among is None:
            return np.diff(product.indptr)
        wanted = np.isin(self.values, np.fromiter(among, dtype=np.int64, count=len(among)))
        return product @ wanted.astype(np.int64)


def _credited(memory: RunMemory, summaries: dict[int, Summary], a: int, b: int) -> bool:
    """One article credits the other's source (credit.credits_source, both ways)."""

    def credit_names(i: int) -> tuple[frozenset[str], frozenset[str]]:
        if i in memory.row:
            r = memory.row[i]
            return memory.credits[r], memory.names[r]
        return summaries[i].credits, summaries[i].names

    (credits_a, names_a), (credits_b, names_b) = credit_names(a), credit_names(b)
    return bool((credits_a and credits_source(set(credits_a), set(names_b)))
                or (credits_b and credits_source(set(credits_b), set(names_a))))


def summaries_of(evidence: dict[int, Evidence], ids: Iterable[int]) -> dict[int, Summary]:
    """Summary of each of `ids` found in `evidence`."""
    return {i: summarize(evidence[i]) for i in ids if i in evidence}
