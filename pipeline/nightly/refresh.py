"""Derived data a night's loads make stale, brought up to date (writes; the checks only read).

The furniture cache (news.article_furniture: which furniture markers each article's text
holds) that `news.source_health` and `pipeline.nightly.checks` read, and the planner
statistics of the tables a night grows.
"""

from __future__ import annotations

import psycopg2.extensions

# Incremental: only articles never checked or whose text changed since.
REFRESH_SQL = """
insert into news.article_furniture as cached (article_id, text_hash, markers, checked_at)
select
    a.article_id,
    a.text_hash,
    array(select f.marker from news.furniture_markers as f
          where strpos(a.text, f.marker) > 0 order by f.marker),
    now()
from news.articles as a
left join news.article_furniture as known on known.article_id = a.article_id
where known.article_id is null or known.text_hash <> a.text_hash
on conflict (article_id) do update
    set text_hash = excluded.text_hash, markers = excluded.markers, checked_at = excluded.checked_at
"""


def refresh_furniture(conn: psycopg2.extensions.connection) -> int:
    """Bring the furniture cache (news.article_furniture) up to date; returns rows checked.

    Call after extraction/dedup (the nightly refresh step does; the checks stage tops it up). Only new
    or changed texts are read, so a night costs what its new articles cost. Without it
    `news.source_health` is still right, just slower: it reads uncached texts itself.
    """
    with conn, conn.cursor() as cur:
        cur.execute(REFRESH_SQL)
        return cur.rowcount


def refresh_all(conn: psycopg2.extensions.connection) -> None:
    """The nightly refresh stage: the furniture cache, then ANALYZE of the tables that grew.

    Leaves `conn` in autocommit (ANALYZE of several tables runs outside a transaction block).
    """
    refresh_furniture(conn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("analyze news.pages, news.articles, news.cluster_members, news.clusters")
