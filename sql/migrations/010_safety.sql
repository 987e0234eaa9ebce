-- 010: safe to point at the real web (issue 12).
--
-- 1. Requests the SSRF guard refused, counted per run and source (the crawl writes them
--    with its other counters; news.crawl_report and the run report show them).
alter table news.crawl_run_sources
    add column if not exists requests_refused integer not null default 0 check (requests_refused >= 0);

-- 2. A page the extractor cannot load (a value PostgreSQL refuses, a cleaner that timed out)
--    is recorded as 'failed' with its reason instead of staying pending and blocking every
--    later batch; it is not retried until `extract --reextract`.
alter table news.page_extractions drop constraint if exists page_extractions_outcome_check;
alter table news.page_extractions
    add constraint page_extractions_outcome_check
        check (outcome in ('article', 'not_article', 'superseded', 'failed'));
alter table news.page_extractions add column if not exists error text;

-- 3. The reader role cannot hurt the pipeline or the server.
--    Role defaults (the reader's every session starts with them): a runaway query, a forgotten
--    open transaction or an idle session holding a lock end on their own. temp_file_limit is a
--    superuser-only setting, so the reader cannot lift it. lock_timeout makes the reader, not
--    the pipeline, give up first when both wait.
--    The pipeline's advisory-lock functions are taken away from PUBLIC in this database and
--    granted back to the role that runs the migrations (the pipeline): the reader can no
--    longer take the run/migration/extract locks. Both need a superuser (the embedded server's
--    user is one); on a managed server without one this part is skipped with a notice and the
--    pipeline's lock_timeout (pipeline/db.py) still names the blocker instead of waiting.
do $$
declare
    fn text;
begin
    if not (select rolsuper from pg_roles where rolname = current_user) then
        raise notice 'newscorpus 010: not a superuser, reader role limits not set';
        return;
    end if;
    alter role news_reader set statement_timeout = '5min';
    alter role news_reader set idle_in_transaction_session_timeout = '1min';
    alter role news_reader set idle_session_timeout = '30min';
    alter role news_reader set lock_timeout = '5s';
    alter role news_reader set temp_file_limit = '1GB';
    alter role news_reader set work_mem = '64MB';
    alter role news_reader connection limit 20;
    foreach fn in array array[
        'pg_advisory_lock(bigint)', 'pg_advisory_lock(integer, integer)',
        'pg_advisory_lock_shared(bigint)', 'pg_advisory_lock_shared(integer, integer)',
        'pg_try_advisory_lock(bigint)', 'pg_try_advisory_lock(integer, integer)',
        'pg_try_advisory_lock_shared(bigint)', 'pg_try_advisory_lock_shared(integer, integer)',
        'pg_advisory_xact_lock(bigint)', 'pg_advisory_xact_lock(integer, integer)',
        'pg_advisory_xact_lock_shared(bigint)', 'pg_advisory_xact_lock_shared(integer, integer)',
        'pg_try_advisory_xact_lock(bigint)', 'pg_try_advisory_xact_lock(integer, integer)',
        'pg_try_advisory_xact_lock_shared(bigint)', 'pg_try_advisory_xact_lock_shared(integer, integer)'
    ] loop
        execute format('revoke execute on function %s from public', fn);
        execute format('grant execute on function %s to %I', fn, current_user);
    end loop;
end
$$;

-- 4. A run row is owned by the session that opened it (pipeline/runs.py holds an advisory
--    lock for it); when that session is gone the next run closes the row as 'interrupted'.
alter table news.crawl_runs add column if not exists owner_locked boolean not null default false;
