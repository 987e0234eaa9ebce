"""Cleaning quality and speed: bare trafilatura vs newscorpus's cleaning, on two corpora.

Score (shared/README.md): token-level precision, recall and F1 — lowercase, `\\w+` tokens,
multiset overlap — averaged per page, against the expected text.

(a) realpages/fundus-uk-us: 53 real pages with expected text (outlet rules from
    sources.yaml where the page's host has a source; no learned furniture, one or two
    pages per domain). Baseline from shared/README.md: P 0.935 R 0.974 F1 0.948.
(b) the sample web's answer key (written to a temp dir, day 1), per kind; newscorpus's
    cleaning learns furniture per domain from all the written pages (K = 5), as extract does.

Also times drafting the sample web in-process vs a 2-process pool (what `extract` uses for
large batches). A corpus whose path is absent is skipped with a note.

    python bench/cleaning.py [--realpages DIR] [--sample-web DIR] [--stories 40] [--sources PATH]
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import paths  # noqa: E402
from pipeline.clean import extract_draft, finish  # noqa: E402
from pipeline.clean.learned import learn_in_memory  # noqa: E402
from pipeline.clean.urls import host_of  # noqa: E402
from pipeline.sources import load_sources  # noqa: E402

DEFAULT_REALPAGES = paths.REPO_ROOT.parent / "shared" / "realpages" / "fundus-uk-us"
_TOKEN = re.compile(r"\w+")
POOL_BENCH_PAGES = 600


def score(got: str | None, expected: str) -> tuple[float, float, float]:
    """Token P, R, F1 of one page."""
    g = collections.Counter(_TOKEN.findall((got or "").lower()))
    e = collections.Counter(_TOKEN.findall(expected.lower()))
    overlap = sum((g & e).values())
    p = overlap / sum(g.values()) if g else 0.0
    r = overlap / sum(e.values()) if e else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def mean_scores(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return tuple(statistics.mean(r[i] for r in rows) for i in range(3))  # type: ignore[return-value]


def timed(fn: Callable[[], list]) -> tuple[list, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


# --------------------------------------------------------------------------- corpora

def realpages(directory: Path) -> list[dict]:
    """[{url, html, expected, label}] from a fundus-style manifest."""
    pages = []
    for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        pages.append({
            "url": item["url"], "html": (directory / item["html_file"]).read_bytes(),
            "expected": item["body_text"], "label": "real pages",
        })
    return pages


def sample_web_pages(directory: Path) -> list[dict]:
    """[{url, html, expected, label=kind}] for the key's day-1 articles written under `directory`."""
    from pipeline.sampleweb.key import load_key

    pages = []
    for article in load_key(directory / "key").articles_on(1):
        parts = urlsplit(article.url)
        path = parts.path + ("index.html" if parts.path.endswith("/") else "")
        file = directory / parts.hostname / path.lstrip("/")
        if file.exists():  # faults needing a live server are not written
            pages.append({"url": article.url, "html": file.read_bytes(),
                          "expected": "\n".join(article.text_on(1)), "label": article.kind})
    return pages


# --------------------------------------------------------------------------- cleaners

def baseline(pages: list[dict]) -> list[str | None]:
    return [trafilatura.extract(p["html"], url=p["url"]) for p in pages]


def newscorpus(pages: list[dict], sources_path: Path, learn: bool) -> list[str]:
    sources = load_sources(sources_path)
    drafts = [extract_draft(p["html"], p["url"], _rules(sources, p["url"])) for p in pages]
    learned = (
        learn_in_memory((host_of(p["url"]), p["url"], d.paragraphs) for p, d in zip(pages, drafts))
        if learn else {}
    )
    return [finish(d, learned.get(host_of(p["url"]))).text for p, d in zip(pages, drafts)]


def _rules(sources, url: str):  # noqa: ANN001, ANN202
    source = sources.for_host(urlsplit(url).hostname or "")
    return source.boilerplate if source else None


def _draft_job(job: tuple[bytes, str, object]) -> int:
    html, url, rules = job
    return len(extract_draft(html, url, rules).paragraphs)


def pool_speed(pages: list[dict], sources_path: Path, workers: int) -> float:
    """Pages/s drafting `pages` in a spawn pool of `workers` (pool start-up included)."""
    sources = load_sources(sources_path)
    jobs = [(p["html"], p["url"], _rules(sources, p["url"])) for p in pages]
    jobs = (jobs * (POOL_BENCH_PAGES // len(jobs) + 1))[:POOL_BENCH_PAGES]  # a large extract batch
    started = time.perf_counter()
    if workers == 1:
        [_draft_job(job) for job in jobs]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            pool.map(_draft_job, jobs, chunksize=8)
    return len(jobs) / (time.perf_counter() - started)


# --------------------------------------------------------------------------- report

def compare(name: str, pages: list[dict], sources_path: Path, learn: bool) -> list[list]:
    base_texts, base_s = timed(lambda: baseline(pages))
    ours_texts, ours_s = timed(lambda: newscorpus(pages, sources_path, learn))
    rows = []
    for label in sorted({p["label"] for p in pages}) + ([None] if len({p["label"] for p in pages}) > 1 else []):
        idx = [i for i, p in enumerate(pages) if label is None or p["label"] == label]
        b = mean_scores([score(base_texts[i], pages[i]["expected"]) for i in idx])
        o = mean_scores([score(ours_texts[i], pages[i]["expected"]) for i in idx])
        rows.append([name, label or "all", len(idx), *b, *o, o[0] - b[0], o[1] - b[1]])
    rows[-1] += [len(pages) / base_s, len(pages) / ours_s]
    return rows


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realpages", type=Path, default=DEFAULT_REALPAGES, help="fundus-style corpus directory")
    parser.add_argument("--sources", type=Path, default=paths.DEFAULT_SOURCES, help="sources file for (a)")
    parser.add_argument("--sample-web", type=Path, default=None,
                        help="a written sample web (default: write one to a temp dir)")
    parser.add_argument("--stories", type=int, default=40, help="sample web size when writing one")
    args = parser.parse_args(list(argv) if argv is not None else None)

    table: list[list] = []
    notes: list[str] = []
    if (args.realpages / "manifest.jsonl").exists():
        table += compare("realpages", realpages(args.realpages), args.sources, learn=False)
    else:
        notes.append(f"skipped realpages: {args.realpages} not found")

    with tempfile.TemporaryDirectory(prefix="bench-cleaning-") as tmp:
        web_dir = args.sample_web
        if web_dir is None:
            from pipeline.sampleweb.writer import write_site

            web_dir = write_site(Path(tmp) / "web", stories=args.stories)
        if (web_dir / "key").exists():
            pages = sample_web_pages(web_dir)
            table += compare("sample web", pages, web_dir / "sources.yaml", learn=True)
            speeds = {w: pool_speed(pages, web_dir / "sources.yaml", w) for w in (1, 2)}
            notes.append(
                f"drafting {POOL_BENCH_PAGES} sample-web pages: in-process {speeds[1]:.1f} pages/s, "
                f"2-process pool {speeds[2]:.1f} pages/s (spawn start-up included)"
            )
        else:
            notes.append(f"skipped sample web: no key under {web_dir}")

    headers = ["corpus", "kind", "pages", "base P", "base R", "base F1", "ours P", "ours R", "ours F1",
               "ΔP", "ΔR", "base pages/s", "ours pages/s"]
    print(tabulate(table, headers=headers, floatfmt=".3f"))
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
