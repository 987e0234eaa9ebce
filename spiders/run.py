"""Child-process entry point of a crawl: `python -m spiders.run --sources PATH --result FILE ...`.

pipeline.crawl.crawl() starts this in a fresh interpreter for every crawl, because Twisted's
reactor cannot be restarted inside one process. The database URL comes from
NEWSCORPUS_DATABASE_URL; the sources file is read once here and handed to the spider. At the end the per-source ledger and the finish reason are written
to the --result JSON file, also after SIGTERM/SIGINT (Scrapy stops gracefully on the first
signal: in-flight pages are stored, the pipeline flushes). Exit code 1 when the page store
failed (could not open, or a batch could not be stored); the reason is in the result file.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.run")
    parser.add_argument("--sources", required=True)
    parser.add_argument("--only", default="", help="comma-separated source names")
    parser.add_argument("--max-pages", type=int)
    parser.add_argument("--run-id", type=int)
    parser.add_argument("--result", required=True, help="JSON file the outcome is written to")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    from scrapy.crawler import CrawlerProcess

    from pipeline.db import DATABASE_URL_ENV
    from pipeline.sources import load_sources
    from spiders import settings as crawl_settings
    from spiders.news import NewsSpider

    database_url = os.environ[DATABASE_URL_ENV]
    sources_file = load_sources(args.sources)
    settings = crawl_settings.build(
        sources_file.settings,
        NEWSCORPUS_RUN_ID=args.run_id,
        NEWSCORPUS_DATABASE_URL=database_url,
    )
    if args.verbose:
        settings["LOG_LEVEL"] = "INFO"
    _progress_logging()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources_file=sources_file, only=args.only, max_pages=args.max_pages,
                  database_url=database_url)
    process.start()

    spider = crawler.spider
    store = getattr(spider, "page_store", None)
    result = {
        "finish_reason": crawler.stats.get_value("finish_reason") if crawler.stats else None,
        "storage_error": getattr(store, "error", None),
        "sources": {name: ledger.as_dict() for name, ledger in (spider.ledger if spider else {}).items()},
        "stats": {k: v for k, v in (crawler.stats.get_stats() if crawler.stats else {}).items()
                  if isinstance(v, (int, float, str))},
    }
    Path(args.result).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 1 if result["storage_error"] else 0  # the parent reads the reason from --result


def _progress_logging() -> None:
    """Per-source progress lines on stderr, whatever Scrapy's LOG_LEVEL is."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s crawl: %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("newscorpus.crawl")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
