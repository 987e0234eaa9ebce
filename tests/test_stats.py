"""news.source_health, pipeline.nightly.checks.quality_problems and `newscorpus stats` on a crafted
night whose numbers are computed by hand."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pipeline.cli import main
from pipeline.nightly.checks import quality_problems
from pipeline.nightly.refresh import refresh_furniture as refresh
from pipeline.load import upsert

NOW = datetime.now(UTC)
NIGHT = (NOW - timedelta(days=1)).date()
FETCHED = datetime(NIGHT.year, NIGHT.month, NIGHT.day, 5, tzinfo=UTC)
BEFORE = FETCHED - timedelta(days=1)

# (key, status) of alpha's ten fetches on NIGHT: seven bodies, a 403, a 429 and a 500
ALPHA_PAGES = [(f"a{i}", 200) for i in range(1, 8)] + [("blocked", 403), ("limited", 429), ("broken", 500)]
# alpha's seven articles: key -> (text, published_at, lastmod, cluster role)
ALPHA_ARTICLES = {
    "a1": ("a plain story", FETCHED - timedelta(hours=2), FETCHED - timedelta(hours=2), "original"),
    "a2": ("", FETCHED - timedelta(hours=3), None, "original"),                      # empty
    "a3": ("an undated story", None, FETCHED, "original"),                             # undated
    "a4": ("the wire story", FETCHED - timedelta(hours=1), None, "copy"),              # copy
    "a5": ("the wire story Most read in Alpha", FETCHED - timedelta(hours=1), None, "copy"),  # copy + furniture
    "a6": ("pasted text Source: Read Full Article", FETCHED + timedelta(hours=1), None, "original"),
    "a7": ("from the future", NOW + timedelta(days=3), FETCHED, "original"),          # future, far from lastmod (> 2 days at any time of day)
}


@pytest.fixture
def crafted(conn):
    """alpha: the night above; beta: one article the night before, nothing tonight;
    gamma: three fetches tonight, all failed."""
    def page(source, key, status, fetched, lastmod=None):
        body = f"<p>{source} {key}</p>".encode() if status == 200 else None
        return (source, f"https://{source}.test/{key}", f"https://{source}.test/{key}", status,
                body, hashlib.sha256(body).digest() if body else None, fetched, lastmod)

    pages = [page("alpha", key, status, FETCHED, ALPHA_ARTICLES.get(key, (0, 0, None))[2])
             for key, status in ALPHA_PAGES]
    pages += [page("beta", "b1", 200, BEFORE)] + [page("gamma", f"g{i}", 0, FETCHED) for i in range(3)]
    with conn, conn.cursor() as cur:
        upsert(conn, "news.sources", ["name", "outlet", "kind"],
               [("alpha", "Alpha", "tabloid"), ("beta", "Beta", "wire"), ("gamma", "Gamma", "other")],
               conflict=["name"])
        cur.execute("insert into news.crawl_runs (started_at, finished_at, status) values (%s, %s, 'succeeded')"
                    " returning run_id", (FETCHED, FETCHED + timedelta(minutes=10)))
        run_id = cur.fetchone()[0]
        upsert(conn, "news.pages", ["source", "url", "final_url", "status", "body_zlib", "body_hash",
                                    "fetched_at", "lastmod"], pages, conflict=None)
        cur.execute("select url, page_id from news.pages")
        page_ids = dict(cur.fetchall())
        articles = [("beta", "b1", "the wire story", BEFORE - timedelta(hours=1))]
        articles += [("alpha", key, text, published) for key, (text, published, _, _) in ALPHA_ARTICLES.items()]
        upsert(conn, "news.articles",
               ["canonical_url", "source", "page_id", "text", "word_count", "text_hash", "extractor_version",
                "published_at"],
               [(f"https://{s}.test/{k}", s, page_ids[f"https://{s}.test/{k}"], text, len(text.split()),
                 hashlib.sha256(text.encode()).digest(), "test", published) for s, k, text, published in articles],
               conflict=["canonical_url"])
        cur.execute("select canonical_url, article_id from news.articles")
        ids = {url.rsplit("/", 1)[1]: article_id for url, article_id in cur.fetchall()}
        originals = ["b1"] + [k for k, v in ALPHA_ARTICLES.items() if v[3] == "original"]
        upsert(conn, "news.clusters", ["canonical_article_id"], [(ids[k],) for k in originals],
               conflict=["canonical_article_id"])
        cur.execute("select canonical_article_id, cluster_id from news.clusters")
        cluster_of = dict(cur.fetchall())
        members = [(ids[k], cluster_of[ids[k]], 1.0, "self") for k in originals]
        members += [(ids[k], cluster_of[ids["b1"]], 0.9, "minhash") for k in ("a4", "a5")]
        upsert(conn, "news.cluster_members", ["article_id", "cluster_id", "similarity", "method"], members,
               conflict=["article_id"])
    return run_id


def _health(conn, source: str, night) -> dict:
    with conn, conn.cursor() as cur:
        cur.execute("select * from news.source_health where source = %s and night = %s", (source, night))
        row = cur.fetchone()
        return dict(zip([c.name for c in cur.description], row)) if row else {}


@pytest.mark.parametrize("cached", [False, True], ids=["texts read live", "furniture cache refreshed"])
def test_source_health_matches_the_hand_count(conn, crafted, cached: bool) -> None:
    if cached:
        assert refresh(conn) == 1 + len(ALPHA_ARTICLES)
        assert refresh(conn) == 0  # incremental: nothing changed
    alpha = _health(conn, "alpha", NIGHT)
    assert alpha == {
        "source": "alpha", "night": NIGHT,
        "pages_fetched": 10, "pages_failed": 3, "blocked_share": Decimal("0.200"),
        "articles": 7, "empty_share": Decimal("0.143"), "undated_share": Decimal("0.143"),
        "copy_share": Decimal("0.286"),
        "pages_blocked": 2, "empty_text": 1, "undated": 1, "copies": 2,
        "furniture_articles": 2,            # a5 "Most read in ", a6 "Source: Read Full Article"
        "published_after_fetched": 2,       # a6, a7
        "published_in_future": 1,           # a7
        "far_from_lastmod": 1,              # a7
        "pages_refused": 0,                 # none refused by the SSRF guard (issue 12)
        "urls_dropped": {},                 # no crawl run recorded drops (011)
    }
    gamma = _health(conn, "gamma", NIGHT)
    assert (gamma["pages_fetched"], gamma["pages_failed"], gamma["articles"]) == (3, 3, 0)
    assert gamma["empty_share"] is None  # no articles: no share, not zero
    assert _health(conn, "beta", NIGHT) == {}
    assert _health(conn, "beta", NIGHT - timedelta(days=1))["articles"] == 1


def test_quality_problems_name_each_problem(conn, crafted) -> None:
    expected = [
        f"beta: no articles on {NIGHT} (had 1 on {NIGHT - timedelta(days=1)})",
        f"gamma: all 3 fetches failed on {NIGHT}",
        f"alpha: furniture left in 2 article(s) fetched on {NIGHT}: 'Most read in' in 1, "
        "'Source: Read Full Article' in 1",
    ]
    assert quality_problems(conn, NIGHT) == expected
    assert quality_problems(conn, crafted) == expected      # a run id: the night it started
    assert quality_problems(conn) == expected               # default: the latest night
    assert quality_problems(conn, NIGHT - timedelta(days=1)) == []


def test_furniture_markers_are_one_shared_table(conn, crafted) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("select marker from news.furniture_markers")
        markers = {row[0] for row in cur.fetchall()}
    assert {"Most read in ", "Read More on ", "Source: Read Full Article", "Sign up to our newsletter"} <= markers
    refresh(conn)
    with conn, conn.cursor() as cur:  # a new marker empties the cache: the view reads texts again
        cur.execute("insert into news.furniture_markers (marker) values ('a plain story')")
        cur.execute("select count(*) from news.article_furniture")
        assert cur.fetchone()[0] == 0
    assert _health(conn, "alpha", NIGHT)["furniture_articles"] == 3
    refresh(conn)
    assert _health(conn, "alpha", NIGHT)["furniture_articles"] == 3


def test_quality_problems_of_an_empty_database(conn) -> None:
    assert quality_problems(conn) == []


def test_stats_prints_the_table_and_the_problems(database_url, conn, crafted, capsys) -> None:
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:6] == ["night", "source", "fetched", "failed", "403/429", "articles"]
    alpha = next(line.split() for line in out.splitlines() if " alpha " in f" {line} ")
    assert alpha[:6] == [str(NIGHT), "alpha", "10", "3", "0.200", "7"]
    assert "problems (latest night):" in out and "gamma: all 3 fetches failed" in out


def test_stats_on_an_empty_database(database_url, capsys) -> None:
    assert main(["stats"]) == 0
    assert "no crawls recorded yet" in capsys.readouterr().out
