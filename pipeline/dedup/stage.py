"""`dedup()`: bring news.fingerprints / lsh_buckets / dedup_matches / clusters up to date.

Each batch of stale articles (new, text changed, or fingerprinted under another scheme) is
one transaction: fingerprint, replace its buckets and matches, find candidates with one join
against news.lsh_buckets, verify them, then re-cluster the affected components. A crash
loses at most the batch in flight and the next run picks it up again; a rerun with nothing
stale writes nothing.

Speed (issue 14): candidate pairs that verify provably cannot accept are dropped on small
in-memory summaries of this run's articles before any evidence is read (prefilter.py); the
evidence of the run's newest articles is held, not read back (prefilter.RecentEvidence); a
never-fingerprinted article skips `forget`. A run that starts with nothing fingerprinted
(first load, `--rebuild`) is a bulk load: it answers its probes from the rows it wrote
(runindex.py), holds the dedup lock until it ends, drops news.lsh_buckets' indexes and
builds them once at its end, and clusters once at its end (`_run_index`, `_end_bulk_run`;
a run that dies before its end leaves both to the next run's start). Decisions are those
of probing the tables and verifying every pair, batch by batch (tests/test_dedup_bulk.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import psycopg2.extensions

from pipeline.dedup import cluster_store, clusters, prefilter
from pipeline.dedup import store as sql
from pipeline.dedup.fingerprint import Fingerprints, distinctive_shingles, fingerprint_batch
from pipeline.dedup.runindex import RunIndex
from pipeline.dedup.signatures import NUM_PERM, estimated_jaccard
from pipeline.dedup.verify import Evidence, Match, same_story, verify
from pipeline.dedup.worker import Worker
from pipeline.progress import progress

log = logging.getLogger(__name__)
Conn = psycopg2.extensions.connection
# Summaries of this run's articles kept for pre-verify rejection (prefilter.RunMemory): the
# newest MEMORY_ARTICLES, ~1.4 KB each (about 140 MB at 100,000; the bench prints peak RSS).
# The window (store.WINDOW_DAYS) makes older ones rare partners; an article not held is read
# from news.fingerprints as before, so the bound changes speed, never a decision.
MEMORY_ARTICLES = 100_000
# Full evidence (shingle, sentence and fact sets) of this run's newest articles, for
# verification without reading them back (prefilter.RecentEvidence): ~60 MB at 20,000.
RECENT_ARTICLES = 20_000
# A run that starts with nothing fingerprinted (first load, rebuild, backfill into an empty
# corpus) with at most this many articles is a bulk load: it answers its probes from the rows
# it wrote (runindex.RunIndex, ~1.4 KB an article: ~280 MB at the bound); a larger one, or
# one with stored history, probes the indexed table.
RUN_INDEX_ARTICLES = 200_000


@dataclass
class DedupSummary:
    articles_fingerprinted: int = 0
    candidates: int = 0          # candidate pairs examined (LSH buckets and links)
    links: int = 0               # verified copy pairs stored
    clusters_new: int = 0        # clusters this run created that exist at its end
    copies_linked: int = 0       # copy memberships written (new or changed)
    canonicals_rechosen: int = 0
    seconds: float = 0.0
    # ids of the clusters this run created that still exist (clusters_new counts them)
    created_clusters: set[int] = field(default_factory=set, repr=False)


def dedup(
    conn: Conn, rebuild: bool = False, batch_size: int = 1000,
    window_days: int | None = sql.WINDOW_DAYS,
) -> DedupSummary:
    """Fingerprint new and changed articles and link copies to originals across all history.

    Args:
        conn: an open connection; dedup commits batch by batch.
        rebuild: forget every fingerprint, bucket, match and cluster first, then start over.
        batch_size: articles fingerprinted and matched per transaction.
        window_days: compare each article with those published within this many days of it
            (store.WINDOW_DAYS); None searches all history (backfills).
    """
    started = time.perf_counter()
    summary = DedupSummary()
    # wall time of each batch, in order (the bench's per-batch times; not in the run report)
    summary.batch_seconds = []  # type: ignore[attr-defined]
    # wall seconds per phase of the batches (read, fingerprint, ..., cluster), summed
    summary.phase_seconds = {}  # type: ignore[attr-defined]
    with conn:
        sql.lock(conn)
        # a run that ended before building its bucket indexes (killed, connection lost)
        # left them missing: built before anything reads the table
        sql.build_bucket_indexes(conn)
        if rebuild:
            sql.forget_all(conn)
        withdrawn = sql.withdrawn_article_ids(conn)
        if withdrawn:
            _recluster(conn, withdrawn, sql.forget(conn, withdrawn), withdrawn, summary)
        unclustered = sql.unclustered_article_ids(conn)  # left by a run that died (_run_index)
        if unclustered:
            _recluster(conn, unclustered, set(), [], summary)
    stale = _stale(conn)
    batches = [stale[start : start + batch_size] for start in range(0, len(stale), batch_size)]
    memory = prefilter.RunMemory(min(MEMORY_ARTICLES, len(stale)), NUM_PERM,
                                 min(RECENT_ARTICLES, len(stale)))
    # a run of several batches holds the dedup lock from its first batch to its end: what it
    # remembers of its own articles (memory) is then what the tables hold for them (another
    # dedup run re-fingerprinting one of them between two batches made decisions on a text
    # that was gone; adversarial review)
    holding = len(batches) > 1 and _hold_run_lock(conn)
    index = _run_index(conn, len(stale)) if holding else None
    try:
        _batches(conn, batches, stale, summary, window_days, memory, index)
    finally:
        if index is not None:
            _end_bulk_run(conn, summary)
        if holding:
            _release_run_lock(conn)
    summary.seconds = round(time.perf_counter() - started, 3)
    # memory held for the run (the bench prints it): summaries and, if used, the bucket rows
    summary.memory_mb = round((memory.nbytes() + (index.nbytes() if index else 0)) / 2**20, 1)  # type: ignore[attr-defined]
    return summary


def _run_index(conn: Conn, articles: int) -> RunIndex | None:
    """A RunIndex when the run starts with nothing fingerprinted (a first load, a rebuild)
    and has at most RUN_INDEX_ARTICLES articles. The run is then a bulk load: it holds the
    dedup lock until it ends, drops news.lsh_buckets' indexes and builds them once at its
    end, and clusters its articles once at its end too (`_end_bulk_run`; a component is
    clustered from its stored matches alone, so once at the end is what every batch would
    have left). A run that dies before its end leaves both to the next run's start."""
    if articles > RUN_INDEX_ARTICLES:
        return None
    with conn:
        if sql.nothing_fingerprinted(conn):
            sql.drop_bucket_indexes(conn)
            return RunIndex()
    return None


def _hold_run_lock(conn: Conn) -> bool:
    """Take the dedup lock for the rest of the run (released by `_release_run_lock`);
    waits for another run that holds it, as every batch does."""
    with conn:
        sql.lock(conn)
        return sql.hold_lock(conn)


def _release_run_lock(conn: Conn) -> None:
    try:
        with conn:
            sql.release_lock(conn)
    except psycopg2.Error:  # a lost connection has released it
        log.warning("dedup: could not release the run's lock (connection lost)")


def _end_bulk_run(conn: Conn, summary: "DedupSummary") -> None:
    """Cluster the run's articles and build news.lsh_buckets' indexes (after `_run_index`;
    the caller then releases the run's lock).

    Also after a failed batch: the batches committed before it are clustered and indexed. A
    run that cannot (connection lost) leaves both to the next run's start."""
    clock = _Clock(summary)
    try:
        with conn:
            unclustered = sql.unclustered_article_ids(conn)
            if unclustered:
                _recluster(conn, unclustered, set(), [], summary)
        clock.lap("cluster")
        with conn:
            sql.build_bucket_indexes(conn)
        clock.lap("build bucket indexes")
    except psycopg2.Error as error:
        log.warning("dedup: run not completed (%s); the next run clusters and indexes what it stored",
                    str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)


def _batches(conn: Conn, batches: list[list[int]], stale: list[int], summary: "DedupSummary",
             window_days: int | None, memory: prefilter.RunMemory,
             index: RunIndex | None) -> None:
    with progress("dedup", len(stale), "articles") as bar, _Fingerprinter(len(batches) > 1) as worker:
        ahead = None
        for n, ids in enumerate(batches):
            batch_started = time.perf_counter()
            with conn:
                sql.lock(conn)
                waited = time.perf_counter()
                rows = ahead if ahead is not None else worker.submit(sql.article_texts(conn, ids), ids)
                fps = worker.fingerprints()
                waited = time.perf_counter() - waited
                # the next batch is fingerprinted by the worker while this one is matched and
                # stored (its texts read now: a text changed meanwhile has another text_hash
                # in news.articles than the one stored with its fingerprint, so it is stale
                # for the next run)
                ahead = (worker.submit(sql.article_texts(conn, batches[n + 1]), batches[n + 1])
                         if n + 1 < len(batches) else None)
                _batch(conn, rows, fps, summary, window_days, waited, memory, index)
            summary.batch_seconds.append(  # type: ignore[attr-defined]
                round(time.perf_counter() - batch_started, 4))
            log.info("dedup: %d/%d articles fingerprinted", sum(map(len, batches[: n + 1])), len(stale))
            bar.advance(len(ids))


def _stale(conn: Conn) -> list[int]:
    """Stale article ids in order (listed before the batches take the lock: another run may
    fingerprint some of them meanwhile, so each batch asks again what is stored)."""
    with conn:
        return sql.stale_article_ids(conn)


class _Fingerprinter:
    """Fingerprints batches in one worker process (`parallel`, worker.Worker) or in this one.

    `submit` hands a batch over; `fingerprints` returns its Fingerprints (from the worker,
    which may have computed them while this process matched and stored the previous batch).
    Results are those of fingerprint_batch in this process (pure computation).
    """

    def __init__(self, parallel: bool) -> None:
        self.worker = Worker() if parallel else None
        self.local: Fingerprints | None = None

    def __enter__(self) -> "_Fingerprinter":
        return self

    def __exit__(self, *exc) -> None:
        if self.worker is not None:
            self.worker.close()

    def submit(self, rows: dict, ids: list[int]) -> dict:
        """Start fingerprinting the articles of `ids` found in `rows`; returns rows."""
        articles = [(i, rows[i].text) for i in ids if i in rows]
        if self.worker is None:
            self.local = fingerprint_batch(articles)
        else:
            self.worker.submit(articles)
        return rows

    def fingerprints(self) -> Fingerprints:
        if self.worker is None:
            fps, self.local = self.local, None
            return fps
        return self.worker.result()


def _batch(conn: Conn, rows: dict, fps: Fingerprints, summary: DedupSummary,
           window_days: int | None, waited: float = 0.0,
           memory: prefilter.RunMemory | None = None,
           index: RunIndex | None = None) -> None:
    """Match and store one fingerprinted batch (waited: seconds spent reading and
    fingerprinting it, or waiting for the worker to).

    memory: this run's summaries.
    index: this run's bucket rows when they are all the table holds (probes answered there).
    """
    clock = _Clock(summary)
    clock.phases["read + fingerprint (wait)"] = round(
        clock.phases.get("read + fingerprint (wait)", 0.0) + waited, 4)
    ids = list(fps.article_ids)
    # a never-fingerprinted article has no buckets and no matches (a fingerprint row is
    # written with them in one transaction, and forget drops them together): nothing to
    # forget. Asked here, under the batch's lock: another dedup run may have fingerprinted
    # an article of this batch since this run listed it as stale.
    stored = sql.fingerprinted(conn, ids)
    known = [i for i in ids if i in stored]
    former_partners = (sql.forget(conn, known, keep_fingerprints=True, keep_versions=True,
                                  buckets=index is None)
                       if known else set())
    # a new version keeps a copy matched to an earlier version only while the copy tells the
    # story the new version tells (a site may reuse a URL for another story, or drift to one)
    former_partners |= _drop_copies_of_other_stories(conn, fps, known)
    keys = fps.buckets({i: r.day for i, r in rows.items()})
    clock.lap("forget")
    # candidates before the batch's rows are stored: the probe sees history only, pairs
    # within the batch come from memory (store.candidate_pairs)
    sentences = sql.sentence_rows(
        conn, np.concatenate(fps.sentences) if fps.sentences else np.array([], dtype=np.int64), index)
    common = sentences.common
    clock.lap("sentence rows")
    pairs = sql.candidate_pairs(conn, keys, common, window_days, sentences, index)
    clock.lap("candidates")
    links = sql.link_pairs(conn, ids)
    pairs |= set(links)
    clock.lap("links")
    sql.store(conn, fps, rows, keys, clock)
    if index is not None:
        index.add(keys)
    clock.lap("store buckets")
    matches = _verify(conn, fps, rows, pairs, links, common, clock, memory)
    if matches:
        sql.store_matches(conn, matches)
    summary.articles_fingerprinted += len(ids)
    summary.candidates += len(pairs)
    summary.links += len(matches)
    clock.lap("verify")
    if index is None:  # a bulk run clusters once at its end (_end_bulk_run)
        _recluster(conn, ids, former_partners, [], summary)
        clock.lap("cluster")


def _drop_copies_of_other_stories(conn: Conn, fps: Fingerprints, known: list[int]) -> set[int]:
    """Delete the matches `forget(keep_versions=True)` kept for `known` articles (decided on an
    earlier version of theirs) whose copy is not the story their new version tells
    (verify.same_story); returns those copies."""
    kept = sql.matches_of(conn, known)
    if not kept:
        return set()
    copies = sql.stored_sets(conn, {copy for _, copy in kept})
    position = {article_id: k for k, article_id in enumerate(fps.article_ids)}
    dropped = []
    for article_id, copy in kept:
        if copy not in copies:  # a fingerprint of another scheme: cannot be compared, kept
            continue
        k = position[article_id]
        new = Evidence(fps.body[k], fps.shingles[k], fps.sentences[k], fps.facts[k])
        shared = copies[copy].sentence_set() & new.sentence_set()
        standard = sql.standard_sentences(conn, shared, article_id) if shared else set()
        if not same_story(copies[copy], new, standard):
            dropped.append((article_id, copy))
    sql.delete_matches(conn, dropped)
    return {copy for _, copy in dropped}


class _Clock:
    """Wall seconds per phase of a batch, summed into summary.phase_seconds (the bench's table)."""

    def __init__(self, summary: DedupSummary) -> None:
        self.phases = summary.phase_seconds  # type: ignore[attr-defined]
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = round(self.phases.get(phase, 0.0) + now - self.last, 4)
        self.last = now


def _verify(conn: Conn, fps, rows: dict, pairs: set[tuple[int, int]], links: dict,
            common: set[int], clock: "_Clock | None" = None,
            memory: prefilter.RunMemory | None = None) -> list[Match]:
    """Verify a batch's candidate pairs; those prefilter.rejected proves verify would drop
    are dropped unread (link pairs never are)."""
    # the batch's own evidence, built once: summarised for the prefilter, then verified
    batch = {article_id: Evidence(fps.body[i], fps.shingles[i], fps.sentences[i], fps.facts[i],
                                  rows[article_id].text_hash, rows[article_id].credits,
                                  rows[article_id].names)
             for i, article_id in enumerate(fps.article_ids)}
    memory = memory if memory is not None else prefilter.RunMemory(0, NUM_PERM)
    memory.add_batch(batch)
    # held in the run's memory, or summarised here
    batch_summaries = {} if memory.capacity else prefilter.summaries_of(batch, batch)
    outside = {x for pair in pairs for x in pair if x not in batch}
    stored = sql.stored_fingerprints(conn, (x for x in outside if x not in memory))
    if clock is not None:
        clock.lap("read stored")
    summaries = {**batch_summaries, **prefilter.summaries_of(stored, stored)}
    pairs = pairs - prefilter.rejected([p for p in pairs if p not in links], summaries, memory, common)
    if clock is not None:
        clock.lap("prefilter")
    wanted = {x for pair in pairs for x in pair if x not in batch and x not in stored}
    stored.update(memory.recent.take(wanted))
    wanted = {x for x in wanted if x not in stored}
    stored.update(sql.own_fingerprints(conn, (x for x in wanted if x in memory), memory.credit_names))
    stored.update(sql.stored_fingerprints(conn, (x for x in wanted if x not in memory)))
    memory.recent.add(batch)
    if clock is not None:
        clock.lap("read stored")

    evidence = {**stored, **batch}

    def distinctive(pair: tuple[int, int]):
        texts = {i: rows[i].text for i in pair if i in rows}
        texts.update(sql.texts(conn, [i for i in pair if i not in texts]))
        return tuple(distinctive_shingles(texts[i], common) for i in pair)

    pairs = [p for p in sorted(pairs) if p[0] in evidence and p[1] in evidence]
    # every pair's MinHash estimate at once (the value verify computes for one pair)
    jaccards = (estimated_jaccard(np.stack([evidence[a].signature for a, _ in pairs]),
                                  np.stack([evidence[b].signature for _, b in pairs])).tolist()
                if pairs else [])
    matches = []
    for pair, jaccard in zip(pairs, jaccards):
        match = verify(pair, evidence[pair[0]], evidence[pair[1]], links.get(pair), common,
                       lambda pair=pair: distinctive(pair), jaccard)
        if match is not None:
            matches.append(match)
    return matches


def _recluster(conn: Conn, changed: list[int], former_partners: set[int], gone: list[int],
               summary: DedupSummary) -> None:
    scope = cluster_store.affected(conn, set(changed) | former_partners)
    order = cluster_store.original_order(conn, scope)
    memberships = clusters.assign(order, cluster_store.stored_matches(conn, order))
    stats = cluster_store.write(conn, memberships, gone)
    # clusters this run created that still exist: a cluster created by one batch and merged
    # into another by a later one is no new story (counted per write, the report said one
    # more than the table held)
    created = summary.created_clusters
    created |= stats.created
    created -= stats.removed
    summary.clusters_new = len(created)
    summary.copies_linked += stats.copies_linked
    summary.canonicals_rechosen += stats.canonicals_rechosen
