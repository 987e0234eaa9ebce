"""Pre-verify rejection (pipeline/dedup/prefilter.py) and the run's shortcuts (issue 14, speed).

prefilter.rejected may drop a candidate pair unverified only when verify.verify would drop it:
checked pair by pair on every pair of sample-web articles (copies, rewrites, distractors,
unrelated stories) and on texts built for each accepting rule. Then the shortcuts of a dedup
run, on outcomes: a forgotten match survives only where nothing was to be forgotten, link
pairs found in both directions.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.dedup import dedup, prefilter
from pipeline.dedup import store as sql
from pipeline.dedup.credit import source_names, wire_credits
from pipeline.dedup.fingerprint import distinctive_shingles, fingerprint_batch
from pipeline.dedup.signatures import NUM_PERM
from pipeline.dedup.verify import Evidence, verify
from tests.plugins.answer_key import key_without_web as sample_key
from tests.plugins.answer_key import load_key_articles, stored_clusters


def _evidence(texts: list[str], credits: list[frozenset[str]] | None = None,
              names: list[frozenset[str]] | None = None) -> dict[int, Evidence]:
    fps = fingerprint_batch(list(enumerate(texts)))
    credits = credits or [frozenset()] * len(texts)
    names = names or [frozenset()] * len(texts)
    return {i: Evidence(fps.body[i], fps.shingles[i], fps.sentences[i], fps.facts[i], None,
                        credits[i], names[i]) for i in range(len(texts))}


def _check(evidence: dict[int, Evidence], pairs, memory: bool, common: frozenset[int] = frozenset(),
           texts: list[str] | None = None) -> tuple[set, set]:
    """(rejected pairs, pairs verify accepts); asserts no accepted pair was rejected.

    common: standard sentences (verify then measures pairs sharing one on their texts' other
    shingles: `texts` given)."""
    if memory:
        held = prefilter.RunMemory(len(evidence), NUM_PERM)
        for i, e in evidence.items():
            held.add(i, prefilter.summarize(e))
        rejected = prefilter.rejected(pairs, None, held, common)
    else:
        rejected = prefilter.rejected(pairs, prefilter.summaries_of(evidence, evidence), None, common)

    def distinctive(pair):
        return tuple(distinctive_shingles(texts[i], common) for i in pair)

    accepted = {p for p in pairs
                if verify(p, evidence[p[0]], evidence[p[1]], None, common,
                          (lambda p=p: distinctive(p)) if texts else None) is not None}
    assert not rejected & accepted
    return rejected, accepted


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return sample_key(tmp_path_factory.mktemp("key"), seed=11, stories=40)


@pytest.mark.parametrize("memory", [True, False])
def test_rejects_only_pairs_verify_rejects_on_the_sample_web(key, memory) -> None:
    articles = key.articles[:260]
    evidence = _evidence(["\n".join(a.text) for a in articles],
                         [frozenset(wire_credits(a.byline, None, "\n".join(a.text))) for a in articles],
                         [frozenset(source_names(a.outlet, a.source)) for a in articles])
    pairs = list(itertools.combinations(range(len(articles)), 2))
    rejected, accepted = _check(evidence, pairs, memory)
    assert accepted  # copies are there
    # nearly every unrelated pair is dropped unread
    assert len(rejected) > 0.95 * (len(pairs) - len(accepted))


def _story(seed: int, words: int = 300) -> str:
    rng = np.random.default_rng(seed)
    # lower-case letters only: no fact tokens (numbers, names), so the fact rule stays out
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = [letters[seed % 26] + letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26]
             for i in range(3000)]
    out, sentence = [], []
    for w in rng.choice(vocab, words).tolist():
        sentence.append(w)
        if len(sentence) == 15:
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    return " ".join(out)


def _resplit(words: list[str], every: int = 8) -> str:
    """The words again, in sentences too short to count as long sentences."""
    return " ".join(" ".join(words[i:i + every]).capitalize() + "." for i in range(0, len(words), every))


def test_keeps_what_each_accepting_rule_could_take() -> None:
    base = _story(1, 600)
    words = base.split()
    rewrite = _resplit(words[:260]) + " " + _story(3, 360)  # no long sentence of base kept
    texts = [
        base,
        " ".join(words[:150]),                        # 1: truncated copy (containment ~1, J ~0.25)
        _story(2, 600),                               # 2: unrelated
        rewrite,                                      # 3: overlap ~0.4, no shared long sentence
        " ".join(words[:15]) + " " + _story(4, 600),  # 4: one shared long sentence, little else
    ]
    agency = frozenset({"apwire"})
    # 3 credits 0's source: 'wire-credit' may take it
    evidence = _evidence(texts, [frozenset()] * 3 + [agency, frozenset()], [agency] + [frozenset()] * 4)
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4)]
    rejected, accepted = _check(evidence, pairs, memory=False)
    assert {(0, 1), (0, 3)} <= accepted
    assert (0, 2) in rejected
    assert (0, 4) in rejected  # one shared sentence and no credit: no rule can take it
    # without the credit the same overlap cannot be accepted, and is rejected unread
    rejected, accepted = _check(_evidence(texts), [(0, 3)], memory=False)
    assert rejected == {(0, 3)} and not accepted


def _template(region: str, day: str, rain: int, wind: int, town: str) -> str:
    """A weather warning from one frame: other region, day, figures and town (template story)."""
    return (f"The Met Office has issued a yellow warning for rain across {region} from {day} morning. "
            f"Up to {rain}mm of rain could fall in places with gusts of {wind}mph near the coast. "
            f"Residents in {town} are advised to check for flood alerts before they travel anywhere. "
            "Drivers should allow extra time for their journeys and take care on roads that are exposed. "
            f"Forecasters said the unsettled spell over {region} would last until at least {day} evening.")


@pytest.mark.parametrize("memory", [True, False])
def test_pairs_sharing_sentences_are_rejected_only_where_no_rule_can_fire(memory) -> None:
    """Rules 5 and 6 of prefilter.py: template stories, and pairs sharing fewer than three
    long sentences, none of them standard, without a credit, are rejected unread; a rewrite
    sharing three, a credited copy and a pair sharing a standard sentence are verify's."""
    base = _story(1, 600)
    sentences = [x.strip() + "." for x in base.split(".") if x.strip()]
    texts = [
        base,
        " ".join(sentences[2:6]) + " " + _story(5, 150),  # 1: a rewrite keeping four sentences
        sentences[0] + " " + _story(6, 600),              # 2: one shared sentence, no credit
        sentences[0] + " " + _story(7, 600),              # 3: the same, crediting 0's source
        sentences[1] + " " + _story(8, 600),              # 4: one shared sentence, a standard one
        _template("Cumbria", "Friday", 40, 50, "Keswick"),
        _template("Devon", "Sunday", 25, 70, "Exeter"),   # 6: the frame of 5, other facts
        _template("Cumbria", "Friday", 40, 50, "Keswick") + " Updated.",  # 7: a copy of 5
    ]
    agency = frozenset({"apwire"})
    credits = [frozenset()] * 3 + [agency] + [frozenset()] * 4
    names = [agency] + [frozenset()] * 7
    evidence = _evidence(texts, credits, names)
    common = frozenset(evidence[4].sentences.tolist()) & frozenset(evidence[0].sentences.tolist())
    assert len(common) == 1
    pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (5, 6), (5, 7)]
    rejected, accepted = _check(evidence, pairs, memory, common, texts)
    assert {(0, 1), (5, 7)} <= accepted
    assert {(0, 2), (5, 6)} <= rejected
    assert not {(0, 1), (0, 3), (0, 4), (5, 7)} & rejected


def test_memory_is_a_bounded_ring() -> None:
    evidence = _evidence([_story(i) for i in range(4)])
    held = prefilter.RunMemory(2, NUM_PERM)
    for i in range(4):
        held.add(i, prefilter.summarize(evidence[i]))
    assert len(held) == 2 and 0 not in held and 1 not in held and 3 in held
    # a pair with an article neither held nor summarised is kept for verify
    assert prefilter.rejected([(0, 3)], None, held) == set()
    assert prefilter.rejected([(2, 3)], None, held) == {(2, 3)}


def test_fingerprinted_says_which_have_a_fingerprint_now(conn, key) -> None:
    ids = load_key_articles(conn, key.articles[:30], day=1)
    dedup(conn)
    first = sorted(ids.values())[0]
    with conn, conn.cursor() as cur:
        cur.execute("update news.articles set text = text || ' Updated.', text_hash = sha256(convert_to(text || ' Updated.', 'UTF8'))"
                    " where article_id = %s", (first,))
    new = load_key_articles(conn, key.articles[30:32], day=1)
    with conn:
        stale = sql.stale_article_ids(conn)
        assert stale == sorted([first, *new.values()])
        assert sql.fingerprinted(conn, stale) == {first}


def test_a_batch_another_run_fingerprinted_meanwhile_is_stored_again_without_conflict(conn, key) -> None:
    """Two dedup runs at once: the second lists its stale articles, then waits for the lock
    while the first fingerprints them; its batches must forget what the first wrote (a
    duplicate bucket key otherwise) and end in the state of one run."""
    from pipeline.dedup import stage

    load_key_articles(conn, key.articles[:60], day=1)
    listed = stage._stale(conn)                      # the waiting run's list
    dedup(conn, batch_size=20)                       # the other run, meanwhile
    with conn.cursor() as cur:
        cur.execute("select article_id, other_id, method from news.dedup_matches order by 1, 2")
        one_run = cur.fetchall()
    summary = stage.DedupSummary()
    summary.batch_seconds, summary.phase_seconds = [], {}  # type: ignore[attr-defined]
    batches = [listed[i:i + 20] for i in range(0, len(listed), 20)]
    stage._batches(conn, batches, listed, summary, sql.WINDOW_DAYS,
                   prefilter.RunMemory(len(listed), NUM_PERM), None)
    with conn.cursor() as cur:
        cur.execute("select article_id, other_id, method from news.dedup_matches order by 1, 2")
        assert cur.fetchall() == one_run and one_run
        cur.execute("select count(*), count(distinct (band, bucket, day, article_id)) from news.lsh_buckets")
        rows, distinct = cur.fetchone()
        assert rows == distinct > 0


def test_incremental_runs_match_one_run_and_keep_matches_of_changed_articles(conn, key) -> None:
    """Two runs (the second with new articles whose forget is skipped and a changed one whose
    forget is not) give the matches of one run over everything."""
    articles = key.articles[:120]
    load_key_articles(conn, articles[:60], day=1)
    dedup(conn, batch_size=25)
    load_key_articles(conn, articles[60:], day=1)
    dedup(conn, batch_size=25)
    with conn.cursor() as cur:
        cur.execute("select article_id, other_id, method from news.dedup_matches order by 1, 2")
        incremental = cur.fetchall()
    clusters = {a: c for a, (_, c) in stored_clusters(conn).items()}
    dedup(conn, rebuild=True)
    with conn.cursor() as cur:
        cur.execute("select article_id, other_id, method from news.dedup_matches order by 1, 2")
        assert cur.fetchall() == incremental
    assert {a: c for a, (_, c) in stored_clusters(conn).items()} == clusters
    assert incremental


def test_run_index_gives_the_table_probes_answers(conn, key, monkeypatch) -> None:
    """A run on an empty index answers its probes from the rows it wrote (runindex.RunIndex):
    the same matches, clusters and bucket rows as probing the table, and the session lock it
    held is released when it ends."""
    from pipeline.dedup import runindex, stage

    def state():
        with conn.cursor() as cur:
            cur.execute("select article_id, other_id, method, jaccard, containment"
                        " from news.dedup_matches order by 1, 2")
            matches = cur.fetchall()
            cur.execute("select band, bucket, day, article_id from news.lsh_buckets order by 1, 2, 3, 4")
            return matches, {a: c for a, (_, c) in stored_clusters(conn).items()}, cur.fetchall()

    load_key_articles(conn, key.articles[:150], day=1)
    used = []
    original = runindex.RunIndex.rows
    monkeypatch.setattr(runindex.RunIndex, "rows", lambda self, *a: used.append(1) or original(self, *a))
    dedup(conn, batch_size=20)
    in_memory = state()
    assert used and in_memory[0]
    used.clear()
    monkeypatch.setattr(stage, "RUN_INDEX_ARTICLES", 0)
    dedup(conn, rebuild=True, batch_size=20)
    assert not used
    assert state() == in_memory
    with conn, conn.cursor() as cur:  # nothing left held: the session lock is free again
        cur.execute("select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()")
        assert cur.fetchone()[0] == 0
