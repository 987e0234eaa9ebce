-- news.article_versions: every fetch of an article's page, oldest first, for researchers who
-- cannot read news.pages. A new body_sha256 is a new version; is_current marks the fetch the
-- article's text (news.all_articles) comes from. Filter on url or article_id: both push down
-- (they are the window's partition) and use the pages (url, fetched_at) index.
create or replace view news.article_versions as
select
    a.article_id,
    a.canonical_url                                   as url,
    row_number() over (
        partition by a.article_id, a.canonical_url order by p.fetched_at, p.page_id
    )                                                 as fetch_no,
    p.page_id,
    p.url                                             as page_url,
    p.final_url,
    p.fetched_at,
    p.status,
    p.lastmod,
    p.body_bytes,
    encode(p.body_hash, 'hex')                        as body_sha256,
    p.page_id = a.page_id                             as is_current,
    p.error
from news.articles as a
join news.pages as current_page on current_page.page_id = a.page_id
join news.pages as p on p.url = current_page.url;
