"""The set-oriented SQL of dedup: what to fingerprint, storing fingerprints, finding candidates.

Every query takes a whole batch (arrays of article ids): a batch's candidates are one join of
its rows in news.lsh_buckets against the (band, bucket) primary key, never one query per
article. The state lives in the tables, not in memory, so several processes see the same index.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import psycopg2.extensions

from pipeline.dedup.fingerprint import SCHEME_TAG, Fingerprints
from pipeline.dedup import shingles as sh
from pipeline.dedup.signatures import NUM_PERM, from_bytes, to_bytes
from pipeline.load import upsert

Conn = psycopg2.extensions.connection
# optional columns the extract stage may add (migration 003): a link naming the original
LINK_COLUMNS = {"canonical_link": "canonical-link", "source_link": "source-link"}


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


def article_texts(conn: Conn, ids: Iterable[int]) -> dict[int, tuple[str, bytes]]:
    """article_id -> (text, text_hash)."""
    with conn.cursor() as cur:
        cur.execute(
            "select article_id, text, text_hash from news.articles where article_id = any(%s)",
            (list(ids),),
        )
        return {row[0]: (row[1], bytes(row[2])) for row in cur.fetchall()}


def forget(conn: Conn, ids: list[int], keep_fingerprints: bool = False) -> set[int]:
    """Drop the matches and buckets (and fingerprints) of `ids`; returns their former partners."""
    with conn.cursor() as cur:
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


def store(conn: Conn, fps: Fingerprints, text_hashes: dict[int, bytes]) -> None:
    """Write a batch's fingerprints (upsert, with their shingle sets) and bucket rows."""
    rows = [
        (article_id, text_hashes[article_id], NUM_PERM, to_bytes(fps.body[i]),
         int(fps.shingles[i].size), SCHEME_TAG, sh.to_bytes(fps.shingles[i]))
        for i, article_id in enumerate(fps.article_ids)
    ]
    upsert(
        conn,
        "news.fingerprints",
        ["article_id", "text_hash", "num_perm", "signature", "shingle_count", "scheme", "shingles"],
        rows,
        conflict=["article_id"],
    )
    # a plain insert: `forget` has just deleted these articles' bucket rows, and one article's
    # rows differ in band, so there is no conflict to resolve (ON CONFLICT + sort cost ~2x)
    upsert(conn, "news.lsh_buckets", ["band", "bucket", "article_id"], fps.buckets(), conflict=None)


def candidate_pairs(conn: Conn, ids: list[int]) -> set[tuple[int, int]]:
    """(smaller id, larger id) pairs sharing a band bucket with an article of the batch."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select distinct
                least(mine.article_id, other.article_id),
                greatest(mine.article_id, other.article_id)
            from news.lsh_buckets as mine
            join news.lsh_buckets as other
              on other.band = mine.band and other.bucket = mine.bucket
             and other.article_id <> mine.article_id
            where mine.article_id = any(%s)
            """,
            (ids,),
        )
        return set(cur.fetchall())


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


def stored_fingerprints(conn: Conn, ids: Iterable[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """article_id -> (body signature, shingle hashes of the current text) of stored articles.

    The shingle set stored with the fingerprint (migration 007) when it was taken from the
    article's current text under the current scheme; the text is read and shingled only when
    it was not (a fingerprint from before 007 or of another scheme, or a text changed since
    that this run has not re-fingerprinted yet).
    """
    with conn.cursor() as cur:
        cur.execute(
            """
            select f.article_id, f.signature,
                   case when fresh then f.shingles end,
                   case when f.shingles is null or not fresh then a.text end
            from news.fingerprints as f
            join news.articles as a on a.article_id = f.article_id
            cross join lateral (select f.text_hash = a.text_hash and f.scheme = %s as fresh) as x
            where f.article_id = any(%s)
            """,
            (SCHEME_TAG, list(ids)),
        )
        return {
            article_id: (
                from_bytes(signature),
                sh.from_bytes(shingles) if shingles is not None else sh.shingle_hashes(text),
            )
            for article_id, signature, shingles, text in cur.fetchall()
        }
