"""Scrapy side of newscorpus: one config-driven news spider, its middlewares, item pipeline and
the Scrapy wiring of the crawl settings.

Dependencies point one way: spiders imports pipeline (URLs, sources, crawl settings, the page
store, the WARC writer), pipeline never imports spiders. The parent process starts a crawl as
`python -m spiders.run`: Twisted's reactor cannot restart, so every crawl runs in its own child
process (see pipeline/crawl.py).
"""
