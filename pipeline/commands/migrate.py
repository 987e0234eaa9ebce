"""`newscorpus migrate`: apply pending schema migrations, then the views."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="apply pending migrations (safe to run any time, also concurrently)",
        description="Apply pending sql/migrations files once each, then re-apply sql/views.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import db
    from pipeline.migrate import migrate

    if db.create_if_missing():
        print(f"created database {db.database_name()} on the embedded server")
    with db.connection() as conn:
        applied = migrate(conn)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0
