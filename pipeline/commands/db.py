"""`newscorpus db url|reader-url|start|stop|psql`: the database newscorpus uses."""

from __future__ import annotations

import argparse
import os
import shutil


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db",
        help="the PostgreSQL database: url, reader-url, start, stop, psql",
        description=(
            "Show or control the database. NEWSCORPUS_DATABASE_URL selects any PostgreSQL; "
            "without it an embedded server runs from .newscorpus/pgdata."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("url", help="print the libpq URL in use").set_defaults(func=show_url)
    actions.add_parser(
        "reader-url", help="print a URL that connects as the read-only news_reader role"
    ).set_defaults(func=show_reader_url)
    actions.add_parser("start", help="start the embedded server").set_defaults(func=start)
    actions.add_parser("stop", help="stop the embedded server").set_defaults(func=stop)
    psql = actions.add_parser("psql", help="open psql on the database")
    psql.add_argument("psql_args", nargs=argparse.REMAINDER, help="passed on to psql")
    psql.set_defaults(func=open_psql)


def show_url(args: argparse.Namespace) -> int:
    from pipeline import db

    print(db.database_url())
    return 0


def show_reader_url(args: argparse.Namespace) -> int:
    from pipeline import db

    print(db.reader_url())
    return 0


def start(args: argparse.Namespace) -> int:
    from pipeline import db, embedded
    from pipeline.errors import ConfigError

    if os.environ.get(db.DATABASE_URL_ENV):
        raise ConfigError(f"{db.DATABASE_URL_ENV} is set: newscorpus does not manage that server")
    print(embedded.start())
    return 0


def stop(args: argparse.Namespace) -> int:
    from pipeline import db, embedded
    from pipeline.errors import ConfigError

    if os.environ.get(db.DATABASE_URL_ENV):
        raise ConfigError(f"{db.DATABASE_URL_ENV} is set: newscorpus does not manage that server")
    print("stopped" if embedded.stop() else "not running")
    return 0


def open_psql(args: argparse.Namespace) -> int:
    from pipeline import db, embedded

    url = db.database_url()
    executable = shutil.which("psql") or embedded.psql_executable()
    os.execv(executable, [executable, url, *args.psql_args])
    return 0  # not reached
