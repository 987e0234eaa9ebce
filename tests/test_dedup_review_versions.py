"""Adversarial review of verify.same_story (session 23): an updated article keeps the
copies matched to its earlier version only when both versions tell the same story.

Each test here is a break found by review, all fixed: a widely copied original's update (its
own copies no longer make its sentences standard), a breaking stub filled in (too short to
tell), a reused URL sharing only a site's sign-off and a URL drifting to another story in
steps (each kept copy is compared with the new version: verify.same_story), a wire copied by
ten outlets (verify.SYNDICATED_SENTENCES)."""

from __future__ import annotations

from pipeline.dedup import dedup
from tests.test_dedup_kinds import (INCIDENTS, UPDATED_WIRE_STORY, WIRE_STORY, _linked_original_and_copy, _load,
                                    _matches, _together, _update)


def test_widely_copied_original_updated_keeps_its_copies(conn) -> None:
    """tests/test_dedup_kinds.py::test_copy_stays_linked_when_its_original_is_updated with ten
    copies instead of one: the story kept is the same (the update keeps WIRE_STORY[1]
    verbatim), but every one of its long sentences is now in > COMMON_SENTENCE_ARTICLES
    articles (its own copies), so store.standard_sentences calls it standard."""
    rows = [("https://wire.example/barrier", "wire", "Wire", "wire", "2026-11-20T08:00:00Z",
             "\n".join(WIRE_STORY))]
    rows += [(f"https://tab{i}.example/barrier", f"tab{i}", f"Tab {i}", "tabloid",
              f"2026-11-20T{9 + i:02d}:00:00Z",
              "\n".join(WIRE_STORY) + f"\nTab {i} understands more to follow.")
             for i in range(10)]  # near-total copies (J >= NEAR_TOTAL_JACCARD: see the next test)
    ids = _load(conn, rows)
    dedup(conn)
    wire = ids["https://wire.example/barrier"]
    copies = [ids[f"https://tab{i}.example/barrier"] for i in range(10)]
    assert _together(conn, wire, *copies)
    _update(conn, wire, UPDATED_WIRE_STORY)
    dedup(conn)
    assert _together(conn, wire, *copies)  # got: the wire alone, its ten copies in a cluster of their own


def test_reused_url_sharing_only_the_site_s_sign_off_does_not_keep_old_copies(conn) -> None:
    """The reused-URL case of test_dedup_kinds with the site's fixed closing line on both
    versions (a long sentence, not yet in more than COMMON_SENTENCE_ARTICLES articles: a
    small or new site): the old check (version against version) saw a shared non-standard long sentence."""
    sign_off = ("Wire Daily is an independent newsroom funded by its readers and you can support"
                " our local journalism by subscribing today.")
    wire, tab = _linked_original_and_copy(conn, "\n".join(WIRE_STORY) + "\n" + sign_off)
    _update(conn, wire, "\n".join(INCIDENTS[:6]) + "\n" + sign_off)  # another story
    dedup(conn)
    assert not _together(conn, wire, tab), _matches(conn)


def test_a_wire_story_copied_by_ten_outlets_links_to_its_copies(conn) -> None:
    """Ten outlets run the wire's first 8 of 10 sentences verbatim (J ~0.75 with the wire).
    Got: the ten copies link to each other, the wire stays alone in its own cluster and the
    copies' canonical is the first copy, though the wire was published first."""
    rows = [("https://wire.example/barrier", "wire", "Wire", "wire", "2026-11-20T08:00:00Z",
             "\n".join(WIRE_STORY))]
    rows += [(f"https://tab{i}.example/barrier", f"tab{i}", f"Tab {i}", "tabloid",
              f"2026-11-20T{9 + i:02d}:00:00Z",
              "\n".join(WIRE_STORY[:8]) + f"\nThe minister is expected to visit next week, tab {i} understands.")
             for i in range(10)]
    ids = _load(conn, rows)
    dedup(conn)
    wire = ids["https://wire.example/barrier"]
    assert _together(conn, wire, *(ids[f"https://tab{i}.example/barrier"] for i in range(10)))


def test_a_url_drifting_to_another_story_in_steps_does_not_keep_the_first_story_s_copies(conn) -> None:
    """A rolling page (a live page, a 'latest' URL): version 2 keeps half of version 1, version 3
    keeps half of version 2 and nothing of version 1 (nor of the copy of version 1)."""
    copy = "\n".join(WIRE_STORY[:8]) + "\nThe minister is expected to visit next week."
    ids = _load(conn, [
        ("https://wire.example/latest", "wire", "Wire", "wire", "2026-11-20T08:00:00Z", "\n".join(WIRE_STORY)),
        ("https://tab.example/barrier", "tab", "Tab", "tabloid", "2026-11-20T09:00:00Z", copy),
    ])
    dedup(conn)
    wire, tab = ids["https://wire.example/latest"], ids["https://tab.example/barrier"]
    assert _together(conn, wire, tab)
    _update(conn, wire, "\n".join(WIRE_STORY[8:] + INCIDENTS[:6]))   # same story, moving on
    dedup(conn)
    _update(conn, wire, "\n".join(INCIDENTS[:12]))                   # nothing of the barrier left
    dedup(conn)
    assert not _together(conn, wire, tab), _matches(conn)


def test_a_breaking_stub_filled_in_keeps_the_copies_of_the_stub(conn) -> None:
    stub = ("Breaking: engineers have found a crack in a main steel gate of the Carrow Point tidal"
            " barrier. More to follow.")
    ids = _load(conn, [
        ("https://wire.example/barrier", "wire", "Wire", "wire", "2026-11-20T08:00:00Z", stub),
        ("https://agg.example/barrier", "agg", "Agg", "aggregator", "2026-11-20T08:05:00Z", stub),
    ])
    dedup(conn)
    wire, agg = ids["https://wire.example/barrier"], ids["https://agg.example/barrier"]
    assert _together(conn, wire, agg)
    _update(conn, wire, "\n".join(WIRE_STORY))  # the same story, written up
    dedup(conn)
    assert _together(conn, wire, agg), _matches(conn)
