"""The set-oriented SQL of dedup: what to fingerprint, storing fingerprints, finding candidates.

Every query takes a whole batch (arrays of article ids): a batch's candidates are one join of
its rows in news.lsh_buckets against the (band, bucket) primary key, never one query per
article. The state lives in the tables, so several processes see the same index; a run that
started on an empty index may answer its probes from the rows it wrote (runindex.RunIndex,
`sentence_rows`/`candidate_pairs`' `index`) while it holds the lock (`hold_lock`).
"""

from __future__ import annotations

import io
import json
import struct
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import psycopg2.extensions

from pipeline.dedup import sentences as st
from pipeline.dedup.arrays import sorted_distinct
from pipeline.dedup import shingles as sh
from pipeline.dedup.credit import CLOSING_CHARS, OPENING_CHARS, source_names, wire_credits
from pipeline.dedup.fingerprint import SCHEME_TAG, SENTENCE_BAND, Fingerprints, fingerprint_batch
from pipeline.dedup.signatures import NUM_PERM, from_bytes, to_bytes
from pipeline.dedup.runindex import RunIndex
from pipeline.dedup.verify import Evidence, Match
from pipeline.load import storable

Conn = psycopg2.extensions.connection
# serialises dedup runs on one database: two workers re-clustering one component would race
DEDUP_LOCK_KEY = 0x64656470  # b"dedp"
# Candidate window: a batch article is compared with articles published up to WINDOW_DAYS
# days before or after it (news.lsh_buckets.day; publication day, else first fetch). Copies
# run within days of their originals (sample web: <= 2 days; wire copies measured within
# hours), so 14 days keeps every copy while history beyond it costs nothing: the lookup is a
# range scan of the (band, bucket, day) key. `dedup(window_days=None)` (CLI --backfill)
# searches all history, for backfills of old articles and rebuilds of mixed-date corpora.
WINDOW_DAYS = 14
NO_WINDOW = 1 << 30
# a long sentence found in more than this many articles is a standard sentence (a police
# appeal's contact line, a warning's advice), learned from news.lsh_buckets as furniture is
# learned from pages: it makes no candidates and counts as no evidence. Above the widest
# syndication the sample web has (an original and up to 6 copies).
COMMON_SENTENCE_ARTICLES = 10


def lock(conn: Conn) -> None:
    """Wait for DEDUP_LOCK_KEY, held until the transaction ends (one dedup writer at a time)."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (DEDUP_LOCK_KEY,))


def hold_lock(conn: Conn) -> bool:
    """Take DEDUP_LOCK_KEY for the session (until `release_lock`) if nobody holds it: every
    other dedup then waits at its next batch (`lock`). Returns whether it was taken."""
    with conn.cursor() as cur:
        cur.execute("select pg_try_advisory_lock(%s)", (DEDUP_LOCK_KEY,))
        return bool(cur.fetchone()[0])


def release_lock(conn: Conn) -> None:
    """Release `hold_lock`'s session lock."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_unlock(%s)", (DEDUP_LOCK_KEY,))


def nothing_fingerprinted(conn: Conn) -> bool:
    """True when news.fingerprints and news.lsh_buckets hold no row (a first load, a rebuild)."""
    with conn.cursor() as cur:
        cur.execute("select not exists (select 1 from news.lsh_buckets)"
                    " and not exists (select 1 from news.fingerprints)")
        return bool(cur.fetchone()[0])


def unclustered_article_ids(conn: Conn) -> list[int]:
    """Fingerprinted articles without a row in news.cluster_members, in order.

    Every batch of a run clusters its articles, except in a run that started with nothing
    fingerprinted (stage._run_index), which clusters them all once at its end: a run that
    died before its end leaves these, and the next run clusters them first."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select f.article_id
            from news.fingerprints as f
            join news.articles as a on a.article_id = f.article_id
            where a.is_article
              and not exists (select 1 from news.cluster_members as m where m.article_id = f.article_id)
            order by f.article_id
            """
        )
        return [row[0] for row in cur.fetchall()]


def forget_all(conn: Conn) -> None:
    """Empty every dedup table (`dedup(rebuild=True)`): clusters, matches, buckets, fingerprints."""
    with conn.cursor() as cur:
        cur.execute(
            "truncate news.cluster_members, news.clusters, news.dedup_matches,"
            " news.lsh_buckets, news.fingerprints"
        )


def stale_article_ids(conn: Conn) -> list[int]:
    """Articles to (re)fingerprint: new, text changed since (text_hash), or another scheme."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select a.article_id
            from news.articles as a
            left join news.fingerprints as f on f.article_id = a.article_id
            where a.is_article
              and (f.article_id is null or f.text_hash <> a.text_hash or f.scheme <> %s)
            order by a.article_id
            """,
            (SCHEME_TAG,),
        )
        return [row[0] for row in cur.fetchall()]


def fingerprinted(conn: Conn, ids: list[int]) -> set[int]:
    """The articles among `ids` that have a stored fingerprint (of any version or scheme)."""
    with conn.cursor() as cur:
        cur.execute("select article_id from news.fingerprints where article_id = any(%s)", (ids,))
        return {row[0] for row in cur.fetchall()}


def matches_of(conn: Conn, ids: list[int]) -> list[tuple[int, int]]:
    """(article of `ids`, its partner) of every stored match of `ids`."""
    if not ids:
        return []
    with conn.cursor() as cur:
        cur.execute(
            "select article_id, other_id from news.dedup_matches where article_id = any(%(ids)s)"
            " union all"
            " select other_id, article_id from news.dedup_matches where other_id = any(%(ids)s)",
            {"ids": ids})
        return cur.fetchall()


def stored_sets(conn: Conn, ids: Iterable[int]) -> dict[int, Evidence]:
    """article_id -> the shingle, sentence and fact sets stored with its fingerprint (this
    scheme only: sets of another scheme cannot be compared)."""
    ids = list(ids)
    if not ids:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            "select article_id, shingles, sentences, facts from news.fingerprints"
            " where article_id = any(%s) and scheme = %s"
            " and shingles is not null and sentences is not null and facts is not null",
            (ids, SCHEME_TAG))
        return {article_id: Evidence(np.empty(0, dtype=np.uint32), sh.from_bytes(shingles),
                                     st.from_bytes(sentences), sh.from_bytes(facts))
                for article_id, shingles, sentences, facts in cur.fetchall()}


def delete_matches(conn: Conn, pairs: list[tuple[int, int]]) -> None:
    """Delete the stored matches of these pairs (either order)."""
    if not pairs:
        return
    with conn.cursor() as cur:
        cur.execute(
            """
            delete from news.dedup_matches as m
            using unnest(%s::bigint[], %s::bigint[]) as v (article_id, other_id)
            where m.article_id = v.article_id and m.other_id = v.other_id
            """,
            ([min(p) for p in pairs], [max(p) for p in pairs]))


# How many articles outside a story have each of these long sentences (at most
# COMMON_SENTENCE_ARTICLES + 1 counted: past that it is standard); the story is the asking
# article and the members of its cluster (its own copies repeat its sentences: review)
_SENTENCE_COUNTS_SQL = """
    with story as (
        select %(exclude)s::bigint as article_id
        union
        select co.article_id from news.cluster_members as mine
        join news.cluster_members as co on co.cluster_id = mine.cluster_id
        where mine.article_id = %(exclude)s)
    select k.bucket, (select count(*) from (
        select 1 from news.lsh_buckets as b
        where b.band = %(band)s and b.bucket = k.bucket
          and b.article_id not in (select article_id from story)
        limit %(limit)s) as o)
    from unnest(%(hashes)s::bigint[]) as k (bucket)
"""


def standard_sentences(conn: Conn, hashes: Iterable[int], exclude: int) -> set[int]:
    """The standard sentences among `hashes` for article `exclude`: long sentences more than
    COMMON_SENTENCE_ARTICLES articles have, not counting the copies in its cluster (a widely
    copied story's sentences are its own, not standard ones)."""
    hashes = [int(h) for h in hashes]
    if not hashes:
        return set()
    with conn.cursor() as cur:
        cur.execute(_SENTENCE_COUNTS_SQL, {"hashes": hashes, "band": SENTENCE_BAND, "exclude": exclude,
                                           "limit": COMMON_SENTENCE_ARTICLES + 1})
        # with the article itself, more than COMMON_SENTENCE_ARTICLES articles
        return {h for h, n in cur.fetchall() if n + 1 > COMMON_SENTENCE_ARTICLES}


def withdrawn_article_ids(conn: Conn) -> list[int]:
    """Fingerprinted articles that are no longer articles (re-extracted as not_article)."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select f.article_id
            from news.fingerprints as f
            join news.articles as a on a.article_id = f.article_id
            where not a.is_article
            order by f.article_id
            """
        )
        return [row[0] for row in cur.fetchall()]


@dataclass
class ArticleRow:
    text: str
    text_hash: bytes
    day: int
    credits: frozenset[str]
    names: frozenset[str]


def article_texts(conn: Conn, ids: Iterable[int]) -> dict[int, ArticleRow]:
    """article_id -> its text, text_hash, publication day and wire-credit evidence."""
    with conn.cursor() as cur:
        cur.execute(
            f"""
            select a.article_id, a.text, a.text_hash, {_DAY}, a.byline, a.credit, s.outlet, s.name
            from news.articles as a
            left join news.sources as s on s.name = a.source
            where a.article_id = any(%s)
            """,
            (list(ids),),
        )
        return {
            row[0]: ArticleRow(row[1], bytes(row[2]), int(row[3]),
                               frozenset(wire_credits(row[4], row[5], row[1])),
                               frozenset(source_names(row[6], row[7])))
            for row in cur.fetchall()
        }


def texts(conn: Conn, ids: Iterable[int]) -> dict[int, str]:
    """article_id -> text."""
    ids = list(ids)
    if not ids:
        return {}
    with conn.cursor() as cur:
        cur.execute("select article_id, text from news.articles where article_id = any(%s)", (ids,))
        return dict(cur.fetchall())


# publication day of an article `a`: days since 1970-01-01 (UTC), else its first fetch's day
_DAY = ("coalesce(floor(extract(epoch from coalesce(a.published_at, a.first_seen_at)) / 86400),"
        " 0)::integer")


def forget(conn: Conn, ids: list[int], keep_fingerprints: bool = False,
           keep_versions: bool = False, buckets: bool = True) -> set[int]:
    """Drop the matches and buckets (and fingerprints) of `ids`; returns their former partners.

    keep_versions: an article that is the canonical (original) of a cluster keeps its matches
    with that cluster's copies when they were decided on an earlier version of its text
    (news.dedup_matches.*_text_hash): a copy of an original updated after it was copied stays
    linked, as long as the copy itself is still the version that was matched. Every other
    match of `ids` (decided on the current version, of unknown version, of an article that is
    itself a copy and has changed, or whose copy has changed too) is dropped and decided again.
    buckets=False leaves news.lsh_buckets alone: a run that started on an empty table and
    wrote only other articles' rows (stage._run_index) has none of `ids` there.
    """
    with conn.cursor() as cur:
        if keep_versions:
            cur.execute(
                """
                delete from news.dedup_matches as m
                where (m.article_id = any(%(ids)s) or m.other_id = any(%(ids)s))
                  and not exists (
                      select 1
                      from news.articles as a
                      join news.clusters as c on c.canonical_article_id = a.article_id
                      join news.cluster_members as cm on cm.cluster_id = c.cluster_id
                      join news.articles as copy on copy.article_id = cm.article_id
                      where a.article_id = any(%(ids)s)
                        -- the copy's side still is the version the match was decided on
                        and copy.article_id = cm.article_id
                        and ((a.article_id = m.article_id and m.article_text_hash <> a.text_hash
                              and cm.article_id = m.other_id and copy.text_hash = m.other_text_hash)
                          or (a.article_id = m.other_id and m.other_text_hash <> a.text_hash
                              and cm.article_id = m.article_id and copy.text_hash = m.article_text_hash)))
                returning m.article_id, m.other_id
                """,
                {"ids": ids},
            )
        else:
            cur.execute(
                """
                delete from news.dedup_matches
                where article_id = any(%(ids)s) or other_id = any(%(ids)s)
                returning article_id, other_id
                """,
                {"ids": ids},
            )
        partners = {x for row in cur.fetchall() for x in row}
        if buckets:
            cur.execute("delete from news.lsh_buckets where article_id = any(%s)", (ids,))
        if not keep_fingerprints:
            cur.execute("delete from news.fingerprints where article_id = any(%s)", (ids,))
    return partners - set(ids)


def store(conn: Conn, fps: Fingerprints, rows: dict[int, ArticleRow],
          keys: "np.ndarray | list[tuple[int, int, int, int]]", clock=None) -> None:
    """Write a batch's fingerprints (with their shingle/sentence/fact sets) and bucket rows.

    A batch article's stored fingerprint (an earlier version, another scheme, or one another
    run wrote meanwhile) is replaced: deleted, then every fingerprint of the batch written by
    one binary COPY (no staging table, no per-value text formatting).
    clock: an optional stage._Clock told when the fingerprints are written.
    """
    with conn.cursor() as cur:
        cur.execute("delete from news.fingerprints where article_id = any(%s)", (list(fps.article_ids),))
        scheme = SCHEME_TAG.encode()
        _copy_binary(cur, "news.fingerprints (article_id, text_hash, num_perm, signature,"
                          " shingle_count, scheme, shingles, sentences, facts)", (
            _fingerprint_row(article_id, rows[article_id].text_hash, to_bytes(fps.body[i]),
                             int(fps.shingles[i].size), scheme, sh.to_bytes(fps.shingles[i]),
                             st.to_bytes(fps.sentences[i]), sh.to_bytes(fps.facts[i]))
            for i, article_id in enumerate(fps.article_ids)))
    if clock is not None:
        clock.lap("store fingerprints")
    copy_bucket_rows(conn, keys)


_FINGERPRINT_FIXED = struct.Struct(">hiq")   # field count; article_id (length, bigint)


def _fingerprint_row(article_id: int, text_hash: bytes, signature: bytes, shingle_count: int,
                     scheme: bytes, shingles: bytes, sentences: bytes, facts: bytes) -> bytes:
    """One news.fingerprints row in binary COPY format (each field: int32 length, value)."""
    parts = [_FINGERPRINT_FIXED.pack(9, 8, article_id), _bytea(text_hash),
             struct.pack(">ih", 2, NUM_PERM), _bytea(signature), struct.pack(">ii", 4, shingle_count),
             _bytea(scheme), _bytea(shingles), _bytea(sentences), _bytea(facts)]
    return b"".join(parts)


def _bytea(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


# One news.lsh_buckets row in PostgreSQL's binary COPY format: a field count, then each
# field as its byte length and big-endian value (band smallint, bucket bigint, day integer,
# article_id bigint). numpy writes a batch's rows in one pass (packed, no padding).
_COPY_ROW = np.dtype([
    ("fields", ">i2"),
    ("band_size", ">i4"), ("band", ">i2"),
    ("bucket_size", ">i4"), ("bucket", ">i8"),
    ("day_size", ">i4"), ("day", ">i4"),
    ("article_size", ">i4"), ("article_id", ">i8"),
])
# the binary COPY header (signature, flags, header extension length) and trailer
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def copy_bucket_rows(conn: Conn, keys: "list[tuple[int, int, int, int]] | np.ndarray") -> None:
    """Append (band, bucket, day, article_id) rows to news.lsh_buckets with one binary COPY.

    A plain COPY straight into the table: `forget` has just deleted these articles' bucket
    rows, and one article's rows differ in band or bucket, so there is no conflict to
    resolve. Binary and built by numpy: no per-value text formatting on either side (text
    COPY of 6.5 million rows cost more than its index inserts, bench/dedup.py). Key order
    makes the index inserts more local.
    """
    rows = np.asarray(keys, dtype=np.int64).reshape(-1, 4)
    if rows.shape[0] == 0:
        return
    rows = rows[np.lexsort((rows[:, 3], rows[:, 2], rows[:, 1], rows[:, 0]))]
    data = np.empty(rows.shape[0], dtype=_COPY_ROW)
    data["fields"] = 4
    for name, size, column in (("band", 2, 0), ("bucket", 8, 1), ("day", 4, 2), ("article_id", 8, 3)):
        data[name] = rows[:, column]
        data[f"{name.split('_')[0]}_size"] = size
    with conn.cursor() as cur:
        _copy_binary(cur, "news.lsh_buckets (band, bucket, day, article_id)", [data.tobytes()])


def _copy_binary(cur, target: str, rows: Iterable[bytes]) -> None:
    """COPY `target` ("table (columns)") from rows already in binary COPY format, with the
    format's header and trailer around them."""
    cur.copy_expert(f"copy {target} from stdin with (format binary)",
                    io.BytesIO(b"".join([_COPY_HEADER, *rows, _COPY_TRAILER])))


# news.lsh_buckets' indexes (migrations 001, 012): a run that starts on an empty table drops
# them and builds them once at its end (`build_bucket_indexes`): one sorted build of every
# row instead of millions of inserts at random keys into two B-trees (PostgreSQL's
# "Populating a Database": remove indexes, load, recreate). Every run builds missing ones
# before it reads the table, so a run that died before its end loses nothing.
BUCKET_INDEXES = {
    "lsh_buckets_pkey": "alter table news.lsh_buckets"
                        " add constraint lsh_buckets_pkey primary key (band, bucket, day, article_id)",
    "lsh_buckets_article_idx": "create index lsh_buckets_article_idx on news.lsh_buckets (article_id)",
}
# memory for one index build (the session's maintenance_work_mem, default 64 MB): a sort of
# 6.5 million rows (100,000 articles) in memory instead of on disk
INDEX_BUILD_MEMORY = "512MB"


def missing_bucket_indexes(conn: Conn) -> list[str]:
    """Names of BUCKET_INDEXES that news.lsh_buckets does not have."""
    with conn.cursor() as cur:
        cur.execute("select indexname from pg_indexes where schemaname = 'news' and tablename = 'lsh_buckets'")
        present = {row[0] for row in cur.fetchall()}
    return [name for name in BUCKET_INDEXES if name not in present]


def drop_bucket_indexes(conn: Conn) -> None:
    """Drop BUCKET_INDEXES (call under the dedup lock, on an empty news.lsh_buckets)."""
    with conn.cursor() as cur:
        cur.execute("alter table news.lsh_buckets drop constraint if exists lsh_buckets_pkey")
        cur.execute("drop index if exists news.lsh_buckets_article_idx")


def build_bucket_indexes(conn: Conn) -> list[str]:
    """Build the BUCKET_INDEXES news.lsh_buckets lacks; returns their names. Call under the
    dedup lock: adding the primary key locks the table for the build (seconds per million
    rows)."""
    missing = missing_bucket_indexes(conn)
    if missing:
        with conn.cursor() as cur:
            cur.execute("select set_config('maintenance_work_mem', %s, true)", (INDEX_BUILD_MEMORY,))
            for name in missing:
                cur.execute(BUCKET_INDEXES[name])
    return missing



def store_matches(conn: Conn, matches: list[Match]) -> None:
    """Write verified pairs into news.dedup_matches (with the text versions they were decided
    on), replacing a stored row of the same pair (a match kept from an earlier version)."""
    if not matches:
        return
    delete_matches(conn, [(m.article_id, m.other_id) for m in matches])
    with conn.cursor() as cur:
        _copy_binary(cur, "news.dedup_matches (article_id, other_id, jaccard, containment, method,"
                          " evidence, article_text_hash, other_text_hash)",
                     map(_match_row, {(m.article_id, m.other_id): m for m in matches}.values()))


_MATCH_FIXED = struct.Struct(">hiqiqifif")  # 8 fields; article_id, other_id, jaccard, containment
_NULL = (-1).to_bytes(4, "big", signed=True)


def _match_row(m: Match) -> bytes:
    """One news.dedup_matches row in binary COPY format (real as float4, jsonb as version 1
    followed by its JSON text, a NULL as length -1)."""
    evidence = m.evidence or {}
    if any(isinstance(value, str) for value in evidence.values()):  # a credit's name
        evidence = storable(evidence)
    evidence = json.dumps(evidence, ensure_ascii=False, separators=(",", ":"))
    return b"".join([
        _MATCH_FIXED.pack(8, 8, m.article_id, 8, m.other_id, 4, m.jaccard, 4, m.containment),
        _bytea(m.method.encode()), _bytea(b"\x01" + evidence.encode()),
        _NULL if m.article_text_hash is None else _bytea(bytes(m.article_text_hash)),
        _NULL if m.other_text_hash is None else _bytea(bytes(m.other_text_hash)),
    ])

@dataclass
class SentenceRows:
    """What the stored sentence rows say about a batch's long sentences (`sentence_rows`)."""

    common: set[int]     # hashes found in > COMMON_SENTENCE_ARTICLES articles
    stored: np.ndarray   # (k, 3) int64 (hash, day, article_id): every stored row of the others


# Per batch sentence: its stored rows, at most COMMON_SENTENCE_ARTICLES + 1 of them (all
# history, no window): fewer means this is every article that has it (candidates, filtered
# by the window in Python), that many means a standard sentence (no candidates). One index
# probe per sentence serves both the count and the candidates.
SENTENCE_ROWS_SQL = """
    select k.bucket, o.day, o.article_id
    from unnest(%(hashes)s::bigint[]) as k (bucket)
    cross join lateral (
        select b.day, b.article_id from news.lsh_buckets as b
        where b.band = %(band)s and b.bucket = k.bucket
        limit %(limit)s) as o
"""
_NO_ROWS = np.empty((0, 3), dtype=np.int64)


def sentence_rows(conn: Conn, hashes: Iterable[int], index: "RunIndex | None" = None) -> SentenceRows:
    """The common sentences among `hashes`, and the stored rows of the others.

    hashes: the batch's sentence hashes, one occurrence per batch article that has it (each
    article's sentence set is distinct). A sentence is common (a standard sentence, learned
    as furniture is) when its batch articles plus its stored articles (news.lsh_buckets band
    SENTENCE_BAND, all history) are more than COMMON_SENTENCE_ARTICLES; called before the
    batch's own rows are stored. Each stored count is bounded by a LIMIT so a standard
    sentence in 100,000 articles costs what one in 11 does. index: the run's rows in memory
    (runindex.RunIndex, when they are all the table holds), read instead of the table; the
    decisions are the same (all rows instead of at most 11 changes no count's side of 10).
    """
    batch = (np.asarray(hashes, dtype=np.int64) if isinstance(hashes, np.ndarray)
             else np.fromiter((int(h) for h in hashes), dtype=np.int64))
    values, in_batch = np.unique(batch, return_counts=True)
    if index is not None:
        # counted without reading rows (a standard sentence may have thousands), then the
        # rows of the others, which are every article that has them
        common_mask = in_batch + index.counts(SENTENCE_BAND, values) > COMMON_SENTENCE_ARTICLES
        return SentenceRows(set(values[common_mask].tolist()),
                            index.rows(SENTENCE_BAND, values[~common_mask]))
    common = set(values[in_batch > COMMON_SENTENCE_ARTICLES].tolist())
    rest = in_batch <= COMMON_SENTENCE_ARTICLES
    values, in_batch = values[rest], in_batch[rest]
    if not values.size:
        return SentenceRows(common, _NO_ROWS)
    with conn.cursor() as cur:
        cur.execute(SENTENCE_ROWS_SQL, {"hashes": values.tolist(), "band": SENTENCE_BAND,
                                        "limit": COMMON_SENTENCE_ARTICLES + 1})
        stored = np.array(cur.fetchall(), dtype=np.int64).reshape(-1, 3)
    found, stored_count = np.unique(stored[:, 0], return_counts=True)
    more = found[stored_count + in_batch[np.searchsorted(values, found)] > COMMON_SENTENCE_ARTICLES]
    if more.size:
        common |= set(more.tolist())
        stored = stored[~np.isin(stored[:, 0], more)]
    return SentenceRows(common, stored)


def common_sentences(conn: Conn, hashes: Iterable[int]) -> set[int]:
    """`sentence_rows(conn, hashes).common`."""
    return sentence_rows(conn, hashes).common


# The history probe of one band: one index scan of the (band, bucket, day) primary key with
# the batch's buckets as an array (PostgreSQL descends the index once per array element, in
# sorted order), restricted to the batch's days +- the window. Candidates among the batch
# itself are found in memory (candidate_pairs), so the probe runs before the batch's rows
# are stored and never meets them (no self matches fetched and filtered per row).
CANDIDATES_SQL = """
    select o.bucket, o.day, o.article_id
    from news.lsh_buckets as o
    where o.band = %(band)s and o.bucket = any(%(buckets)s::bigint[])
      -- a filter, not an index condition: with it in the index condition the planner may
      -- scan the band's whole window and filter the buckets (EXPLAIN at 1,000 articles)
      and o.day + 0 between %(low)s and %(high)s
"""


def candidate_pairs(conn: Conn, keys: list[tuple[int, int, int, int]], common: Iterable[int] = (),
                    window_days: int | None = WINDOW_DAYS,
                    sentences: SentenceRows | None = None, index: "RunIndex | None" = None
                    ) -> set[tuple[int, int]]:
    """(smaller id, larger id) pairs sharing a bucket with one of the batch's bucket rows.

    keys: the batch's (band, bucket, day, article_id) rows (Fingerprints.buckets), not yet
    stored: pairs within the batch are found here in memory, pairs with stored articles by
    one CANDIDATES_SQL probe per MinHash band and, for the sentence rows, from `sentences`
    (`sentence_rows`, which has read them already; probed here when not given); with
    `index` (the run's rows, when they are all the table holds) from memory instead. Only
    articles within `window_days` of the batch article's day (None: all history); common
    sentences make no pairs.
    """
    window = NO_WINDOW if window_days is None else window_days
    rows = np.asarray(keys, dtype=np.int64).reshape(-1, 4)
    if sentences is None:
        sentences = sentence_rows(conn, rows[rows[:, 0] == SENTENCE_BAND, 1], index)
    skip = np.fromiter(set(int(h) for h in common) | sentences.common, dtype=np.int64)
    if skip.size:
        rows = rows[~((rows[:, 0] == SENTENCE_BAND) & np.isin(rows[:, 1], skip))]
    # the batch's rows in (band, bucket) order: each band's buckets a sorted run
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    found: list[tuple[np.ndarray, np.ndarray]] = [_within(rows, window)]
    if sentences.stored.size:
        found.append(_against(rows, SENTENCE_BAND, sentences.stored, window))
    with conn.cursor() as cur:
        for params in _band_params(rows, window):
            if index is not None:
                # the table's rows of this band and buckets (the day filter is the pairs')
                fetched = index.rows(params["band"], np.array(params["buckets"], dtype=np.int64))
            else:
                cur.execute(CANDIDATES_SQL, params)
                fetched = cur.fetchall()
            if len(fetched):
                found.append(_against(rows, params["band"], np.array(fetched, dtype=np.int64), window))
    small = np.concatenate([f[0] for f in found])
    large = np.concatenate([f[1] for f in found])
    if small.size == 0:
        return set()
    if small.min() >= 0 and large.max() < (1 << 31):
        # both ids in 31 bits: one int64 per pair, a 1-d unique (axis=0 sorts rows, slower)
        packed = sorted_distinct((small << 32) | large)
        return set(zip((packed >> 32).tolist(), (packed & 0xFFFFFFFF).tolist()))
    unique = np.unique(np.stack([small, large], axis=1), axis=0)
    return set(zip(unique[:, 0].tolist(), unique[:, 1].tolist()))


def _within(rows: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(smaller, larger) id arrays of the pairs of batch rows sharing a (band, bucket).

    rows: (band, bucket, day, article_id) sorted by band, bucket. Each row is paired with the
    rows after it in its run of equal keys, all at once (no loop over runs)."""
    n = rows.shape[0]
    if n < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    same = (rows[1:, 0] == rows[:-1, 0]) & (rows[1:, 1] == rows[:-1, 1])
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    ends = np.append(starts[1:], n)
    after = np.repeat(ends, ends - starts) - np.arange(n) - 1   # rows after each in its run
    total = int(after.sum())
    first = np.repeat(np.arange(n), after)
    second = first + 1 + np.arange(total) - np.repeat(np.cumsum(after) - after, after)
    a, b = rows[first, 3], rows[second, 3]
    keep = (a != b) & (np.abs(rows[first, 2] - rows[second, 2]) <= window)
    a, b = a[keep], b[keep]
    return np.minimum(a, b), np.maximum(a, b)


def _against(rows: np.ndarray, band: int, other: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(smaller, larger) id arrays pairing stored rows `other` (bucket, day, article_id) of one
    band with the batch rows of that band sharing their bucket, within `window` days."""
    lo_band, hi_band = np.searchsorted(rows[:, 0], [band, band + 1])
    mine = rows[lo_band:hi_band]
    lo = np.searchsorted(mine[:, 1], other[:, 0], side="left")
    hi = np.searchsorted(mine[:, 1], other[:, 0], side="right")
    counts = hi - lo
    total = int(counts.sum())
    which = np.repeat(np.arange(other.shape[0]), counts)
    member = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    a, day_a = mine[member, 3], mine[member, 2]
    b, day_b = other[which, 2], other[which, 1]
    keep = (a != b) & (np.abs(day_a - day_b) <= window)
    a, b = a[keep], b[keep]
    return np.minimum(a, b), np.maximum(a, b)


def _band_params(rows: np.ndarray, window: int) -> list[dict]:
    """CANDIDATES_SQL's parameters, one dict per MinHash band, for sorted batch rows."""
    if rows.shape[0] == 0:
        return []
    low = max(int(rows[:, 2].min()) - window, -(1 << 31))
    high = min(int(rows[:, 2].max()) + window, (1 << 31) - 1)
    params = []
    for band in sorted_distinct(rows[:, 0]).tolist():
        if band == SENTENCE_BAND:  # read by sentence_rows
            continue
        lo, hi = np.searchsorted(rows[:, 0], [band, band + 1])
        params.append({"band": band, "buckets": sorted_distinct(rows[lo:hi, 1]).tolist(),
                       "low": low, "high": high})
    return params


def batch_keys(keys: list[tuple[int, int, int, int]], common: Iterable[int]
               ) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(band, bucket) -> [(day, article_id)] of the batch, common sentence rows left out."""
    common = set(int(h) for h in common)
    by_key: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for band, bucket, day, article_id in keys:
        if not (band == SENTENCE_BAND and bucket in common):
            by_key[(band, bucket)].append((day, article_id))
    return by_key


def candidate_params(by_key: dict[tuple[int, int], list[tuple[int, int]]], window: int) -> list[dict]:
    """CANDIDATES_SQL's parameters, one dict per MinHash band, for the keys of `batch_keys`."""
    if not by_key:
        return []
    days = [day for members in by_key.values() for day, _ in members]
    low, high = max(min(days) - window, -(1 << 31)), min(max(days) + window, (1 << 31) - 1)
    buckets: dict[int, list[int]] = defaultdict(list)
    for band, bucket in by_key:
        if band != SENTENCE_BAND:  # read by sentence_rows
            buckets[band].append(bucket)
    return [{"band": band, "buckets": sorted(values), "low": low, "high": high}
            for band, values in sorted(buckets.items())]


def link_pairs(conn: Conn, ids: list[int]) -> dict[tuple[int, int], str]:
    """Pairs named by a cross-domain rel=canonical or an aggregator's source link.

    Both directions: a batch article linking to a stored one, and stored articles linking to
    a batch article (the original crawled after its copy). A pair named by both links keeps
    "canonical-link" (LINK_SQL's order).
    """
    with conn.cursor() as cur:
        pairs: dict[tuple[int, int], str] = {}
        for method, query in LINK_SQL.items():
            cur.execute(query, {"ids": ids})
            for a, b in cur.fetchall():
                pairs.setdefault((min(a, b), max(a, b)), method)
        return pairs


# method -> the pairs named by one link column of news.articles (migration 003 adds both):
# two index lookups, not one OR (which the planner answers with a scan of news.articles per
# batch): batch articles' links resolved through canonical_url's unique index, and links to
# batch articles through the column's index (migration 018)
_LINK_QUERY = """
    select linking.article_id, target.article_id
    from news.articles as linking
    join news.articles as target on target.canonical_url = linking.{column}
    where linking.article_id = any(%(ids)s)
      and linking.is_article and target.is_article
      and target.article_id <> linking.article_id
      and target.source <> linking.source
    union
    select linking.article_id, target.article_id
    from news.articles as target
    join news.articles as linking on linking.{column} = target.canonical_url
    where target.article_id = any(%(ids)s)
      and linking.is_article and target.is_article
      and target.article_id <> linking.article_id
      and target.source <> linking.source
"""
LINK_SQL = {
    "canonical-link": _LINK_QUERY.replace("{column}", "canonical_link"),
    "source-link": _LINK_QUERY.replace("{column}", "source_link"),
}


def stored_fingerprints(conn: Conn, ids: Iterable[int]) -> dict[int, Evidence]:
    """article_id -> Evidence (signature, shingle/sentence/fact sets, version, credits).

    The sets stored with the fingerprint when it was taken from the article's current text
    under the current scheme; the text is read and fingerprinted again only when it was not
    (a fingerprint of another scheme, or a text changed since that this run has not
    re-fingerprinted yet).
    """
    ids = list(ids)
    if not ids:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            """
            select f.article_id, f.signature, fresh,
                   case when fresh then f.shingles end,
                   case when fresh then f.sentences end,
                   case when fresh then f.facts end,
                   a.text_hash, a.byline, a.credit, s.outlet, s.name,
                   -- a fresh fingerprint needs only the text's ends (wire credits)
                   case when fresh then left(a.text, %s) || E'\n' || right(a.text, %s)
                        else a.text end
            from news.fingerprints as f
            join news.articles as a on a.article_id = f.article_id
            left join news.sources as s on s.name = a.source
            cross join lateral (select f.text_hash = a.text_hash and f.scheme = %s
                                       and f.shingles is not null and f.sentences is not null
                                       and f.facts is not null as fresh) as x
            where f.article_id = any(%s)
            """,
            (OPENING_CHARS, CLOSING_CHARS, SCHEME_TAG, list(ids)),
        )
        result = {}
        for (article_id, signature, fresh, shingles, sentences, facts, text_hash, byline, credit,
             outlet, name, text) in cur.fetchall():
            if fresh:
                signature, shingles = from_bytes(signature), sh.from_bytes(shingles)
                sentences, facts = st.from_bytes(sentences), sh.from_bytes(facts)
            else:
                fp = fingerprint_batch([(article_id, text)])
                signature, shingles, sentences, facts = fp.body[0], fp.shingles[0], fp.sentences[0], fp.facts[0]
            result[article_id] = Evidence(
                signature, shingles, sentences, facts, bytes(text_hash),
                frozenset(wire_credits(byline, credit, text)), frozenset(source_names(outlet, name)),
            )
        return result


def own_fingerprints(conn: Conn, ids: Iterable[int], credits: Callable[[int], tuple[frozenset[str], frozenset[str]]]
                     ) -> dict[int, Evidence]:
    """article_id -> Evidence of articles this run fingerprinted (fresh by construction: the
    run holds the dedup lock), from news.fingerprints alone: their credits and source names
    come from `credits` (the run's memory), so the text is not read again."""
    ids = list(ids)
    if not ids:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            "select article_id, signature, shingles, sentences, facts, text_hash"
            " from news.fingerprints where article_id = any(%s)",
            (ids,),
        )
        return {
            article_id: Evidence(from_bytes(signature), sh.from_bytes(shingles), st.from_bytes(sentences),
                                 sh.from_bytes(facts), bytes(text_hash), *credits(article_id))
            for article_id, signature, shingles, sentences, facts, text_hash in cur.fetchall()
        }
