"""`newscorpus search "phrase"`: full-text search of the corpus, one row per story."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(value: str) -> date:
    """argparse type for --since: YYYY-MM-DD (a bad value is a usage error, exit 2)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


MAX_LIMIT = 100_000  # rows a search prints at most; `export` is for more


def positive_int(value: str) -> int:
    """argparse type for --limit: 1..MAX_LIMIT (a bad value is a usage error, exit 2)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"not a whole number from 1 to {MAX_LIMIT:,}: {value!r} (for more rows use `newscorpus export`)")
    return number


def phrase_text(value: str) -> str:
    """argparse type for the phrase: something to search for (blank: usage error, exit 2).

    websearch_to_tsquery('') matches nothing, so an empty phrase would print "no matches"
    for a typo such as `search "$UNSET_VARIABLE"`; a phrase of only stop words or
    punctuation still runs (it is the reader's words, not a usage error)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("the phrase is empty: give words to search for, e.g. 'council tax'")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="full-text search, one row per story (its original) unless --all-copies",
        description=(
            'Search titles and texts (English stemming). Web-search syntax: "exact phrase", '
            "or, -excluded. A story is listed once, as its original, ranked by its best match."
        ),
    )
    parser.add_argument("phrase", type=phrase_text, help='what to search for, e.g. \'"council tax" -scotland\'')
    parser.add_argument("--since", type=iso_date, metavar="DATE",
                        help="only stories published on or after DATE (YYYY-MM-DD, UTC): the date "
                        "of the row listed (the story's original; with --all-copies, the article)")
    parser.add_argument("--source", metavar="NAME",
                        help="only what this source ran (its name in sources.yaml): stories it ran a "
                        "matching copy of, shown as their original; with --all-copies, its matching "
                        "articles (as in export)")
    parser.add_argument("--all-copies", action="store_true",
                        help="list every matching article, copies included")
    parser.add_argument("--limit", type=positive_int, default=20, metavar="N",
                        help="at most N rows (default 20)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from pipeline.commands.common import check_source, corpus_connection
    from pipeline.search import search
    from pipeline.terminal import safe

    with corpus_connection() as conn:
        check_source(conn, args.source)
        result = search(conn, args.phrase, since=args.since, source=args.source,
                        all_copies=args.all_copies, limit=args.limit)
    if not result.rows:
        print("no matches")
        return 0
    shown = ["rank", "published_at", "outlet", "copies", "title", "url"]
    index = [result.columns.index(name) for name in shown]
    rows = [
        [row[i].strftime("%Y-%m-%d %H:%M") if name == "published_at" and row[i] else safe(row[i])
         for name, i in zip(shown, index)]
        for row in result.rows
    ]
    # copies "-": not deduplicated yet (null); 0: deduplicated, no copy found
    print(tabulate(rows, headers=shown, tablefmt="simple", maxcolwidths=[None, None, 20, None, 60, None],
                   missingval="-"))
    print(f"{len(rows)} {'article(s)' if args.all_copies else 'story(ies)'}")
    return 0
