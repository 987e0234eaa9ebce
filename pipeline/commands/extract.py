"""`newscorpus extract`: clean every stored page not yet extracted into an article."""

from __future__ import annotations

import argparse

from pipeline.commands.common import bounded_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="clean every page not yet extracted into an article",
        description="Clean stored pages (news.pages) into articles (news.articles): trafilatura, "
        "generic furniture, the sources file's outlet rules and furniture learned per domain.",
    )
    parser.add_argument(
        "--sources", metavar="PATH",
        help="apply (and store) this file's outlet rules to the sources it lists; default: the "
        "rules each source was crawled with, stored in the database")
    parser.add_argument(
        "--all", "--reextract", dest="reextract", action="store_true",
        help="re-clean every stored page (after changing rules or the extractor)",
    )
    parser.add_argument("--batch-size", type=bounded_int(1, 1_000_000), default=500,
                        help="pages per transaction (default 500)")
    parser.add_argument(
        "--min-pages", type=bounded_int(2, 1_000_000), default=None, metavar="K",
        help="a paragraph on K distinct pages of a domain is its furniture (default 5)",
    )
    parser.add_argument("--workers", type=bounded_int(1, 64), default=None, help="cleaning processes (default 1; a pool measured slower on 2 shared cores)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from pipeline import db
    from pipeline.clean.learned import DEFAULT_MIN_PAGES
    from pipeline.extract import extract_pending
    from pipeline.sources import load_sources

    # the one read of the file: a bad one is refused before touching the database
    sources_file = load_sources(args.sources) if args.sources else None
    with db.connection() as conn:
        db.require_schema(conn)
        summary = extract_pending(
            conn, sources_path=args.sources, reextract=args.reextract, batch_size=args.batch_size,
            min_pages=args.min_pages or DEFAULT_MIN_PAGES, workers=args.workers, sources_file=sources_file,
        )
    rows = [
        (name, c.pages_seen, c.articles_new, c.articles_updated, c.not_articles, c.failed)
        for name, c in sorted(summary.sources.items())
    ]
    if rows:
        print(tabulate(rows, headers=["source", "pages", "new", "updated", "not articles", "failed"]))
    print(
        f"extracted {summary.pages_seen} page(s): {summary.articles_new} new, "
        f"{summary.articles_updated} updated, {summary.not_articles} not articles; "
        f"{summary.furniture_learned} furniture block(s) learned in {summary.seconds:.1f}s"
    )
    return 0
