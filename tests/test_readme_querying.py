"""README's "Querying the corpus", verbatim, right after `newscorpus demo` in a fresh folder.

A new researcher's first hour: `make demo`, then the querying section copied line by line. The
test makes a fresh working directory whose `.venv` is this checkout's venv (so the snippets'
`.venv/bin/newscorpus` is what `make demo` installs), runs the demo there with no database
configured, then runs every shell line, the Python snippet, the R snippet (when Rscript and
RPostgres are installed) and every cookbook query as news_reader, and checks the results
against the sample web's answer key (seed 7, 40 stories; the demo crawls night 1).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from tests.plugins.database import server_enterable_dir
from tests.plugins.answer_key import write_sample_key

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("<!-- querying:start -->", 1)[1].split("<!-- querying:end -->", 1)[0]
CONNECTING = SECTION.split("### Connecting", 1)[1].split("### The views", 1)[0]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEWSCORPUS_DATABASE_URL", "NEWSCORPUS_DATABASE", "NEWSCORPUS_HOME")}
    env["NEWSCORPUS_PROGRESS"] = "0"
    return env


def _sh(line: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh folder after `.venv/bin/newscorpus demo`; its embedded server stopped at the end."""
    folder = server_enterable_dir("nc-fresh-clone-")
    (folder / ".venv").symlink_to(REPO_ROOT / ".venv")
    try:
        result = _sh(".venv/bin/newscorpus demo --port 0", folder)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "newscorpus_demo" in result.stdout and "db stop" in result.stdout
        yield folder
    finally:
        _sh(".venv/bin/newscorpus db stop", folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def night_one(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the key says the demo's corpus holds: stories, copies, outlets of night 1."""
    key = write_sample_key(tmp_path_factory.mktemp("key"))
    articles = [a for a in key if a.day == 1]
    stories: dict[str, list] = {}
    for article in articles:
        stories.setdefault(article.story_id, []).append(article)
    return {
        "articles": articles,
        "stories": stories,
        "copies": sorted((len(s) - 1 for s in stories.values()), reverse=True),
    }


def test_the_demo_summary_ends_with_runnable_next_commands(demo_folder: Path) -> None:
    current = (demo_folder / ".newscorpus" / "database").read_text().strip()
    assert current == "newscorpus_demo"
    url = _sh(".venv/bin/newscorpus db url", demo_folder)
    assert url.returncode == 0 and "/newscorpus_demo" in url.stdout


def test_shell_lines(demo_folder: Path, night_one: dict) -> None:
    lines = [line for block in blocks(CONNECTING, "sh") for line in block.splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 4
    outputs = {}
    for line in lines:
        if line.startswith("psql ") and not shutil.which("psql"):
            continue
        result = _sh(line, demo_folder)
        assert result.returncode == 0, (line, result.stderr)
        outputs[line.split()[1] if line.startswith("psql") else line.split()[1:3][0]] = result.stdout
    psql_rows = [row.split("|") for row in outputs["db"].splitlines() if row.count("|") == 2][1:]
    assert [int(row[2]) for row in psql_rows] == night_one["copies"][:5]
    if '"$(.venv/bin/newscorpus' in outputs:
        stories, copies = outputs['"$(.venv/bin/newscorpus'].splitlines()[2].split("|")
        assert (int(stories), int(copies)) == (len(night_one["stories"]), sum(night_one["copies"]))
    found = outputs["search"]
    expected = {s[0].story_id for s in night_one["stories"].values()
                if any("injury crisis" in " ".join([a.title, *a.text]).lower() for a in s)}
    assert expected and re.search(rf"^{len(expected)} story\(ies\)$", found, re.M), found
    originals = [a for a in night_one["articles"] if a.is_original and a.story_id in expected]
    for article in originals:
        assert article.url.split("/", 3)[3] in found
    with open(demo_folder / "corpus.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(night_one["articles"])
    assert Counter(r["outlet"] for r in rows) == Counter(a.outlet for a in night_one["articles"])


def _story_outlets(night_one: dict) -> set[tuple[int, frozenset]]:
    return {(len(s) - 1, frozenset(a.outlet for a in s)) for s in night_one["stories"].values()}


def test_python_snippet(demo_folder: Path, night_one: dict) -> None:
    (code,) = blocks(CONNECTING, "python")
    epilogue = ('\nimport json\nprint("RESULT", json.dumps({"copies": stories["copies"].tolist(), '
                '"outlets": [list(o) for o in stories["outlets"]]}))\n')
    result = subprocess.run([".venv/bin/python", "-c", code + epilogue], cwd=demo_folder, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr
    got = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert sorted(got["copies"], reverse=True) == night_one["copies"]  # the whole week is night 1
    assert {(c, frozenset(o)) for c, o in zip(got["copies"], got["outlets"])} <= _story_outlets(night_one)


@pytest.mark.skipif(not shutil.which("Rscript"), reason="R is not installed")
def test_r_snippet(demo_folder: Path, night_one: dict) -> None:
    check = subprocess.run(["Rscript", "-e", "library(DBI); library(RPostgres)"], capture_output=True)
    if check.returncode != 0:
        pytest.skip("R packages DBI and RPostgres are not installed")
    (code,) = blocks(CONNECTING, "r")
    epilogue = ('\ncat("RESULT", nrow(stories), is.character(stories$outlets[[1]]), '
                'paste(stories$outlets[[1]], collapse = "|"), "\\n")\n')
    script = demo_folder / "snippet.R"
    script.write_text(code + epilogue, encoding="utf-8")
    result = subprocess.run(["Rscript", str(script)], cwd=demo_folder, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    rows, is_character, outlets = result.stdout.split("RESULT ", 1)[1].split()[:3]
    assert int(rows) == len(night_one["stories"]) and is_character == "TRUE"
    assert any(set(outlets.split("|")) == o for _, o in _story_outlets(night_one))


def test_every_cookbook_query_returns_rows_on_the_demo(demo_folder: Path) -> None:
    import psycopg2

    reader = _sh(".venv/bin/newscorpus db reader-url", demo_folder).stdout.strip()
    conn = psycopg2.connect(reader)
    try:
        with conn.cursor() as cur:
            queries = re.findall(r"^#### (.+?)\n+```sql\n(.*?)```", SECTION, flags=re.M | re.S)
            assert len(queries) >= 8
            for heading, sql in queries:
                cur.execute(sql)  # verbatim
                assert cur.fetchall(), f"{heading!r} returned nothing right after the demo"
    finally:
        conn.close()
