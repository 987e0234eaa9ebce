"""Scrapy side of newscorpus: one config-driven news spider, its item pipeline and settings.

Nothing here is imported by the parent process except through `python -m spiders.run`:
Twisted's reactor cannot restart, so every crawl runs in its own child process
(see pipeline/crawl.py).
"""
