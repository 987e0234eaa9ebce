"""`newscorpus stats`: crawl health per source and night, read from `news.source_health`."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="per source and night: fetched, failed, empty, undated, copies",
        description="Print news.source_health as a table, newest night first.",
    )
    parser.add_argument("--nights", type=int, default=7, help="how many nights back (default 7)")
    parser.add_argument("--source", help="only this source (its name in sources.yaml)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from pipeline import db
    from pipeline.health import source_health

    with db.connection() as conn:
        columns, rows = source_health(conn, nights=args.nights, source=args.source)
    if not rows:
        print("no crawls recorded yet; run `newscorpus crawl` first")
        return 0
    print(tabulate(rows, headers=columns, tablefmt="simple", floatfmt=".3f"))
    return 0
