"""The sample web's answer key: writer (from a World) and loader (no generator knowledge needed).

Layout of a key directory::

    key/meta.json       one JSON object
    key/articles.jsonl  one JSON object per article URL (both days; filter on "day")

meta.json::

    {"format": 1, "seed": 7, "stories": 40, "day": 1,          # day the site was written/started on
     "crawl_times": {"1": "2026-11-23T05:00:00Z", "2": "2026-11-24T05:00:00Z"},
     "sources": [{"name", "outlet", "kind", "host", "base_url"}],
     "faults":  [{"url", "fault", "expected", "note", "source", "listed_in"}],
     "counts":  {"outlets", "stories", "distractor_stories", "articles", "articles_day1",
                 "articles_day2", "originals", "copies", "copy_types", "updated_day2", "faults"}}

articles.jsonl, one line per article URL::

    url          canonical URL (no tracking params)
    source       source slug (sources.yaml "name");  outlet: display name;  kind: tabloid|wire|broadsheet|aggregator|other
    story_id     copies share it with their original; distractors never share one
    is_original  true for the earliest publication of the story
    copy_of      URL of the original, or null;   copy_type: null|whole|truncated|edited
    title, byline (or null), published_at (ISO 8601 UTC, "Z")
    text         list of paragraphs: the expected CLEAN text on the article's first day (article
                 paragraphs only: no furniture, no pasted "Most read in ..." blocks, no "Source: Read
                 Full Article"; wire "Reporting by ..." kept, copyright footer dropped)
    day          1 or 2: the first night the URL is listed and served
    day2         null, or {"title", "text"} when the page changes on day 2 (newer lastmod)
    distractor   null|"shared-quote"|"liveblog"|"short-shared-sentence"
    in_feeds     listed in one of the outlet's feeds on its first day
    in_sitemaps  listed in the outlet's sitemaps
    fault        null, or the fault name when the article sits behind one (server-error-once, wrong-charset)

``load_key(path)`` accepts the key directory (or its parent) and returns an :class:`AnswerKey`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FORMAT = 1


def _z(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_key(site, out_dir: str | os.PathLike) -> Path:
    """Write key/meta.json and key/articles.jsonl for a Site (World + base URLs), streaming."""
    from . import discovery
    from . import outlets
    from .world import CRAWL

    w = site.w
    key_dir = Path(out_dir)
    key_dir.mkdir(parents=True, exist_ok=True)
    in_feeds = {(o.slug, d): discovery.article_set_in_feeds(w, o, d) for o in outlets.OUTLETS for d in (1, 2)}
    counts = {"outlets": len(outlets.OUTLETS), "stories": w.n, "distractor_stories": len(w.stories) - w.n,
              "articles": 0, "articles_day1": 0, "articles_day2": 0, "originals": 0, "copies": 0,
              "copy_types": {"whole": 0, "truncated": 0, "edited": 0}, "updated_day2": 0,
              "faults": len(site.faults)}
    tmp = key_dir / "articles.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for a in w.articles:
            o = outlets.BY_SLUG[a.source]
            base = site.base_urls[a.source]
            rec = {
                "url": base + a.path, "source": a.source, "outlet": o.name, "kind": o.kind,
                "story_id": w.story_id(a), "is_original": a.is_original,
                "copy_of": (site.base_urls[w.articles[a.copy_of].source] + w.articles[a.copy_of].path)
                if a.copy_of is not None else None,
                "copy_type": a.copy_type, "title": a.title, "byline": w.byline(a),
                "published_at": _z(a.published), "text": list(w.text(a.aid, a.day)), "day": a.day,
                "day2": ({"title": w.title(a, 2), "text": list(w.text(a.aid, 2))} if a.updated else None),
                "distractor": a.distractor, "in_feeds": a.aid in in_feeds[(a.source, a.day)],
                "in_sitemaps": discovery.article_set_in_sitemaps(w, o), "fault": a.fault,
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            counts["articles"] += 1
            counts[f"articles_day{a.day}"] += 1
            counts["originals" if a.is_original else "copies"] += 1
            if a.copy_type:
                counts["copy_types"][a.copy_type] += 1
            counts["updated_day2"] += bool(a.updated)
    os.replace(tmp, key_dir / "articles.jsonl")
    meta = {
        "format": FORMAT, "seed": w.seed, "stories": w.n, "day": site.day,
        "crawl_times": {str(d): _z(t) for d, t in CRAWL.items()},
        "sources": [{"name": o.slug, "outlet": o.name, "kind": o.kind,
                     "host": urlsplit(site.base_urls[o.slug]).hostname, "base_url": site.base_urls[o.slug]}
                    for o in outlets.OUTLETS],
        "faults": [{"url": site.base_urls[f.source] + f.path, "fault": f.name, "expected": f.expected,
                    "note": f.note, "source": f.source, "listed_in": f.listed_in} for f in site.faults],
        "counts": counts,
    }
    (key_dir / "meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return key_dir


# ---------------------------------------------------------------------------- loader
TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_", "ocid", "cmpid")


def canonical_url(url: str) -> str:
    """Drop tracking query parameters and fragments (what the key's URLs look like)."""
    parts = urlsplit(url)
    q = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not k.lower().startswith(TRACKING_PREFIXES)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), ""))


@dataclass
class KeyArticle:
    url: str
    source: str
    outlet: str
    kind: str
    story_id: str
    is_original: bool
    copy_of: str | None
    copy_type: str | None
    title: str
    byline: str | None
    published_at: str
    text: list[str]
    day: int
    day2: dict | None
    distractor: str | None
    in_feeds: bool
    in_sitemaps: bool
    fault: str | None = None
    extra: dict = field(default_factory=dict)

    def text_on(self, day: int) -> list[str]:
        return self.day2["text"] if (day >= 2 and self.day2) else self.text

    def title_on(self, day: int) -> str:
        return self.day2["title"] if (day >= 2 and self.day2) else self.title

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.text)


_FIELDS = set(KeyArticle.__dataclass_fields__) - {"extra"}


@dataclass
class AnswerKey:
    path: Path
    meta: dict
    articles: list[KeyArticle]

    def __post_init__(self):
        self._by_url = {a.url: a for a in self.articles}

    def __iter__(self) -> Iterator[KeyArticle]:
        return iter(self.articles)

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def faults(self) -> list[dict]:
        return self.meta["faults"]

    @property
    def sources(self) -> list[dict]:
        return self.meta["sources"]

    def by_url(self, url: str) -> KeyArticle | None:
        return self._by_url.get(url) or self._by_url.get(canonical_url(url))

    def articles_on(self, day: int) -> list[KeyArticle]:
        """Articles that exist (are served and listed) on the given day."""
        return [a for a in self.articles if a.day <= day]

    def stories(self, day: int = 2) -> dict[str, list[KeyArticle]]:
        """story_id -> its articles (original first), for articles existing on `day`."""
        out: dict[str, list[KeyArticle]] = {}
        for a in self.articles_on(day):
            out.setdefault(a.story_id, []).append(a)
        for lst in out.values():
            lst.sort(key=lambda a: (not a.is_original, a.published_at, a.url))
        return out

    def original_of(self, url: str) -> KeyArticle | None:
        a = self.by_url(url)
        if a is None:
            return None
        return a if a.copy_of is None else self.by_url(a.copy_of)

    def duplicate_pairs(self, day: int = 2) -> set[tuple[str, str]]:
        """(copy_url, original_url) pairs a perfect dedup links, for articles existing on `day`."""
        urls = {a.url for a in self.articles_on(day)}
        return {(a.url, a.copy_of) for a in self.articles_on(day) if a.copy_of and a.copy_of in urls}

    def fault(self, name: str) -> dict:
        return next(f for f in self.faults if f["fault"] == name)


def load_key(path: str | os.PathLike) -> AnswerKey:
    p = Path(path)
    if not (p / "meta.json").exists() and (p / "key" / "meta.json").exists():
        p = p / "key"
    meta = json.loads((p / "meta.json").read_text(encoding="utf-8"))
    arts = []
    with open(p / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                known = {k: d.pop(k) for k in list(d) if k in _FIELDS}
                arts.append(KeyArticle(**known, extra=d))
    return AnswerKey(p, meta, arts)
