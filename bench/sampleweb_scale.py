"""Sample web at scale: plan + answer key + a sample of pages at --stories N (default 10,000).

    .venv/bin/python bench/sampleweb_scale.py [--stories 10000] [--seed 7] [--pages 300] [--write]

Prints one table: stories, outlets, article pages, copies, faults, generation seconds per phase
and peak RSS (resource.getrusage).  --write also writes the whole static site (slow, GBs at 10k).
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.sampleweb import discovery  # noqa: E402
from pipeline.sampleweb import outlets  # noqa: E402
from pipeline.sampleweb.cli import base_urls_for  # noqa: E402
from pipeline.sampleweb.key import write_key  # noqa: E402
from pipeline.sampleweb.site import Site  # noqa: E402
from pipeline.sampleweb.world import World  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pages", type=int, default=300, help="article pages to render (random sample)")
    ap.add_argument("--write", action="store_true", help="also write the full static site")
    args = ap.parse_args()
    rows = []
    t0 = time.perf_counter()
    w = World(args.seed, args.stories)
    site = Site(w, base_urls_for("127.0.1", 8000))
    t_plan = time.perf_counter() - t0
    rows.append(("plan (world)", t_plan, peak_mb()))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        key_dir = write_key(site, Path(tmp) / "key")
        key_mb = (key_dir / "articles.jsonl").stat().st_size / 2**20
        rows.append((f"answer key ({key_mb:.0f} MB jsonl)", time.perf_counter() - t, peak_mb()))
        t = time.perf_counter()
        n_docs = 0
        for o in outlets.OUTLETS:
            for p in discovery.feed_urls(o) + discovery.sitemap_roots(o):
                site.handle(o.slug, p)
                n_docs += 1
            if o.sitemap.get("child"):
                for n in range(1, discovery.child_count(w, o, 1, site.faults) + 1):
                    site.handle(o.slug, o.sitemap["child"].format(n=n))
                    n_docs += 1
        rows.append((f"feeds+sitemaps ({n_docs} docs)", time.perf_counter() - t, peak_mb()))
        t = time.perf_counter()
        sample = random.Random(0).sample(w.articles, min(args.pages, len(w.articles)))
        size = 0
        for a in sample:
            r = site.handle(a.source, a.path)
            size += len(r.body)
        dt = time.perf_counter() - t
        rows.append((f"{len(sample)} article pages ({size / len(sample) / 1024:.0f} KB avg, "
                     f"{dt / len(sample) * 1000:.1f} ms/page)", dt, peak_mb()))
        if args.write:
            from pipeline.sampleweb.writer import write_site
            t = time.perf_counter()
            write_site(Path(tmp) / "site", stories=args.stories, seed=args.seed)
            rows.append(("full static write", time.perf_counter() - t, peak_mb()))
    copies = sum(1 for a in w.articles if a.copy_of is not None)
    print(f"sample web scale: stories={args.stories} (+{len(w.stories) - w.n} distractor/fault stories) "
          f"outlets={len(outlets.OUTLETS)} article_pages={len(w.articles)} copies={copies} "
          f"day1={sum(a.day == 1 for a in w.articles)} day2={sum(a.day == 2 for a in w.articles)} "
          f"faults={len(site.faults)}")
    print(f"{'phase':<58} {'seconds':>9} {'peak RSS MB':>12}")
    for name, sec, mb in rows:
        print(f"{name:<58} {sec:>9.2f} {mb:>12.0f}")
    print(f"{'total':<58} {sum(r[1] for r in rows):>9.2f} {peak_mb():>12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
