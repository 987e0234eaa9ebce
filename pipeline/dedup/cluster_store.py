"""The SQL of dedup's clusters: components to re-cluster, their order and matches, and storing
memberships (news.clusters, news.cluster_members).

`clusters.assign` (pure) decides the memberships; this module reads what it needs and writes
what it decided. `affected` widens a set of changed articles to whole components (and the
clusters they sat in), so an incremental run re-clusters exactly what a full rebuild would
change; `write` keeps cluster ids stable (same canonical, else most shared members).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg2.extensions

from pipeline.dedup.clusters import Membership
from pipeline.dedup.verify import Match
from pipeline.load import upsert

Conn = psycopg2.extensions.connection


@dataclass
class WriteStats:
    clusters_new: int = 0
    canonicals_rechosen: int = 0
    copies_linked: int = 0
    changed_members: list[int] = field(default_factory=list)
    created: set[int] = field(default_factory=set)   # cluster ids inserted
    removed: set[int] = field(default_factory=set)   # cluster ids deleted (merged away, emptied)


def affected(conn: Conn, seeds: Iterable[int]) -> set[int]:
    """`seeds` plus every article reachable through matches or shared clusters."""
    found = set(seeds)
    frontier = list(found)
    with conn.cursor() as cur:
        while frontier:
            cur.execute(
                """
                select other_id from news.dedup_matches where article_id = any(%(ids)s)
                union
                select article_id from news.dedup_matches where other_id = any(%(ids)s)
                union
                select co.article_id
                from news.cluster_members as mine
                join news.cluster_members as co on co.cluster_id = mine.cluster_id
                where mine.article_id = any(%(ids)s)
                """,
                {"ids": frontier},
            )
            frontier = [row[0] for row in cur.fetchall() if row[0] not in found]
            found.update(frontier)
    return found


def original_order(conn: Conn, ids: Iterable[int]) -> list[int]:
    """The deduplicated articles among `ids`, originals first as the contract defines them."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select a.article_id
            from news.articles as a
            join news.sources as s on s.name = a.source
            join news.fingerprints as f on f.article_id = a.article_id
            where a.article_id = any(%s) and a.is_article
            -- "earliest fetched" is the article's first fetch: an edit must not demote an original
            order by a.published_at nulls last, s.kind = 'aggregator', a.first_seen_at, a.article_id
            """,
            (list(ids),),
        )
        return [row[0] for row in cur.fetchall()]


def stored_matches(conn: Conn, ids: Iterable[int]) -> list[Match]:
    with conn.cursor() as cur:
        cur.execute(
            """
            with scope as (select unnest(%(ids)s::bigint[]) as article_id)
            select article_id, other_id, jaccard, containment, method
            from news.dedup_matches
            -- semi-joins (hashed), not `= any(array)` twice: that compares each match with
            -- the whole array, seconds at a 20,000-article scope (a bulk run's end)
            where article_id in (select article_id from scope)
              and other_id in (select article_id from scope)
            """,
            {"ids": list(ids)},
        )
        return [Match(*row) for row in cur.fetchall()]


def write(conn: Conn, memberships: dict[int, Membership], gone: Iterable[int]) -> WriteStats:
    """Store memberships of a closed set of articles, reusing cluster rows where possible.

    A new cluster keeps the cluster_id of the stored cluster with the same canonical, else of
    the stored cluster it shares most members with (its canonical is re-chosen), else gets a
    new row. Unchanged rows are not touched; clusters left without members are deleted.
    """
    stats = WriteStats()
    members_of: dict[int, list[int]] = {}
    for article_id, m in memberships.items():
        members_of.setdefault(m.canonical, []).append(article_id)
    stored = _stored_memberships(conn, list(memberships) + list(gone))
    cluster_of_canonical, rechosen, fresh, unused = _reuse_clusters(members_of, stored)
    _write_clusters(conn, cluster_of_canonical, rechosen, fresh, gone)
    rows = [
        (article_id, cluster_of_canonical[m.canonical], m.matched, m.similarity, m.method)
        for article_id, m in sorted(memberships.items())
    ]
    changed = _changed_members(conn, rows)
    upsert(conn, "news.cluster_members",
           ["article_id", "cluster_id", "matched_article_id", "similarity", "method"],
           rows, conflict=["article_id"])
    if unused:
        with conn.cursor() as cur:
            cur.execute("delete from news.clusters where cluster_id = any(%s)", (sorted(unused),))
    stats.clusters_new = len(fresh)
    stats.created = {cluster_of_canonical[c] for c in fresh}
    stats.removed = set(unused)
    stats.canonicals_rechosen = len(rechosen)
    stats.changed_members = changed
    stats.copies_linked = sum(1 for a in changed if memberships[a].method != "self")
    return stats


def _stored_memberships(conn: Conn, ids: list[int]) -> list[tuple[int, int, int]]:
    """[(article_id, cluster_id, canonical article_id)] stored for `ids`."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select m.article_id, m.cluster_id, c.canonical_article_id
            from news.cluster_members as m
            join news.clusters as c on c.cluster_id = m.cluster_id
            where m.article_id = any(%s)
            """,
            (ids,),
        )
        return cur.fetchall()


def _reuse_clusters(members_of: dict[int, list[int]], stored: list[tuple[int, int, int]]
                    ) -> tuple[dict[int, int], list[tuple[int, int]], list[int], set[int]]:
    """Which stored cluster each canonical keeps (pure; see `write`).

    Returns (canonical -> cluster_id for reused clusters, [(cluster_id, new canonical)]
    re-chosen, canonicals needing a new cluster row, cluster ids left unused).
    """
    old_cluster_of = {article_id: cluster_id for article_id, cluster_id, _ in stored}
    old_by_canonical = {canonical: cluster_id for _, cluster_id, canonical in stored}
    old_canonical = {cluster_id: canonical for _, cluster_id, canonical in stored}
    unused = set(old_canonical)
    cluster_of_canonical: dict[int, int] = {}
    rechosen: list[tuple[int, int]] = []
    fresh: list[int] = []
    ordered = sorted(members_of, key=lambda c: min(members_of[c]))
    # first every canonical that already has its cluster, so a re-chosen canonical is never
    # one still held by another row (the unique constraint is checked row by row)
    for canonical in ordered:
        cluster_id = old_by_canonical.get(canonical)
        if cluster_id is not None:
            unused.discard(cluster_id)
            cluster_of_canonical[canonical] = cluster_id
    for canonical in ordered:
        if canonical in cluster_of_canonical:
            continue
        overlap: dict[int, int] = {}
        for article_id in members_of[canonical]:
            old = old_cluster_of.get(article_id)
            if old in unused:
                overlap[old] = overlap.get(old, 0) + 1
        if overlap:
            cluster_id = min(overlap, key=lambda c: (-overlap[c], c))
            rechosen.append((cluster_id, canonical))
            unused.discard(cluster_id)
            cluster_of_canonical[canonical] = cluster_id
        else:
            fresh.append(canonical)
    return cluster_of_canonical, rechosen, fresh, unused


def _write_clusters(conn: Conn, cluster_of_canonical: dict[int, int], rechosen: list[tuple[int, int]],
                    fresh: list[int], gone: Iterable[int]) -> None:
    """Re-choose canonicals, insert the fresh clusters (their ids added to cluster_of_canonical)
    and drop the memberships of `gone`."""
    with conn.cursor() as cur:
        if rechosen:
            cur.execute(
                """
                update news.clusters as c
                set canonical_article_id = v.canonical, updated_at = now()
                from unnest(%s::bigint[], %s::bigint[]) as v (cluster_id, canonical)
                where c.cluster_id = v.cluster_id
                """,
                ([c for c, _ in rechosen], [a for _, a in rechosen]),
            )
        if fresh:
            cur.execute(
                """
                insert into news.clusters (canonical_article_id)
                select unnest(%s::bigint[])
                returning cluster_id, canonical_article_id
                """,
                (fresh,),
            )
            cluster_of_canonical.update({canonical: cid for cid, canonical in cur.fetchall()})
        if list(gone):
            cur.execute("delete from news.cluster_members where article_id = any(%s)", (list(gone),))


def _changed_members(conn: Conn, rows: list[tuple]) -> list[int]:
    """Articles whose membership row is new or differs from the stored one."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select article_id, cluster_id, matched_article_id, similarity, method
            from news.cluster_members where article_id = any(%s)
            """,
            ([r[0] for r in rows],),
        )
        stored = {row[0]: row for row in cur.fetchall()}
    changed = []
    for row in rows:
        old = stored.get(row[0])
        if old is None or (old[1], old[2], old[4]) != (row[1], row[2], row[4]) or abs(old[3] - row[3]) > 1e-6:
            changed.append(row[0])
    return changed
