"""`newscorpus export`: dump the corpus as JSON Lines, CSV or Parquet, streaming."""

from __future__ import annotations

import argparse
import sys

from pipeline.commands.search import iso_date


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="dump the corpus (jsonl, csv or parquet), constant memory",
        description=(
            "Write every article (copies included, with cluster_id, is_canonical, similarity, "
            "copies, outlets) or only one row per story with --canonical-only."
        ),
    )
    parser.add_argument("--format", required=True, choices=("jsonl", "csv", "parquet"),
                        help="output format")
    parser.add_argument("--out", required=True, metavar="PATH",
                        help="file to write ('-' = stdout, jsonl and csv only)")
    parser.add_argument("--since", type=iso_date, metavar="DATE",
                        help="only articles published on or after DATE (YYYY-MM-DD, UTC)")
    parser.add_argument("--source", metavar="NAME", help="only this source (its name in sources.yaml)")
    parser.add_argument("--canonical-only", action="store_true",
                        help="one row per story, its original; no copies")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import db
    from pipeline.export import export

    def progress(rows: int) -> None:
        print(f"\rexport: {rows:,} rows", end="", file=sys.stderr, flush=True)

    with db.connection() as conn:
        count = export(conn, args.format, args.out, since=args.since, source=args.source,
                       canonical_only=args.canonical_only, progress=progress)
    print(file=sys.stderr)
    where = "stdout" if args.out == "-" else args.out
    print(f"exported {count:,} rows to {where} ({args.format})", file=sys.stderr if args.out == "-" else sys.stdout)
    return 0
