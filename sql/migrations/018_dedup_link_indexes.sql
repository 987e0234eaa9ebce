-- Issue 14: dedup's link_pairs finds the articles that link to a batch's articles
-- (canonical_link / source_link = their canonical_url) by index, not by scanning
-- news.articles once per batch and link column. Partial: most articles link to nothing.
create index if not exists articles_canonical_link_idx on news.articles (canonical_link)
    where canonical_link is not null;
create index if not exists articles_source_link_idx on news.articles (source_link)
    where source_link is not null;
