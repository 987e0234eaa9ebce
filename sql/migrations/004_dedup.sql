-- 004: deduplication state beyond 001's fingerprints / lsh_buckets / clusters / cluster_members.
--
-- news.fingerprints.scheme names how a signature and its buckets were made (hash, shingle
-- size, MinHash scheme, banding); a fingerprint of another scheme is stale and recomputed.
-- news.dedup_matches holds every verified copy pair (either direction, article_id < other_id):
-- clusters are a pure function of these pairs and the articles' order, so an incremental run
-- can re-cluster just the affected pairs' components and `dedup --rebuild` gets the same result.

alter table news.fingerprints add column scheme text not null default '';

create table news.dedup_matches (
    article_id   bigint not null references news.articles on delete cascade,
    other_id     bigint not null references news.articles on delete cascade,
    jaccard      real not null check (jaccard between 0 and 1),      -- MinHash estimate
    containment  real not null check (containment between 0 and 1),  -- exact, smaller text in larger
    method       text not null
                 check (method in ('minhash', 'containment', 'canonical-link', 'source-link')),
    primary key (article_id, other_id),
    check (article_id < other_id)
);
create index dedup_matches_other_idx on news.dedup_matches (other_id);

comment on table news.dedup_matches is
    'verified duplicate pairs found by newscorpus dedup; clusters are built from these';
