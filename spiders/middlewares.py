"""Retry-After: when a server says how long to back off (429/503), slow its slot down.

Scrapy's RetryMiddleware re-schedules at once; this raises the download slot's delay to
the announced value (bounded by RETRY_AFTER_MAX_SECONDS) before the retry goes out, which
is the cheap way to honour the header without blocking the reactor.
"""

from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

log = logging.getLogger(__name__)


class RetryAfterMiddleware:
    def __init__(self, crawler, max_seconds: float):  # noqa: ANN001
        self.crawler = crawler
        self.max_seconds = max_seconds

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler, crawler.settings.getfloat("RETRY_AFTER_MAX_SECONDS", 120))

    def process_response(self, request, response):  # noqa: ANN001, ANN201
        if response.status in (429, 503) and b"Retry-After" in response.headers:
            seconds = _seconds(response.headers.get(b"Retry-After").decode("latin-1"))
            if seconds is not None:
                self._slow_down(request, min(seconds, self.max_seconds))
        return response

    def _slow_down(self, request, seconds: float) -> None:  # noqa: ANN001
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None and seconds > slot.delay:
            log.info("%s asks to wait %.0fs (Retry-After)", key, seconds)
            slot.delay = seconds


def _seconds(value: str) -> float | None:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
