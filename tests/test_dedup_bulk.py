"""A dedup run that starts with nothing fingerprinted is a bulk load (issue 14, speed).

It drops news.lsh_buckets' indexes and builds them once at its end, and clusters its
articles once at its end (stage._run_index, stage._end_bulk_run). Checked on outcomes in a
real PostgreSQL: the indexes are there again with the migration's definitions, the state is
the one a run probing the indexed table gives, and a run that dies before its end loses
nothing: the next run builds the indexes and clusters what the dead run stored.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import psycopg2
import pytest

from pipeline.dedup import dedup, stage
from pipeline.dedup import store as sql
from tests.plugins.answer_key import key_without_web as sample_key
from tests.plugins.answer_key import load_key_articles, stored_clusters


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return sample_key(tmp_path_factory.mktemp("key"), seed=7, stories=40)


def _indexes(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("select indexdef from pg_indexes where schemaname = 'news'"
                    " and tablename = 'lsh_buckets' order by indexname")
        return [row[0] for row in cur.fetchall()]


def _state(conn):
    with conn.cursor() as cur:
        cur.execute("select article_id, other_id, method, jaccard, containment"
                    " from news.dedup_matches order by 1, 2")
        matches = cur.fetchall()
        cur.execute("select band, bucket, day, article_id from news.lsh_buckets order by 1, 2, 3, 4")
        buckets = cur.fetchall()
    canonical = {a: c for a, (_, c) in stored_clusters(conn).items()}
    return matches, canonical, buckets


def test_a_bulk_run_rebuilds_the_indexes_and_matches_a_probing_run(conn, key, monkeypatch) -> None:
    migrated = _indexes(conn)
    assert len(migrated) == 2
    load_key_articles(conn, key.articles[:150], day=1)
    dropped = []
    original = sql.drop_bucket_indexes
    monkeypatch.setattr(sql, "drop_bucket_indexes", lambda c: dropped.append(1) or original(c))
    summary = dedup(conn, batch_size=20)
    assert dropped  # it was a bulk run
    assert _indexes(conn) == migrated
    assert "build bucket indexes" in summary.phase_seconds
    bulk = _state(conn)
    assert bulk[0] and bulk[2]
    # every fingerprinted article is clustered
    assert not sql.unclustered_article_ids(conn)
    dropped.clear()
    monkeypatch.setattr(stage, "RUN_INDEX_ARTICLES", 0)  # probes the indexed table, batch by batch
    dedup(conn, rebuild=True, batch_size=20)
    assert not dropped
    assert _state(conn) == bulk


def test_a_bulk_run_that_dies_is_completed_by_the_next_run(database_url, conn, key, monkeypatch) -> None:
    load_key_articles(conn, key.articles[:150], day=1)
    migrated = _indexes(conn)
    with monkeypatch.context() as patch:
        patch.setattr(stage, "RUN_INDEX_ARTICLES", 0)  # the reference: batch by batch, indexed
        dedup(conn, batch_size=20)
    expected = _state(conn)
    with conn, conn.cursor() as cur:  # back to nothing fingerprinted
        cur.execute("truncate news.cluster_members, news.clusters, news.dedup_matches,"
                    " news.lsh_buckets, news.fingerprints")

    calls = []
    original_batch = stage._batch

    def fails_at_the_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return original_batch(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(stage, "_batch", fails_at_the_third_batch)
        patch.setattr(stage, "_end_bulk_run", lambda conn, summary: None)  # died: no end
        with pytest.raises(RuntimeError):
            dedup(conn, batch_size=20)
    conn.close()  # the process is gone, with its session lock
    assert len(calls) == 3
    survivor = psycopg2.connect(database_url)
    try:
        assert _indexes(survivor) == []  # the dead run left the table without its indexes
        assert len(sql.unclustered_article_ids(survivor)) == 40  # two batches stored, unclustered
        dedup(survivor, batch_size=20)
        assert _indexes(survivor) == migrated
        assert not sql.unclustered_article_ids(survivor)
        assert _state(survivor) == expected
    finally:
        survivor.close()


def test_a_run_of_several_batches_keeps_other_dedup_runs_out_until_it_ends(
        database_url, conn, key, monkeypatch) -> None:
    """Between two batches of a run on a corpus with history, no other dedup run can take the
    dedup lock (it would re-fingerprint an article the first run remembers by its old text:
    adversarial review); once the run ends the lock is free."""
    from contextlib import contextmanager

    load_key_articles(conn, key.articles[:60], day=1)
    dedup(conn, batch_size=100)  # history: the next run is no bulk load
    load_key_articles(conn, key.articles[60:120], day=1)
    other = psycopg2.connect(database_url)
    other.autocommit = True

    def lock_free() -> bool:
        with other.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (sql.DEDUP_LOCK_KEY,))
            got = cur.fetchone()[0]
            if got:
                cur.execute("select pg_advisory_unlock(%s)", (sql.DEDUP_LOCK_KEY,))
            return got

    between = []

    class Bar:
        def advance(self, n: int) -> None:  # called after each batch's transaction
            between.append(lock_free())

    @contextmanager
    def progress(*args, **kwargs):
        yield Bar()

    monkeypatch.setattr(stage, "progress", progress)
    try:
        summary = dedup(conn, batch_size=20)
        assert summary.articles_fingerprinted > 40  # three batches
        assert between == [False, False, False]
        assert lock_free()
    finally:
        other.close()


def _words(seed: int, count: int) -> str:
    rng = random.Random(seed)
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
                    for _ in range(count)) + "."


def test_new_clusters_reported_are_the_clusters_stored(conn, monkeypatch) -> None:
    """A batch-by-batch run counts the clusters it created that still exist at its end: two
    clusters one batch created and a later batch merged are one new story, not two (the
    report said one more than the table held; review)."""
    monkeypatch.setattr(stage, "RUN_INDEX_ARTICLES", 0)  # batch by batch, clustering each batch
    first, second = _words(1, 300), _words(2, 300)
    records = [SimpleNamespace(url=f"https://{source}.example/{n}", source=source, outlet=source,
                               kind="tabloid", title=str(n), byline=None, published_at=published,
                               text=text.split("\n"), day=1, day2=None)
               for n, (source, published, text) in enumerate([
                   ("one", "2026-11-20T10:00:00Z", first),     # batch 1: its own cluster
                   ("two", "2026-11-20T11:00:00Z", second),    # batch 1: its own cluster
                   # batch 2: the original both were cut from: one story, one cluster
                   ("wire", "2026-11-20T08:00:00Z", first + "\n" + second)])]
    load_key_articles(conn, records)
    summary = dedup(conn, batch_size=2)
    with conn.cursor() as cur:
        cur.execute("select count(*), count(distinct cluster_id) from news.clusters"
                    " join news.cluster_members using (cluster_id)")
        assert cur.fetchone() == (3, 1)  # merged
        cur.execute("select count(*) from news.clusters")
        stored = cur.fetchone()[0]
    assert summary.clusters_new == stored == 1
