"""WARC output newscorpus writes and reads, apart from Scrapy: file layout, rotation, record fields.

The crawler's downloader middleware (spiders/warc.py, WarcArchive) writes through
`RotatingWarcFile`; backfill and the CLI read `keep_bodies` here, so pipeline/ never imports the
Scrapy side. Records are WARC 1.1, one gzip member per record (warcio), so any record can be read
alone from its offset. Each response record carries, besides WARC-Target-URI, WARC-Date,
WARC-Payload-Digest and WARC-Block-Digest, three newscorpus fields:

    Newscorpus-Source:          the source (sources.yaml name) the fetch was made for
    Newscorpus-Run-Id:          the news.crawl_runs row of the crawl
    Newscorpus-Announced-Date:  for an article, the lastmod its feed or sitemap announced

Files: `<dir>/newscorpus-<run id>-<UTC start>-<pid>-<serial>.warc.gz`, each opening with a
warcinfo record; a new file after NEWSCORPUS_WARC_MAX_BYTES (1 GiB, the size Common Crawl
and Heritrix use) and for every crawl process, so never two runs in one file.

Settings (Scrapy setting, else the environment variable of the same name):
    NEWSCORPUS_WARC_DIR        directory; `newscorpus crawl/run` default it to `<home>/warc`
                               (the data folder); "off" (or unset outside them): no WARC
    NEWSCORPUS_WARC_MAX_BYTES  rotate after this many bytes (default 1 GiB)
    NEWSCORPUS_WARC_PG_BODIES  "0"/"false": pages archived as WARC keep no body in PostgreSQL
                               (extract reads the WARC record instead); default on
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from warcio.warcwriter import WARCWriter

GIB = 1024 ** 3
DEFAULT_MAX_BYTES = GIB
SOURCE_HEADER = "Newscorpus-Source"
RUN_HEADER = "Newscorpus-Run-Id"
ANNOUNCED_HEADER = "Newscorpus-Announced-Date"


def setting(settings: Any, name: str, default: str | None = None) -> str | None:
    value = settings.get(name) if settings is not None else None
    if value in (None, ""):
        value = os.environ.get(name)
    return default if value in (None, "") else str(value)


def keep_bodies(settings: Any = None) -> bool:
    """False when NEWSCORPUS_WARC_PG_BODIES says bodies of archived pages stay out of PostgreSQL.

    Raises ConfigError for a value that is neither yes nor no (pipeline.envsettings)."""
    from pipeline import envsettings

    return bool(envsettings.value("NEWSCORPUS_WARC_PG_BODIES", raw=setting(settings, "NEWSCORPUS_WARC_PG_BODIES")))


def warc_date(when: datetime) -> str:
    """WARC 1.1 date: ISO 8601 UTC with microseconds (WARC/1.1 §5.4 allows sub-second precision)."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RotatingWarcFile:
    """One crawl's WARC output: gzip-per-record files rotated by size.

    `write(records)` appends records and returns (path, offset, length) of each one's gzip
    member; the file is flushed after each call so a reader (or a crash) sees whole members.
    """

    def __init__(self, directory: Path, prefix: str, max_bytes: int = DEFAULT_MAX_BYTES):
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.serial = 0
        self.path: Path | None = None
        self.file: BinaryIO | None = None
        self.writer: WARCWriter | None = None
        self.paths: list[Path] = []

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = (self.directory / f"{self.prefix}-{self.serial:05d}.warc.gz").resolve()
        self.serial += 1
        self.file = open(self.path, "xb")  # noqa: SIM115 - closed by rotate()/close()
        self.writer = WARCWriter(self.file, gzip=True, warc_version="WARC/1.1")
        self.paths.append(self.path)
        info = self.writer.create_warcinfo_record(self.path.name, {
            "software": "newscorpus (warcio)",
            "hostname": socket.gethostname(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        })
        self.writer.write_record(info)

    def write(self, records: list[Any]) -> list[tuple[str, int, int]]:
        if self.file is None or self.file.tell() >= self.max_bytes:
            self.close()
            self._open()
        places = []
        for record in records:
            start = self.file.tell()
            self.writer.write_record(record)
            places.append((str(self.path), start, self.file.tell() - start))
        self.file.flush()
        return places

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = self.writer = None
