-- 017: the extract stage finds re-fetched older versions itself (the crawler writes only its
-- own tables).
--
-- When a URL goes back to an earlier body (A → B → A) the crawl makes the stored A row the
-- URL's latest again by moving its fetched_at (pipeline/pages.py); it used to delete A's
-- extraction so that extract would clean it again. Each extraction now records the fetched_at
-- of the page version it cleaned, and a page whose fetched_at has moved since is pending again
-- (pipeline/extract/store.py, PENDING_SQL). No clock is compared: a backfill reviving a row
-- with a historical WARC date is found just the same.
alter table news.page_extractions add column fetched_at timestamptz;

-- every extraction stored so far cleaned its page's current version (a revived page had its
-- extraction deleted), so it is up to date
update news.page_extractions as e
set fetched_at = p.fetched_at
from news.pages as p
where p.page_id = e.page_id;
