"""Backfill one WARC file: stream it, keep the response records of configured hosts, store
them as pages, and record how far it got — all in one transaction per batch.

Progress lives in news.backfill_files (migration 015): `next_offset` is the compressed offset
of the first record not yet stored, and it moves in the same transaction as the pages and
skipped records it covers, so a process killed at any moment resumes at the next unstored
record and stores nothing twice (pages are also unique on (url, body hash)). A file marked
'done' is not read again. Two processes never read one file at once (an advisory lock per
file; the second is refused).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg2.extensions

from pipeline import db, pages
from pipeline.backfill import archive, records
from pipeline.runs import add_source_counts
from pipeline.sources import SourcesFile, load_sources

log = logging.getLogger(__name__)

GENERIC_SOURCE = "warc-other"   # --all-hosts: hosts no configured source owns
GENERIC_OUTLET = "Other hosts (WARC backfill)"
BATCH_RECORDS = 2000            # records read per transaction at most
BATCH_PAGES = 200               # pages stored per transaction at most
BATCH_SECONDS = 5.0
BACKFILL_LOCK = 0x6266  # b"bf": advisory lock space (with hashtext(file)) for "this file is being read"


@dataclass
class FileResult:
    """What one file's backfill did (totals over every attempt, this one included)."""

    file: str
    status: str = "running"         # done | failed | busy (another process is reading it)
    records: int = 0
    responses: int = 0
    kept: int = 0
    foreign_host: int = 0
    pages_new: int = 0              # this attempt only
    pages_updated: int = 0
    pages_unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    next_offset: int = 0
    bytes_read: int = 0             # this attempt, compressed
    seconds: float = 0.0
    error: str | None = None
    resumed_at: int = 0             # offset this attempt started from (0: the start)
    already_done: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def owner_of(sources_file: SourcesFile, host: str, all_hosts: bool) -> str | None:
    """The source a host belongs to; the generic source with --all-hosts; else None.

    Answers are cached per sources file and host: an archive repeats hosts, and most of a
    CC-NEWS file's hosts belong to no source, so this runs for every response record.
    """
    cache = _OWNERS.setdefault(id(sources_file), {})
    if host not in cache:
        if len(cache) > 100_000:
            cache.clear()
        owner = sources_file.for_host(host)  # host ownership: one call, swappable for a shared module
        cache[host] = owner.name if owner is not None else None
    name = cache[host]
    if name is not None:
        return name
    return GENERIC_SOURCE if all_hosts else None


_OWNERS: dict[int, dict[str, str | None]] = {}


def backfill_file(
    location: str,
    run_id: int | None,
    sources_path: str | Path | None = None,
    all_hosts: bool = False,
    keep_bodies: bool = True,
    database_url: str | None = None,
    batch_records: int = BATCH_RECORDS,
    sources_file: SourcesFile | None = None,
) -> FileResult:
    """Read one file to its end (or to where it breaks) into news.pages; see the module doc.

    `sources_file` is the file at `sources_path` when the caller already loaded it.

    A file that cannot be opened or whose stream breaks is 'failed' with `error`; what was
    stored before stays and a later run resumes there. Bad records never stop the file.
    """
    started = time.monotonic()
    if sources_file is None:
        sources_file = load_sources(sources_path)
    result = FileResult(file=location)
    with db.connection(database_url) as conn:
        if not _lock(conn, location):
            result.status, result.error = "busy", "another backfill process is reading this file"
            return result
        try:
            _load_progress(conn, location, run_id, result)
            if result.status == "done":
                result.already_done = True
                return result
            result.resumed_at = result.next_offset
            try:
                _read(conn, location, run_id, sources_file, all_hosts, keep_bodies, batch_records, result)
                result.status = "done"
            except (archive.ArchiveError, OSError, http.client.HTTPException) as exc:
                result.status, result.error = "failed", _reason(exc, location)
                log.error("backfill %s: %s", location, result.error)
            with conn, conn.cursor() as cur:
                cur.execute(
                    "update news.backfill_files set status = %s, error = %s, updated_at = now() where file = %s",
                    (result.status, result.error, location),
                )
        finally:
            with conn.cursor() as cur:
                cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (BACKFILL_LOCK, location))
            conn.commit()
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _reason(exc: BaseException, location: str) -> str:
    """The failure's first line without the file's name in front (every report names the file)."""
    line = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
    return line.removeprefix(f"{location}: ")


def _lock(conn: psycopg2.extensions.connection, location: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("select pg_try_advisory_lock(%s, hashtext(%s))", (BACKFILL_LOCK, location))
        locked = bool(cur.fetchone()[0])
    conn.commit()
    return locked


def _load_progress(conn: psycopg2.extensions.connection, location: str, run_id: int | None,
                   result: FileResult) -> None:
    """The file's row (created on first sight); a failed or interrupted file is reopened."""
    with conn, conn.cursor() as cur:
        cur.execute(
            """
            insert into news.backfill_files (file, run_id) values (%s, %s)
            on conflict (file) do update
                set run_id = case when news.backfill_files.status = 'done' then news.backfill_files.run_id
                                  else excluded.run_id end,
                    status = case when news.backfill_files.status = 'done' then 'done' else 'running' end,
                    error = case when news.backfill_files.status = 'done' then news.backfill_files.error end,
                    updated_at = now()
            returning status, next_offset, records, responses, kept, foreign_host, skipped
            """,
            (location, run_id),
        )
        status, result.next_offset, result.records, result.responses, result.kept, result.foreign_host, skipped = cur.fetchone()
        result.status = status
        result.skipped = dict(skipped or {})


class _Batch:
    """What one transaction stores: pages, skipped records, the offset after the last record."""

    def __init__(self) -> None:
        self.pages: list[records.BackfillPage] = []
        self.skips: list[tuple[int, str, str | None, str]] = []
        self.records = self.responses = self.kept = self.foreign = 0
        self.reasons: Counter[str] = Counter()
        self.end: int | None = None
        self.started = time.monotonic()

    def full(self, batch_records: int) -> bool:
        return (len(self.pages) >= BATCH_PAGES or self.records >= batch_records
                or time.monotonic() - self.started >= BATCH_SECONDS)

    def skip(self, offset: int, reason: str, target: str | None, detail: str) -> None:
        self.skips.append((offset, reason, target, detail[:500]))
        self.reasons[reason] += 1


def _read(conn: psycopg2.extensions.connection, location: str, run_id: int | None,
          sources_file: SourcesFile, all_hosts: bool, keep_bodies: bool, batch_records: int,
          result: FileResult) -> None:
    stream = archive.open_archive(location, result.next_offset)
    batch = _Batch()
    try:
        for item in archive.read_members(stream, result.next_offset):
            if isinstance(item, archive.Skip):
                batch.records += 1
                batch.skip(item.offset, item.reason, None, item.detail)
                batch.end = item.end
            else:
                batch.records += 1
                batch.end = item.offset + item.length
                _record(item, location, sources_file, all_hosts, batch)
            if batch.full(batch_records):
                _flush(conn, location, run_id, keep_bodies, batch, result)
                batch = _Batch()
    finally:
        stream.close()
    _flush(conn, location, run_id, keep_bodies, batch, result)


def _record(member: archive.Member, location: str, sources_file: SourcesFile, all_hosts: bool,
            batch: _Batch) -> None:
    """Judge one record: not a response (ignored), foreign host (counted), kept or skipped."""
    try:
        head = records.parse_head(member.data)
    except records.Skipped as skipped:
        batch.skip(member.offset, skipped.reason, None, skipped.detail)
        return
    if head.type != "response":
        return
    batch.responses += 1
    target = head.target_uri
    if not target:
        batch.skip(member.offset, archive.NO_TARGET, None, "")
        return
    source = owner_of(sources_file, records.host_of(target), all_hosts)
    if source is None:  # filtered on the WARC header alone: no HTTP or HTML parsing
        batch.foreign += 1
        return
    try:
        page = records.to_page(member, head, source, location)
    except records.Skipped as skipped:
        batch.skip(member.offset, skipped.reason, target, skipped.detail)
        return
    batch.pages.append(page)


def _flush(conn: psycopg2.extensions.connection, location: str, run_id: int | None, keep_bodies: bool,
           batch: _Batch, result: FileResult) -> None:
    """Pages, skips, run counters and the file's progress: one transaction."""
    if batch.end is None:
        return
    with conn:
        outcomes = pages.store(conn, run_id, batch.pages, keep_bodies=keep_bodies) if batch.pages else []
        counts = Counter(outcomes)
        result.records += batch.records
        result.responses += batch.responses
        result.kept += len(batch.pages)
        result.foreign_host += batch.foreign
        result.pages_new += counts[pages.NEW]
        result.pages_updated += counts[pages.UPDATED]
        result.pages_unchanged += counts[pages.UNCHANGED]
        for reason, count in batch.reasons.items():
            result.skipped[reason] = result.skipped.get(reason, 0) + count
        result.bytes_read += batch.end - result.next_offset
        result.next_offset = batch.end
        with conn.cursor() as cur:
            if batch.skips:
                cur.execute(
                    """
                    insert into news.backfill_skips (file, warc_offset, reason, target_uri, detail)
                    select %s, * from unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])
                    on conflict do nothing
                    """,
                    (location, *map(list, zip(*batch.skips))),
                )
            cur.execute(
                """
                update news.backfill_files
                set next_offset = %s, records = %s, responses = %s, kept = %s, foreign_host = %s,
                    skipped = %s::jsonb, updated_at = now()
                where file = %s
                """,
                (result.next_offset, result.records, result.responses, result.kept, result.foreign_host,
                 json.dumps(result.skipped), location),
            )
            if run_id is not None and batch.pages:
                _count(cur, run_id, batch.pages, outcomes)


def _count(cur: psycopg2.extensions.cursor, run_id: int, stored: list[records.BackfillPage],
           outcomes: list[str]) -> None:
    """Add the batch to the run's per-source counters (pipeline.runs; news.crawl_report reads them)."""
    per_source: dict[str, list[int]] = {}
    for page, outcome in zip(stored, outcomes):
        row = per_source.setdefault(page.source, [0, 0, 0, 0])
        row[0] += 1
        row[1] += outcome == pages.NEW
        row[2] += outcome == pages.UPDATED
        row[3] += len(page.body or b"")
    add_source_counts(cur.connection, run_id, {name: tuple(row) for name, row in per_source.items()})
