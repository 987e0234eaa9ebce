"""The crawl settings newscorpus owns: polite by default, hardened per Scrapy's security notes.

Plain values under Scrapy's setting names. spiders/settings.py adds the Scrapy components
(middlewares, item pipeline, resolver) and builds a crawl's settings from these;
pipeline/fetchpage.py fetches single pages with the same politeness.

A sources file may override a few of them in its top-level `settings:` mapping (the sample
web raises concurrency and shortens timeouts that way); `OVERRIDABLE` is the allow-list,
checked by pipeline/sources.py when the file is loaded (`check_overrides`). Politeness switches
(robots.txt, User-Agent) and the hardening (handlers, size ceiling) are not overridable.
"""

from __future__ import annotations

import ipaddress
from typing import Any

CONTACT_URL = "https://github.com/newscorpus/newscorpus"
USER_AGENT = f"newscorpus/0.1 (research news corpus; +{CONTACT_URL})"
MIB = 1024 * 1024
MAX_DOWNLOAD_MAXSIZE = 32 * MIB

DEFAULTS: dict[str, Any] = {
    "BOT_NAME": "newscorpus",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    # politeness: one request at a time per host, AutoThrottle adapts the delay to the server
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 1.0,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 60.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    # faults: retry what may pass, give up on the rest quickly
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
    "RETRY_BACKOFF_BASE_SECONDS": 1.0,  # 429/5xx: the host waits 1 s, 2 s, 4 s … before retrying
    "RETRY_AFTER_MAX_SECONDS": 120,  # longest back-off, Retry-After included
    "DOWNLOAD_TIMEOUT": 30,
    "DNS_TIMEOUT": 10,
    "REDIRECT_MAX_TIMES": 5,
    # hardening (Scrapy security notes): bounded bodies, only http(s)
    "DOWNLOAD_MAXSIZE": 8 * MIB,
    "DOWNLOAD_WARNSIZE": 2 * MIB,
    "DOWNLOAD_HANDLERS": {"file": None, "data": None, "s3": None, "ftp": None},
    # no proxy (a proxy would resolve for us, past the SSRF guard's resolver)
    "HTTPPROXY_ENABLED": False,
    "NEWSCORPUS_ALLOW_NETWORKS": [],  # CIDR networks allowed although not public (sample web only)
    # discovery bounds, each recorded in the crawl's per-source errors when hit
    "NEWSCORPUS_MAX_SITEMAP_DEPTH": 4,  # index → index → index → urlset; deeper children skipped
    "NEWSCORPUS_MAX_DOCUMENTS_PER_SOURCE": 1000,  # feeds + sitemaps requested per source and crawl
    "NEWSCORPUS_CRAWL_DEADLINE_SECONDS": 4 * 3600,  # the crawl closes (finish reason recorded) after this
    # Scrapy starts CONCURRENT_ITEMS asyncio workers for every callback's output (default 100);
    # a page callback yields one item, so 100 tasks per response were most of the crawl's CPU
    "CONCURRENT_ITEMS": 8,
    "LOG_LEVEL": "WARNING",
    "NEWSCORPUS_BATCH_SIZE": 200,
    "NEWSCORPUS_FLUSH_SECONDS": 5.0,
    "NEWSCORPUS_RETRY_FAILED_AFTER_HOURS": 6.0,
    # revisit an article first stored in the last 48 h when its latest version is 12 h old:
    # catches updates that feeds do not re-date (a nightly run revisits each story once or twice)
    "NEWSCORPUS_REVISIT_WITHIN_HOURS": 48.0,
    "NEWSCORPUS_REVISIT_EVERY_HOURS": 12.0,
}

# what a sources file may change, with a check per key
OVERRIDABLE: dict[str, type | tuple[type, ...]] = {
    "CONCURRENT_REQUESTS": int,
    "CONCURRENT_REQUESTS_PER_DOMAIN": int,
    "DOWNLOAD_DELAY": (int, float),
    "AUTOTHROTTLE_ENABLED": bool,
    "AUTOTHROTTLE_START_DELAY": (int, float),
    "AUTOTHROTTLE_MAX_DELAY": (int, float),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (int, float),
    "RETRY_TIMES": int,
    "RETRY_HTTP_CODES": list,
    "RETRY_BACKOFF_BASE_SECONDS": (int, float),
    "RETRY_AFTER_MAX_SECONDS": (int, float),
    "DOWNLOAD_TIMEOUT": (int, float),
    "DNS_TIMEOUT": (int, float),
    "REDIRECT_MAX_TIMES": int,
    "DOWNLOAD_MAXSIZE": int,
    "DOWNLOAD_WARNSIZE": int,
    "LOG_LEVEL": str,
    "NEWSCORPUS_BATCH_SIZE": int,
    "NEWSCORPUS_FLUSH_SECONDS": (int, float),
    "NEWSCORPUS_RETRY_FAILED_AFTER_HOURS": (int, float),
    "NEWSCORPUS_REVISIT_WITHIN_HOURS": (int, float),
    "NEWSCORPUS_REVISIT_EVERY_HOURS": (int, float),
    "NEWSCORPUS_ALLOW_NETWORKS": list,
    "NEWSCORPUS_MAX_SITEMAP_DEPTH": int,
    "NEWSCORPUS_MAX_DOCUMENTS_PER_SOURCE": int,
    "NEWSCORPUS_CRAWL_DEADLINE_SECONDS": (int, float),
}


def check_overrides(overrides: dict[str, Any]) -> None:
    """Raise ValueError naming the first key that may not be set or has a bad value."""
    for key, value in overrides.items():
        if key not in OVERRIDABLE:
            raise ValueError(f"{key!r} cannot be set from a sources file (allowed: {', '.join(sorted(OVERRIDABLE))})")
        expected = OVERRIDABLE[key]
        if isinstance(value, bool) and expected is not bool:
            raise ValueError(f"{key!r} must be a number, not {value!r}")
        if not isinstance(value, expected):
            raise ValueError(f"{key!r} has the wrong type ({type(value).__name__})")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise ValueError(f"{key!r} must not be negative")
    size = overrides.get("DOWNLOAD_MAXSIZE")
    if size is not None and not 0 < size <= MAX_DOWNLOAD_MAXSIZE:
        raise ValueError(f"'DOWNLOAD_MAXSIZE' must be between 1 and {MAX_DOWNLOAD_MAXSIZE} bytes")
    for network in overrides.get("NEWSCORPUS_ALLOW_NETWORKS") or []:
        try:
            ipaddress.ip_network(str(network), strict=False)
        except ValueError as exc:
            raise ValueError(f"'NEWSCORPUS_ALLOW_NETWORKS': not a network: {network!r}") from exc
    for key in ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "NEWSCORPUS_BATCH_SIZE"):
        if key in overrides and overrides[key] < 1:
            raise ValueError(f"{key!r} must be at least 1")
