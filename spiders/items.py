"""What the spider hands the item pipeline: one dataclass per fetch of an article URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class PageItem:
    """One fetch, successful or not. `body` is None for failures and non-HTML responses."""

    source: str
    url: str                      # normalised URL as announced
    final_url: str                # after redirects
    status: int                   # HTTP status, 0 when no response arrived
    fetched_at: datetime
    content_type: str | None = None
    body: bytes | None = None
    canonical_url: str | None = None
    lastmod: datetime | None = None
    error: str | None = None
    known: bool = False           # the URL was stored by an earlier crawl
    announced_by: str = ""        # the source whose feed/sitemap listed it (counts go there)
    received_bytes: int = 0
    warc_file: str | None = None  # the WARC record of this fetch (spiders.warc), when archived
    warc_offset: int | None = None
    warc_length: int | None = None
