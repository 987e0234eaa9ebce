"""Scrapy settings for newscorpus crawls: the crawl settings newscorpus owns
(pipeline/crawl_settings.py: politeness, hardening, bounds, what a sources file may override)
plus the Scrapy components that enforce them, wired in here.
"""

from __future__ import annotations

from typing import Any

from pipeline import crawl_settings
from pipeline.crawl_settings import MIB, OVERRIDABLE, USER_AGENT, check_overrides  # noqa: F401 - re-exported

COMPONENTS: dict[str, Any] = {
    # SSRF guard (pipeline/netguard.py): every request and redirect hop checked, every DNS
    # answer checked where the connection is made
    "TWISTED_DNS_RESOLVER": "spiders.middlewares.GuardedResolver",
    "ITEM_PIPELINES": {"spiders.pipelines.PageStore": 300},
    # WarcArchive (off unless NEWSCORPUS_WARC_DIR is set) sits next to the downloader, so it
    # archives every response as received, before retries, redirects and decompression;
    # GuardMiddleware (SSRF guard) sees every request and redirect hop first
    "DOWNLOADER_MIDDLEWARES": {"spiders.middlewares.GuardMiddleware": 50, "spiders.middlewares.BackoffMiddleware": 560,
                               "spiders.warc.WarcArchive": 950},
}
DEFAULTS: dict[str, Any] = {**crawl_settings.DEFAULTS, **COMPONENTS}


def build(overrides: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Defaults, then the sources file's overrides, then the run's own values."""
    check_overrides(overrides)
    merged = {**DEFAULTS, **overrides, **extra}
    merged["CLOSESPIDER_TIMEOUT"] = merged["NEWSCORPUS_CRAWL_DEADLINE_SECONDS"]
    return merged
