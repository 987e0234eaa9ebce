"""PageStore: the item pipeline that writes fetches to news.pages in batches.

Pages go through `pipeline.load.upsert` (COPY + ON CONFLICT), a batch at a time: every
NEWSCORPUS_BATCH_SIZE items, every NEWSCORPUS_FLUSH_SECONDS, and at close. A page whose
(url, body hash) is already stored is not stored again; only its announced lastmod moves,
unless that stored row is an older version than the URL's latest (the page went back to an
earlier body, A → B → A): then the row becomes the latest again (fetched_at, run_id) and its
extraction is forgotten so `extract` cleans it into the article again.
Each flush also writes the run's per-source counters (news.crawl_run_sources) in the same
transaction, so what the report says is always what is stored.
"""

from __future__ import annotations

import hashlib
import logging
import time
import zlib
from typing import Any

from pipeline import db
from pipeline.load import upsert
from spiders.items import PageItem
from spiders.ledger import SourceLedger

log = logging.getLogger(__name__)

PAGE_COLUMNS = [
    "run_id", "source", "url", "final_url", "canonical_url", "status", "content_type",
    "body_zlib", "body_hash", "body_bytes", "lastmod", "error", "fetched_at",
]
COUNT_COLUMNS = ["pages_fetched", "pages_failed", "pages_new", "pages_updated", "bytes", "requests_refused",
                 "documents_ok", "documents_failed"]
# feed/sitemap failures (before any page row exists) kept per run and source for the report
MAX_DOCUMENT_ERRORS = 20
ZLIB_LEVEL = 6


class PageStore:
    def __init__(self, crawler: Any, database_url: str, run_id: int | None, batch_size: int, flush_seconds: float):
        self.crawler = crawler
        self.database_url = database_url
        self.run_id = run_id
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.batch: list[PageItem] = []
        self.baseline: dict[str, tuple[int, ...]] = {}
        self.baseline_errors: dict[str, list[str]] = {}
        self.last_flush = time.monotonic()
        self.conn = None
        self.error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PageStore":
        settings = crawler.settings
        run_id = settings.get("NEWSCORPUS_RUN_ID")
        return cls(
            crawler,
            database_url=settings.get("NEWSCORPUS_DATABASE_URL") or db.database_url(),
            run_id=int(run_id) if run_id else None,
            batch_size=settings.getint("NEWSCORPUS_BATCH_SIZE", 200),
            flush_seconds=settings.getfloat("NEWSCORPUS_FLUSH_SECONDS", 5.0),
        )

    @property
    def ledger(self) -> dict[str, SourceLedger]:
        return self.crawler.spider.ledger

    def open_spider(self) -> None:
        self.crawler.spider.page_store = self  # the child reads `error` from here at the end
        self.conn = db.connect(self.database_url)
        if self.run_id is not None:
            with self.conn, self.conn.cursor() as cur:
                cur.execute(
                    f"select source, {', '.join(COUNT_COLUMNS)}, document_errors"
                    " from news.crawl_run_sources where run_id = %s",
                    (self.run_id,),
                )
                rows = cur.fetchall()
                self.baseline = {row[0]: tuple(row[1:-1]) for row in rows}
                self.baseline_errors = {row[0]: list(row[-1]) for row in rows}
                self._write_counts()

    def process_item(self, item: PageItem) -> PageItem:
        self.batch.append(item)
        if len(self.batch) >= self.batch_size or time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()
        return item

    def close_spider(self) -> None:
        try:
            self.flush()
        finally:
            if self.conn is not None:
                self.conn.close()

    def flush(self) -> None:
        """Store the batch and the counters in one transaction."""
        self.last_flush = time.monotonic()
        batch, self.batch = self.batch, []
        rows, hashes = [], []
        for item in batch:
            body_hash = hashlib.sha256(item.body).digest() if item.body is not None else None
            hashes.append(body_hash)
            rows.append((
                self.run_id, item.source, item.url, item.final_url, item.canonical_url, item.status,
                item.content_type, zlib.compress(item.body, ZLIB_LEVEL) if item.body is not None else None,
                body_hash, len(item.body) if item.body is not None else None, item.lastmod, item.error,
                item.fetched_at,
            ))
        try:
            with self.conn:
                if rows:
                    self._classify(batch, hashes)
                    upsert(self.conn, "news.pages", PAGE_COLUMNS, rows,
                           conflict=["url", "body_hash"], update=["lastmod"])
                    self._revive(batch, hashes)
                self._write_counts()
        except Exception as exc:
            self.error = f"storing {len(rows)} page(s) failed: {exc}"
            log.error(self.error)
            raise
        if rows:
            log.debug("stored a batch of %d page(s)", len(rows))

    def _revive(self, batch: list[PageItem], hashes: list[bytes | None]) -> None:
        """A fetch whose body is an older stored version of its URL (not the latest one) makes
        that row the latest again and drops its extraction; a re-fetch of the latest is a no-op."""
        fetched = [(i.url, h, i.fetched_at) for i, h in zip(batch, hashes) if h is not None]
        if not fetched:
            return
        with self.conn.cursor() as cur:
            cur.execute(
                """
                with incoming as (
                    select * from unnest(%s::text[], %s::bytea[], %s::timestamptz[]) as u(url, body_hash, fetched_at)
                ), revived as (
                    update news.pages as p
                    set fetched_at = i.fetched_at, run_id = %s
                    from incoming as i
                    where p.url = i.url and p.body_hash = i.body_hash
                      and exists (select from news.pages as q
                                  where q.url = p.url and q.body_hash is not null and q.body_hash <> p.body_hash
                                    and (q.fetched_at, q.page_id) > (p.fetched_at, p.page_id))
                    returning p.page_id
                )
                delete from news.page_extractions as e using revived as r where e.page_id = r.page_id
                """,
                ([u for u, _, _ in fetched], [h for _, h, _ in fetched], [t for _, _, t in fetched], self.run_id),
            )

    def _classify(self, batch: list[PageItem], hashes: list[bytes | None]) -> None:
        """Count each fetch as new, updated, unchanged or failed (one query per batch)."""
        stored = [(i, h) for i, h in zip(batch, hashes) if h is not None]
        seen: dict[tuple[str, bytes], tuple[bool, bool]] = {}
        if stored:
            with self.conn.cursor() as cur:
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
                    ([i.url for i, _ in stored], [h for _, h in stored]),
                )
                seen = {(url, bytes(h)): (url_seen, latest) for url, h, url_seen, latest in cur}
        for item, body_hash in zip(batch, hashes):
            # counted for the source that announced it: a crawl writes only its own sources' rows
            ledger = self.ledger.setdefault(item.announced_by or item.source, SourceLedger())
            ledger.pages_fetched += 1
            ledger.bytes += item.received_bytes
            if body_hash is None:
                ledger.pages_failed += 1
                continue
            url_seen, latest = seen.get((item.url, body_hash), (False, False))
            if latest:
                ledger.pages_unchanged += 1
            elif url_seen:
                ledger.pages_updated += 1
            else:
                ledger.pages_new += 1

    def _write_counts(self) -> None:
        """This run's counters per source: what the rows held before this crawl plus its own."""
        if self.run_id is None:
            return
        rows = []
        for source, ledger in self.ledger.items():
            base = self.baseline.get(source, (0,) * len(COUNT_COLUMNS))
            mine = (ledger.pages_fetched, ledger.pages_failed, ledger.pages_new, ledger.pages_updated, ledger.bytes,
                    ledger.refused, ledger.documents_ok, ledger.documents_failed)
            errors = (self.baseline_errors.get(source, []) + ledger.errors)[-MAX_DOCUMENT_ERRORS:]
            rows.append((self.run_id, source, *(b + m for b, m in zip(base, mine)), errors))
        upsert(self.conn, "news.crawl_run_sources", ["run_id", "source", *COUNT_COLUMNS, "document_errors"], rows,
               conflict=["run_id", "source"])
