-- 016: news.lsh_buckets without a per-row foreign-key check.
--
-- dedup writes ~40-70 bucket rows per article (MinHash bands and long-sentence rows) and the
-- foreign key to news.articles checked each of them with a trigger (one index probe of
-- news.articles per row): the largest single cost of storing a batch (issue 14, bench/dedup.py).
-- The rows only ever name fingerprinted articles (dedup writes them with their fingerprint
-- and deletes them with it), so the key is replaced by what it was for: deleting an article
-- deletes its bucket rows, here by one statement-level trigger per DELETE on news.articles
-- (a set-oriented delete through lsh_buckets_article_idx), as `on delete cascade` did.
-- Existing rows are kept as they are: their shape does not change.

alter table news.lsh_buckets drop constraint if exists lsh_buckets_article_id_fkey;

create function news.lsh_buckets_forget_deleted() returns trigger
language plpgsql as $$
begin
    delete from news.lsh_buckets as b using gone where b.article_id = gone.article_id;
    return null;
end;
$$;

create trigger articles_delete_lsh_buckets
    after delete on news.articles
    referencing old table as gone
    for each statement execute function news.lsh_buckets_forget_deleted();
