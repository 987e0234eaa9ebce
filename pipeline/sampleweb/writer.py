"""Write the sample web to disk: DIR/<host>/<path> per outlet, DIR/sources.yaml, DIR/key/.

Paths ending in "/" are written as ".../index.html".  Faults that need a live server (slow,
first-request 500, redirects, oversized, 404) are not written; they are listed in key/meta.json.
Output is byte-identical for the same (seed, stories, day, host prefix, port).
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .key import write_key
from .outlets import OUTLETS
from .site import Site
from .sources import write_sources
from .world import World


def _file_for(root: Path, path: str) -> Path:
    rel = path.lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    return root / rel


def write_site(out_dir, *, stories: int = 40, seed: int = 7, day: int = 1, host_prefix: str = "127.0.1",
               port: int = 8000, slow_seconds: float = 6.0) -> Path:
    from .cli import base_urls_for
    if stories < 1:
        raise ValueError("--stories must be >= 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base_urls = base_urls_for(host_prefix, port)
    site = Site(World(seed, stories), base_urls, day=day, slow_seconds=slow_seconds)
    for o in OUTLETS:
        root = out / urlsplit(base_urls[o.slug]).hostname
        for path in site.static_paths(o.slug):
            resp = site.handle(o.slug, path)
            if resp.status == 500:          # first-request-500 fault: a static site holds the retry
                resp = site.handle(o.slug, path)
            if resp.status != 200 or resp.stream is not None or resp.delay:
                continue
            f = _file_for(root, path)
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(resp.body)
    site.state.reset()
    write_sources(out / "sources.yaml", base_urls)
    write_key(site, out / "key")
    return out
