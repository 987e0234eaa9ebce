"""Dump the corpus to JSON Lines, CSV or Parquet in constant memory.

Rows come from a server-side (named) cursor in chunks of `CHUNK_ROWS` and are written as
they arrive: CSV/JSONL line by line, Parquet one row group per chunk through a
`pyarrow.parquet.ParquetWriter` with an explicit schema, so a corpus larger than RAM exports
fine. The file is written under a temporary name and renamed at the end: an interrupted
export never leaves a truncated file that looks complete. Only regular files are written
(`check_out`): an --out naming a device, folder or link is refused before the query runs. Filters are bound parameters.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import psycopg2.extensions

from pipeline.db_types import lenient_times
from pipeline.errors import ConfigError, NewscorpusError
from pipeline.search import as_utc

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
CHUNK_ROWS = 2_000

# (column, pyarrow type name) in output order; the SQL below selects exactly these.
# copies/outlets are the story's (news.story); an article dedup has not seen yet has copies
# null (not known yet; 0 means deduplicated, no copy) and its own outlet.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("article_id", "int64"),
    ("cluster_id", "int64"),
    ("is_canonical", "bool"),
    ("similarity", "float32"),
    ("url", "string"),
    ("source", "string"),
    ("outlet", "string"),
    ("kind", "string"),
    ("title", "string"),
    ("byline", "string"),
    ("published_at", "timestamp"),
    ("fetched_at", "timestamp"),
    ("language", "string"),
    ("word_count", "int32"),
    ("copies", "int32"),
    ("outlets", "list<string>"),
    # round two's metadata, as news.all_articles / news.corpus carry it (README "The views")
    ("authors", "list<string>"),
    ("credit", "string"),
    ("modified_at", "timestamp"),
    ("site_name", "string"),
    ("categories", "list<string>"),
    ("flags", "list<string>"),
    ("paywalled", "bool"),
    ("text", "string"),
)

EXPORT_SQL = """
select
    a.article_id,
    a.cluster_id,
    a.is_canonical,
    a.similarity,
    a.url,
    a.source,
    a.outlet,
    a.kind,
    a.title,
    a.byline,
    a.published_at,
    a.fetched_at,
    a.language,
    a.word_count,
    story.copies,
    coalesce(story.outlets, array[a.outlet]) as outlets,
    a.authors,
    a.credit,
    a.modified_at,
    a.site_name,
    a.categories,
    a.flags,
    a.paywalled,
    a.text
from news.all_articles as a
left join lateral (
    select story.copies, story.outlets
    from news.story as story
    where story.cluster_id = a.cluster_id
) as story on a.cluster_id is not null
where (%(since)s::timestamptz is null or a.published_at >= %(since)s::timestamptz)
  -- --source: what SOURCE ran, as in search: its articles; one row per story (canonical_only):
  -- every story it ran a copy of, shown as the story's original (maybe another outlet's)
  and (%(source)s::text is null
       or a.source = %(source)s::text
       or (%(canonical_only)s and a.cluster_id is not null and exists (
               select from news.cluster_members as ran_member
               join news.articles as ran on ran.article_id = ran_member.article_id
               where ran_member.cluster_id = a.cluster_id
                 and ran.source = %(source)s::text
                 and ran.is_article)))
  and (not %(canonical_only)s or a.is_canonical)
order by a.article_id
"""


def export(
    conn: psycopg2.extensions.connection,
    fmt: str,
    out: str | os.PathLike,
    *,
    since: date | datetime | None = None,
    source: str | None = None,
    canonical_only: bool = False,
    csv_raw: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the matching articles to `out` (`-` = stdout for csv/jsonl); returns the row count.

    Args:
        fmt: jsonl, csv or parquet.
        since: only articles published on or after this (a date means 00:00 UTC).
        source: what this source (its sources.yaml name) ran: its articles; with
            canonical_only, one row per story it ran a copy of, as the story's original
            (the same meaning as `search`'s source).
        canonical_only: one row per story (its original), no copies.
        progress: called with the running row count after each chunk.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if str(out) == "-" and fmt == "parquet":
        raise ConfigError("parquet cannot be written to stdout; give --out a file name")
    if csv_raw and fmt != "csv":
        raise ConfigError("--csv-raw applies to --format csv only")
    params = {"since": as_utc(since), "source": source, "canonical_only": canonical_only}
    writer = {"jsonl": _write_jsonl, "csv": _write_csv_raw if csv_raw else _write_csv,
              "parquet": _write_parquet}[fmt]
    with conn:
        with conn.cursor() as cur:
            cur.execute("set local time zone 'UTC'")
        with conn.cursor(name="newscorpus_export") as cur:
            cur.itersize = chunk_rows
            out_of_range = lenient_times(cur)
            cur.execute(EXPORT_SQL, params)
            chunks = _chunks(cur, chunk_rows, progress)
            if str(out) == "-":
                count = writer(chunks, sys.stdout)
            else:
                count = _atomically(Path(out), writer, chunks)
    if out_of_range.count:
        log.warning("%d timestamp(s) out of Python's range (BC, after 9999 or ±infinity) written as null",
                    out_of_range.count)
    return count


def _chunks(
    cur: psycopg2.extensions.cursor, size: int, progress: Callable[[int], None] | None
) -> Iterator[list[tuple]]:
    done = 0
    while rows := cur.fetchmany(size):
        yield rows
        done += len(rows)
        if progress:
            progress(done)


def check_out(out: str | os.PathLike) -> None:
    """Refuse an --out that cannot become a regular file, before anything runs (ConfigError).

    `-` is stdout. Otherwise PATH must be a regular file or not exist yet, in an existing,
    writable folder: a device (/dev/full), a folder, a FIFO or a symlink is never replaced.
    Writable means a file could be created there just now (a probe file, removed): the message
    is `cannot write PATH: reason`, exit code 2, as for any unusable path the user gave.
    """
    if str(out) == "-":
        return
    path = Path(out)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ConfigError(f"--out {path}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise ConfigError(f"--out {path} exists and is not a regular file; export writes regular files only")
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"--out {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {path}: cannot write in folder {folder} (permission denied)")
    try:  # mode bits are not the answer (root in /proc, a read-only mount): create a file there
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def _atomically(path: Path, writer: Callable[..., int], chunks: Iterator[list[tuple]]) -> int:
    """Write to a fresh temporary file beside PATH, rename it to PATH only when complete.

    The temporary file is created exclusively (mkstemp: O_EXCL, never through a planted
    symlink); a write failure (disk full) is a NewscorpusError naming PATH, nothing is left.
    """
    check_out(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:  # the folder changed since check_out
        raise NewscorpusError(f"cannot write {path}: {exc.strerror or exc}") from None
    partial = Path(name)
    binary = writer is _write_parquet
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            count = writer(chunks, fh)
        os.replace(partial, path)
        return count
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise NewscorpusError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _names() -> list[str]:
    return [name for name, _ in COLUMNS]


def _write_jsonl(chunks: Iterator[list[tuple]], fh: IO[str]) -> int:
    names, count = _names(), 0
    for rows in chunks:
        for row in rows:
            fh.write(json.dumps(dict(zip(names, row)), ensure_ascii=False, default=_json_value))
            fh.write("\n")
        count += len(rows)
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


# A cell a spreadsheet (Excel, LibreOffice Calc, Google Sheets) reads as a formula starts with
# one of these; OWASP "CSV Injection" lists = + - @ tab CR, ASVS 5.0 1.2.10 adds NUL. The
# full-width forms are a precaution (not from OWASP): a spreadsheet or an input method that
# normalises width would read them as their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20",
                  # the small forms, the same kind of precaution; '|' opens a DDE call
                  "\ufe62", "\ufe63", "\ufe66", "\ufe6b", "|")


def looks_like_formula(text: str) -> bool:
    """A FORMULA_STARTS character first, or first after leading white space (spreadsheets
    trim a cell's leading spaces, line breaks and no-break spaces before reading it)."""
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def _csv_value(kind: str, value: Any, guard: bool = True) -> str | None:
    """One CSV cell's text, None for null. bool → true/false (what PostgreSQL's COPY … csv and
    pandas.read_csv read back as booleans; Python's True/False is not PostgreSQL's spelling);
    list<string> → a JSON array; timestamp → ISO 8601 UTC. With `guard`, a text cell starting
    like a formula (`looks_like_formula`) gets a leading `'` (OWASP's CSV-injection escape), so a
    spreadsheet shows it as text instead of running it."""
    if value is None:
        return None
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list<string>":
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if guard and kind == "string" and looks_like_formula(text):
        return "'" + text
    return text


def _csv_line(cells: Iterable[str | None]) -> str:
    """One RFC 4180 record in PostgreSQL's CSV convention: null is an empty unquoted cell,
    every other value is quoted (so an empty string is `""`); CRLF ends the record.

    This is csv.QUOTE_NOTNULL (Python 3.12+; the project supports 3.11) written out."""
    return ",".join("" if cell is None else '"' + cell.replace('"', '""') + '"' for cell in cells) + "\r\n"


def _write_csv(chunks: Iterator[list[tuple]], fh: IO[str], guard: bool = True) -> int:
    """CSV with a header; cells as `_csv_value` writes them, records as `_csv_line`."""
    names, kinds, count = _names(), [kind for _, kind in COLUMNS], 0
    fh.write(_csv_line(names))
    for rows in chunks:
        for row in rows:
            fh.write(_csv_line(_csv_value(kind, value, guard) for kind, value in zip(kinds, row)))
        count += len(rows)
    return count


def _write_csv_raw(chunks: Iterator[list[tuple]], fh: IO[str]) -> int:
    """As `_write_csv`, text cells exactly as stored (no formula guard)."""
    return _write_csv(chunks, fh, guard=False)


def parquet_schema():  # noqa: ANN201 - pyarrow.Schema, imported lazily
    """The explicit Parquet schema: timestamps as timestamp[us, tz=UTC], text[] columns
    (outlets, authors, categories, flags) as list<string>, paywalled/is_canonical as bool."""
    import pyarrow as pa

    types = {
        "int64": pa.int64(), "int32": pa.int32(), "bool": pa.bool_(), "float32": pa.float32(),
        "string": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(name, types[kind]) for name, kind in COLUMNS])


def _write_parquet(chunks: Iterator[list[tuple]], fh: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema, count = parquet_schema(), 0
    with pq.ParquetWriter(fh, schema, compression="zstd") as writer:
        for rows in chunks:
            columns: Sequence[list] = list(zip(*rows))
            arrays = [pa.array(list(values), type=field.type) for values, field in zip(columns, schema)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            count += len(rows)
    return count
