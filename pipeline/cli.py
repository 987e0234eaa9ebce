"""The `newscorpus` command line (also `python -m pipeline`).

Exit codes follow CONTRACT.md: 0 done, 2 bad usage or configuration, 1 failure at run time.
Known errors print one line on stderr; a traceback means a bug.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pipeline import __version__
from pipeline.errors import NewscorpusError

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newscorpus",
        description="Crawl, clean, deduplicate and load tabloid and wire news into PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"newscorpus {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress in detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # a command whose module is not in this checkout yet
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except NewscorpusError as exc:
        print(f"newscorpus {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"newscorpus {args.command}: interrupted; what was stored is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
