"""`newscorpus clean` as trafilatura's command-line users expect: stdin, a folder, a list of
paths and URLs (fetched over real HTTP from the sample web), the output formats, and one bad
input reported and skipped while the others are printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest


def _clean(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "clean", *args], input=stdin,
                          capture_output=True, timeout=300,
                          env={**os.environ, "NEWSCORPUS_PROGRESS": "0"})


@pytest.fixture(scope="module")
def written_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.sampleweb.writer import write_site

    return write_site(tmp_path_factory.mktemp("web"), stories=40)


def _page_file(web: Path, url: str) -> Path:
    parts = urlsplit(url)
    path = parts.path + ("index.html" if parts.path.endswith("/") else "")
    return web / parts.hostname / path.lstrip("/")


def _articles(web: Path, source: str):  # noqa: ANN202
    from pipeline.sampleweb.key import load_key

    return [a for a in load_key(web / "key").articles_on(1) if a.source == source]


def test_one_file_prints_one_json_object(written_web: Path) -> None:
    article = _articles(written_web, "daily-beacon")[0]
    result = _clean(str(_page_file(written_web, article.url)), "--url", article.url,
                    "--sources", str(written_web / "sources.yaml"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict) and data["title"] == article.title
    assert data["paragraphs"] == article.text


def test_stdin(written_web: Path) -> None:
    article = _articles(written_web, "worldwire")[0]
    body = _page_file(written_web, article.url).read_bytes()
    result = _clean("-", "--output-format", "txt", stdin=body)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert text.splitlines()[0] == article.title
    assert all(paragraph in text for paragraph in article.text)


def test_a_folder_as_json_lines(written_web: Path) -> None:
    folder = _page_file(written_web, _articles(written_web, "worldwire")[0].url).parents[0]
    while folder.parent != written_web:
        folder = folder.parent  # the outlet's whole site
    pages = sorted(p for p in folder.rglob("*") if p.suffix == ".html")
    result = _clean(str(folder), "--output-format", "jsonl")
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["input"] for line in lines] == [str(p) for p in pages]
    assert result.returncode == 0, result.stderr
    titles = {line["title"] for line in lines}
    assert {a.title for a in _articles(written_web, "worldwire")} <= titles


def test_a_list_of_paths_and_urls_skips_the_bad_ones(written_web: Path, sample_web, tmp_path: Path) -> None:
    local = _articles(written_web, "daily-lantern")[0]
    remote = next(a for a in sample_web.key.articles_on(1) if a.source == "daily-beacon")
    missing = next(f["url"] for f in sample_web.key.faults if f["expected"].startswith("http-404"))
    listing = tmp_path / "inputs.txt"
    listing.write_text("\n".join([
        "# pages to clean",
        str(_page_file(written_web, local.url)),
        str(tmp_path / "no-such-page.html"),
        remote.url,
        missing,
        "",
    ]))
    result = _clean("--input-list", str(listing), "--output-format", "markdown",
                    "--sources", str(sample_web.sources_path))
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1
    assert f"# {local.title}" in out and f"# {remote.title}" in out
    assert all(paragraph in out for paragraph in remote.text)  # the outlet's rules applied
    assert "Most read in" not in out
    skipped = [line for line in err.splitlines() if "skipped" in line]
    assert len(skipped) == 3 and "2 of 4 input(s) skipped" in skipped[-1]
    assert "no-such-page.html" in skipped[0] and missing in skipped[1] and "404" in skipped[1]
    # each line names its input once ("skipped x: x: cannot read" repeated it)
    assert skipped[0].count("no-such-page.html") == 1 and skipped[1].count(missing) == 1, skipped
    assert "Traceback" not in err


def test_several_inputs_as_json_make_one_array(written_web: Path) -> None:
    pages = [str(_page_file(written_web, a.url)) for a in _articles(written_web, "harbour-herald")[:3]]
    result = _clean(*pages)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [item["input"] for item in data] == pages


def test_a_missing_file_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    result = _clean(str(tmp_path / "nope.html"))
    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        f"newscorpus clean: error: cannot read {tmp_path / 'nope.html'}: no such file or folder"]


def test_listed_urls_go_through_the_ssrf_guard(sample_web, tmp_path: Path) -> None:  # noqa: ANN001
    """Without a sources file that allows loopback, a listed loopback URL — in any spelling —
    is refused before any connection, and the refusal is one skipped line."""
    url = next(a.url for a in sample_web.key.articles_on(1))
    port = urlsplit(url).port
    spellings = [url, f"http://2130706433:{port}/x", f"http://0x7f000001:{port}/x", f"http://localhost:{port}/x"]
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(spellings))
    result = _clean("--input-list", str(listing))
    err = result.stderr.decode()
    assert result.returncode == 1 and result.stdout.decode().strip() in ("", "[]")
    refused = [line for line in err.splitlines() if "refused" in line]
    assert len(refused) == len(spellings), err
    assert "Traceback" not in err


def test_empty_input_is_skipped_and_a_page_without_text_is_flagged_aloud(tmp_path: Path) -> None:
    empty = _clean("-", stdin=b"  \n")
    assert empty.returncode == 1 and b"skipped -: empty input" in empty.stderr
    assert json.loads(empty.stdout or b"null") is None
    note = tmp_path / "notes.txt"
    note.write_text("just a line of plain text, no HTML at all\n")
    result = _clean(str(note))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == ""
    (line,) = result.stderr.decode().splitlines()
    assert line.startswith("newscorpus clean: warning:") and "no article text found" in line
    assert "not_article" in line


def test_a_page_past_the_time_limit_is_skipped_and_the_rest_cleaned(written_web: Path, tmp_path: Path) -> None:
    # a hostile page (200,000 tiny paragraphs, 1 MB) takes minutes to clean; `clean` gives it
    # the extract stage's per-page limit (NEWSCORPUS_PAGE_SECONDS) and goes on with the next
    slow = tmp_path / "slow.html"
    slow.write_text("<html><body><article>" + "<p>x " * 200_000 + "</article></body></html>")
    good = next(p for p in sorted(written_web.rglob("*.html")) if "story" in p.name or "news" in str(p))
    done = subprocess.run([sys.executable, "-m", "pipeline", "clean", str(slow), str(good)],
                          capture_output=True, timeout=120,
                          env={**os.environ, "NEWSCORPUS_PAGE_SECONDS": "1", "NEWSCORPUS_PROGRESS": "0"})
    assert done.returncode == 1
    errors = done.stderr.decode().splitlines()
    assert errors == [f"newscorpus clean: skipped {slow}: cleaning took over 1 s (NEWSCORPUS_PAGE_SECONDS)",
                      "newscorpus clean: 1 of 2 input(s) skipped"], errors
    assert [record["input"] for record in json.loads(done.stdout)] == [str(good)]


def test_a_page_stalled_inside_one_c_call_is_killed_at_the_limit_and_the_next_cleaned(
        written_web: Path, tmp_path: Path) -> None:
    # 300,000 attributes on one element (6 MB): libxml2's HTML parser checks each new attribute
    # against the element's others, a quadratic stall inside ONE C call (minutes here) that a
    # timer signal cannot interrupt — the handler runs only when the call returns. `clean`
    # drafts each page in a worker process killed at NEWSCORPUS_PAGE_SECONDS instead, so the
    # page is skipped at the limit and the next one cleaned (the timeout only guards the test).
    stalled = tmp_path / "stalled.html"
    attributes = " ".join(f'data-a{i}="{i}"' for i in range(300_000))
    stalled.write_text(f"<html><body><article {attributes}><p>Hidden story.</p></article></body></html>")
    article = _articles(written_web, "worldwire")[0]
    good = _page_file(written_web, article.url)
    done = subprocess.run([sys.executable, "-m", "pipeline", "clean", str(stalled), str(good)],
                          capture_output=True, timeout=120,
                          env={**os.environ, "NEWSCORPUS_PAGE_SECONDS": "2", "NEWSCORPUS_PROGRESS": "0"})
    assert done.returncode == 1
    errors = done.stderr.decode().splitlines()
    assert errors == [f"newscorpus clean: skipped {stalled}: cleaning took over 2 s (NEWSCORPUS_PAGE_SECONDS)",
                      "newscorpus clean: 1 of 2 input(s) skipped"], errors
    (record,) = json.loads(done.stdout)
    assert record["input"] == str(good) and record["title"] == article.title
    assert all(paragraph in record["paragraphs"] for paragraph in article.text)


def test_blocks_of_thousands_of_inline_elements_are_cleaned_within_the_limit(tmp_path: Path) -> None:
    # trafilatura unwraps links, spans, formatting and images with strip_tags, leaving adjacent
    # text nodes that libxml2 then sorts quadratically (50,000 links in one paragraph: minutes,
    # so the page was skipped at the limit). Each shape is now text before trafilatura sees it.
    story = "<p>The council said the bridge would stay shut for weeks after the storm.</p>"

    def page(block: str) -> str:
        return (f"<html lang='en'><head><title>Bridge shut</title><meta property='og:type' content='article'>"
                f"</head><body><article><h1>Bridge shut</h1>{story}{block}{story}</article></body></html>")

    n = 50_000
    shapes = {
        "links": "<p>" + "".join(f'<a href="/tag/{i}">t{i}</a>' for i in range(n)) + "</p>",
        "spans": "<p>" + "".join(f"<span>w{i}</span> " for i in range(n)) + "</p>",
        "nested": "<div>" + "".join(f'<span><a href="/{i}">n{i}</a></span>' for i in range(n)) + "</div>",
        "bold": "<p>" + "".join(f"<b>b{i}</b> " for i in range(n)) + "</p>",
        "images": "<p>" + "".join(f"i{i}<img src='/{i}.png'> " for i in range(n)) + "</p>",
    }
    files = []
    for name, block in shapes.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(page(block))
    done = subprocess.run([sys.executable, "-m", "pipeline", "clean", *map(str, files), "--output-format", "jsonl"],
                          capture_output=True, timeout=300, env={**os.environ, "NEWSCORPUS_PROGRESS": "0"})
    assert "skipped" not in done.stderr.decode(), done.stderr.decode()
    records = {Path(r["input"]).stem: r for r in map(json.loads, done.stdout.decode().splitlines())}
    assert sorted(records) == sorted(shapes)
    # a link farm (link text is all of the block) goes, as trafilatura drops one
    assert "t49999" not in records["links"]["text"] and "n49999" not in records["nested"]["text"]
    assert records["links"]["paragraphs"][0].startswith("The council said")
    # other blocks keep every word, unwrapped as trafilatura would
    for name, first, last in (("spans", "w0 w1 w2", "w49999"), ("bold", "b0 b1", "b49999"), ("images", "i0 i1", "i49999")):
        text = records[name]["text"]
        assert first in text and last in text and "The council said" in text, name


def test_a_blank_or_navigation_page_gets_one_warning_line_saying_why(tmp_path: Path) -> None:
    # a page trafilatura extracts nothing from was flagged without a reason and trafilatura's
    # "discarding data: None" came first; a navigation-only page (text kept) had no warning
    blank = tmp_path / "blank.html"
    blank.write_text("<html><head><title>Home</title></head><body><div></div></body></html>")
    menu = tmp_path / "menu.html"
    menu.write_text("<html><body><nav>" + " ".join(f"<a href='/{s}'>{s}</a>" for s in ("Home", "News", "Sport"))
                    + "</nav><footer><a href='/about'>About us</a> · <a href='/terms'>Terms</a></footer></body></html>")
    result = _clean(str(blank), str(menu), "--output-format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"newscorpus clean: warning: {blank}: no article text found (")
    assert "no_text" in lines[0] and "not_article" in lines[0]
    assert lines[1].startswith(f"newscorpus clean: warning: {menu}: not an article page (")
    assert "no_prose" in lines[1] and "not_article" in lines[1]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_refused_page_says_why(tmp_path: Path, fmt: str) -> None:
    """A binary body is printed with the `refused` flag; the reason (decode's, the one extract
    stores in news.page_extractions.error) is in the output's `error` field and the warning line.
    Before, neither said why. A page that is cleaned has `error` null."""
    binary = tmp_path / "bin.html"
    binary.write_bytes(b"<html>" + bytes(range(256)) * 8)
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Ferries resumed on Tuesday after the storm, the operator said.</p></body></html>")
    result = _clean(str(binary), "--output-format", fmt)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "refused" in data["flags"] and data["error"] == "binary data (NUL bytes)"
    (warning,) = result.stderr.decode().splitlines()
    assert warning.startswith(f"newscorpus clean: warning: {binary}: no article text found, "
                              "refused: binary data (NUL bytes) (")
    ok = json.loads(_clean(str(page), "--output-format", fmt).stdout)
    assert ok["error"] is None
