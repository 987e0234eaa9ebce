"""WARC in: bring archived fetches (newscorpus's own WARC output, CC-NEWS, any .warc.gz)
through the same page store → extract → dedup path as a crawl.

Modules: archive (gzip-member stream reader, bad records skipped with a reason), records
(WARC record → page), listing (CC-NEWS months → file URLs), files (one file: read, filter by
host, store, record progress), run (`backfill()`: a run row, files in parallel, extract, dedup).
"""
