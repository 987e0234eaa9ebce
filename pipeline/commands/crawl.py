"""`newscorpus crawl [--sources PATH] [--only NAME…] [--max-pages N]`."""

from __future__ import annotations

import argparse
import os
import sys

from pipeline.commands.common import bounded_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="fetch feeds, sitemaps and new article pages into news.pages (raw page kept)",
        description=(
            "Fetch what each source's feeds and sitemaps announce and store every fetch in "
            "news.pages. URLs stored before are fetched again only when announced as changed. "
            "Exit 1 when a source could not be read at all or the crawl was interrupted."
        ),
    )
    parser.add_argument("--sources", metavar="PATH", help="sources file (default: sources.yaml)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="crawl only these sources")
    parser.add_argument("--max-pages", type=bounded_int(1, 10**9), metavar="N",
                        help="fetch at most N article pages")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import db
    from pipeline.crawl import CrawlInterrupted, check_warc_dir, crawl
    from pipeline.errors import ConfigError
    from pipeline.migrate import migrate
    from pipeline.nightly.lock import exclusive_run
    from pipeline.sources import load_sources

    if args.max_pages is not None and args.max_pages < 1:
        raise ConfigError("--max-pages must be at least 1")
    sources_file = load_sources(args.sources)  # loaded once here: a bad file is refused before anything
    sources_file.select(args.only)
    check_warc_dir()  # an unwritable NEWSCORPUS_WARC_DIR is refused before the database is touched
    db.create_if_missing()
    with db.connection() as conn:
        migrate(conn)
    try:
        # the same lock as `newscorpus run` and the DAG's crawl tasks: never two crawls at once
        with exclusive_run(holder=f"newscorpus crawl (pid {os.getpid()})"):
            summary = crawl(args.sources, only=args.only, max_pages=args.max_pages, trigger="cli",
                            verbose=getattr(args, "verbose", False), sources_file=sources_file)
    except CrawlInterrupted as exc:
        print(exc.summary.table())
        print(f"newscorpus crawl: {exc}", file=sys.stderr)
        return 130
    print(summary.table())
    print(f"run {summary.run_id}: {summary.status}, {summary.pages_fetched} page(s) in {summary.seconds:.1f}s")
    if summary.error:
        print(f"newscorpus crawl: {summary.error}", file=sys.stderr)
    return 0 if summary.status == "succeeded" and not summary.failed_sources else 1
