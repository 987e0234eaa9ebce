"""Reading .warc.gz archives as a stream of records, bad ones skipped with a reason.

A `.warc.gz` is a sequence of gzip members, one per WARC record (WARC/1.1 Annex D, the
practice of Heritrix, Common Crawl and warcio). Reading member by member with zlib gives
each record's compressed offset and length — what news.pages points at, and where an
interrupted backfill resumes — and lets one broken member be skipped: after a corrupt member
the reader looks for the next gzip header whose record starts with "WARC/" and goes on from
there. Memory stays bounded: input is read in CHUNK_BYTES pieces, and a record larger than
`max_record_bytes` is decompressed to the end of its member but not kept.

    for item in read_members(stream, offset):   # Member | Skip
        ...

`open_archive(location, offset)` gives the stream for a local path or an http(s) URL (with a
Range request when resuming; a server that ignores it is read and discarded up to `offset`).
`WarcHead` parses a record's WARC header block (WARC/1.1 §4: "Name: value" lines up to an
empty line, names case-insensitive), which is all the host filter needs; the HTTP block and
payload of a kept record are parsed by warcio (`parse_response`).
"""

from __future__ import annotations

import io
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import NewscorpusError

CHUNK_BYTES = 1 << 20                 # read size of the compressed stream
FEED_BYTES = 16 << 10                 # first slice fed to zlib per member (doubles up to a chunk)
MAX_RECORD_BYTES = 40 * (1 << 20)     # a record above this (uncompressed) is skipped, not kept
HTTP_TIMEOUT_SECONDS = 60
GZIP_MAGIC = b"\x1f\x8b\x08"          # gzip ID1 ID2 and CM=8 (deflate), RFC 1952 §2.3
USER_AGENT = "newscorpus-backfill/0.1 (+https://github.com/newscorpus/newscorpus)"

# reasons a record is skipped (news.backfill_files.skipped keys, news.backfill_skips.reason)
TRUNCATED = "truncated"               # the file ends inside a gzip member
CORRUPT_GZIP = "corrupt gzip member"
NOT_WARC = "not a WARC record"        # a gzip member that does not hold a WARC header
TOO_LARGE = "record too large"
BROKEN_HTTP = "broken HTTP block"
NOT_HTML = "not HTML"
HTTP_STATUS = "HTTP status not 2xx"
EMPTY = "empty payload"
NO_TARGET = "no WARC-Target-URI"


class ArchiveError(NewscorpusError):
    """The archive cannot be opened or read at all (missing file, HTTP error, not gzip)."""


@dataclass
class Member:
    """One gzip member: a WARC record (`data`, uncompressed) at `offset`, `length` bytes compressed."""

    offset: int
    length: int
    data: bytes


@dataclass
class Skip:
    """A stretch of the file that held no readable record: `reason`, from `offset` to `end`."""

    offset: int
    end: int
    reason: str
    detail: str = ""


def open_archive(location: str, offset: int = 0, length: int | None = None) -> BinaryIO:
    """A binary stream of `location` (path or http(s) URL) positioned at `offset`; over HTTP
    only `length` bytes are asked for when given (a Range request).

    Raises:
        ArchiveError: the file cannot be opened, or the server answered an error.
    """
    if location.startswith(("http://", "https://")):
        request = urllib.request.Request(location, headers={"User-Agent": USER_AGENT})
        if offset or length:
            request.add_header("Range", f"bytes={offset}-{'' if length is None else offset + length - 1}")
        try:
            response = urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS)  # noqa: S310 - http(s) only
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{location}: cannot fetch ({exc})") from exc
        if response.status not in (200, 206):
            raise ArchiveError(f"{location}: HTTP {response.status}")
        if offset and response.status != 206:  # Range ignored: read and drop the head
            _discard(response, offset)
        return response
    path = Path(location)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"{location}: cannot open ({exc.strerror})") from exc
    stream.seek(offset)
    return stream


def _discard(stream: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, CHUNK_BYTES))
        if not chunk:
            return
        count -= len(chunk)


class _Input:
    """The compressed stream as a window `buf[pos:]` whose first byte is at file offset `offset`."""

    def __init__(self, stream: BinaryIO, offset: int):
        self.stream = stream
        # read1: what has arrived (up to the size), so records are handled as a slow or
        # stalled download trickles in instead of after each whole chunk
        self.read = getattr(stream, "read1", stream.read)
        self.offset = offset
        self.buf = b""
        self.pos = 0
        self.eof = False

    def available(self) -> int:
        return len(self.buf) - self.pos

    def more(self) -> bool:
        """Append one chunk (compacting the window); False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.read(CHUNK_BYTES)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def fill(self, count: int) -> bool:
        while self.available() < count and self.more():
            pass
        return self.available() >= count

    def drop(self, count: int) -> None:
        self.pos += count
        self.offset += count

    def view(self, start: int = 0, stop: int | None = None) -> memoryview:
        end = len(self.buf) if stop is None else min(len(self.buf), self.pos + stop)
        return memoryview(self.buf)[self.pos + start:end]

    def next_good(self, start: int) -> bool:
        """Move to the first gzip header at or after window index `start` whose member begins
        with "WARC/"; False (window emptied) when the stream ends first. Bytes searched without
        a header are dropped, so a long corrupt stretch does not fill memory."""
        while True:
            index = self.buf.find(GZIP_MAGIC, self.pos + start)
            while index >= 0:
                if len(self.buf) - index < 4096 and not self.eof:
                    break  # read more before judging a header at the window's end
                try:
                    head = zlib.decompressobj(31).decompress(memoryview(self.buf)[index:index + 4096], 16)
                except zlib.error:
                    head = b""
                if head.startswith(b"WARC/"):
                    self.drop(index - self.pos)
                    return True
                index = self.buf.find(GZIP_MAGIC, index + 1)
            if index < 0:
                keep = len(GZIP_MAGIC) - 1
                if self.available() > keep:
                    self.drop(self.available() - keep)
                start = 0
            else:
                start = index - self.pos
            if not self.more():
                if index >= 0:
                    continue  # judge the last header with what there is
                self.drop(self.available())
                return False


def read_members(stream: BinaryIO, offset: int = 0,
                 max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Member | Skip]:
    """Every gzip member of `stream` (which starts at file offset `offset`), in order.

    Yields Member for each readable member and Skip for each stretch that is not one (a
    corrupt member and what follows up to the next good one; a member cut off by the end of
    the file; a record above `max_record_bytes`). Never raises on bad data; a read error of
    the stream itself (network) propagates.
    """
    src = _Input(stream, offset)
    while True:
        src.fill(len(GZIP_MAGIC))
        if not src.available():
            return
        start = src.offset
        if bytes(src.view(0, len(GZIP_MAGIC))) != GZIP_MAGIC:
            found = src.next_good(1)
            reason = TRUNCATED if src.eof and src.offset - start < 18 and not found else CORRUPT_GZIP
            yield Skip(start, src.offset, reason, "no gzip member starts here")
            if not found:
                return
            continue
        kind, length, data, detail = _inflate(src, max_record_bytes)
        if kind == "ok":
            if data.startswith(b"WARC/"):
                yield Member(start, length, data)
            else:
                yield Skip(start, start + length, NOT_WARC, repr(data[:40]))
            src.drop(length - (src.offset - start))
        elif kind == "large":
            yield Skip(start, start + length, TOO_LARGE, f"more than {max_record_bytes} bytes uncompressed")
            src.drop(length - (src.offset - start))
        elif kind == "truncated":
            yield Skip(start, start + length, TRUNCATED, "the file ends inside this record")
            return
        else:
            resumed = src.next_good(1) if src.offset == start else src.next_good(0)
            yield Skip(start, src.offset, CORRUPT_GZIP, detail)
            if not resumed:
                return


def _inflate(src: _Input, max_bytes: int) -> tuple[str, int, bytes, str]:
    """Decompress the member at the window's start: (kind, compressed length, record, detail).

    kind: "ok", "large" (over max_bytes: not kept, and its input is dropped as it goes, so
    `src.offset` may have moved), "truncated" or "corrupt" (detail: zlib's message).
    The window is left at the member's start unless the member was large.
    """
    inflater = zlib.decompressobj(31)
    parts: list[bytes] = []
    size = fed = dropped = 0
    large = False
    step = FEED_BYTES
    while True:
        # bounded slices: zlib copies what follows the member into unused_data, so feeding the
        # whole window would copy up to a chunk per record
        data = src.view(fed, fed + step)
        step = min(step * 2, CHUNK_BYTES)
        if not data:
            if not src.more():
                return "truncated", dropped + fed, b"", ""
            continue
        try:
            out = inflater.decompress(data)
        except zlib.error as exc:
            return "corrupt", dropped + fed, b"", str(exc)
        size += len(out)
        if size > max_bytes:
            large, parts = True, []
        elif out:
            parts.append(out)
        fed += len(data) - len(inflater.unused_data)
        if inflater.eof:
            return ("large" if large else "ok"), dropped + fed, b"".join(parts), ""
        if large:  # not kept: forget its input as it goes
            src.drop(fed)
            dropped += fed
            fed = 0
