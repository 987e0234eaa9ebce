"""Which files to read: paths and URLs given, and CC-NEWS months from their warc.paths.gz.

Common Crawl publishes, for each month of CC-NEWS, `crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`:
gzip text, one path per line relative to the data endpoint (e.g.
`crawl-data/CC-NEWS/2016/08/CC-NEWS-20160826124520-00000.warc.gz`); the public HTTPS
endpoint is https://data.commoncrawl.org/ (https://commoncrawl.org/get-started).
"""

from __future__ import annotations

import gzip
import re
import urllib.request
from collections.abc import Iterator

from pipeline.backfill.archive import HTTP_TIMEOUT_SECONDS, USER_AGENT, ArchiveError
from pipeline.errors import ConfigError

CC_NEWS_BASE = "https://data.commoncrawl.org"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_LISTING_LINES = 100_000  # a month of CC-NEWS lists a few hundred to a few thousand files


def parse_months(value: str) -> list[str]:
    """"YYYY-MM" or "YYYY-MM:YYYY-MM" (inclusive) → ["YYYY-MM", ...]. Raises ConfigError."""
    first, _, last = value.partition(":")
    last = last or first
    bounds = []
    for part in (first, last):
        match = MONTH.match(part.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ConfigError(f"--cc-news: {value!r} is not YYYY-MM or YYYY-MM:YYYY-MM")
        bounds.append((int(match.group(1)), int(match.group(2))))
    if bounds[0] > bounds[1]:
        raise ConfigError(f"--cc-news: {value!r} ends before it starts")
    months = []
    year, month = bounds[0]
    while (year, month) <= bounds[1]:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if len(months) > 1200:
            raise ConfigError(f"--cc-news: {value!r} spans more than a century")
    return months


def listing_url(month: str, base: str = CC_NEWS_BASE) -> str:
    year, mm = month.split("-")
    return f"{base.rstrip('/')}/crawl-data/CC-NEWS/{year}/{mm}/warc.paths.gz"


def month_files(month: str, base: str = CC_NEWS_BASE) -> list[str]:
    """The file URLs one CC-NEWS month lists, in listing order. Raises ArchiveError."""
    url = listing_url(month, base)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            lines = list(_lines(gzip.GzipFile(fileobj=response)))
    except (OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"CC-NEWS {month}: cannot read {url} ({exc})") from exc
    return [f"{base.rstrip('/')}/{line.lstrip('/')}" for line in lines]


def _lines(stream) -> Iterator[str]:  # noqa: ANN001 - a binary file object
    for number, raw in enumerate(stream):
        if number >= MAX_LISTING_LINES:
            raise ArchiveError(f"listing longer than {MAX_LISTING_LINES} lines")
        line = raw.decode("utf-8", "replace").strip()
        if line and not line.startswith("#"):
            yield line


def resolve(locations: list[str], months: list[str], base: str = CC_NEWS_BASE) -> list[str]:
    """Every file to read: local paths made absolute, URLs as given, then each month's files."""
    from pathlib import Path

    files = []
    for location in locations:
        if location.startswith(("http://", "https://")):
            files.append(location)
        elif re.match(r"^[a-z][a-z0-9+.-]*://", location, re.I):
            raise ConfigError(f"{location}: only local paths and http(s) URLs can be read")
        else:
            files.append(str(Path(location).resolve()))
    for month in months:
        files.extend(month_files(month, base))
    return list(dict.fromkeys(files))
