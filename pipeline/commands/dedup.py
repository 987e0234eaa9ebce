"""`newscorpus dedup [--rebuild] [--run-id N] [--window-days D | --backfill]`: link copies to originals."""

from __future__ import annotations

import argparse

from pipeline.commands.common import bounded_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dedup",
        help="fingerprint new articles, link copies to originals published within 14 days "
             "(--backfill: all history)",
        description=(
            "MinHash-fingerprint every new or changed article, find its candidates in the "
            "LSH buckets of earlier articles (published within --window-days of it), verify them and cluster each copy with its "
            "original (news.corpus, news.syndication). A rerun with nothing new changes nothing."
        ),
    )
    parser.add_argument("--rebuild", action="store_true",
                        help="forget all fingerprints and clusters and rebuild them from scratch")
    parser.add_argument("--batch-size", type=bounded_int(1, 1_000_000), default=1000, metavar="N",
                        help="articles per transaction (default 1000)")
    parser.add_argument("--run-id", type=bounded_int(1, 2**63 - 1), metavar="ID",
                        help="also update news.crawl_run_sources.duplicates_found for this crawl run")
    window = parser.add_mutually_exclusive_group()
    window.add_argument("--window-days", type=int, metavar="D", default=None,
                        help="compare articles published within D days of each other "
                             "(default 14: copies appear within days of their originals)")
    window.add_argument("--backfill", action="store_true",
                        help="compare with all history whatever the publication dates (backfills)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import db
    from pipeline.dedup import dedup
    from pipeline.dedup.store import WINDOW_DAYS
    from pipeline.errors import ConfigError
    from pipeline.runs import record_duplicates

    if args.batch_size < 1:
        raise ConfigError("--batch-size must be at least 1")
    if args.window_days is not None and args.window_days < 0:
        raise ConfigError("--window-days must be at least 0")
    with db.connection() as conn:
        db.require_schema(conn)
        summary = dedup(conn, rebuild=args.rebuild, batch_size=args.batch_size,
                        window_days=None if args.backfill else (WINDOW_DAYS if args.window_days is None else args.window_days))
        if args.run_id is not None:
            record_duplicates(conn, args.run_id)
    print(
        f"dedup: {summary.articles_fingerprinted} articles fingerprinted, "
        f"{summary.candidates} candidate pairs, {summary.links} copy pairs verified, "
        f"{summary.clusters_new} new clusters, {summary.copies_linked} copies linked, "
        f"{summary.canonicals_rechosen} canonicals re-chosen in {summary.seconds:.1f}s"
    )
    return 0
