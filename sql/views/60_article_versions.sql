-- news.article_versions: every fetch of an article's page, oldest first, for researchers who
-- cannot read news.pages. A new body_sha256 is a new version; is_current marks the fetch the
-- article's text (news.all_articles) comes from. Filter on url or article_id: both push down
-- (they are the window's partition) and use the pages (url, fetched_at) index.
-- An article's page may have been fetched under more than one URL: an outlet that moves a
-- story announces the new URL, which redirects to the old one (news.pages.url = the URL
-- fetched, final_url = where the redirects ended). Its fetches are those of every URL it was
-- fetched under: its current page's url, its own canonical_url and the url of every page
-- extract cleaned into it (news.page_extractions, by page_extractions_canonical_idx, 019),
-- failed fetches of those URLs included. A final_url alone does not count: a redirect can end
-- on a page that is not this article (a section front), whose fetches are not its versions.
create or replace view news.article_versions as
with article_urls as (
    select a.article_id, a.canonical_url, a.page_id, seen.url
    from news.articles as a
    join news.pages as current_page on current_page.page_id = a.page_id
    cross join lateral (
        select current_page.url
        union
        select a.canonical_url
        union
        select cleaned.url
        from news.page_extractions as e
        join news.pages as cleaned on cleaned.page_id = e.page_id
        where e.canonical_url = a.canonical_url
    ) as seen(url)
)
select
    au.article_id,
    au.canonical_url                                  as url,
    row_number() over (
        partition by au.article_id, au.canonical_url order by p.fetched_at, p.page_id
    )                                                 as fetch_no,
    p.page_id,
    p.url                                             as page_url,
    p.final_url,
    p.fetched_at,
    p.status,
    p.lastmod,
    p.body_bytes,
    encode(p.body_hash, 'hex')                        as body_sha256,
    p.page_id = au.page_id                            as is_current,
    p.error
from article_urls as au
join news.pages as p on p.url = au.url;
