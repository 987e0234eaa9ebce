"""`newscorpus db url|reader-url|use|start|stop|psql`: the database newscorpus uses.

"The database in use" is `pipeline.db.database_url()`: `--database NAME|URL`, else
NEWSCORPUS_DATABASE_URL, else the folder's current database (`db use`, set by `demo`), else the
embedded server's `postgres`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db",
        help="the PostgreSQL database: url, reader-url, params, use, start, stop, psql",
        description=(
            "Show or control the database in use: --database NAME|URL, else "
            "NEWSCORPUS_DATABASE_URL (any PostgreSQL), else this folder's current database "
            "(`db use`; `newscorpus demo` makes newscorpus_demo current) on the embedded "
            "server that runs from <data folder>/pgdata (NEWSCORPUS_HOME, default .newscorpus)."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("url", help="print the libpq URL in use").set_defaults(func=show_url)
    actions.add_parser(
        "reader-url", help="print a URL that connects as the read-only news_reader role"
    ).set_defaults(func=show_reader_url)
    params = actions.add_parser(
        "params", help="print the connection as libpq key=value lines, no password "
        "(for R's DBI::dbConnect and other clients that take parameters)")
    params.add_argument("--reader", action="store_true", help="as the read-only news_reader role")
    params.set_defaults(func=show_params)
    use_parser = actions.add_parser(
        "use", help="make NAME this folder's current database on the embedded server "
        "(`postgres` or --reset: back to the default)")
    use_parser.add_argument("name", nargs="?", metavar="NAME", help="an existing database's name")
    use_parser.add_argument("--create", action="store_true",
                            help="create NAME when it does not exist (without it a missing NAME, e.g. a "
                                 "typo, is refused and the existing databases are listed)")
    use_parser.add_argument("--reset", action="store_true", help="back to the default database")
    use_parser.set_defaults(func=use)
    actions.add_parser("start", help="start the embedded server; prints its URL, any password masked").set_defaults(func=start)
    stop_parser = actions.add_parser("stop", help="stop the embedded server")
    stop_parser.add_argument(
        "--delete-relocated", action="store_true",
        help="then delete its data directory when newscorpus keeps it outside the data folder (as root, "
             "for a folder the server's user cannot enter: <data folder>/pgdata is a symlink into "
             "/var/lib/newscorpus/ or the temp folder); `make clean` uses it")
    stop_parser.set_defaults(func=stop)
    psql = actions.add_parser(
        "psql", help="open psql on the database; later arguments go to psql (db psql -c 'select 1')")
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


def show_params(args: argparse.Namespace) -> int:
    from psycopg2.extensions import parse_dsn

    from pipeline import db

    url = db.reader_url() if args.reader else db.database_url()
    for key, value in parse_dsn(url).items():
        if key != "password":
            print(f"{key}={value}")
    return 0


def use(args: argparse.Namespace) -> int:
    from pipeline import db
    from pipeline.errors import ConfigError

    if args.reset == bool(args.name):
        raise ConfigError("give a database NAME or --reset")
    if args.reset and args.create:
        raise ConfigError("--create goes with a NAME, not with --reset")
    _embedded_only()
    name = None if args.reset else db.check_name(args.name)
    created = False
    if name:
        url = db.with_database(db.database_url(), name)
        existing = _databases(url)
        if name not in existing and not args.create:  # a typo must not become an empty corpus
            raise ConfigError(f"no database {name} on the embedded server (there are: "
                              f"{', '.join(existing) or 'none'}); `newscorpus db use --create {name}` creates it")
        created = name not in existing and db.create_database(url)
    db.use(name)
    print(f"database in use in this folder: {name or db.DEFAULT_DATABASE}")
    if created:
        print(f"newscorpus db use: created database {name}; it is empty until `newscorpus migrate` "
              "or `newscorpus run` (`newscorpus db use --reset` goes back)", file=sys.stderr)
    return 0


def _databases(url: str) -> list[str]:
    """The names of the databases a user can pick on `url`'s server (templates left out)."""
    from pipeline import db

    conn = db.connect(db.with_database(url, db.DEFAULT_DATABASE))
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select datname from pg_database where not datistemplate order by datname")
            return [name for (name,) in cur.fetchall()]
    finally:
        conn.close()


def _embedded_only() -> None:
    from pipeline import db
    from pipeline.errors import ConfigError

    if not db.uses_embedded_server():
        raise ConfigError("a database URL is set (--database URL or NEWSCORPUS_DATABASE_URL): "
                          "newscorpus does not manage that server")


def start(args: argparse.Namespace) -> int:
    from pipeline import db, embedded

    _embedded_only()
    print(db.redact(embedded.start()))  # never a password on the terminal (or in a shell log)
    return 0


def stop(args: argparse.Namespace) -> int:
    from pipeline import embedded

    _embedded_only()
    print("stopped" if embedded.stop() else "not running")
    if args.delete_relocated:
        deleted = embedded.delete_relocated()
        if deleted is not None:
            print(f"deleted its data directory in {deleted}")
    return 0


def psql_command(url: str, extra: list[str]) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) for psql on `url`: the password goes in PGPASSWORD, never in argv
    (argv is readable by every user of the machine through `ps`)."""
    from psycopg2.extensions import make_dsn, parse_dsn

    from pipeline import embedded

    params = parse_dsn(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    executable = shutil.which("psql") or embedded.psql_executable()
    return [executable, f"--dbname={make_dsn(**params)}", *extra], env


def open_psql(args: argparse.Namespace) -> int:
    from pipeline import db

    argv, env = psql_command(db.database_url(), list(args.psql_args or []))
    os.execve(argv[0], argv, env)
    return 0  # not reached
