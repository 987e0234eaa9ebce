"""The nightly layer: what the Airflow DAGs and `newscorpus run` run, night after night.

- `stages`: the stage functions both call (migrate, crawl, extract, dedup, refresh, checks,
  finish) and the DAG's parameter resolution (`resolve_target`);
- `local`: the local runner (`newscorpus run`, `demo`): every stage in one process, under
  the run lock;
- `lock`: the run lock (a PostgreSQL advisory lock) that keeps fetching runs apart;
- `refresh`: derived data brought up to date (writes);
- `checks`: crawl health and the night's quality checks (reads only);
- `report`: the run's report, built read-only and formatted (stored by `pipeline.runs`).

Run bookkeeping itself (news.crawl_runs, news.crawl_run_sources) is `pipeline.runs`.
"""
