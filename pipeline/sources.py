"""The sources file (`sources.yaml`): which outlets to crawl and how to clean them.

Per-outlet knowledge lives here as data, validated before any request is made: a bad file
is refused with one line naming the file, the source and the field. The format is in
CONTRACT.md; `settings:` (optional, top level) holds Scrapy settings for this file's crawls,
e.g. the sample web's short timeouts.
"""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline import paths
from pipeline.errors import ConfigError

Kind = Literal["tabloid", "wire", "broadsheet", "aggregator", "other"]
SLUG = r"^[a-z0-9][a-z0-9-]*$"
MAX_SOURCES_BYTES = 4 * 1024 * 1024  # a sources file is a few KB; /dev/zero is not one


RULE_TIMEOUT_S = 0.05  # one search of a look-around rule (regex module) on one URL or paragraph


class BoundedPattern:
    """A rule RE2 cannot run (look-around, backreferences), matched by the `regex` module with
    a per-search timeout: a search that runs out of time counts as no match and is logged."""

    def __init__(self, pattern: str):
        import regex

        try:
            self._compiled = regex.compile(pattern)
        except regex.error as exc:
            raise ValueError(f"bad regex {pattern!r}: {exc}") from None
        self.pattern = pattern

    def search(self, text: str):  # noqa: ANN201 - a match or None
        try:
            return self._compiled.search(text, timeout=RULE_TIMEOUT_S)
        except TimeoutError:
            import logging

            logging.getLogger(__name__).warning("rule %r gave up after %.2fs on %d characters",
                                                self.pattern, RULE_TIMEOUT_S, len(text))
            return None


@lru_cache(maxsize=1024)
def compile_rule(pattern: str):  # noqa: ANN201 - an re2 pattern or BoundedPattern (.search like re)
    """A sources.yaml regex compiled with RE2, which runs in time linear in the input: no
    pattern (`^(.+)+Z$`, `^(\\w+\\s?)*$`) can backtrack catastrophically on a hostile page.
    The few rules needing what RE2 lacks (look-around such as `(?!sun-bingo)`, backreferences)
    run under a per-search timeout instead (BoundedPattern). Raises ValueError when neither
    engine accepts the pattern."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options=options)
    except re2.error:
        return BoundedPattern(pattern)


def check_selector(css: str) -> None:
    """Raise ValueError unless `css` is a CSS selector lxml can run (checked at load, so a typo
    is refused before any crawl instead of silently emptying every page of the source)."""
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        CSSSelector(css, translator="html")
    except (SelectorError, ValueError, TypeError) as exc:
        raise ValueError(f"bad CSS selector {css!r}: {exc}") from None


def read_bounded(path: Path | str, limit: int, what: str = "file") -> bytes:
    """A file argument's bytes: a regular file of at most `limit` bytes, or ConfigError (one
    line). Devices, FIFOs and directories are refused before reading (`/dev/zero` never ends)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: not a regular file")
        if info.st_size > limit:
            raise ConfigError(f"{path}: {what} is {info.st_size} bytes, more than the {limit} allowed")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ConfigError(f"{path}: {what} is more than the {limit} bytes allowed")
    return data


class Boilerplate(BaseModel):
    """Outlet rules applied on top of the generic cleaning."""

    model_config = ConfigDict(extra="forbid")

    drop_selectors: list[str] = Field(default_factory=list)
    drop_blocks_headed: list[str] = Field(default_factory=list)
    drop_lines: list[str] = Field(default_factory=list)

    @field_validator("drop_lines")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            compile_rule(pattern)
        return patterns

    @field_validator("drop_selectors")
    @classmethod
    def _selectors(cls, selectors: list[str]) -> list[str]:
        for css in selectors:
            check_selector(css)
        return selectors


class Source(BaseModel):
    """One outlet: where its articles are announced and what its furniture looks like."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=SLUG)
    outlet: str = Field(min_length=1)
    kind: Kind
    country: str | None = None
    domains: list[str] = Field(min_length=1)
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    article_url: str | None = None
    boilerplate: Boilerplate = Field(default_factory=Boilerplate)

    @field_validator("feeds", "sitemaps")
    @classmethod
    def _http_only(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls

    @field_validator("article_url")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            compile_rule(pattern)
        return pattern

    @field_validator("domains")
    @classmethod
    def _lowercase_hosts(cls, domains: list[str]) -> list[str]:
        return [d.lower().strip(".") for d in domains]

    def owns(self, host: str) -> bool:
        """True for the source's hosts and their subdomains (pipeline.urls.owns, the one rule)."""
        from pipeline import urls

        return urls.owns(self.domains, host)


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("settings")
    @classmethod
    def _allowed_settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        """Only the crawl settings on pipeline.crawl_settings.OVERRIDABLE may change (politeness stays)."""
        from pipeline.crawl_settings import check_overrides

        check_overrides(settings)
        return settings

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"duplicate source name {source.name!r}")
            seen.add(source.name)
        return sources

    def by_name(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        names = ", ".join(s.name for s in self.sources)
        raise ConfigError(f"no source named {name!r}; sources: {names}")

    def for_host(self, host: str) -> Source | None:
        return next((s for s in self.sources if s.owns(host)), None)

    def select(self, names: list[str] | None) -> list[Source]:
        return [self.by_name(n) for n in names] if names else list(self.sources)


def load_sources(path: Path | str | None = None) -> SourcesFile:
    """Read and validate a sources file; any problem is a ConfigError naming file, source, field."""
    path = Path(path or paths.DEFAULT_SOURCES)
    data = read_bounded(path, MAX_SOURCES_BYTES, "sources file")
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    try:
        return SourcesFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, raw, exc)) from exc


def _describe(path: Path, raw: Any, exc: ValidationError) -> str:
    """`sources.yaml: source 'the-sun': field 'kind': Input should be 'tabloid', ...`"""
    error = exc.errors()[0]
    loc = list(error["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        try:
            name = raw["sources"][loc[1]].get("name", f"#{loc[1] + 1}")
        except (KeyError, IndexError, TypeError, AttributeError):
            name = f"#{loc[1] + 1}"
        where = f"source {name!r}: "
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or "(file)"
    return f"{path}: {where}field {field!r}: {error['msg']}"


def upsert_sources(conn, sources: list[Source], sources_file: Path | str | None = None) -> None:  # noqa: ANN001
    """Record the sources in news.sources (pages and articles reference them), with their
    outlet rules and the file they came from, so extract later cleans with the same rules."""
    from datetime import UTC, datetime

    from pipeline.load import upsert

    origin = str(Path(sources_file).resolve()) if sources_file else str(paths.DEFAULT_SOURCES)
    now = datetime.now(UTC)
    rows = [(s.name, s.outlet, s.kind, s.country, s.domains, s.boilerplate.model_dump(), origin, now)
            for s in sources]
    upsert(conn, "news.sources", ["name", "outlet", "kind", "country", "domains", "boilerplate",
                                  "sources_file", "rules_updated_at"], rows, ["name"])
