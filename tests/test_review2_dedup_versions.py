"""Adversarial review 2 of dedup version handling (verify.same_story, stage._drop_copies_of_other_stories):
an updated original keeps the copies of its earlier version only when the new version tells the same story."""

from __future__ import annotations

from pipeline.dedup import dedup
from tests.test_dedup_kinds import INCIDENTS, WIRE_STORY, _linked_original_and_copy, _matches, _together, _update


def test_url_reused_for_a_short_other_story_drops_old_copies(conn) -> None:
    """The stub rule is meant for an earlier version too short to tell (a breaking stub filled in);
    here the copy is a full story and the new version a short different one: nothing is shared."""
    wire, tab = _linked_original_and_copy(conn)
    _update(conn, wire, "Breaking: a fire has broken out at a warehouse on Harbour Street. More to follow.")
    dedup(conn)
    assert not _together(conn, wire, tab), _matches(conn)


def test_url_reused_sharing_only_a_republication_notice_drops_old_copies(conn) -> None:
    """test_dedup_review_versions' sign-off case through the copy: the copy kept the wire's closing
    notice, and the wire's next story at the reused URL carries the same notice."""
    notice = ("This story was written by the Wire news agency and is republished here under licence"
              " with the permission of the publisher.")
    copy = "\n".join(WIRE_STORY[:8]) + "\n" + notice
    wire, tab = _linked_original_and_copy(conn, "\n".join(WIRE_STORY) + "\n" + notice, copy)
    _update(conn, wire, "\n".join(INCIDENTS[:6]) + "\n" + notice)
    dedup(conn)
    assert not _together(conn, wire, tab), _matches(conn)
