"""Helpers the read commands share: a connection to a migrated database, checked names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions


@contextmanager
def corpus_connection() -> Iterator[psycopg2.extensions.connection]:
    """A connection to the database in use, refused (exit 2, one line) when it is not migrated."""
    from pipeline import db

    with db.connection() as conn:
        db.require_schema(conn)
        yield conn


def check_source(conn: psycopg2.extensions.connection, name: str | None) -> None:
    """ConfigError (exit 2) when `name` is not a source of this database, listing the valid ones."""
    if name is None:
        return
    from pipeline.errors import ConfigError

    with conn.cursor() as cur:
        cur.execute("select name from news.sources order by name")
        names = [row[0] for row in cur.fetchall()]
    conn.rollback()
    if name in names:
        return
    dbname = conn.get_dsn_parameters().get("dbname", "?")
    if not names:
        raise ConfigError(f"no source named {name!r}: database {dbname} has no sources yet "
                          "(run `newscorpus crawl` or `newscorpus run`)")
    raise ConfigError(f"no source named {name!r} in database {dbname}; sources: {', '.join(names)}")


def bounded_int(low: int, high: int):  # noqa: ANN201 - an argparse type
    """argparse type: a whole number from `low` to `high` (anything else: usage error, exit 2).

    Bounds keep a typo like 99999999999999999999 from reaching PostgreSQL as an overflow.
    """
    import argparse

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"not a whole number from {low:,} to {high:,}: {value!r}")
        return number

    parse.__name__ = "whole number"
    return parse
