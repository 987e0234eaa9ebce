"""Back off from a struggling host: exponential delay on 429/5xx, Retry-After honoured.

Scrapy's RetryMiddleware re-schedules a failed request at once. Before the retry goes out,
this raises the host's download-slot delay to `RETRY_BACKOFF_BASE_SECONDS * 2**retries`
(or to the server's Retry-After, when it names one), bounded by RETRY_AFTER_MAX_SECONDS,
and puts the slot's own delay back after the next successful response. The delay lives on
the slot, so the whole host slows down, not one request, and the reactor never blocks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from spiders.discovery import parse_date

log = logging.getLogger(__name__)

BACKOFF_STATUSES = frozenset({429, 500, 502, 503, 504, 522, 524})


def backoff_seconds(retries: int, base: float, cap: float, retry_after: float | None) -> float:
    """How long the host's slot waits before its next request."""
    wanted = retry_after if retry_after is not None else base * 2 ** retries
    return min(max(wanted, 0.0), cap)


class BackoffMiddleware:
    def __init__(self, crawler, base_seconds: float, max_seconds: float):  # noqa: ANN001
        self.crawler = crawler
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.normal_delay: dict[str, float] = {}  # slot key -> its delay before backing off

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        settings = crawler.settings
        return cls(
            crawler,
            settings.getfloat("RETRY_BACKOFF_BASE_SECONDS", 1.0),
            settings.getfloat("RETRY_AFTER_MAX_SECONDS", 120),
        )

    def process_response(self, request, response):  # noqa: ANN001, ANN201
        key, slot = self._slot(request)
        if slot is None:
            return response
        if response.status in BACKOFF_STATUSES:
            header = response.headers.get(b"Retry-After")
            retry_after = _seconds(header.decode("latin-1")) if header else None
            seconds = backoff_seconds(
                request.meta.get("retry_times", 0), self.base_seconds, self.max_seconds, retry_after
            )
            if seconds > slot.delay:
                self.normal_delay.setdefault(key, slot.delay)
                log.info("%s answered %s: backing off %.1fs", key, response.status, seconds)
                slot.delay = seconds
        elif 200 <= response.status < 400 and key in self.normal_delay:
            slot.delay = self.normal_delay.pop(key)
        return response

    def _slot(self, request):  # noqa: ANN001, ANN202
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        return key, downloader.slots.get(key)


def _seconds(value: str) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_date(value)
    return None if when is None else max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
