"""`newscorpus demo`: serve the sample web, run the nightly pipeline on it, print a summary."""

from __future__ import annotations

import argparse

from pipeline.commands.common import bounded_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole pipeline on the bundled sample web and print what it made",
        description=(
            "Serve the sample web on 127.0.1.x, run crawl → extract → dedup into the "
            "newscorpus_demo database (embedded server), make it this folder's current database "
            "(`newscorpus db use --reset` undoes that) and print a summary and the next commands. "
            "With --database or NEWSCORPUS_DATABASE_URL, that database is loaded instead."
        ),
    )
    parser.add_argument("--stories", type=bounded_int(1, 100_000), default=40,
                        help="sample web size (default 40)")
    parser.add_argument(
        "--port", type=bounded_int(0, 65535), default=8765,
        help="sample web port on 127.0.1.x (default 8765; keep it fixed so a re-run is incremental; "
             "another one to run a second demo at the same time, 0 for any free port)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.demo import run_demo

    return run_demo(args.stories, port=args.port)
