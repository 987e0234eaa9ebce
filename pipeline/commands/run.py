"""`newscorpus run`: the nightly job without Airflow (migrate → crawl → extract → dedup →
refresh → quality checks → report, the stages of pipeline/nightly/local.py)."""

from __future__ import annotations

import argparse

from pipeline.commands.common import bounded_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="migrate → crawl → extract → dedup → refresh → checks → report, the nightly job "
        "without Airflow",
        description="Run every nightly stage in order against the configured database: migrate "
        "(pending migrations), crawl, extract, dedup, refresh (the furniture cache and table "
        "statistics news.source_health reads), quality checks, report.",
    )
    parser.add_argument("--sources", metavar="PATH", help="sources file (default: sources.yaml)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="crawl only these sources")
    parser.add_argument("--max-pages", type=bounded_int(1, 10**9), metavar="N",
                        help="stop each crawl after N pages")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from pipeline import db
    from pipeline.crawl import check_warc_dir
    from pipeline.errors import ConfigError
    from pipeline.nightly.local import run_nightly
    from pipeline.nightly.report import format_report
    from pipeline.sources import load_sources
    from pipeline.terminal import one_line

    # configuration first: nothing (not even a migration) happens with a bad file or name
    if args.max_pages is not None and args.max_pages < 1:
        raise ConfigError("--max-pages must be at least 1")
    sources_file = load_sources(args.sources)  # the one read of the file; every stage gets the object
    sources_file.select(args.only)
    check_warc_dir()  # an unwritable NEWSCORPUS_WARC_DIR: refused before the database is touched
    db.create_if_missing()
    result = run_nightly(args.sources, only=args.only, max_pages=args.max_pages, sources_file=sources_file)
    print(format_report(result.report))
    timings = ", ".join(f"{name} {secs:.1f}s" for name, secs in result.stage_seconds.items())
    print(f"time per stage: {timings}")
    if result.problems:  # the reasons go to stderr, last, where a failed exit code sends people
        print(f"newscorpus run: failed: {one_line('; '.join(result.problems))}", file=sys.stderr)
    return 1 if result.failed else 0
