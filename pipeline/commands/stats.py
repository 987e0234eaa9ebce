"""`newscorpus stats`: crawl health per source and night, read from `news.source_health`."""

from __future__ import annotations

import argparse

from pipeline.commands.common import bounded_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="per source and night: fetched, failed, empty, undated, copies",
        description=(
            "Print news.source_health as a table, newest night first, then the data-quality "
            "problems of the latest night (the checks the nightly DAG runs)."
        ),
    )
    parser.add_argument("--nights", type=bounded_int(1, 3650), default=7,
                        help="how many nights back (default 7)")
    parser.add_argument("--source", help="only this source (its name in sources.yaml)")
    parser.set_defaults(func=run)


LEGEND = (
    "fetched/failed: pages; 403/429: share of fetches blocked; empty, undated, copies: share of "
    "articles; furniture: articles still holding site furniture; pub>fetch, future, !lastmod: "
    "articles published after their fetch, in the future, > 2 days from the feed/sitemap lastmod"
)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from pipeline.commands.common import check_source, corpus_connection
    from pipeline.nightly.checks import quality_problems, source_health, stats_table
    from pipeline.runs import run_history
    from pipeline.terminal import safe

    if args.nights < 1:
        from pipeline.errors import ConfigError

        raise ConfigError("--nights must be at least 1")
    with corpus_connection() as conn:
        check_source(conn, args.source)
        columns, rows = source_health(conn, nights=args.nights, source=args.source)
        problems = quality_problems(conn) if rows else []
        history = run_history(conn)
    if args.source:
        problems = [p for p in problems if p.startswith(f"{args.source}:")]
    if not history["runs"] and not rows:
        print("no crawls recorded yet; run `newscorpus crawl` first")
        return 0
    if not rows:
        if history["failed"] == history["runs"]:
            print(f"no pages stored: every crawl run failed ({history['runs']} of {history['runs']})")
        else:
            print(f"no pages stored in the last {args.nights} night(s) "
                  f"({history['runs']} crawl run(s) recorded)")
    else:
        headers, table = stats_table(columns, rows)
        table = [[safe(v) for v in row] for row in table]
        print(tabulate(table, headers=headers, tablefmt="simple", floatfmt=".3f", missingval="-"))
        print()
        print(LEGEND)
        if problems:
            print()
            print("problems (latest night):")
            for problem in problems:
                print(f"  - {safe(problem)}")
    if history["runs"]:
        print()
        print(last_run_line(history))
    return 0


def last_run_line(history: dict) -> str:
    """`last run: 7 (cli) started 2026-11-30 02:30 UTC: failed: crawl failed for the-sun`."""
    from pipeline.terminal import one_line

    last = history["last"]
    from datetime import UTC

    started = last["started_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if last["started_at"] else "?"
    line = f"last run: {last['run_id']} ({last['trigger']}) started {started}: {last['status']}"
    if last["error"]:
        line += f": {last['error']}"
    summary = f"; {history['runs']} run(s): {history['succeeded']} succeeded, {history['failed']} failed"
    return one_line(line + summary)
