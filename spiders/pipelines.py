"""PageStore: the item pipeline that writes fetches to news.pages in batches.

Pages go through `pipeline.pages.store` (the page store the WARC backfill shares: COPY +
ON CONFLICT, a stored (url, body hash) not stored twice, A → B → A revives A), a batch at a
time: every NEWSCORPUS_BATCH_SIZE items, every NEWSCORPUS_FLUSH_SECONDS, and at close. A page
archived as WARC (spiders.warc) carries its record's pointer; with NEWSCORPUS_WARC_PG_BODIES
off its body is kept only there.
Each flush also writes the run's per-source counters (news.crawl_run_sources, through
`pipeline.runs`, which owns that table) in the same transaction, so what the report says is
always what is stored.

A store that cannot open (database unreachable, a table missing or locked) closes the spider
before any request (CloseSpider, reason STORE_UNAVAILABLE): a crawl that could store nothing
must not fetch, and `error` carries the one line the run reports as its failure.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.exceptions import CloseSpider

from pipeline import db, pages, runs
from pipeline.terminal import one_line
from pipeline.warc import keep_bodies as warc_keep_bodies
from spiders.items import PageItem
from spiders.ledger import SourceLedger

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = "page_store_unavailable"  # the crawl's finish_reason when the store could not open


class PageStore:
    def __init__(self, crawler: Any, database_url: str, run_id: int | None, batch_size: int, flush_seconds: float,
                 keep_bodies: bool = True):
        self.crawler = crawler
        self.keep_bodies = keep_bodies  # False: a page archived as WARC keeps no body_zlib
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
            keep_bodies=warc_keep_bodies(settings),
        )

    @property
    def ledger(self) -> dict[str, SourceLedger]:
        return self.crawler.spider.ledger

    def open_spider(self) -> None:
        """Connect and write the run's first counters; on any failure close the spider unstarted.

        Raises:
            CloseSpider: (reason STORE_UNAVAILABLE) the store cannot work; `error` says why in one
                line. Scrapy (2.13+) then closes the spider without fetching anything.
        """
        self.crawler.spider.page_store = self  # the child reads `error` from here at the end
        try:
            self.conn = db.connect(self.database_url)
            if self.run_id is not None:
                with self.conn:
                    held = runs.run_source_counts(self.conn, self.run_id)
                    self.baseline = {source: counts for source, (counts, _) in held.items()}
                    self.baseline_errors = {source: errors for source, (_, errors) in held.items()}
                    self._write_counts()
        except Exception as exc:  # noqa: BLE001 - whatever it is, nothing could be stored
            self.error = f"the page store could not open, nothing was fetched or stored: {one_line(str(exc))}"
            log.error("%s", self.error)
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            raise CloseSpider(STORE_UNAVAILABLE) from None

    def process_item(self, item: PageItem) -> PageItem:
        self.batch.append(item)
        if len(self.batch) >= self.batch_size or time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()
        return item

    def close_spider(self) -> None:
        if self.conn is None:  # never opened: open_spider recorded why
            return
        try:
            self.flush()
        finally:
            if self.conn is not None:
                self.conn.close()

    def flush(self) -> None:
        """Store the batch (pipeline.pages.store) and the counters in one transaction."""
        self.last_flush = time.monotonic()
        batch, self.batch = self.batch, []
        try:
            with self.conn:
                if batch:
                    outcomes = pages.store(self.conn, self.run_id, batch, keep_bodies=self.keep_bodies)
                    self._count(batch, outcomes)
                self._write_counts()
        except Exception as exc:
            self.error = f"storing {len(batch)} page(s) failed: {exc}"
            log.error(self.error)
            raise
        if batch:
            log.debug("stored a batch of %d page(s)", len(batch))

    def _count(self, batch: list[PageItem], outcomes: list[str]) -> None:
        """Count each fetch as new, updated, unchanged or failed."""
        for item, outcome in zip(batch, outcomes):
            # counted for the source that announced it: a crawl writes only its own sources' rows
            ledger = self.ledger.setdefault(item.announced_by or item.source, SourceLedger())
            ledger.pages_fetched += 1
            ledger.bytes += item.received_bytes
            if outcome == pages.FAILED:
                ledger.pages_failed += 1
            elif outcome == pages.UNCHANGED:
                ledger.pages_unchanged += 1
            elif outcome == pages.UPDATED:
                ledger.pages_updated += 1
            else:
                ledger.pages_new += 1

    def _write_counts(self) -> None:
        """This run's counters per source: what the rows held before this crawl plus its own."""
        if self.run_id is None:
            return
        counts = {}
        for source, ledger in self.ledger.items():
            base = self.baseline.get(source, (0,) * len(runs.COUNT_COLUMNS))
            mine = tuple(getattr(ledger, runs.COUNTER_OF[column]) for column in runs.COUNT_COLUMNS)
            errors = self.baseline_errors.get(source, []) + ledger.errors
            counts[source] = (tuple(b + m for b, m in zip(base, mine)), errors)
        runs.set_source_counts(self.conn, self.run_id, counts)
