"""The extract stage: stored pages (news.pages) → cleaned articles (news.articles).

- `stage.py`: orchestration — batches, keying, learn-then-clean, re-cleaning (`extract_pending`);
- `store.py`: all of the stage's SQL (pending pages, bodies, learned furniture, articles,
  page_extractions);
- `pool.py`: drafting pages in a bounded process pool under a per-page time limit.

The cleaning itself is `pipeline.clean`, pure (no database).
"""

from pipeline.extract.pool import DEFAULT_WORKERS, page_seconds
from pipeline.extract.stage import ExtractSummary, SourceExtractCounts, extract_pending

__all__ = ["DEFAULT_WORKERS", "ExtractSummary", "SourceExtractCounts", "extract_pending", "page_seconds"]
