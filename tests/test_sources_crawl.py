"""sources.yaml: the real outlets file is valid and complete; a bad file is refused before
any request with exit 2 and one line naming file, source and field."""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline import paths
from pipeline.errors import ConfigError
from pipeline.sources import load_sources

REQUIRED_OUTLETS = {"the-sun", "daily-mail", "daily-mirror", "daily-express", "daily-star", "reuters", "ap-news"}


def test_real_sources_file_lists_the_outlets() -> None:
    sources_file = load_sources(paths.DEFAULT_SOURCES)
    names = {s.name for s in sources_file.sources}
    assert REQUIRED_OUTLETS <= names
    regional = [s for s in sources_file.sources if s.name not in REQUIRED_OUTLETS]
    assert len(regional) >= 2
    for source in sources_file.sources:
        assert source.feeds or source.sitemaps, source.name
        assert source.article_url, source.name
        for url in [*source.feeds, *source.sitemaps]:
            assert source.owns(re.match(r"https?://([^/:?]+)", url).group(1)), (source.name, url)
    assert sources_file.settings == {}  # real outlets get the polite defaults


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request path."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _source(base: str, **overrides: object) -> dict:
    return {"name": "good-one", "outlet": "Good", "kind": "wire", "domains": ["127.0.0.1"],
            "feeds": [f"{base}/feed.xml"], **overrides}


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (lambda b: {"sources": [_source(b), _source(b, name="bad-one", kind="weekly")]}, "kind"),
        (lambda b: {"sources": [_source(b), _source(b, name="bad-one", feeds=["ftp://x/feed"])]}, "feeds"),
        (lambda b: {"sources": [_source(b), _source(b, name="bad-one", article_url="(unclosed")]}, "article_url"),
        (lambda b: {"settings": {"ROBOTSTXT_OBEY": False}, "sources": [_source(b)]}, "settings"),
        (lambda b: {"settings": {"DOWNLOAD_MAXSIZE": 1 << 30}, "sources": [_source(b)]}, "settings"),
    ],
)
def test_bad_sources_file_exits_2_before_any_request(
    tmp_path: Path, counting_server: tuple[str, list[str]], database_url: str, doc, field: str
) -> None:
    base, seen = counting_server
    path = _write(tmp_path, doc(base))
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "crawl", "--sources", str(path)],
        capture_output=True, text=True, cwd=paths.REPO_ROOT, timeout=120,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and f"'{field}'" in lines[0]
    if field != "settings":
        assert "'bad-one'" in lines[0]
    assert seen == []


def test_unknown_source_name_is_a_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path, {"sources": [_source("http://127.0.0.1:9")]})
    with pytest.raises(ConfigError, match="no source named"):
        load_sources(path).select(["nope"])
