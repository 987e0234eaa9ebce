"""Which outlet rules `extract` applies: the ones each source was crawled with.

Each crawl stores a source's `boilerplate:` rules in `news.sources` (migration 014). Extract
reads them from there, so re-cleaning the history (`extract --all`) in another folder, or
without the sources file the pages came from, never silently drops an outlet's rules:

* without `--sources`: the stored rules of every source; a source stored before 014 (no rules
  recorded) falls back to `sources.yaml`. When `sources.yaml` holds other rules for a source,
  a warning says so and names the file that wins (the stored one).
* with `--sources FILE`: FILE's rules for the sources it lists, stored as their new rules (a
  warning names the sources whose rules changed); sources FILE does not list keep their stored
  rules, and a warning names them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg2.extensions
from pydantic import ValidationError

from pipeline import paths
from pipeline.errors import ConfigError
from pipeline.sources import Boilerplate, SourcesFile, load_sources

log = logging.getLogger(__name__)


def _names(names: list[str], most: int = 12) -> str:
    shown = ", ".join(sorted(names)[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _stored(conn: psycopg2.extensions.connection) -> dict[str, tuple[Boilerplate | None, bool]]:
    """name -> (stored rules or None, whether the source has pages, i.e. whether it matters)."""
    with conn, conn.cursor() as cur:
        cur.execute("select name, boilerplate, exists (select from news.pages as p where p.source = s.name) "
                    "from news.sources as s")
        rows = cur.fetchall()
    stored: dict[str, tuple[Boilerplate | None, bool]] = {}
    for name, raw, has_pages in rows:
        try:
            stored[name] = (Boilerplate.model_validate(raw) if raw is not None else None, has_pages)
        except ValidationError:
            log.warning("the rules stored for %s no longer validate; using the sources file's", name)
            stored[name] = (None, has_pages)
    return stored


def _default_file() -> SourcesFile | None:
    try:
        return load_sources(paths.DEFAULT_SOURCES)
    except ConfigError:
        return None


def rules_for_extract(
    conn: psycopg2.extensions.connection, sources_path: str | Path | None = None,
    sources_file: SourcesFile | None = None,
) -> dict[str, Boilerplate]:
    """source name -> the outlet rules extract applies (see the module docstring).

    `sources_file` is the file at `sources_path` when the caller already loaded it (the edge
    loads configuration once). Raises ConfigError for an explicit `sources_path` that is
    missing or malformed.
    """
    stored = _stored(conn)
    if sources_path is None:
        default = _default_file()
        file_rules = {s.name: s.boilerplate for s in default.sources} if default else {}
        rules: dict[str, Boilerplate] = {}
        differ = []
        for name, (kept, has_pages) in stored.items():
            if kept is None:
                if name in file_rules:
                    rules[name] = file_rules[name]
                continue
            rules[name] = kept
            if has_pages and name in file_rules and file_rules[name] != kept:
                differ.append(name)
        if differ:
            log.warning(
                "%s holds other outlet rules than the ones %s was crawled with (stored in the "
                "database); using the stored ones; pass --sources %s to apply the file's",
                paths.DEFAULT_SOURCES.name, _names(differ), paths.DEFAULT_SOURCES)
        return rules
    path = Path(sources_path)
    given = sources_file if sources_file is not None else load_sources(path)
    rules = {s.name: s.boilerplate for s in given.sources}
    missing, changed = [], []
    for name, (kept, has_pages) in stored.items():
        if name not in rules:
            if kept is not None:
                rules[name] = kept
                if has_pages:
                    missing.append(name)
        elif kept is not None and kept != rules[name]:
            changed.append(name)
    if missing:
        log.warning("%s does not list %s; their pages are cleaned with the rules stored when "
                    "they were crawled", path, _names(missing))
    if changed:
        log.warning("%s changes the outlet rules of %s; applying and storing them", path,
                    _names(changed))
    update = [(s.name, s.boilerplate.model_dump_json(), str(path.resolve()))
              for s in given.sources if s.name in stored and (s.name in changed or stored[s.name][0] is None)]
    if update:
        with conn, conn.cursor() as cur:
            cur.executemany(
                "update news.sources set boilerplate = %s::jsonb, sources_file = %s, "
                "rules_updated_at = now() where name = %s",
                [(rules_json, origin, name) for name, rules_json, origin in update])
    return rules
