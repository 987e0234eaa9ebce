"""`newscorpus backfill PATH|URL… [--cc-news YYYY-MM[:YYYY-MM]] [--all-hosts]`."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from pipeline.backfill.listing import CC_NEWS_BASE
    from pipeline.backfill.run import DEFAULT_WORKERS

    parser = subparsers.add_parser(
        "backfill",
        help="bring WARC files (or CC-NEWS months) through the same store → extract → dedup path",
        description=(
            "Stream .warc.gz files (local paths or http(s) URLs, never whole in memory), keep the "
            "response records whose host belongs to a source of the sources file, store them as "
            "pages (fetch time = WARC-Date) in a run with trigger 'backfill', then extract and "
            "dedup. Bad records (truncated file, corrupt gzip member, broken HTTP block, non-HTML "
            "payload) are skipped and counted with their reason. Progress is kept per file and "
            "offset: run the same command again to resume; finished files are not read twice. "
            "Exit 1 when a file could not be read to its end."
        ),
    )
    parser.add_argument("locations", nargs="*", metavar="PATH|URL", help=".warc.gz files to read")
    parser.add_argument("--cc-news", metavar="YYYY-MM[:YYYY-MM]",
                        help="also read every file of these CC-NEWS months (their warc.paths.gz listing)")
    parser.add_argument("--cc-news-base", metavar="URL", default=CC_NEWS_BASE,
                        help=f"where CC-NEWS listings and files are read from (default {CC_NEWS_BASE})")
    parser.add_argument("--all-hosts", action="store_true",
                        help="keep records of every host; those no source owns go to the source 'warc-other'")
    parser.add_argument("--sources", metavar="PATH", help="sources file (default: sources.yaml)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"files read at once, one process each (default {DEFAULT_WORKERS})")
    parser.add_argument("--batch", type=int, default=None, metavar="N",
                        help="records per transaction (default 2000; progress is saved after each)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from pipeline import db
    from pipeline.backfill.files import BATCH_RECORDS
    from pipeline.backfill.listing import parse_months
    from pipeline.backfill.run import backfill
    from pipeline.errors import ConfigError
    from pipeline.migrate import migrate
    from pipeline.sources import load_sources
    from pipeline.warc import keep_bodies

    months = parse_months(args.cc_news) if args.cc_news else []
    if not args.locations and not months:
        raise ConfigError("give at least one WARC file or URL, or --cc-news YYYY-MM")
    if args.workers < 1 or (args.batch is not None and args.batch < 1):
        raise ConfigError("--workers and --batch must be at least 1")
    if not args.cc_news_base.startswith(("http://", "https://")):
        raise ConfigError("--cc-news-base must be an http(s) URL")
    sources_file = load_sources(args.sources)  # loaded once here: a bad file is refused before anything
    with db.connection() as conn:
        migrate(conn)
    summary = backfill(
        args.locations, sources_path=args.sources, months=months, cc_news_base=args.cc_news_base,
        all_hosts=args.all_hosts, workers=args.workers, keep_bodies=keep_bodies(),
        batch_records=args.batch or BATCH_RECORDS, sources_file=sources_file,
    )
    totals = summary.totals()
    print(json.dumps({"run_id": summary.run_id, "status": summary.status, "files": len(summary.files),
                      **totals, "articles_new": summary.extract.get("articles_new", 0),
                      "copies_linked": summary.dedup.get("copies_linked", 0),
                      "seconds": summary.seconds}, indent=1))
    if summary.error:
        print(f"newscorpus backfill: error: {summary.error}", file=sys.stderr)
    return 0 if summary.status == "succeeded" else 1
