"""Cleaning quality and speed: bare trafilatura vs newscorpus's cleaning, in the same run.

Score (shared/README.md): token-level precision, recall and F1 — lowercase, `\\w+` tokens,
multiset overlap — averaged per page, against the expected text. Recall is reported on its
own too: `R<bare` counts the pages where newscorpus's recall is below bare trafilatura's.

Paragraph accounting, per page (normalised = the `\\w+` tokens, lowercased, space-joined):
  dropped — expected paragraphs whose normalised words are not a run of the output's words
            (a real paragraph lost, wholly or in part);
  kept    — output lines whose normalised words are not a run of the expected text's words
            (a furniture line kept: a caption, a share label, a pasted headline…).
On the sample web the key is exact, so both must be 0. On realpages the expected text is
fundus's (it keeps some standfirsts and subheadings trafilatura never sees), so compare the
two cleaners' counts rather than reading them as absolute.

Corpora:
(a) realpages/fundus-uk-us: 53 real pages (outlet rules from sources.yaml where the page's
    host has a source; learned furniture from the batch, as extract does — one or two pages
    per domain, so nothing reaches K). Baseline from shared/README.md: P 0.935 R 0.974 F1 0.948.
(b) the sample web's answer key (written to a temp dir, day 1) at `--stories N`; grouped by
    `--group kind` (default) or `source` (one layout per outlet). newscorpus learns furniture
    per domain from all the written pages (K = 5) before finishing them, as extract does.

Speed: both cleaners run on each page in turn in this one process (so load on the machine
hits both alike): pages/s, and per-page milliseconds p50/p99/max. newscorpus's per-page time
is its draft + finish, plus an equal share of the learning pass. `--pool` also times
drafting 600 pages in a 2-process pool (what `extract --workers 2` uses).

Hostile pages (`--hostile [SECONDS]`): generated shapes that once stalled the cleaner inside
single C calls — 50,000 links, spans, bold words or images in one paragraph (trafilatura's
unwrapping + libxml2's quadratic sort of adjacent text nodes, see pipeline/clean/inline.py),
80,000 attributes on one element (libxml2's parser), 200,000 sibling paragraphs — each
drafted in the bounded worker `clean` and `extract` use (pipeline/extract/pool.py), killed
at SECONDS (default 20): wall seconds per page and whether it was cleaned or killed.

    python bench/cleaning.py [--realpages DIR] [--sample-web DIR] [--stories 40] [--seed 7] [--sources PATH]
                             [--group kind|source] [--show N] [--pool] [--no-outlet-rules] [--no-sample-web]
                             [--hostile [SECONDS]]
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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import paths  # noqa: E402
from pipeline.clean import extract_draft, finish  # noqa: E402
from pipeline.clean.learned import DEFAULT_MIN_PAGES, DEFAULT_MIN_SHARE, WINDOW, fingerprints  # noqa: E402
from pipeline.urls import host_of  # noqa: E402
from pipeline.sources import load_sources  # noqa: E402

DEFAULT_REALPAGES = paths.REPO_ROOT.parent / "shared" / "realpages" / "fundus-uk-us"
_TOKEN = re.compile(r"\w+")
POOL_BENCH_PAGES = 600


def learn_in_memory(
    pages: Iterable[tuple[str, str, Sequence[str]]],
    min_pages: int = DEFAULT_MIN_PAGES,
    min_share: float = DEFAULT_MIN_SHARE,
) -> dict[str, set[int]]:
    """Furniture per domain from (domain, url, paragraphs) triples, without a database.

    The triples are taken in order, oldest first; the share is measured over each
    domain's latest WINDOW URLs, as the extract stage's `pipeline.extract.store.learn`
    does over the database (the rule is `pipeline.clean.learned`'s).
    """
    latest: dict[str, dict[str, set[int]]] = defaultdict(dict)
    for domain, url, paragraphs in pages:
        by_url = latest[domain]
        by_url.pop(url, None)  # a newer version of the URL moves it to the end
        by_url[url] = fingerprints(paragraphs)
    learned: dict[str, set[int]] = {}
    for domain, by_url in latest.items():
        recent = list(by_url.values())[-WINDOW:]
        counts: dict[int, int] = defaultdict(int)
        for fps in recent:
            for fp in fps:
                counts[fp] += 1
        needed = max(min_pages, min_share * len(recent))
        found = {fp for fp, seen in counts.items() if seen >= needed}
        if found:
            learned[domain] = found
    return learned


def normal(text: str | None) -> str:
    return " ".join(_TOKEN.findall((text or "").lower()))


def score(got: str | None, expected: str) -> tuple[float, float, float]:
    """Token P, R, F1 of one page."""
    g = collections.Counter(_TOKEN.findall((got or "").lower()))
    e = collections.Counter(_TOKEN.findall(expected.lower()))
    overlap = sum((g & e).values())
    p = overlap / sum(g.values()) if g else 0.0
    r = overlap / sum(e.values()) if e else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def dropped_paragraphs(got: str | None, expected: list[str]) -> list[str]:
    """Expected paragraphs whose words are not a run of the output's words.

    Counted as multisets: a sentence that is a paragraph of its own and also part of a
    longer paragraph must be in the output twice.
    """
    return _unmatched(expected, " ".join(expected), got or "")


def kept_furniture(got: str | None, expected: list[str]) -> list[str]:
    """Output lines whose words are not a run of the expected text's words (multisets too)."""
    return _unmatched((got or "").split("\n"), got or "", " ".join(expected))


def _unmatched(lines: Iterable[str], own: str, other: str) -> list[str]:
    """The `lines` (of the text `own`) that `other` holds fewer times than `own` does."""
    copies: dict[str, list[str]] = collections.defaultdict(list)
    for line in lines:
        if normal(line):
            copies[f" {normal(line)} "].append(line)
    own, other = f" {normal(own)} ", f" {normal(other)} "
    missing = []
    for needle, lines_ in copies.items():
        short = _occurrences(needle, own) - _occurrences(needle, other)
        missing += lines_[:max(0, min(short, len(lines_)))]
    return missing


def _occurrences(needle: str, haystack: str) -> int:
    found, at = 0, haystack.find(needle)
    while at >= 0:
        found += 1
        at = haystack.find(needle, at + len(needle) - 1)  # runs share the space between them
    return found


# --------------------------------------------------------------------------- corpora

def realpages(directory: Path, group: str) -> list[dict]:
    """[{url, html, expected (paragraphs), label}] from a fundus-style manifest."""
    pages = []
    for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        pages.append({
            "url": item["url"], "html": (directory / item["html_file"]).read_bytes(),
            "expected": [p for p in item["body_text"].split("\n") if p.strip()],
            "label": item["publisher"] if group == "source" else "real pages",
        })
    return pages


def sample_web_pages(directory: Path, group: str) -> list[dict]:
    """[{url, html, expected, label}] for the key's day-1 articles written under `directory`."""
    from pipeline.sampleweb.key import load_key

    pages = []
    for article in load_key(directory / "key").articles_on(1):
        parts = urlsplit(article.url)
        path = parts.path + ("index.html" if parts.path.endswith("/") else "")
        file = directory / parts.hostname / path.lstrip("/")
        if file.exists():  # faults needing a live server are not written
            pages.append({"url": article.url, "html": file.read_bytes(), "expected": list(article.text_on(1)),
                          "label": article.source if group == "source" else article.kind})
    return pages


# --------------------------------------------------------------------------- the run

@dataclass
class Run:
    """Both cleaners' texts and per-page seconds for one corpus."""

    base: list[str | None] = field(default_factory=list)
    ours: list[str] = field(default_factory=list)
    base_s: list[float] = field(default_factory=list)
    ours_s: list[float] = field(default_factory=list)


def run_both(pages: list[dict], sources_path: Path | None) -> Run:
    """Bare `trafilatura.extract` and newscorpus (draft, learn from the batch, finish) per page.

    `sources_path` None: no outlet rules at all (every site unseen: the generic and learned
    layers only).
    """
    sources = load_sources(sources_path) if sources_path is not None else None
    run, drafts = Run(), []
    for page in pages:
        started = time.perf_counter()
        run.base.append(trafilatura.extract(page["html"], url=page["url"]))
        middle = time.perf_counter()
        drafts.append(extract_draft(page["html"], page["url"], _rules(sources, page["url"])))
        run.base_s.append(middle - started)
        run.ours_s.append(time.perf_counter() - middle)
    started = time.perf_counter()
    learned = learn_in_memory((host_of(p["url"]), p["url"], d.paragraphs) for p, d in zip(pages, drafts))
    share = (time.perf_counter() - started) / max(1, len(pages))
    for i, (page, draft) in enumerate(zip(pages, drafts)):
        started = time.perf_counter()
        run.ours.append(finish(draft, learned.get(host_of(page["url"]))).text)
        run.ours_s[i] += time.perf_counter() - started + share
    return run


def _rules(sources, url: str):  # noqa: ANN001, ANN202
    if sources is None:
        return None
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

QUALITY_HEADERS = ["corpus", "group", "pages", "bare P", "bare R", "bare F1", "ours P", "ours R", "ours F1",
                   "R<bare", "bare dropped", "ours dropped", "bare kept", "ours kept"]
SPEED_HEADERS = ["corpus", "pages", "bare pages/s", "ours pages/s", "ours/bare",
                 "bare p50 ms", "bare p99 ms", "bare max ms", "ours p50 ms", "ours p99 ms", "ours max ms"]


def quality_rows(name: str, pages: list[dict], run: Run) -> list[list]:
    labels = sorted({p["label"] for p in pages})
    rows = []
    for label in labels + (["all"] if len(labels) > 1 else []):
        idx = [i for i, p in enumerate(pages) if label == "all" or p["label"] == label]
        expected = [" \n".join(pages[i]["expected"]) for i in idx]
        b = [score(run.base[i], e) for i, e in zip(idx, expected)]
        o = [score(run.ours[i], e) for i, e in zip(idx, expected)]
        worse = sum(so[1] < sb[1] - 1e-9 for sb, so in zip(b, o))
        rows.append([
            name, label, len(idx), *_means(b), *_means(o), worse,
            sum(len(dropped_paragraphs(run.base[i], pages[i]["expected"])) for i in idx),
            sum(len(dropped_paragraphs(run.ours[i], pages[i]["expected"])) for i in idx),
            sum(len(kept_furniture(run.base[i], pages[i]["expected"])) for i in idx),
            sum(len(kept_furniture(run.ours[i], pages[i]["expected"])) for i in idx),
        ])
    return rows


def speed_row(name: str, run: Run) -> list:
    def ms(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    base_rate, ours_rate = len(run.base_s) / sum(run.base_s), len(run.ours_s) / sum(run.ours_s)
    return [name, len(run.base_s), base_rate, ours_rate, ours_rate / base_rate,
            ms(run.base_s, 0.5), ms(run.base_s, 0.99), 1000 * max(run.base_s),
            ms(run.ours_s, 0.5), ms(run.ours_s, 0.99), 1000 * max(run.ours_s)]


def show(name: str, pages: list[dict], run: Run, limit: int) -> None:
    """Print up to `limit` of newscorpus's dropped paragraphs and kept furniture lines."""
    lost = [(p["url"], line) for p, got in zip(pages, run.ours) for line in dropped_paragraphs(got, p["expected"])]
    kept = [(p["url"], line) for p, got in zip(pages, run.ours) for line in kept_furniture(got, p["expected"])]
    for title, items in ((f"{name}: dropped", lost), (f"{name}: kept", kept)):
        print(f"--- {title}: {len(items)}")
        for url, line in items[:limit]:
            print(f"  {url}\n    {line[:220]}")


def _means(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return tuple(statistics.mean(r[i] for r in rows) for i in range(3))  # type: ignore[return-value]


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realpages", type=Path, default=DEFAULT_REALPAGES, help="fundus-style corpus directory")
    parser.add_argument("--sources", type=Path, default=paths.DEFAULT_SOURCES, help="sources file for (a)")
    parser.add_argument("--sample-web", type=Path, default=None,
                        help="a written sample web (default: write one to a temp dir)")
    parser.add_argument("--stories", type=int, default=40, help="sample web size when writing one")
    parser.add_argument("--seed", type=int, default=7,
                        help="sample web seed when writing one (another seed: other stories, furniture, faults)")
    parser.add_argument("--group", choices=("kind", "source"), default="kind",
                        help="rows per outlet kind, or per source/publisher (one layout each)")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print N of newscorpus's dropped paragraphs and kept lines per corpus")
    parser.add_argument("--pool", action="store_true", help="also time drafting in a 2-process pool")
    parser.add_argument("--no-outlet-rules", action="store_true",
                        help="no sources.yaml boilerplate rules on either corpus: every site as if unseen")
    parser.add_argument("--no-sample-web", action="store_true", help="realpages only")
    parser.add_argument("--hostile", type=float, nargs="?", const=20.0, default=None, metavar="SECONDS",
                        help="also time generated hostile pages in the bounded worker killed at SECONDS (20)")
    args = parser.parse_args(list(argv) if argv is not None else None)

    quality: list[list] = []
    speed: list[list] = []
    notes: list[str] = []
    if (args.realpages / "manifest.jsonl").exists():
        pages = realpages(args.realpages, args.group)
        run = run_both(pages, None if args.no_outlet_rules else args.sources)
        quality += quality_rows("realpages", pages, run)
        speed.append(speed_row("realpages", run))
        if args.show:
            show("realpages", pages, run, args.show)
    else:
        notes.append(f"skipped realpages: {args.realpages} not found")

    with tempfile.TemporaryDirectory(prefix="bench-cleaning-") as tmp:
        web_dir = args.sample_web
        if args.no_sample_web:
            web_dir = Path(tmp) / "none"
        if web_dir is None:
            from pipeline.sampleweb.writer import write_site

            web_dir = write_site(Path(tmp) / "web", stories=args.stories, seed=args.seed)
        if (web_dir / "key").exists():
            key_meta = json.loads((web_dir / 'key' / 'meta.json').read_text())
            name = f"sample web {key_meta['stories']}" + (f" seed {key_meta['seed']}" if key_meta.get('seed', 7) != 7 else "")
            pages = sample_web_pages(web_dir, args.group)
            run = run_both(pages, None if args.no_outlet_rules else web_dir / "sources.yaml")
            quality += quality_rows(name, pages, run)
            speed.append(speed_row(name, run))
            if args.show:
                show(name, pages, run, args.show)
            if args.pool:
                speeds = {w: pool_speed(pages, web_dir / "sources.yaml", w) for w in (1, 2)}
                notes.append(
                    f"drafting {POOL_BENCH_PAGES} sample-web pages: in-process {speeds[1]:.1f} pages/s, "
                    f"2-process pool {speeds[2]:.1f} pages/s (spawn start-up included)"
                )
        else:
            notes.append(f"skipped sample web: no key under {web_dir}")

    print(tabulate(quality, headers=QUALITY_HEADERS, floatfmt=".3f"))
    print()
    print(tabulate(speed, headers=SPEED_HEADERS, floatfmt=".2f"))
    if args.hostile is not None:
        print()
        print(tabulate(hostile_rows(args.hostile), headers=["hostile page", "KB", "seconds", "outcome"],
                       floatfmt=".2f"))
    for note in notes:
        print(note)
    return 0


def hostile_pages() -> dict[str, str]:
    """Generated pages that stall a cleaner inside single C calls (module docstring)."""
    n = 50_000

    def page(body: str, article_attributes: str = "") -> str:
        return (f"<html lang='en'><head><title>Hostile</title></head><body><article {article_attributes}>"
                f"{body}</article></body></html>")

    return {
        "50,000 links in one paragraph": page("<p>" + "".join(f'<a href="/l{i}">w{i}</a> ' for i in range(n)) + "</p>"),
        "50,000 spans in one paragraph": page("<p>" + "".join(f"<span>w{i}</span> " for i in range(n)) + "</p>"),
        "50,000 bold words in one paragraph": page("<p>" + "".join(f"<b>w{i}</b> " for i in range(n)) + "</p>"),
        "50,000 images in one paragraph": page("<p>" + "".join(f"w{i}<img src=x> " for i in range(n)) + "</p>"),
        "80,000 attributes on one element": page("<p>Text.</p>", " ".join(f'data-a{i}="{i}"' for i in range(80_000))),
        "200,000 sibling paragraphs": page("<p>x " * 200_000),
    }


def hostile_rows(seconds: float) -> list[list]:
    """[shape, KB, wall seconds, 'cleaned …' | 'killed at the limit'] per hostile page."""
    import zlib

    from pipeline.extract.pool import FAILED, Drafter, TIMED_OUT, fork_is_safe

    rows = []
    with Drafter(1, seconds, start="fork" if fork_is_safe() else "spawn", quiet=True) as draft_all:
        draft_all([(zlib.compress(b"<html><body><p>warm-up.</p></body></html>"), None, None, None)])
        for name, html in hostile_pages().items():
            body = html.encode()
            started = time.perf_counter()
            (draft,) = draft_all([(zlib.compress(body, 1), None, None, None)])
            took = time.perf_counter() - started
            if draft.refused == TIMED_OUT.format(seconds):
                outcome = "killed at the limit"
            elif draft.refused and draft.refused.startswith(FAILED):
                outcome = draft.refused
            else:
                outcome = f"cleaned ({', '.join(finish(draft).flags) or 'article'})"
            rows.append([name, len(body) / 1024, took, outcome])
    return rows


if __name__ == "__main__":
    sys.exit(main())
