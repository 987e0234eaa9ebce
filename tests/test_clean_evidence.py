"""Generic rules drop a paragraph on evidence that it is furniture, never on its words alone.

Each kind of furniture line ("Read more: …", a newsletter pitch, "Follow … on Twitter",
a copyright line, "Source: Read Full Article", "Click here to …", "Related: …") is tried
both ways: as a body sentence between body paragraphs, with no markup saying otherwise
(kept), and as furniture with evidence — mostly a link, a link to another host, a button or
a furniture box, the trailing or leading block outside the body, a furniture heading with
its list, or a block on most pages of the site (learned) — removed.
"""

from __future__ import annotations

import pytest

from bench.cleaning import learn_in_memory
from pipeline.clean import clean_html, extract_draft, finish

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Weir to be rebuilt | Ouse Post</title>
<link rel="canonical" href="https://ousepost.example/news/7/weir/">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-03-02T08:00:00Z"></head>
<body><article><h1>Weir to be rebuilt</h1><div class="story-body">{body}</div></article></body></html>"""
URL = "https://ousepost.example/news/7/weir/"
BODY = [
    "The old weir below the mill will be rebuilt next summer after divers found the timber frame had rotted through.",
    "The river trust said the work would take eleven weeks and that the towpath would stay open for most of it.",
    "Anglers have been asked to keep clear of the pool below the weir while the coffer dams are in place.",
    "The trust expects the new weir to last at least eighty years, twice as long as the one it replaces.",
]

# body sentences that hold furniture words: article text wherever they stand between body paragraphs
SENTENCES = [
    "Read more: the trust's full survey of the weir runs to ninety pages and is online, a spokesman said.",
    "Related: a second weir upstream at Kings Mill will be inspected by the same divers in the autumn.",
    "Parents were urged to sign up for the school's newsletter to hear about towpath closures, the head said.",
    "Follow the trust on Facebook for closure notices, its director told anglers at Tuesday's meeting.",
    "Click here to read the trust's survey, the council's website said, though the link did not work for days.",
    "© 1998 Ann Lowe, reads the stamp on the back of the only photograph of the old mill race.",
    "Source: a trust engineer who asked not to be named because the survey has not been published.",
    "Copyright (c) 2019 rules on the mill's old drawings mean the trust cannot print them, its archivist said.",
    "More than 300 anglers are signing up to our club's newsletter this year, its secretary told the meeting.",
]


def _clean(body: str, url: str = URL):  # noqa: ANN202
    return clean_html(PAGE.format(body=body), url, None)


def _ps(lines: list[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_a_body_sentence_with_furniture_words_is_kept(sentence: str) -> None:
    cleaned = _clean(_ps([BODY[0], BODY[1], sentence, BODY[2], BODY[3]]))
    assert cleaned.paragraphs == [BODY[0], BODY[1], sentence, BODY[2], BODY[3]]


@pytest.mark.parametrize("line", [
    "Read more: <a href='/news/8/lock-gates/'>Lock gates to close for repairs all next week</a>",
    "<b>READ MORE:</b> <a href='/news/9/swans/'>Swans return to the mill pond after ten years</a>",
    "Related: <a href='/news/10/towpath/'>Towpath cyclists told to slow down near the lock</a>",
    "Source: <a href='https://otherpaper.example/story/123'>Read Full Article</a>",
    "Follow us on <a href='https://twitter.com/ousepost'>Twitter</a> for the latest news from the river",
    "Sign up to our <a href='https://lists.example/ouse'>morning newsletter</a> for the day's top stories",
    "<a href='/newsletters/'>Click here to sign up to our free morning newsletter</a> for the news",
])
def test_the_same_words_as_a_linked_line_between_body_paragraphs_go(line: str) -> None:
    cleaned = _clean(_ps([BODY[0], BODY[1]]) + f"<p>{line}</p>" + _ps([BODY[2], BODY[3]]))
    assert cleaned.paragraphs == BODY


@pytest.mark.parametrize("box", [
    "<aside><p>Sign up to our newsletter for the day's top stories</p></aside>",
    "<div class='inline-signup'><p>Subscribe to our free newsletter and never miss a story</p></div>",
    "<div class='article-social'><p>Follow Ouse Post on Facebook and Instagram for more</p></div>",
    "<div><button type='button'>Share this article</button></div>",
])
def test_the_same_words_in_a_furniture_box_or_button_go(box: str) -> None:
    cleaned = _clean(_ps([BODY[0], BODY[1]]) + box + _ps([BODY[2], BODY[3]]))
    assert cleaned.paragraphs == BODY


@pytest.mark.parametrize("tail", [
    ["Follow Ouse Post on Twitter and Facebook for the latest news from the river."],
    ["Got a story? Email the newsdesk at news@ousepost.example", "Copyright © 2026 Ouse Post Ltd."],
    ["MORE: Lock gates to close for repairs all next week", "MORE: Swans return to the mill pond"],
    ["Source: Read Full Article"],
    ["Sign up to our newsletter for the day's top stories", "Share", "Email"],
    ["Check out more of Ouse Post's latest river stories by signing up to our free weekly newsletter"],
])
def test_the_same_words_after_the_last_body_paragraph_go(tail: list[str]) -> None:
    cleaned = _clean(_ps(BODY + tail))
    assert cleaned.paragraphs == BODY


def test_the_same_words_before_the_first_body_paragraph_go() -> None:
    cleaned = _clean(_ps(["Follow along with the latest updates below.", *BODY]))
    assert cleaned.paragraphs == BODY


def test_a_furniture_heading_takes_its_list_and_a_lone_one_word_line_stays_text() -> None:
    headed = ["Most read", "Swans return to the mill pond after ten years", "Lock gates to close for repairs"]
    cleaned = _clean(_ps([BODY[0], BODY[1], *headed, BODY[2], BODY[3]]))
    assert cleaned.paragraphs == BODY
    sentence = "Most read the survey as good news, though a few anglers said the work should wait until winter."
    cleaned = _clean(_ps([BODY[0], BODY[1], sentence, BODY[2], BODY[3]]))
    assert sentence in cleaned.paragraphs


def test_the_same_words_on_most_of_the_sites_pages_are_learned() -> None:
    pitch = "Sign up for our newsletter to get the biggest river stories straight to your inbox every morning."
    drafts = []
    for i in range(10):
        body = _ps([f"Story {i}: {BODY[0]}", pitch, BODY[1], BODY[2]])
        drafts.append((f"https://ousepost.example/news/{i}/", extract_draft(PAGE.format(body=body),
                                                                          f"https://ousepost.example/news/{i}/", None)))
    assert all(pitch in d.paragraphs for _, d in drafts)  # between body paragraphs: not dropped by its words
    learned = learn_in_memory(("ousepost.example", url, d.paragraphs) for url, d in drafts)
    for _, draft in drafts:
        assert pitch not in finish(draft, learned.get("ousepost.example")).paragraphs
    # on one page only, the same pitch is text like any other sentence
    lone = _clean(_ps([BODY[0], pitch, BODY[1], BODY[2]]))
    assert pitch in lone.paragraphs


def test_a_standfirst_printed_in_the_byline_box_is_kept_and_the_names_go() -> None:
    standfirst = "A new frame of oak, but the old stones stay where they are"
    box = (f"<div class='meta-byline'><span>By <a href='/authors/ann-lowe/'>Ann Lowe</a></span>"
           f"<time datetime='2026-03-02T08:00:00Z'>2 March 2026</time><p class='dek'>{standfirst}</p></div>")
    cleaned = _clean(box + _ps(BODY))
    assert cleaned.paragraphs == [standfirst, *BODY]


def test_a_furniture_heading_left_alone_by_its_removed_list_goes_and_a_lone_subheading_stays() -> None:
    widget = ("<div class='x7'><h3>Read More</h3><div class='related'><a href='/news/8/'>Lock gates to close for "
              "repairs</a><a href='/news/9/'>Swans return to the mill pond</a></div></div>")
    cleaned = _clean(_ps(BODY[:2]) + widget + _ps(BODY[2:]))
    assert cleaned.paragraphs == BODY
    sub = _ps(BODY[:2]) + "<h3>Related</h3>" + _ps(BODY[2:])  # a subheading among the paragraphs
    assert "Related" in _clean(sub).paragraphs
