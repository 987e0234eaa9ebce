"""Read PostgreSQL timestamps that Python's datetime cannot hold as null, not as a crash.

PostgreSQL stores timestamptz/timestamp from 4713 BC to 294276 AD plus `infinity` and
`-infinity`; Python's datetime holds years 1..9999 only. psycopg2's own typecasters raise
ValueError ("year -1 is out of range", "year 10000 is out of range") on the former, which ended
a whole export or search on one hostile date, and silently turn ±infinity into
datetime.max/min, a date nobody wrote. `lenient_times(cur)` installs typecasters on one cursor
(a named cursor too) that return None for all of these and count them, so the row is kept with
the value as null and the caller can say how many there were.

Limits: PostgreSQL docs, "Date/Time Types" (8.5); Python docs, datetime.MINYEAR/MAXYEAR.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg2.extensions

# (oid, psycopg2's caster) for timestamptz, timestamp, date
_CASTERS: tuple[tuple[int, Any], ...] = (
    (1184, psycopg2.extensions.PYDATETIMETZ),
    (1114, psycopg2.extensions.PYDATETIME),
    (1082, psycopg2.extensions.PYDATE),
)
_INFINITE = frozenset({"infinity", "-infinity"})


class OutOfRange:
    """Counts the values read as null because Python cannot hold them (`count`, an int)."""

    def __init__(self) -> None:
        self.count = 0

    def caster(self, default: Any) -> Callable[[str | None, Any], Any]:
        """A typecaster: psycopg2's `default`, or None (counted) for ±infinity or a year
        outside 1..9999 (after the conversion to the session's time zone)."""

        def cast(value: str | None, cur: Any) -> Any:
            if value is None:
                return None
            if value in _INFINITE:
                self.count += 1
                return None
            try:
                return default(value, cur)
            except (ValueError, OverflowError):
                self.count += 1
                return None

        return cast


def lenient_times(cur: psycopg2.extensions.cursor) -> OutOfRange:
    """Make `cur` read out-of-range timestamps and dates as None; returns their counter.

    Scope is this cursor only: other cursors of the connection keep psycopg2's behaviour.
    """
    seen = OutOfRange()
    for oid, default in _CASTERS:
        kind = psycopg2.extensions.new_type((oid,), f"LENIENT_{oid}", seen.caster(default))
        psycopg2.extensions.register_type(kind, cur)
    return seen
