"""Metadata accuracy: title exact, published_at within 60 s, authors exact — per corpus.

(a) realpages/fundus-uk-us: the manifest's `title`, and its `expected` record's
    `publishing_date` and `authors` where present (fundus lists an organisation as author
    when the page names no person: then our `credit` is compared instead of `authors`).
(b) the sample web's answer key (day 1): `title`, `published_at`, and `byline` — a person
    (expected authors [name]) or a wire's name (expected credit, authors []).

Comparison: titles whitespace-normalised and equal; dates within 60 s (a missing expected
date is skipped); author names case-folded, as sets. A cleaner without an `authors` field
(the code before issue 13) is read through its `byline` string, cut into names the way
`../shared/fieldcases/score.py` does.

    python bench/metadata.py [--code DIR]   # DIR: another checkout's root to measure (before/after)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--realpages", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "realpages" / "fundus-uk-us")
    parser.add_argument("--stories", type=int, default=40)
    return parser.parse_args(argv)


_NAME_SPLIT = re.compile(r"\s*(?:[,;|/·•\n]|\s(?:and|&)\s)\s*", re.I)


def names_of(article: object) -> tuple[set[str], set[str]]:
    """(authors, credits) of a cleaned article, case-folded."""
    authors = getattr(article, "authors", None)
    if authors is None:  # before issue 13: one byline string
        byline = getattr(article, "byline", None) or ""
        parts = [p.strip(" .:-–—") for p in _NAME_SPLIT.split(" " + byline + " ")]
        parts = [re.sub(r"^(?:by|words by)\s+", "", p, flags=re.I) for p in parts if p.strip(" .:-–—")]
        return {p.casefold() for p in parts}, set()
    credit = getattr(article, "credit", None) or ""
    return {a.casefold() for a in authors}, {c.strip().casefold() for c in credit.split(",") if c.strip()}


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def score(rows: list[tuple[object, dict]]) -> dict[str, str]:
    """rows: (cleaned article, {"title", "published_at", "authors", "credit_only"})."""
    title = date = authors = 0
    dated = with_authors = 0
    for article, want in rows:
        title += " ".join((article.title or "").split()) == " ".join(want["title"].split())
        if want.get("published_at"):
            dated += 1
            got = article.published_at
            date += got is not None and abs((got - _instant(want["published_at"])).total_seconds()) <= 60
        if want.get("authors") is not None:
            with_authors += 1
            found, credits = names_of(article)
            expected = {a.casefold() for a in want["authors"]}
            if want.get("credit_only"):
                authors += (not found or found == expected) and (expected <= credits or found == expected)
            else:
                authors += found == expected
    return {
        "title exact": f"{title}/{len(rows)} ({title / len(rows):.0%})",
        "published_at ±60 s": f"{date}/{dated} ({date / max(dated, 1):.0%})",
        "authors exact": f"{authors}/{with_authors} ({authors / max(with_authors, 1):.0%})",
    }


def realpages(directory: Path, clean) -> list[tuple[object, dict]]:  # noqa: ANN001
    rows = []
    for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        expected = item.get("expected") or {}
        article = clean((directory / item["html_file"]).read_bytes(), item["url"], None)
        names = expected.get("authors")
        person = names is not None and not any(re.search(r"\b(news|press|staff|reporters?|agenc|media)\b", n, re.I)
                                               for n in names)
        rows.append((article, {"title": item["title"], "published_at": expected.get("publishing_date"),
                               "authors": names, "credit_only": names is not None and not person}))
    return rows


def sample_web(stories: int, clean) -> list[tuple[object, dict]]:  # noqa: ANN001
    from urllib.parse import urlsplit

    from pipeline.sampleweb import outlets
    from pipeline.sampleweb.key import load_key

    wires = {o.name for o in outlets.OUTLETS if o.kind == "wire"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        from pipeline.sampleweb.writer import write_site

        web = write_site(Path(tmp) / "web", stories=stories)
        for article in load_key(web / "key").articles_on(1):
            parts = urlsplit(article.url)
            file = web / parts.hostname / (parts.path + ("index.html" if parts.path.endswith("/") else "")).lstrip("/")
            if not file.exists():
                continue
            byline = article.byline
            want = {"title": article.title, "published_at": article.published_at,
                    "authors": [] if byline is None or byline in wires else [byline],
                    "credit_only": False}
            rows.append((clean(file.read_bytes(), article.url, None), want))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    from tabulate import tabulate

    from pipeline.clean import clean_html

    table = []
    if (args.realpages / "manifest.jsonl").exists():
        table.append({"corpus": "realpages", **score(realpages(args.realpages, clean_html))})
    table.append({"corpus": f"sample web ({args.stories} stories)", **score(sample_web(args.stories, clean_html))})
    print(f"code: {args.code.resolve()}")
    print(tabulate(table, headers="keys", tablefmt="github"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
