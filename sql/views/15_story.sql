-- news.story: one row per story, the copies/outlets rule written once (news.corpus, export
-- and search build on it). A story is a cluster, named by its canonical (original) article,
-- or — before `newscorpus dedup` has seen it — a lone article (cluster_id null,
-- canonical_article_id its own article_id, no copies, its own outlet).
-- copies: the cluster's members other than its canonical; null while dedup has not seen the
-- article (not known yet), 0 once it has and found no copy (one meaning for news.story,
-- news.corpus, export and search; README "The views"). outlets: every member's outlet,
-- sorted, distinct, the canonical's included. Scalar subqueries: PostgreSQL evaluates them only
-- for the rows a query returns, and not at all when it does not select them, so "stories per
-- day" or a lookup by cluster_id never aggregates the whole table. One select (no UNION): a
-- lookup by cluster_id is one index probe of news.cluster_members. A canonical is always a
-- member of its own cluster (method 'self'; pipeline/dedup/cluster_store.write).
create or replace view news.story as
select
    m.cluster_id,
    a.article_id                                                            as canonical_article_id,
    case when m.cluster_id is not null then
        (select count(*)::integer
         from news.cluster_members as o
         where o.cluster_id = m.cluster_id
           and o.article_id <> a.article_id)
    end                                                                     as copies,
    coalesce(
        (select array_agg(distinct member_source.outlet order by member_source.outlet)
         from news.cluster_members as o
         join news.articles as member on member.article_id = o.article_id
         join news.sources as member_source on member_source.name = member.source
         where o.cluster_id = m.cluster_id),
        array[s.outlet])                                                    as outlets
from news.articles as a
join news.sources as s on s.name = a.source
left join news.cluster_members as m on m.article_id = a.article_id
left join news.clusters as c on c.cluster_id = m.cluster_id
where a.is_article
  and (m.cluster_id is null or c.canonical_article_id = a.article_id);
