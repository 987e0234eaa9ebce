"""Backfill throughput: the backfill's WARC reader against bare fastwarc and warcio iteration
over the same file in the same run, then `backfill()` end to end into PostgreSQL.

    .venv/bin/python bench/backfill.py [--stories 1500] [--foreign 3]

The file is written here with warcio from the sample web (rendered in-process, day 1): a
request and a response record per article page, plus `--foreign` response records per page on
hosts no source owns (in CC-NEWS most records belong to outlets a corpus does not follow, so
the host filter matters). Each reader runs in its own spawned process, so "peak MB" is that
reader's own peak resident memory (ru_maxrss). Prints one table.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def write_archive(path: Path, sources_path: Path, stories: int, foreign: int) -> int:
    """The sample web's day-1 article pages as a .warc.gz; returns the number of records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from pipeline.sampleweb.cli import base_urls_for
    from pipeline.sampleweb.key import load_key, write_key
    from pipeline.sampleweb.site import Site
    from pipeline.sampleweb.sources import write_sources
    from pipeline.sampleweb.world import World

    base_urls = base_urls_for("127.0.1", 8000)
    site = Site(World(7, stories), base_urls, day=1, slow_seconds=0)
    key = load_key(write_key(site, path.parent / "key"))
    write_sources(sources_path, base_urls)
    host_source = {base.split("//")[1]: name for name, base in base_urls.items()}
    count = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        for number, article in enumerate(a for a in key.articles if a.day == 1):
            netloc, _, rest = article.url.split("//", 1)[1].partition("/")
            response = site.handle(host_source[netloc], "/" + rest)
            if response.stream is not None or response.delay:
                continue
            targets = [article.url] + [f"http://outlet{number % 97}-{k}.example.org/{rest}" for k in range(foreign)]
            for target in targets:
                http = StatusAndHeaders(f"{response.status} OK", [("Content-Type", response.ctype), *response.headers],
                                        protocol="HTTP/1.1")
                request = writer.create_warc_record(target, "request", payload=io.BytesIO(b""), length=0,
                                                    http_headers=StatusAndHeaders(f"GET /{rest} HTTP/1.1", [],
                                                                                  is_http_request=True))
                writer.write_record(request)
                writer.write_record(writer.create_warc_record(
                    target, "response", payload=io.BytesIO(response.body), length=len(response.body),
                    http_headers=http))
                count += 2
    return count


# ---- readers, each run in its own process -------------------------------------------------

def read_backfill(path: str, sources_path: str) -> tuple[int, int]:
    """The backfill's reader with its host filter, parsing kept records (no database)."""
    from pipeline.backfill import archive, records
    from pipeline.backfill.files import owner_of
    from pipeline.sources import load_sources

    sources = load_sources(sources_path)
    seen = kept = 0
    with open(path, "rb") as stream:
        for item in archive.read_members(stream):
            seen += 1
            if isinstance(item, archive.Member):
                head = records.parse_head(item.data)
                if head.type == "response":
                    source = owner_of(sources, records.host_of(head.target_uri), False)
                    if source is not None:
                        try:
                            records.to_page(item, head, source, path)
                            kept += 1
                        except records.Skipped:
                            pass  # a fault page of the sample web (5xx, non-HTML): counted by backfill
    return seen, kept


def read_warcio(path: str, sources_path: str) -> tuple[int, int]:  # noqa: ARG001
    """Bare warcio: iterate every record, read nothing."""
    from warcio.archiveiterator import ArchiveIterator

    seen = 0
    with open(path, "rb") as stream:
        for _ in ArchiveIterator(stream):
            seen += 1
    return seen, 0


def read_warcio_payloads(path: str, sources_path: str) -> tuple[int, int]:  # noqa: ARG001
    """warcio reading every response payload (decoded)."""
    from warcio.archiveiterator import ArchiveIterator

    seen = kept = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            seen += 1
            if record.rec_type == "response":
                record.content_stream().read()
                kept += 1
    return seen, kept


def read_fastwarc(path: str, sources_path: str) -> tuple[int, int]:  # noqa: ARG001
    """Bare fastwarc: iterate every record, HTTP not parsed, read nothing."""
    from fastwarc import ArchiveIterator

    seen = 0
    with open(path, "rb") as stream:
        for _ in ArchiveIterator(stream, parse_http=False):
            seen += 1
    return seen, 0


def read_fastwarc_payloads(path: str, sources_path: str) -> tuple[int, int]:  # noqa: ARG001
    """fastwarc parsing HTTP and reading every response payload."""
    from fastwarc import ArchiveIterator, WarcRecordType

    seen = kept = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, parse_http=True):
            seen += 1
            if record.record_type == WarcRecordType.response:
                record.reader.read()
                kept += 1
    return seen, kept


def _timed(job: tuple) -> tuple[float, int, int, float]:
    name, path, sources_path = job
    import fastwarc  # noqa: F401 - imports are not part of the measurement
    import warcio.archiveiterator  # noqa: F401

    from pipeline.backfill import files, records  # noqa: F401
    from pipeline.sources import load_sources

    load_sources(sources_path)
    started = time.perf_counter()
    seen, kept = globals()[name](path, sources_path)
    seconds = time.perf_counter() - started
    return seconds, seen, kept, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _end_to_end(job: tuple) -> tuple[float, dict, float]:
    path, sources_path, database_url = job
    os.environ["NEWSCORPUS_DATABASE_URL"] = database_url
    from pipeline.backfill.run import backfill

    started = time.perf_counter()
    summary = backfill([path], sources_path=sources_path, workers=1, out=None)
    seconds = time.perf_counter() - started
    return seconds, {"articles": summary.extract.get("articles_new", 0), "kept": summary.totals()["kept"],
                     "extract_s": summary.extract.get("seconds", 0), "dedup_s": summary.dedup.get("seconds", 0),
                     "copies": summary.dedup.get("copies_linked", 0)}, \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _end_to_end_into(queue, job: tuple) -> None:  # noqa: ANN001 - a multiprocessing queue
    queue.put(_end_to_end(job))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=1500)
    parser.add_argument("--foreign", type=int, default=3, help="foreign-host copies of each page")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()

    import psycopg2
    from tabulate import tabulate

    from pipeline.embedded import _import_pgserver
    from pipeline.migrate import migrate

    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmp:
        path, sources_path = Path(tmp) / "sample.warc.gz", Path(tmp) / "sources.yaml"
        started = time.perf_counter()
        records = write_archive(path, sources_path, args.stories, args.foreign)
        size_mb = path.stat().st_size / 1e6
        print(f"wrote {records} records, {size_mb:.1f} MB compressed in {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
        readers = [
            ("newscorpus backfill reader (host filter, kept records parsed)", "read_backfill"),
            ("bare warcio iteration", "read_warcio"),
            ("warcio, every response payload read", "read_warcio_payloads"),
            ("bare fastwarc iteration (parse_http=False)", "read_fastwarc"),
            ("fastwarc, every response payload read", "read_fastwarc_payloads"),
        ]
        rows = []
        for label, name in readers:
            with context.Pool(1) as pool:
                seconds, seen, kept, peak = pool.apply(_timed, ((name, str(path), str(sources_path)),))
            rows.append((label, seen, kept, f"{seen / seconds:,.0f}", f"{size_mb / seconds:.1f}", "", f"{peak:.0f}"))
        if not args.skip_end_to_end:
            server = _import_pgserver().get_server(Path(tmp) / "pg", cleanup_mode="delete")
            url = server.get_uri()
            conn = psycopg2.connect(url)
            migrate(conn)
            conn.close()
            # a plain (non-daemon) process: dedup may start workers of its own
            queue = context.Queue()
            child = context.Process(target=_end_to_end_into, args=(queue, (str(path), str(sources_path), url)))
            child.start()
            seconds, info, peak = queue.get()
            child.join()
            rows.append((f"backfill() end to end: store → extract ({info['extract_s']:.0f}s) → dedup "
                         f"({info['dedup_s']:.0f}s), {info['copies']} copies linked", records, info["kept"],
                         f"{records / seconds:,.0f}", f"{size_mb / seconds:.2f}",
                         f"{info['articles'] / seconds:.1f}", f"{peak:.0f}"))
            server.cleanup()
    print(tabulate(rows, headers=["reader", "records", "kept/parsed", "records/s", "MB/s (compressed)",
                                  "articles/s", "peak MB"]))
    print(f"file: {size_mb:.1f} MB, {records} records ({args.stories} stories, {args.foreign} foreign copies per page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
