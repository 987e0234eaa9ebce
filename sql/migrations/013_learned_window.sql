-- 013: learned furniture is counted over each domain's most recent pages (a window), so the
-- share of the domain's pages a paragraph recurs on can be measured without reading the
-- domain's whole history (pipeline/clean/learned.py, LEARN_SQL): the newest page ids of a
-- domain come from this index, newest first, and the scan stops after the window.
create index if not exists page_blocks_domain_page_idx on news.page_blocks (domain, page_id);
