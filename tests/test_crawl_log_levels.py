"""The crawl child's log lines reach the terminal at the level they were logged at.

Scrapy's own ERROR lines (e.g. "Gave up retrying" on the sample web's 500 pages) must show
under the CLI's ERROR prefix, never as "newscorpus crawl: WARNING: … ERROR: …". Real Scrapy
over loopback HTTP (the sample web with its deliberate faults), real PostgreSQL, the real CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

CHILD_LINE = re.compile(r"\[(?P<logger>[\w.]+)\] (?P<level>CRITICAL|ERROR|WARNING): ")


def test_scrapy_error_lines_keep_their_level(database_url: str, sample_web_day) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "crawl", "--sources", str(sample_web_day.sources_path)],
        env=dict(os.environ), capture_output=True, text=True, timeout=600,
    )
    relayed = [(line, CHILD_LINE.search(line)) for line in result.stderr.splitlines()]
    relayed = [(line, m) for line, m in relayed if m]
    scrapy_errors = [line for line, m in relayed if m["level"] == "ERROR" and m["logger"].startswith("scrapy")]
    assert scrapy_errors, result.stderr[-3000:]  # the sample web's faults make Scrapy log errors
    for line, m in relayed:
        shown = "ERROR" if m["level"] in ("ERROR", "CRITICAL") else "WARNING"
        assert line.startswith(f"newscorpus crawl: {shown}: "), line
