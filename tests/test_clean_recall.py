"""Recall first: a generic rule drops a paragraph only on evidence that it is furniture.

Notes, sign-offs, datelines and a body sentence that another paragraph also holds are
article text; a pull quote (by its class), a teaser bullet cut from the first paragraph
(a list item) and a block on a fifth of a domain's pages (learned) are furniture. A page of
40,000 paragraphs is cleaned by the paragraph rules in linear time (outcome asserted; the
time is printed by `-s`, never asserted).
"""

from __future__ import annotations

import time

from bench.cleaning import learn_in_memory
from pipeline.clean import clean_html, generic
from pipeline.clean.learned import fingerprint

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bridge to stay shut | The Tab</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-20T09:30:00+01:00"></head>
<body><article><h1>Bridge to stay shut</h1><div class="body">{body}</div></article></body></html>"""
URL = "https://tab.example/news/1/story/"
BODY = [
    "LONDON, Nov 20 (Tab Wire) - The council confirmed on Monday that the bridge would stay shut for at least "
    "another month. Engineers found cracks in two of the supports during a routine inspection last week.",
    "Engineers found cracks in two of the supports during a routine inspection last week.",
    "Drivers have been told to use the ring road, adding around twenty minutes to most journeys.",
]
NOTES = [
    "(This story has been corrected to fix the spelling of Ann Jones in paragraph 4)",
    "Editor's note: This article was updated to include a response from the council.",
    "An earlier version of this story misstated the date of the announcement. It has been corrected.",
    "This is a breaking news story and will be updated.",
    "Source: Tab Wire",
    "Reporting by Ann Jones in London; Editing by Bob Smith",
]


def _clean(body: str):  # noqa: ANN202
    return clean_html(PAGE.format(body=body), URL, None)


def test_notes_signoffs_datelines_and_repeated_sentences_are_article_text() -> None:
    paragraphs = [NOTES[0], *BODY, *NOTES[1:]]
    cleaned = _clean("".join(f"<p>{p}</p>" for p in paragraphs))
    assert cleaned.paragraphs == paragraphs


def test_pull_quote_by_class_and_teaser_bullet_by_list_are_dropped() -> None:
    teaser = "<ul class='standfirst-bullets'><li>" + BODY[0][:90] + "</li></ul>"
    pull = f"<blockquote class='Pullquote Pullquote--right'><div>{BODY[2]}</div></blockquote>"
    body = teaser + f"<p>{BODY[0]}</p><p>{BODY[1]}</p>" + pull + f"<p>{BODY[2]}</p>"
    assert _clean(body).paragraphs == BODY


def test_exact_repeats_go_once_and_a_huge_page_cleans_linearly() -> None:
    paragraphs = [f"Paragraph {i} of the long page says the council met {i % 97} residents about the bridge."
                  for i in range(40_000)]
    teasers = [f"- {p}" for p in paragraphs[:2_000]]  # list items repeating body paragraphs
    started = time.perf_counter()
    kept = generic.clean_paragraphs(teasers + paragraphs + paragraphs[:5_000])  # and exact repeats
    print(f"clean_paragraphs on {len(teasers) + len(paragraphs) + 5_000} paragraphs: "
          f"{time.perf_counter() - started:.2f}s")
    assert kept == paragraphs


def test_a_prose_line_repeated_alone_is_kept_a_block_printed_twice_goes_once() -> None:
    """A writer restating one line (far from its first use or right after it) is article text;
    the page printing a block twice (neighbouring paragraphs, each repeated) is not."""
    restated = "Images shared online appeared to show the supports cracked near the north end."
    story = [BODY[0], restated, BODY[2], "Some 40 residents signed a petition calling for a ferry service.",
             "The council said the repair bill would be published with the inspection report.", restated]
    assert _clean("".join(f"<p>{p}</p>" for p in story)).paragraphs == story
    side_by_side = [BODY[0], restated, restated, BODY[2]]  # (trafilatura itself keeps one of two sibling <p>s)
    assert generic.clean_paragraphs(side_by_side) == side_by_side
    # the same words as a block the template printed twice: a run of repeats
    twice = [BODY[0], BODY[2], restated, BODY[0], BODY[2]]
    assert generic.clean_paragraphs(twice) == [BODY[0], BODY[2], restated]


def test_learned_furniture_needs_k_pages_and_a_share_of_the_domain() -> None:
    promo = "The Tab is part of Tab Media Group, whose titles reach millions of readers every week."
    notice = NOTES[2]
    pages = []
    for i in range(40):
        paragraphs = [f"Story {i} body paragraph about the bridge and the council, with details number {i}.", promo]
        if i % 7 == 0:  # 6 of 40 pages: at least K = 5, under a fifth
            paragraphs.append(notice)
        pages.append(("tab.example", f"https://tab.example/news/{i}/", paragraphs))
    small = [("small.example", f"https://small.example/{i}/", [promo]) for i in range(4)]  # < K pages
    learned = learn_in_memory(pages + small)
    assert learned == {"tab.example": {fingerprint(promo)}}


ITALIC_NOTES = [
    *NOTES[:4],
    "Correction: the council meets on Thursday, not Wednesday as first reported.",
    "Update, 5pm: the council has since confirmed the closure date.",
    "Clarification: the inspection was carried out by an independent firm.",
    "Editor’s note: an earlier headline gave the wrong month.",
]


def test_a_note_to_readers_in_italics_under_the_picture_is_article_text_a_caption_is_not() -> None:
    # an emphasised paragraph next to an image reads like a caption; a note to readers set
    # the same way (editor's note, correction, update) is article text (issue 15, item 1)
    for note in ITALIC_NOTES:
        body = (f'<img src="/bridge.jpg" alt=""><p><em>{note}</em></p>'
                + "".join(f"<p>{p}</p>" for p in BODY))
        assert _clean(body).paragraphs == [note, *BODY], note
    caption = "Engineers inspect the cracked supports of the bridge on Monday morning"
    body = f'<img src="/bridge.jpg" alt=""><p><em>{caption}</em></p>' + "".join(f"<p>{p}</p>" for p in BODY)
    assert _clean(body).paragraphs == BODY
