"""The set-oriented SQL of dedup: what to fingerprint, storing fingerprints, finding candidates.

Every query takes a whole batch (arrays of article ids): a batch's candidates are one join of
its rows in news.lsh_buckets against the (band, bucket) primary key, never one query per
article. The state lives in the tables, not in memory, so several processes see the same index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import psycopg2.extensions

from pipeline.dedup import sentences as st
from pipeline.dedup import shingles as sh
from pipeline.dedup.credit import CLOSING_CHARS, OPENING_CHARS, source_names, wire_credits
from pipeline.dedup.fingerprint import SCHEME_TAG, SENTENCE_BAND, Fingerprints, fingerprint_batch
from pipeline.dedup.signatures import NUM_PERM, from_bytes, to_bytes
from pipeline.dedup.verify import Evidence
from pipeline.load import upsert

Conn = psycopg2.extensions.connection
# optional columns the extract stage may add (migration 003): a link naming the original
LINK_COLUMNS = {"canonical_link": "canonical-link", "source_link": "source-link"}
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
           keep_versions: bool = False) -> set[int]:
    """Drop the matches and buckets (and fingerprints) of `ids`; returns their former partners.

    keep_versions: an article that is the canonical (original) of a cluster keeps its matches
    with that cluster's copies when they were decided on an earlier version of its text
    (news.dedup_matches.*_text_hash): a copy of an original updated after it was copied stays
    linked. Every other match of `ids` (decided on the current version, of unknown version,
    or of an article that is itself a copy and has changed) is dropped and decided again.
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
                      where a.article_id = any(%(ids)s)
                        and ((a.article_id = m.article_id and m.article_text_hash <> a.text_hash
                              and cm.article_id = m.other_id)
                          or (a.article_id = m.other_id and m.other_text_hash <> a.text_hash
                              and cm.article_id = m.article_id)))
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
        cur.execute("delete from news.lsh_buckets where article_id = any(%s)", (ids,))
        if not keep_fingerprints:
            cur.execute("delete from news.fingerprints where article_id = any(%s)", (ids,))
    return partners - set(ids)


def store(conn: Conn, fps: Fingerprints, rows: dict[int, ArticleRow],
          keys: list[tuple[int, int, int, int]]) -> None:
    """Write a batch's fingerprints (upsert, with their shingle/sentence/fact sets) and bucket rows."""
    upsert(
        conn,
        "news.fingerprints",
        ["article_id", "text_hash", "num_perm", "signature", "shingle_count", "scheme", "shingles",
         "sentences", "facts"],
        [
            (article_id, rows[article_id].text_hash, NUM_PERM, to_bytes(fps.body[i]),
             int(fps.shingles[i].size), SCHEME_TAG, sh.to_bytes(fps.shingles[i]),
             st.to_bytes(fps.sentences[i]), sh.to_bytes(fps.facts[i]))
            for i, article_id in enumerate(fps.article_ids)
        ],
        conflict=["article_id"],
    )
    # a plain insert: `forget` has just deleted these articles' bucket rows, and one article's
    # rows differ in band or bucket, so there is no conflict to resolve (ON CONFLICT costs ~2x)
    upsert(conn, "news.lsh_buckets", ["band", "bucket", "day", "article_id"], keys, conflict=None)


def common_sentences(conn: Conn, hashes: Iterable[int]) -> set[int]:
    """The sentence hashes among `hashes` found in more than COMMON_SENTENCE_ARTICLES articles.

    Counted over all history (no window), each count bounded by a LIMIT so a standard
    sentence in 100,000 articles costs what one in 11 does.
    """
    values = sorted(set(int(h) for h in hashes))
    if not values:
        return set()
    with conn.cursor() as cur:
        cur.execute(
            """
            select k.bucket
            from unnest(%(hashes)s::bigint[]) as k (bucket)
            where (select count(*) from (
                       select 1 from news.lsh_buckets as b
                       where b.band = %(band)s and b.bucket = k.bucket
                       limit %(limit)s) as x) > %(common)s
            """,
            {"hashes": values, "band": SENTENCE_BAND, "limit": COMMON_SENTENCE_ARTICLES + 1,
             "common": COMMON_SENTENCE_ARTICLES},
        )
        return {row[0] for row in cur.fetchall()}


# One index probe of the (band, bucket, day) key per bucket row of the batch, whatever the size
# of the history: the batch's keys come from Python (unnest), and the lateral subquery makes
# the planner look each of them up (a join against the table let it merge-join the whole index).
CANDIDATES_SQL = """
    select distinct
        least(k.article_id, other.article_id),
        greatest(k.article_id, other.article_id)
    from unnest(%(bands)s::smallint[], %(buckets)s::bigint[], %(days)s::integer[],
                %(articles)s::bigint[]) as k (band, bucket, day, article_id)
    cross join lateral (
        select o.article_id
        from news.lsh_buckets as o
        where o.band = k.band and o.bucket = k.bucket
          and o.day between k.day - %(window)s and k.day + %(window)s
          and o.article_id <> k.article_id
        offset 0  -- not flattened into a hash join over the whole table
    ) as other
"""


def candidate_pairs(conn: Conn, keys: list[tuple[int, int, int, int]], common: Iterable[int] = (),
                    window_days: int | None = WINDOW_DAYS) -> set[tuple[int, int]]:
    """(smaller id, larger id) pairs sharing a bucket with one of the batch's bucket rows.

    keys: the batch's (band, bucket, day, article_id) rows (Fingerprints.buckets). Only
    articles within `window_days` of the batch article's day (None: all history); common
    sentences (`common_sentences`) make no pairs.
    """
    with conn.cursor() as cur:
        cur.execute(CANDIDATES_SQL, candidate_params(keys, common, window_days))
        return set(cur.fetchall())


def candidate_params(keys: list[tuple[int, int, int, int]], common: Iterable[int],
                     window_days: int | None) -> dict:
    common = set(int(h) for h in common)
    keys = [k for k in keys if not (k[0] == SENTENCE_BAND and k[1] in common)]
    return {"bands": [k[0] for k in keys], "buckets": [k[1] for k in keys],
            "days": [k[2] for k in keys], "articles": [k[3] for k in keys],
            "window": NO_WINDOW if window_days is None else window_days}


def link_pairs(conn: Conn, ids: list[int]) -> dict[tuple[int, int], str]:
    """Pairs named by a cross-domain rel=canonical or an aggregator's source link.

    Both directions: a batch article linking to a stored one, and stored articles linking to
    a batch article (the original crawled after its copy). Empty when the extract stage has
    not added the link columns (migration 003) yet.
    """
    with conn.cursor() as cur:
        cur.execute(
            """
            select column_name from information_schema.columns
            where table_schema = 'news' and table_name = 'articles' and column_name = any(%s)
            """,
            (list(LINK_COLUMNS),),
        )
        present = sorted(row[0] for row in cur.fetchall())
        pairs: dict[tuple[int, int], str] = {}
        for column in present:
            cur.execute(
                f"""
                select linking.article_id, target.article_id
                from news.articles as linking
                join news.articles as target on target.canonical_url = linking.{column}
                where (linking.article_id = any(%(ids)s) or target.article_id = any(%(ids)s))
                  and linking.is_article and target.is_article
                  and target.article_id <> linking.article_id
                  and target.source <> linking.source
                """,
                {"ids": ids},
            )
            for a, b in cur.fetchall():
                pairs.setdefault((min(a, b), max(a, b)), LINK_COLUMNS[column])
        return pairs


def stored_fingerprints(conn: Conn, ids: Iterable[int]) -> dict[int, Evidence]:
    """article_id -> Evidence (signature, shingle/sentence/fact sets, version, credits).

    The sets stored with the fingerprint when it was taken from the article's current text
    under the current scheme; the text is read and fingerprinted again only when it was not
    (a fingerprint of another scheme, or a text changed since that this run has not
    re-fingerprinted yet).
    """
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
