"""Load answer-key articles straight into news.* (no crawl, no extraction), for tests and bench.

The sample web's answer key gives each article's expected clean text, story label and
publication time. `load_key_articles` stores them as the extract stage would (one stub page
per article text, the article upserted on its URL), so dedup can be scored against the key's
story_ids without running a crawler (`pairwise_scores`). `sample_key` writes the key of a
sample-web World without serving it over HTTP.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path
from typing import Any

import psycopg2.extensions

from pipeline.load import upsert

NIGHT_1 = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)


def sample_key(out_dir: str | Path, seed: int = 7, stories: int = 40):
    """The sample web's answer key (an AnswerKey), written without serving the web.

    URLs are on https://<source>.example: the key's texts and story labels are what matter here.
    """
    from pipeline.sampleweb import outlets
    from pipeline.sampleweb.key import load_key, write_key
    from pipeline.sampleweb.site import Site
    from pipeline.sampleweb.world import World

    site = Site(World(seed, stories), {o.slug: f"https://{o.slug}.example" for o in outlets.OUTLETS})
    return load_key(write_key(site, Path(out_dir)))


def text_of(paragraphs: Sequence[str]) -> str:
    """Paragraphs as the extract stage stores them: one per line."""
    return "\n".join(paragraphs)


def load_key_articles(
    conn: psycopg2.extensions.connection,
    records: Iterable[Any],
    day: int = 1,
    fetched_at: datetime | None = None,
) -> dict[str, int]:
    """Store key records (their text as of `day`) as sources, pages and articles; url -> article_id.

    Records are the sample web's KeyArticle (or anything with the same fields). Pages get
    fetched_at = the night's crawl time unless given. Runs in one transaction.
    """
    records = list(records)
    fetched = fetched_at or NIGHT_1 + timedelta(days=day - 1)
    rows = []
    for r in records:
        text = r.day2["text"] if (day >= 2 and r.day2) else r.text
        title = r.day2["title"] if (day >= 2 and r.day2) else r.title
        body = text_of(text)
        digest = hashlib.sha256(body.encode()).digest()
        rows.append((r, title, body, digest))
    sources = {r.source: (r.source, r.outlet, r.kind, [r.url.split("/")[2]]) for r in records}
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"], list(sources.values()),
               conflict=["name"], update=[])
        upsert(
            conn, "news.pages",
            ["source", "url", "final_url", "status", "content_type", "body_zlib", "body_hash",
             "body_bytes", "fetched_at"],
            [(r.source, r.url, r.url, 200, "text/html", zlib.compress(body.encode()), digest,
              len(body.encode()), fetched) for r, _, body, digest in rows],
            conflict=["url", "body_hash"], update=[],
        )
        with conn.cursor() as cur:
            cur.execute(
                """
                select p.url, p.page_id from news.pages as p
                join unnest(%s::text[], %s::bytea[]) as k (url, body_hash)
                  on k.url = p.url and k.body_hash = p.body_hash
                """,
                ([r.url for r, *_ in rows], [digest for *_, digest in rows]),
            )
            page_of = dict(cur.fetchall())
        upsert(
            conn, "news.articles",
            ["canonical_url", "source", "page_id", "title", "byline", "published_at", "language",
             "text", "word_count", "text_hash", "extractor_version"],
            [(r.url, r.source, page_of[r.url], title, r.byline, r.published_at, "en", body,
              len(body.split()), digest, "answer-key") for r, title, body, digest in rows],
            conflict=["canonical_url"],
        )
        with conn.cursor() as cur:
            cur.execute("select canonical_url, article_id from news.articles where canonical_url = any(%s)",
                        ([r.url for r in records],))
            return dict(cur.fetchall())


def stored_clusters(conn: psycopg2.extensions.connection) -> dict[int, tuple[int, int]]:
    """article_id -> (cluster_id, canonical article_id) as dedup stored them."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select m.article_id, m.cluster_id, c.canonical_article_id
            from news.cluster_members as m
            join news.clusters as c on c.cluster_id = m.cluster_id
            """
        )
        return {row[0]: (row[1], row[2]) for row in cur.fetchall()}


def _pairs(groups: dict[Any, set[int]]) -> set[tuple[int, int]]:
    return {pair for members in groups.values() for pair in combinations(sorted(members), 2)}


def pairwise_scores(conn: psycopg2.extensions.connection, records: Iterable[Any],
                    article_ids: dict[str, int]) -> dict[str, Any]:
    """Pairwise precision and recall of the stored clusters against the key's story_ids.

    Returns precision, recall, the wrong and missed pairs (as URL pairs) and the originals
    that are not their cluster's canonical.
    """
    records = [r for r in records if r.url in article_ids]
    stored = stored_clusters(conn)
    url_of = {article_ids[r.url]: r.url for r in records}
    found: dict[int, set[int]] = {}
    truth: dict[str, set[int]] = {}
    for r in records:
        article_id = article_ids[r.url]
        found.setdefault(stored[article_id][0] if article_id in stored else -article_id, set()).add(article_id)
        truth.setdefault(r.story_id, set()).add(article_id)
    found_pairs, true_pairs = _pairs(found), _pairs(truth)
    hits = len(found_pairs & true_pairs)
    return {
        "precision": hits / len(found_pairs) if found_pairs else 1.0,
        "recall": hits / len(true_pairs) if true_pairs else 1.0,
        "pairs": len(found_pairs),
        "true_pairs": len(true_pairs),
        "wrong": sorted((url_of[a], url_of[b]) for a, b in found_pairs - true_pairs),
        "missed": sorted((url_of[a], url_of[b]) for a, b in true_pairs - found_pairs),
        "misplaced_originals": sorted(
            r.url for r in records
            if r.is_original and stored.get(article_ids[r.url], (0, 0))[1] != article_ids[r.url]
            and len(truth[r.story_id]) > 1
        ),
    }
