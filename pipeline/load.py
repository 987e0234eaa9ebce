"""The bulk loader every stage writes through: COPY into a staging table, then one upsert.

Per-row INSERTs cost a network round trip each (~11k rows/s over loopback); COPY streams a
whole batch in one command. The batch is de-duplicated on the conflict key in Python
(last row wins), because `INSERT ... ON CONFLICT DO UPDATE` refuses to touch one key twice in
a statement. Rows whose values did not change are not rewritten, so re-running a stage is a
no-op for the database.

The loader runs inside the caller's transaction and does not commit: wrap it in
`with conn:` so a refused row rolls the whole batch back.

Example:
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind"], rows, conflict=["name"])
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from pipeline.errors import LoadError

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
# COPY text format: backslash, tab, newline and carriage return must be escaped. NUL is
# dropped: PostgreSQL text cannot hold it (`invalid byte sequence for encoding "UTF8": 0x00`),
# and one page carrying it (a JSON-LD "headline": "Evil\u0000headline") once failed its
# whole batch forever. Lone surrogates (U+D800–U+DFFF) cannot be encoded as UTF-8: dropped too.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": None})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def upsert(
    conn: psycopg2.extensions.connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    conflict: Sequence[str] | None,
    update: Sequence[str] | None = None,
) -> int:
    """Load rows into `table`; returns how many rows were inserted or changed.

    Args:
        table: schema-qualified table name, e.g. "news.lsh_buckets".
        columns: the columns each row holds, in order.
        rows: sequences of Python values (str, int, float, bool, bytes, datetime, list, dict, None).
        conflict: the unique key to upsert on; None appends (plain INSERT, no de-duplication).
        update: columns overwritten on conflict; default every non-key column. Empty: keep
            the stored row (`DO NOTHING`).
    """
    _check_identifiers(table, *columns, *(conflict or ()), *(update or ()))
    if conflict is not None:
        rows = _last_row_per_key(rows, [list(columns).index(c) for c in conflict])
    stage = sql.Identifier("_stage_" + table.replace(".", "_"))
    target = sql.Identifier(*table.split("."))
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    buffer = _copy_buffer(rows, len(columns))
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("drop table if exists {}").format(stage))
            cur.execute(
                sql.SQL(
                    "create temp table {stage} on commit drop as select {cols} from {target} with no data"
                ).format(stage=stage, cols=cols, target=target)
            )
            cur.copy_expert(
                sql.SQL("copy {} ({}) from stdin").format(stage, cols).as_string(cur), buffer
            )
            cur.execute(_insert_statement(stage, target, columns, conflict, update))
            return cur.rowcount
    except psycopg2.Error as exc:
        detail = (exc.pgerror or str(exc)).strip().splitlines()[0]
        raise LoadError(f"loading into {table} failed, batch rolled back: {detail}") from exc


def _last_row_per_key(rows: Iterable[Sequence[Any]], key: list[int]) -> list[Sequence[Any]]:
    """One row per conflict key, the last one given (ON CONFLICT may touch a key only once)."""
    latest: dict[tuple, Sequence[Any]] = {}
    for row in rows:
        latest[tuple(row[i] for i in key)] = row
    return list(latest.values())


def _insert_statement(
    stage: sql.Identifier,
    target: sql.Identifier,
    columns: Sequence[str],
    conflict: Sequence[str] | None,
    update: Sequence[str] | None,
) -> sql.Composed:
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    if conflict is None:
        return sql.SQL("insert into {t} ({c}) select {c} from {s}").format(
            t=target, c=cols, s=stage
        )
    keys = sql.SQL(", ").join(map(sql.Identifier, conflict))
    # key order makes the index inserts sequential: measurably faster on large batches
    latest_per_key = sql.SQL(
        "insert into {t} as t ({c}) select {c} from {s} order by {k} "
    ).format(t=target, c=cols, k=keys, s=stage)
    update = [c for c in columns if c not in conflict] if update is None else list(update)
    if not update:
        return latest_per_key + sql.SQL("on conflict ({k}) do nothing").format(k=keys)
    assignments = sql.SQL(", ").join(
        sql.SQL("{c} = excluded.{c}").format(c=sql.Identifier(c)) for c in update
    )
    stored = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in update)
    incoming = sql.SQL(", ").join(sql.SQL("excluded.{}").format(sql.Identifier(c)) for c in update)
    return latest_per_key + sql.SQL(
        "on conflict ({k}) do update set {a} where ({stored}) is distinct from ({incoming})"
    ).format(k=keys, a=assignments, stored=stored, incoming=incoming)


def _check_identifiers(*names: str) -> None:
    for name in names:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")


def _copy_buffer(rows: Iterable[Sequence[Any]], width: int) -> io.StringIO:
    lines = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"row has {len(row)} values, expected {width}: {row!r:.200}")
        lines.append("\t".join([_FAST_FORMATS.get(type(v), _copy_value)(v) for v in row]))
    lines.append("")
    return io.StringIO("\n".join(lines))


def _copy_value(value: Any) -> str:
    """One value in COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return _text(_array_literal(value))
    if isinstance(value, dict):
        return _text(json.dumps(storable(value), ensure_ascii=False, default=str))
    raise TypeError(f"cannot load a {type(value).__name__} value")


def _text(value: str) -> str:
    value = value.translate(_COPY_ESCAPES)
    return value if value.isascii() else _UNSTORABLE.sub("", value)


def storable(value: Any) -> Any:
    """`value` with NUL and lone surrogates removed from every string inside it (dicts, lists):
    what PostgreSQL text and jsonb can hold. Other values are returned unchanged."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(storable(v) for v in value)
    return value


_FAST_FORMATS = {int: int.__repr__, str: _text, type(None): _copy_value}


def _array_literal(values: Sequence[Any]) -> str:
    """A one-dimensional PostgreSQL array literal of text or numbers."""
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            items.append(repr(value))
        else:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            items.append(f'"{text}"')
    return "{" + ",".join(items) + "}"
