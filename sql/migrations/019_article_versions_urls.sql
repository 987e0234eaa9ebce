-- 019: news.article_versions finds the pages extract cleaned into an article by the article's
-- key (page_extractions.canonical_url), so a fetch that came under another URL (a redirect
-- from a moved story's new URL) is listed too (sql/views/60_article_versions.sql). Without
-- this index a filter on one article's url or article_id would read every extraction.
create index if not exists page_extractions_canonical_idx on news.page_extractions (canonical_url);
