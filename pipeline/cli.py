"""The `newscorpus` command line (also `python -m pipeline`).

Exit codes follow CONTRACT.md: 0 done, 2 bad usage or configuration, 1 failure at run time.
Every error is one line on stderr (`newscorpus COMMAND: error: …`), usage errors included;
a traceback is shown only with `-v` for an unexpected error (a bug).

Global options (`-v`, `--database NAME|URL`) are accepted before or after the command:
`newscorpus -v stats` and `newscorpus stats -v` are the same.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pipeline import __version__, db, envsettings
from pipeline.errors import ConfigError, NewscorpusError
from pipeline.terminal import one_line

# Modules exposing add_parser(subparsers); a command is listed here once it works end to end.
COMMAND_MODULES = (
    "pipeline.commands.migrate",
    "pipeline.commands.db",
    "pipeline.commands.stats",
    "pipeline.commands.crawl",
    "pipeline.commands.extract",
    "pipeline.commands.clean",
    "pipeline.commands.dedup",
    "pipeline.commands.search",
    "pipeline.commands.export",
    "pipeline.commands.run",
    "pipeline.commands.demo",
    "pipeline.commands.backfill",
    "pipeline.sampleweb.cli",
)

DATABASE_HELP = (
    "the database to use: a database NAME (on the embedded server, or on NEWSCORPUS_DATABASE_URL's "
    "server) or a postgresql:// URL; also NEWSCORPUS_DATABASE. Default: NEWSCORPUS_DATABASE_URL, "
    "else the folder's current database (`newscorpus db use`), else the embedded server's"
)


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: `newscorpus search: error: … (see --help)`, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see `{self.prog} --help`)\n")

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        """As argparse's, but an unknown option is reported by the command it was given to."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            prog = " ".join(filter(None, (self.prog, getattr(parsed, "command", None))))
            self.exit(2, f"{prog}: error: unrecognized arguments: {one_line(' '.join(extras))} "
                      f"(see `{prog} --help`)\n")
        return parsed


def _add_global_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """-v and --database, on the top parser (with defaults) and on every command (without);
    --database not on a command that never opens a database (`uses_database=False` in its
    defaults: clean, sample-web)."""
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    options = [
        (("-v", "--verbose"), {"action": "store_true", "default": default(False),
                               "help": "log progress in detail; show the traceback of a bug"}),
        (("--database",), {"metavar": "NAME|URL", "default": default(None), "help": DATABASE_HELP}),
    ]
    if not top and parser.get_default("uses_database") is False:
        options.pop()
    for flags, kwargs in options:
        try:
            parser.add_argument(*flags, **kwargs)
        except argparse.ArgumentError:
            continue  # the command has its own option of that name


def _walk(parser: argparse.ArgumentParser):  # noqa: ANN202 - iterator of parsers
    for action in parser._actions:  # noqa: SLF001 - argparse keeps subparsers here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in dict.fromkeys(action.choices.values()):
                yield sub
                yield from _walk(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="newscorpus",
        description="Crawl, clean, deduplicate and load tabloid and wire news into PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"newscorpus {__version__}")
    _add_global_options(parser, top=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    for sub in _walk(parser):
        _add_global_options(sub, top=False)
    return parser


def _split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """`… db psql -c "select 1"`: everything after `db psql` goes to psql untouched.

    Only when `db` is the command (the first word after the global options), so a search for
    "db psql" stays a search.
    """
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] == "--database" else 1
    if argv[i:i + 2] == ["db", "psql"]:
        return argv[: i + 2], argv[i + 2:]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, passthrough = _split_passthrough(argv)
    try:  # before the command modules are imported: bad configuration refused before any work
        envsettings.check()
    except ConfigError as exc:
        _fail(_command_word(argv), str(exc))
        return exc.exit_code
    args = build_parser().parse_args(argv)
    if passthrough:
        args.psql_args = passthrough
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if args.verbose
        else f"newscorpus {args.command}: %(levelname)s: %(message)s",
    )
    command = args.command
    saved = db.select(None)  # this process's selection before the command, restored after it
    db.select(args.database if args.database is not None else saved)  # --database for every stage
    try:
        if getattr(args, "uses_database", True):  # clean and sample-web never read it
            _check_database()
        return int(args.func(args) or 0)
    except NewscorpusError as exc:
        _fail(command, str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _fail(command, "interrupted; what was stored is kept", prefix="")
        return 130
    except BrokenPipeError:  # `newscorpus search … | head`
        _quiet_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - one line unless -v; a traceback is a bug report
        import psycopg2

        if args.verbose:
            raise
        if isinstance(exc, psycopg2.Error):
            try:  # only to ask whether the server still answers: a stopped embedded one is not restarted
                from pipeline import embedded

                url = db.database_url() if not db.uses_embedded_server() or embedded.is_running() else None
            except Exception:  # noqa: BLE001
                url = None
            _fail(command, f"database error: {db.describe_error(exc, url)}")
            return 1
        _fail(command, f"unexpected {type(exc).__name__}: {exc} (rerun with -v for the traceback)")
        return 1
    finally:  # main() called in-process (tests, notebooks) leaves the selection as it was
        db.select(saved)


def _check_database() -> None:
    """Refuse a malformed --database / NEWSCORPUS_DATABASE / NEWSCORPUS_DATABASE_URL now, before
    the command runs (db.database_url() reads the selection; a child process gets the URL)."""
    db.check_selection()


def _command_word(argv: list[str]) -> str:
    """The command in `argv` (the first word after the global options), for an error line
    written before argparse ran; "" when there is none."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] == "--database" else 1
    return argv[i] if i < len(argv) else ""


def _fail(command: str, message: str, prefix: str = "error: ") -> None:
    prog = f"newscorpus {command}" if command else "newscorpus"
    print(f"{prog}: {prefix}{one_line(message)}", file=sys.stderr, flush=True)


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so Python's exit flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
