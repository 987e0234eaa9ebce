-- 006: a crawl run can carry its orchestrator's id (Airflow: dag_id/run_id), so a retried or
-- cleared-and-rerun DAG run reopens its own row instead of opening a second one.
alter table news.crawl_runs add column run_key text unique;
