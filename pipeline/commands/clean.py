"""`newscorpus clean FILE [--url URL] [--sources PATH]`: one HTML file's cleaned article as JSON.

For developing outlet rules: the same cleaning `extract` applies, on one file, no database.
The outlet rules are the ones of the source owning `--url`'s host in the sources file.
"""

from __future__ import annotations

import argparse


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
    from urllib.parse import urlsplit

    from pipeline.clean import clean_html
    from pipeline.errors import ConfigError
    from pipeline.sources import load_sources

    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    rules = None
    if args.url:
        source = load_sources(args.sources).for_host(urlsplit(args.url).hostname or "")
        rules = source.boilerplate if source else None
    elif args.sources:
        load_sources(args.sources)  # still refuse a malformed file
    article = clean_html(body, args.url, rules)
    print(json.dumps(article.as_json(), ensure_ascii=False, indent=2))
    return 0
