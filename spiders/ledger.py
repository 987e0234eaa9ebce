"""Per-source counters of one crawl, shared by the spider (discovery) and the item pipeline
(pages stored), and written back to the parent process as JSON at the end."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MAX_ERRORS_KEPT = 50


@dataclass
class SourceLedger:
    documents_ok: int = 0          # feeds/sitemaps that gave usable URLs
    documents_failed: int = 0      # feeds/sitemaps that failed, were refused or were malformed
    urls_announced: int = 0        # article URLs of this source announced (after normalising)
    urls_scheduled: int = 0
    urls_skipped_known: int = 0    # stored before and not announced as changed
    urls_not_article: int = 0      # announced but not matching article_url or off the domains
    urls_over_limit: int = 0       # not fetched because of --max-pages
    robots_blocked: int = 0
    pages_fetched: int = 0         # page rows produced: successes and failures
    pages_failed: int = 0
    pages_new: int = 0             # first version of a URL stored
    pages_updated: int = 0         # a new version of a known URL stored
    pages_unchanged: int = 0       # fetched again, same body: not stored twice
    bytes: int = 0
    refused: int = 0               # requests the SSRF guard refused (reason in errors)
    limits_hit: int = 0            # discovery documents skipped by a bound (depth, per-source count)
    errors: list[str] = field(default_factory=list)
    # announced URLs not fetched, per reason ("no link", "off the source's domains",
    # "not matching article_url", "URL variant of one already fetched"…)
    urls_dropped: dict[str, int] = field(default_factory=dict)

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
