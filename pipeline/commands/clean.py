"""`newscorpus clean FILE [--url URL] [--sources PATH]`: one HTML file's cleaned article as JSON.

For developing outlet rules: the same cleaning `extract` applies, on one file, no database.
The outlet rules are the ones of the source owning `--url`'s host in the sources file.
"""

from __future__ import annotations

import argparse

MAX_HTML_BYTES = 32 * 1024 * 1024  # the crawler's largest allowed download (spiders.settings)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "clean",
        help="print one HTML file's cleaned article as JSON (title, byline, date, text, flags…)",
        description="Clean one saved HTML page with trafilatura plus the outlet and generic rules; "
        "print the article as JSON.",
    )
    parser.add_argument("file", metavar="FILE", help="an HTML file (raw bytes, any charset)")
    parser.add_argument("--url", help="the page's URL: picks the outlet's rules, resolves links")
    parser.add_argument("--sources", metavar="PATH", help="sources file (default: sources.yaml)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from pipeline.clean import clean_html
    from pipeline.errors import ConfigError
    from pipeline.sources import load_sources

    from pipeline import netguard
    from pipeline.sources import read_bounded

    path = Path(args.file)
    body = read_bounded(path, MAX_HTML_BYTES, "HTML file")
    rules = None
    if args.url:
        try:
            host = netguard.parse(args.url).host
        except netguard.Refused as exc:
            raise ConfigError(f"--url {args.url!r}: {exc}") from None
        source = load_sources(args.sources).for_host(host)
        rules = source.boilerplate if source else None
    elif args.sources:
        load_sources(args.sources)  # still refuse a malformed file
    article = clean_html(body, args.url, rules)
    print(json.dumps(article.as_json(), ensure_ascii=False, indent=2))
    return 0
