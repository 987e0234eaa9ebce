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
            "copies, outlets, authors, credit, modified_at, site_name, categories, flags, "
            "paywalled) or only one row per story with --canonical-only. CSV writes booleans "
            "as true/false, lists as JSON arrays, null as an empty cell and every other value "
            "quoted (an empty string is a quoted empty cell), and guards text against formula "
            "injection (--csv-raw turns that off); JSON Lines and Parquet keep the types."
        ),
    )
    parser.add_argument("--format", required=True, choices=("jsonl", "csv", "parquet"),
                        help="output format")
    parser.add_argument("--out", required=True, metavar="PATH",
                        help="file to write ('-' = stdout, jsonl and csv only)")
    parser.add_argument("--since", type=iso_date, metavar="DATE",
                        help="only articles published on or after DATE (YYYY-MM-DD, UTC)")
    parser.add_argument("--source", metavar="NAME",
                        help="only what this source ran (its name in sources.yaml): its articles; with "
                        "--canonical-only, every story it ran a copy of, as the story's original "
                        "(as in search)")
    parser.add_argument("--canonical-only", action="store_true",
                        help="one row per story, its original; no copies")
    parser.add_argument("--csv-raw", action="store_true",
                        help="csv: write text cells exactly as stored. By default a cell starting with "
                        "= + - @ tab or CR gets a leading ' so a spreadsheet shows it as text instead "
                        "of running it as a formula (OWASP CSV injection)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.commands.common import check_source, corpus_connection
    from pipeline.export import check_out, export
    from pipeline.progress import progress

    check_out(args.out)  # a bad --out is refused before the database is touched
    with corpus_connection() as conn:
        check_source(conn, args.source)
        with progress("export", unit="rows") as bar:
            count = export(conn, args.format, args.out, since=args.since, source=args.source,
                           canonical_only=args.canonical_only, csv_raw=args.csv_raw,
                           progress=lambda rows: bar.advance(rows - bar.done))
    where = "stdout" if args.out == "-" else args.out
    print(f"exported {count:,} rows to {where} ({args.format})",
          file=sys.stderr if args.out == "-" else sys.stdout)
    return 0
