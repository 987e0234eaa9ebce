"""Per-source counters of one crawl, shared by the spider (discovery) and the item pipeline
(pages stored), and written back to the parent process as JSON at the end.

The counters themselves are `pipeline.runs.CrawlCounts` (one definition for the spider, the
parent's `pipeline.crawl.SourceCounts` and news.crawl_run_sources); the ledger adds the
discovery-only ones and the helpers the spider uses."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pipeline.runs import CrawlCounts

MAX_ERRORS_KEPT = 50


@dataclass
class SourceLedger(CrawlCounts):
    urls_scheduled: int = 0
    urls_not_article: int = 0      # announced but not matching article_url or off the domains
    urls_over_limit: int = 0       # not fetched because of --max-pages

    def drop(self, reason: str, count: int = 1) -> None:
        self.urls_dropped[reason] = self.urls_dropped.get(reason, 0) + count

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    @property
    def failed(self) -> bool:
        """A source failed when none of its feeds and sitemaps could be read."""
        return self.documents_ok == 0 and self.documents_failed > 0

    def as_dict(self) -> dict:
        return {**asdict(self), "status": "failed" if self.failed else "ok"}
