"""One WARC record → the page a crawl would have stored, or the reason it is skipped.

The WARC header block is parsed here (it is all the host filter needs, so a foreign host's
record costs no HTTP or HTML parsing); the HTTP block of a kept response record is parsed by
warcio, which also undoes chunked transfer coding and Content-Encoding, so the payload is the
body Scrapy would have handed the spider.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from pipeline.backfill import archive
from pipeline.clean.decode import nul_bytes_binary
from pipeline.urls import normalise as normalise_url
from pipeline.pages import BINARY_MAGIC, HTML_TYPES

MAX_BODY_BYTES = 8 * 1024 * 1024   # the crawl's DOWNLOAD_MAXSIZE (pipeline/crawl_settings.py)
MAX_HEAD_BYTES = 64 * 1024         # a WARC header block longer than this is not one
ANNOUNCED_HEADER = "newscorpus-announced-date"  # pipeline/warc.py ANNOUNCED_HEADER, lowercased


@dataclass
class WarcHead:
    """A record's WARC header fields (names lowercased) and where its block starts."""

    version: str
    fields: dict[str, str]
    block_start: int

    @property
    def type(self) -> str:
        return self.fields.get("warc-type", "")

    @property
    def target_uri(self) -> str:
        return self.fields.get("warc-target-uri", "").strip("<> ")

    @property
    def date(self) -> datetime | None:
        return parse_warc_date(self.fields.get("warc-date", ""))


@dataclass
class BackfillPage:
    """A response record as a page for pipeline.pages.store (the Fetch protocol)."""

    source: str
    url: str
    final_url: str
    status: int
    fetched_at: datetime
    content_type: str | None
    body: bytes | None
    lastmod: datetime | None
    warc_file: str | None
    warc_offset: int | None
    warc_length: int | None
    canonical_url: str | None = None
    error: str | None = None


class Skipped(Exception):
    """The record is skipped; args[0] is one of the reasons in pipeline.backfill.archive."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


def parse_head(data: bytes) -> WarcHead:
    """The WARC header block of one record (WARC/1.1 §4). Raises Skipped(NOT_WARC) when absent."""
    end = data.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES)
    if end < 0 or not data.startswith(b"WARC/"):
        raise Skipped(archive.NOT_WARC, "no WARC header block")
    lines = data[:end].split(b"\r\n")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            fields[name.strip().lower().decode("latin-1")] = value.strip().decode("utf-8", "replace")
    return WarcHead(lines[0].strip().decode("latin-1"), fields, end + 4)


def parse_warc_date(value: str) -> datetime | None:
    """WARC-Date (W3C-ISO8601, UTC, seconds or finer: WARC/1.1 §5.4) as an aware datetime."""
    value = value.strip()
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # not a date; or out of range once in UTC (0001-01-01+01:00)
        return None


def parse_response(data: bytes) -> tuple[int, str | None, bytes]:
    """(HTTP status, Content-Type, decoded payload) of a response record, via warcio.

    Raises:
        Skipped(BROKEN_HTTP): no parseable status line/headers, or a payload that does not
            decode (bad chunking, a Content-Encoding that fails).
    """
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), arc2warc=False)))
        headers = record.http_headers
        if headers is None:
            raise Skipped(archive.BROKEN_HTTP, "no HTTP headers")
        status = int(headers.get_statuscode() or 0)
        payload = record.content_stream().read(MAX_BODY_BYTES + 1)
    except Skipped:
        raise
    except (ValueError, zlib.error, EOFError, OSError, StopIteration, LookupError) as exc:
        raise Skipped(archive.BROKEN_HTTP, f"{type(exc).__name__}: {exc}"[:300]) from exc
    except Exception as exc:  # noqa: BLE001 - warcio raises its own parser exceptions too
        raise Skipped(archive.BROKEN_HTTP, f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not 100 <= status <= 999:
        raise Skipped(archive.BROKEN_HTTP, f"bad status line {headers.statusline!r}"[:300])
    return status, headers.get_header("Content-Type"), payload


def not_html(content_type: str | None, body: bytes) -> str | None:
    """Why a payload is not an HTML page to keep (as the crawl judges it, with the same
    pipeline.pages tables), or None."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared and declared not in HTML_TYPES:
        return f"served as {declared}"
    head = body[:16].lstrip()
    if any(head.startswith(magic) for magic in BINARY_MAGIC):
        return "binary content"
    if nul_bytes_binary(body):  # UTF-16/32 text is full of NULs, a text page may carry a stray one
        return "binary content"
    return None


def to_page(member: archive.Member, head: WarcHead, source: str, location: str) -> BackfillPage:
    """The page of a response record whose host belongs to `source`. Raises Skipped."""
    status, content_type, payload = parse_response(member.data)
    if not 200 <= status <= 299:
        raise Skipped(archive.HTTP_STATUS, str(status))
    if len(payload) > MAX_BODY_BYTES:
        raise Skipped(archive.TOO_LARGE, f"payload over {MAX_BODY_BYTES} bytes")
    if not payload.strip():
        raise Skipped(archive.EMPTY)
    problem = not_html(content_type, payload)
    if problem:
        raise Skipped(archive.NOT_HTML, problem)
    target = head.target_uri
    fetched_at = head.date or datetime.now(timezone.utc)
    return BackfillPage(
        source=source, url=normalise_url(target), final_url=target, status=status,
        fetched_at=fetched_at, content_type=content_type, body=payload,
        lastmod=parse_warc_date(head.fields.get(ANNOUNCED_HEADER, "")),
        warc_file=location, warc_offset=member.offset, warc_length=member.length,
    )


def host_of(uri: str) -> str:
    try:
        return (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return ""


def read_payload(location: str, offset: int, length: int) -> bytes:
    """The decoded payload of the response record at (location, offset, length): what extract
    reads when a page's body is kept only in WARC. Raises archive.ArchiveError or Skipped."""
    stream = archive.open_archive(location, offset, length)
    try:
        raw = stream.read(length)
    finally:
        stream.close()
    try:
        data = zlib.decompressobj(31).decompress(raw)
    except zlib.error as exc:
        raise archive.ArchiveError(f"{location}@{offset}: {archive.CORRUPT_GZIP}: {exc}") from exc
    return parse_response(data)[2]
