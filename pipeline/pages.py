"""Storing fetches in news.pages: the one page store the crawl and the WARC backfill share.

A page whose (url, body hash) is already stored is not stored again; only its announced
lastmod moves, unless that stored row is an older version than the URL's latest (the page
went back to an earlier body, A → B → A): then the row becomes the latest again (fetched_at,
run_id), and `extract` finds it by that moved fetched_at and cleans it into the article again
(the crawl writes only its own tables).

Each page may point at the WARC record it was archived in (file, offset, length; migration
015). With `keep_bodies=False` a page that has such a pointer is stored without `body_zlib`:
its hash and size are kept, and `extract` reads the body back from the WARC record.

Runs inside the caller's transaction (`with conn:`), like `pipeline.load.upsert`.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import psycopg2.extensions

from pipeline.load import upsert

PAGE_COLUMNS = [
    "run_id", "source", "url", "final_url", "canonical_url", "status", "content_type",
    "body_zlib", "body_hash", "body_bytes", "lastmod", "error", "fetched_at",
    "warc_file", "warc_offset", "warc_length",
]
ZLIB_LEVEL = 6
# what is kept as a page: the crawl (spiders/news.py) and the WARC backfill judge a body alike.
# A payload starting with one of these magic numbers is not a page whatever its Content-Type says.
HTML_TYPES = ("text/html", "application/xhtml+xml")
BINARY_MAGIC = {
    b"%PDF": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG": "image/png",
    b"GIF8": "image/gif",
    b"PK\x03\x04": "application/zip",
    b"\x1f\x8b": "application/gzip",
}
# what store() says about each fetch
NEW, UPDATED, UNCHANGED, FAILED = "new", "updated", "unchanged", "failed"


class Fetch(Protocol):
    """What a page store needs of one fetch (spiders.items.PageItem, pipeline.backfill's pages)."""

    source: str
    url: str
    final_url: str
    canonical_url: str | None
    status: int
    content_type: str | None
    body: bytes | None
    lastmod: datetime | None
    error: str | None
    fetched_at: datetime
    warc_file: str | None
    warc_offset: int | None
    warc_length: int | None


def store(
    conn: psycopg2.extensions.connection,
    run_id: int | None,
    fetches: Sequence[Fetch],
    keep_bodies: bool = True,
) -> list[str]:
    """Store a batch of fetches; returns, per fetch, NEW, UPDATED, UNCHANGED or FAILED (no body).

    Args:
        run_id: the news.crawl_runs row the new pages belong to (None: no run).
        keep_bodies: False drops body_zlib for fetches that have a WARC pointer.
    Raises:
        pipeline.errors.LoadError: the database refused the batch (the caller's transaction
            is then rolled back).
    """
    hashes = [hashlib.sha256(f.body).digest() if f.body is not None else None for f in fetches]
    rows = []
    for fetch, body_hash in zip(fetches, hashes):
        keep = fetch.body is not None and (keep_bodies or fetch.warc_file is None)
        rows.append((
            run_id, fetch.source, fetch.url, fetch.final_url, fetch.canonical_url, fetch.status,
            fetch.content_type, zlib.compress(fetch.body, ZLIB_LEVEL) if keep else None,
            body_hash, len(fetch.body) if fetch.body is not None else None, fetch.lastmod, fetch.error,
            fetch.fetched_at, fetch.warc_file, fetch.warc_offset, fetch.warc_length,
        ))
    if not rows:
        return []
    outcomes = _classify(conn, fetches, hashes)
    upsert(conn, "news.pages", PAGE_COLUMNS, rows, conflict=["url", "body_hash"], update=["lastmod"])
    _revive(conn, run_id, fetches, hashes)
    return outcomes


def _classify(conn: psycopg2.extensions.connection, fetches: Sequence[Fetch],
              hashes: list[bytes | None]) -> list[str]:
    """New, updated, unchanged or failed, for each fetch (one query per batch)."""
    stored = [(f, h) for f, h in zip(fetches, hashes) if h is not None]
    seen: dict[tuple[str, bytes], tuple[bool, bool]] = {}
    if stored:
        with conn.cursor() as cur:
            cur.execute(
                """
                with incoming as (
                    select * from unnest(%s::text[], %s::bytea[]) as u(url, body_hash)
                )
                select i.url, i.body_hash,
                       exists (select from news.pages as p where p.url = i.url and p.body_hash is not null),
                       -- the URL's latest stored body (an older one coming back is an update)
                       (select p.body_hash from news.pages as p where p.url = i.url and p.body_hash is not null
                        order by p.fetched_at desc, p.page_id desc limit 1) is not distinct from i.body_hash
                from incoming as i
                """,
                ([f.url for f, _ in stored], [h for _, h in stored]),
            )
            seen = {(url, bytes(h)): (url_seen, latest) for url, h, url_seen, latest in cur}
    outcomes = []
    for fetch, body_hash in zip(fetches, hashes):
        if body_hash is None:
            outcomes.append(FAILED)
            continue
        url_seen, latest = seen.get((fetch.url, body_hash), (False, False))
        outcomes.append(UNCHANGED if latest else UPDATED if url_seen else NEW)
    return outcomes


def _revive(conn: psycopg2.extensions.connection, run_id: int | None, fetches: Sequence[Fetch],
            hashes: list[bytes | None]) -> None:
    """A fetch whose body is an older stored version of its URL (not the latest one) makes
    that row the latest again (extract sees its fetched_at move); a re-fetch of the latest is a no-op."""
    fetched = [(f.url, h, f.fetched_at) for f, h in zip(fetches, hashes) if h is not None]
    if not fetched:
        return
    with conn.cursor() as cur:
        cur.execute(
            """
            with incoming as (
                select * from unnest(%s::text[], %s::bytea[], %s::timestamptz[]) as u(url, body_hash, fetched_at)
            )
            update news.pages as p
            set fetched_at = i.fetched_at, run_id = %s
            from incoming as i
            where p.url = i.url and p.body_hash = i.body_hash
              and i.fetched_at > p.fetched_at
              and exists (select from news.pages as q
                          where q.url = p.url and q.body_hash is not null and q.body_hash <> p.body_hash
                            and (q.fetched_at, q.page_id) > (p.fetched_at, p.page_id))
            """,
            ([u for u, _, _ in fetched], [h for _, h, _ in fetched], [t for _, _, t in fetched], run_id),
        )
