"""Load answer-key articles straight into news.* (no crawl, no extraction), for tests and bench.

The sample web's answer key gives each article's expected clean text, story label and
publication time. `load_key_articles` stores them as the extract stage would (one stub page
per article text, the article upserted on its URL), so dedup can be scored against the key's
story_ids without running a crawler. `world_key` builds the same records from
`pipeline.sampleweb.world.World` directly, for use without serving the sample web.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg2.extensions

from pipeline.load import upsert

NIGHT_1 = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)


@dataclass
class KeyRecord:
    """The fields of a sample-web answer-key article that dedup tests use."""

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


def world_key(seed: int = 7, stories: int = 40) -> list[KeyRecord]:
    """Answer-key records of a sample-web World, URLs on https://<source>.example."""
    from pipeline.sampleweb import outlets
    from pipeline.sampleweb.world import World

    world = World(seed, stories)
    base = {o.slug: f"https://{o.slug}.example" for o in outlets.OUTLETS}
    records = []
    for a in world.articles:
        outlet = outlets.BY_SLUG[a.source]
        original = world.articles[a.copy_of] if a.copy_of is not None else None
        records.append(KeyRecord(
            url=base[a.source] + a.path, source=a.source, outlet=outlet.name, kind=outlet.kind,
            story_id=world.story_id(a), is_original=a.is_original,
            copy_of=base[original.source] + original.path if original else None,
            copy_type=a.copy_type, title=a.title, byline=world.byline(a),
            published_at=a.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            text=list(world.text(a.aid, a.day)), day=a.day,
            day2={"title": world.title(a, 2), "text": list(world.text(a.aid, 2))} if a.updated else None,
            distractor=a.distractor,
        ))
    return records


def text_of(paragraphs: Sequence[str]) -> str:
    """Paragraphs as the extract stage stores them: one per line."""
    return "\n".join(paragraphs)


def load_key_articles(
    conn: psycopg2.extensions.connection,
    records: Iterable[Any],
    day: int = 1,
    fetched_at: datetime | None = None,
) -> dict[str, int]:
    """Store key records (their text as of `day`) as sources, pages and articles; url -> article_id.

    Records are KeyRecord or the sample web's KeyArticle (same field names). Pages get
    fetched_at = the night's crawl time unless given. Runs in one transaction.
    """
    records = list(records)
    fetched = fetched_at or NIGHT_1 + timedelta(days=day - 1)
    rows = []
    for r in records:
        text = r.day2["text"] if (day >= 2 and r.day2) else r.text
        title = r.day2["title"] if (day >= 2 and r.day2) else r.title
        body = text_of(text)
        digest = hashlib.sha256(body.encode()).digest()
        rows.append((r, title, body, digest))
    sources = {r.source: (r.source, r.outlet, r.kind, [r.url.split("/")[2]]) for r in records}
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"], list(sources.values()),
               conflict=["name"], update=[])
        upsert(
            conn, "news.pages",
            ["source", "url", "final_url", "status", "content_type", "body_zlib", "body_hash",
             "body_bytes", "fetched_at"],
            [(r.source, r.url, r.url, 200, "text/html", zlib.compress(body.encode()), digest,
              len(body.encode()), fetched) for r, _, body, digest in rows],
            conflict=["url", "body_hash"], update=[],
        )
        with conn.cursor() as cur:
            cur.execute(
                """
                select p.url, p.page_id from news.pages as p
                join unnest(%s::text[], %s::bytea[]) as k (url, body_hash)
                  on k.url = p.url and k.body_hash = p.body_hash
                """,
                ([r.url for r, *_ in rows], [digest for *_, digest in rows]),
            )
            page_of = dict(cur.fetchall())
        upsert(
            conn, "news.articles",
            ["canonical_url", "source", "page_id", "title", "byline", "published_at", "language",
             "text", "word_count", "text_hash", "extractor_version"],
            [(r.url, r.source, page_of[r.url], title, r.byline, r.published_at, "en", body,
              len(body.split()), digest, "answer-key") for r, title, body, digest in rows],
            conflict=["canonical_url"],
        )
        with conn.cursor() as cur:
            cur.execute("select canonical_url, article_id from news.articles where canonical_url = any(%s)",
                        ([r.url for r in records],))
            return dict(cur.fetchall())
