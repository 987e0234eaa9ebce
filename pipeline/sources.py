"""The sources file (`sources.yaml`): which outlets to crawl and how to clean them.

Per-outlet knowledge lives here as data, validated before any request is made: a bad file
is refused with one line naming the file, the source and the field. The format is in
CONTRACT.md; `settings:` (optional, top level) holds Scrapy settings for this file's crawls,
e.g. the sample web's short timeouts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline import paths
from pipeline.errors import ConfigError

Kind = Literal["tabloid", "wire", "broadsheet", "aggregator", "other"]
SLUG = r"^[a-z0-9][a-z0-9-]*$"


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
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from exc
        return patterns


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
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from exc
        return pattern

    @field_validator("domains")
    @classmethod
    def _lowercase_hosts(cls, domains: list[str]) -> list[str]:
        return [d.lower().strip(".") for d in domains]

    def owns(self, host: str) -> bool:
        """True for the source's hosts and their subdomains."""
        host = host.lower().split(":")[0]
        return any(host == d or host.endswith("." + d) for d in self.domains)


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("settings")
    @classmethod
    def _allowed_settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        """Only the crawl settings on spiders.settings.OVERRIDABLE may change (politeness stays)."""
        from spiders.settings import check_overrides

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
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sources file ({exc.strerror})") from exc
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
