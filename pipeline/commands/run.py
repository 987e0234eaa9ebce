"""`newscorpus run`: the nightly job without Airflow (crawl → extract → dedup → checks)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="crawl → extract → dedup → checks → report, the nightly job without Airflow",
        description="Run every nightly stage in order against the configured database.",
    )
    parser.add_argument("--sources", metavar="PATH", help="sources file (default: sources.yaml)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="crawl only these sources")
    parser.add_argument("--max-pages", type=int, metavar="N", help="stop each crawl after N pages")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.report import format_report
    from pipeline.runner import run_nightly

    result = run_nightly(args.sources, only=args.only, max_pages=args.max_pages)
    print(format_report(result.report))
    timings = ", ".join(f"{name} {secs:.1f}s" for name, secs in result.stage_seconds.items())
    print(f"time per stage: {timings}")
    for problem in result.problems:
        print(f"problem: {problem}")
    return 1 if result.failed else 0
