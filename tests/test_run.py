"""`newscorpus run` and `demo`: the nightly job without Airflow, end to end."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import psycopg2

from pipeline.nightly.lock import exclusive_run


def _newscorpus(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_second_concurrent_run_is_refused_with_a_clear_message(database_url: str) -> None:
    with exclusive_run(database_url):
        result = _newscorpus("run")
    assert result.returncode == 1
    assert "another newscorpus run is in progress" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_sources_file_is_refused_before_any_run(database_url: str, tmp_path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - name: x\n    outlet: X\n    kind: gossip\n    domains: [x.com]\n")
    result = _newscorpus("run", "--sources", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "'x'" in result.stderr and "kind" in result.stderr
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from news.crawl_runs")
            assert cur.fetchone() == (0,)
    finally:
        conn.close()


def _summary_counts(stdout: str) -> dict[str, int]:
    """The corpus totals; each must say what it counts (a third column)."""
    found = re.findall(r"^(pages_stored|fetches_failed|articles|stories|copies_linked)\s+(\d+)\s+(\S.*)$",
                       stdout, re.M)
    assert all(len(meaning) > 10 for _, _, meaning in found), stdout
    return {name: int(value) for name, value, _ in found}


def _this_run(stdout: str, stderr: str) -> dict[str, int]:
    """The run's crawl numbers from the summary, checked to add up (and against the crawl's own
    "discovery done: … N to fetch" progress lines)."""
    crawl = re.search(r"^  crawl: (\d+) URL\(s\) to fetch .*; (\d+) fetched = (\d+) new \+ (\d+) changed "
                      r"\+ (\d+) unchanged .*\+ (\d+) failed \(stored as a row", stdout, re.M)
    assert crawl, stdout
    to_fetch, fetched, new, changed, unchanged, failed = map(int, crawl.groups())
    assert fetched == new + changed + unchanged + failed
    assert to_fetch == sum(int(n) for n in re.findall(r"discovery done: .*?, (\d+) to fetch", stderr))
    not_fetched = re.search(r"^  not fetched: (\d+) of the URLs to fetch \((\d+) disallowed by robots.txt",
                            stdout, re.M)
    skipped = int(not_fetched[1]) if not_fetched else 0
    assert fetched + skipped == to_fetch, stdout  # every URL to fetch is fetched or explained
    return {"to_fetch": to_fetch, "fetched": fetched, "new": new, "failed": failed, "not_fetched": skipped}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.1.1", 0))
        return sock.getsockname()[1]


def test_demo_runs_the_whole_pipeline_and_is_repeatable(database_url: str) -> None:
    port = str(_free_port())  # the same port twice: the second demo sees the same URLs
    first = _newscorpus("demo", "--stories", "10", "--port", port)
    assert first.returncode == 0, first.stderr[-3000:]
    counts = _summary_counts(first.stdout)
    assert counts["articles"] > 10 and counts["stories"] >= 10 and counts["copies_linked"] > 0
    assert "example query" in first.stdout and "from news.corpus" in first.stdout
    for stage in ("crawl", "extract", "dedup"):
        assert re.search(rf"^{stage}\s+\d+\.\d$", first.stdout, re.M), first.stdout

    second = _newscorpus("demo", "--stories", "10", "--port", port)
    assert second.returncode == 0, second.stderr[-3000:]
    assert _summary_counts(second.stdout) == counts
    first_line = re.search(r"^this run: (\d+) new pages.*$", first.stdout, re.M)
    assert first_line and int(first_line[1]) > 10, first.stdout
    assert re.search(r"^this run: 0 new pages, 0 changed, 0 new articles, 0 copies linked \(0 new",
                     second.stdout, re.M), second.stdout
    # the numbers say what they count: a fresh database's stored pages are this run's new pages
    # plus its failed fetches (stored rows too); a URL "to fetch" that is not fetched is explained
    run1, run2 = _this_run(first.stdout, first.stderr), _this_run(second.stdout, second.stderr)
    assert counts["pages_stored"] == run1["new"] + run1["failed"] and counts["fetches_failed"] == run1["failed"]
    assert run2["to_fetch"] >= 1 and run2["fetched"] == 0 and run2["not_fetched"] == run2["to_fetch"]


def test_a_rerun_with_the_same_run_key_reopens_its_row(conn) -> None:
    from pipeline.runs import close_run as finish_run
    from pipeline.runs import open_run as start_run

    first = start_run(conn, "airflow", run_key="airflow:news_nightly:manual__1")
    finish_run(conn, first, "failed", error="boom")
    again = start_run(conn, "airflow", run_key="airflow:news_nightly:manual__1")
    other = start_run(conn, "airflow", run_key="airflow:news_nightly:manual__2")
    keyless = {start_run(conn, "cli"), start_run(conn, "cli")}
    assert again == first and other != first and len(keyless) == 2
    with conn.cursor() as cur:
        cur.execute("select status, finished_at, error from news.crawl_runs where run_id = %s", (first,))
        assert cur.fetchone() == ("running", None, None)


def test_a_demo_whose_sample_web_port_is_taken_says_which_and_how_to_pick_another(database_url: str) -> None:
    """A second demo beside a running one (same default port): one line naming the port and
    `--port`, exit 2 (bad usage), nothing run (was: exit 1, "unexpected RuntimeError … Address
    already in use", no word of --port)."""
    with socket.socket() as other:  # what a running demo holds: its first outlet's address
        other.bind(("127.0.1.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = _newscorpus("demo", "--stories", "3", "--port", str(port), timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"port {port} is already in use on 127.0.1.1" in lines[0] and "newscorpus demo --port N" in lines[0]
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from news.crawl_runs")
            assert cur.fetchone()[0] == 0  # nothing started
    finally:
        conn.close()
