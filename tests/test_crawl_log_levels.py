"""The crawl child's log lines reach the terminal at the level they were logged at.

Scrapy's own ERROR lines (e.g. "Gave up retrying" on the sample web's 500 pages) must show
under the CLI's ERROR prefix, never as "newscorpus crawl: WARNING: … ERROR: …", and once:
"newscorpus crawl: ERROR: [logger] message", without the child's own time and level (a
doubled prefix). Real Scrapy
over loopback HTTP (the sample web with its deliberate faults), real PostgreSQL, the real CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

CHILD_LINE = re.compile(r"^newscorpus crawl: (?P<level>CRITICAL|ERROR|WARNING): \[(?P<logger>[\w.]+)\] ")
LEVEL_WORD = re.compile(r"\b(CRITICAL|ERROR|WARNING|INFO|DEBUG): ")


def test_scrapy_error_lines_keep_their_level(database_url: str, sample_web_day) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "crawl", "--sources", str(sample_web_day.sources_path)],
        env=dict(os.environ), capture_output=True, text=True, timeout=600,
    )
    relayed = [(line, CHILD_LINE.search(line)) for line in result.stderr.splitlines()]
    relayed = [(line, m) for line, m in relayed if m]
    scrapy_errors = [line for line, m in relayed if m["level"] == "ERROR" and m["logger"].startswith("scrapy")]
    assert scrapy_errors, result.stderr[-3000:]  # the sample web's faults make Scrapy log errors
    assert any("Gave up retrying" in line for line in scrapy_errors), scrapy_errors[:5]
    for line, m in relayed:
        assert m["level"] != "CRITICAL", line  # relayed as ERROR: one crawl's fault
        assert not LEVEL_WORD.search(line, m.end()), line  # the child's own level is not repeated
        assert not re.match(r"\d{4}-\d\d-\d\d ", line[m.end():]), line  # nor its time


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the socket is: connection refused


def test_an_unreachable_outlet_is_one_line_a_failure_without_tracebacks_unless_verbose(
        database_url: str, tmp_path) -> None:
    """Scrapy's robots.txt middleware logs "Error downloading …" with the Python traceback of
    the refused connection (~35 lines each): relayed only with -v (trial: 75 stderr lines for
    one unreachable outlet). The reason stays on its line."""
    import yaml

    dead = f"http://127.0.0.1:{_closed_port()}"
    sources = tmp_path / "sources.yaml"
    from pipeline.sampleweb.sources import SETTINGS

    sources.write_text(yaml.safe_dump({"settings": SETTINGS, "sources": [{
        "name": "gone-daily", "outlet": "Gone Daily", "kind": "tabloid", "domains": ["127.0.0.1"],
        "feeds": [f"{dead}/feed.xml"]}]}))
    for verbose in (False, True):
        args = [sys.executable, "-m", "pipeline"] + (["-v"] if verbose else []) + \
            ["crawl", "--sources", str(sources)]
        result = subprocess.run(args, env=dict(os.environ), capture_output=True, text=True, timeout=600)
        assert result.returncode == 1, result.stderr[-2000:]
        assert "Connection refused" in result.stderr or "Connection was refused" in result.stderr
        assert ("Traceback" in result.stderr) is verbose, result.stderr[-3000:]
