"""`newscorpus stats`: crawl health per source and night, read from `news.source_health`."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="per source and night: fetched, failed, empty, undated, copies",
        description=(
            "Print news.source_health as a table, newest night first, then the data-quality "
            "problems of the latest night (the checks the nightly DAG runs)."
        ),
    )
    parser.add_argument("--nights", type=int, default=7, help="how many nights back (default 7)")
    parser.add_argument("--source", help="only this source (its name in sources.yaml)")
    parser.set_defaults(func=run)


LEGEND = (
    "fetched/failed: pages; 403/429: share of fetches blocked; empty, undated, copies: share of "
    "articles; furniture: articles still holding site furniture; pub>fetch, future, !lastmod: "
    "articles published after their fetch, in the future, > 2 days from the feed/sitemap lastmod"
)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from pipeline import db
    from pipeline.health import quality_problems, source_health, stats_table

    with db.connection() as conn:
        columns, rows = source_health(conn, nights=args.nights, source=args.source)
        problems = quality_problems(conn) if rows else []
    if args.source:
        problems = [p for p in problems if p.startswith(f"{args.source}:")]
    if not rows:
        print("no crawls recorded yet; run `newscorpus crawl` first")
        return 0
    headers, table = stats_table(columns, rows)
    print(tabulate(table, headers=headers, tablefmt="simple", floatfmt=".3f", missingval="-"))
    print()
    print(LEGEND)
    if problems:
        print()
        print("problems (latest night):")
        for problem in problems:
            print(f"  - {problem}")
    return 0
