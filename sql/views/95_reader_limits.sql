-- news_reader's session limits, re-asserted after every migrate (so at every nightly run):
-- PostgreSQL lets a role change its own defaults (ALTER ROLE news_reader SET ...), which this
-- undoes, and drops any per-database override it set for itself. Values and reasons: migration
-- 010. Needs a superuser; skipped otherwise (010 says so once).
do $$
begin
    if not (select rolsuper from pg_roles where rolname = current_user) then
        return;
    end if;
    delete from pg_db_role_setting
    where setrole = (select oid from pg_roles where rolname = 'news_reader') and setdatabase <> 0;
    alter role news_reader reset all;
    alter role news_reader set statement_timeout = '5min';
    alter role news_reader set idle_in_transaction_session_timeout = '1min';
    alter role news_reader set idle_session_timeout = '30min';
    alter role news_reader set lock_timeout = '5s';
    alter role news_reader set temp_file_limit = '1GB';
    alter role news_reader set work_mem = '64MB';
    alter role news_reader connection limit 20;
end
$$;
