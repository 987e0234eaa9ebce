"""newscorpus nightly: crawl every source, clean, deduplicate, check, report.

Thin by design: every task calls one `pipeline.nightly` function, the same ones
`newscorpus run` calls. Nothing touches the database or the network at parse time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

SOURCES_VARIABLE = "newscorpus_sources"   # Airflow Variable: path of the sources file
DATABASE_CONNECTION = "newscorpus_db"     # Airflow connection id of the PostgreSQL to load
NIGHTLY_AT = "30 2 * * *"                 # 02:30 UTC, after the outlets' overnight sitemaps

DAG_DOC = """
### newscorpus nightly

Crawls every outlet in the sources file, cleans the new pages into articles, links
syndicated copies to their originals, refreshes the views and checks the night's data.

* **Database**: the Airflow connection `newscorpus_db` if it exists, else the
  `NEWSCORPUS_DATABASE_URL` environment variable, else the embedded PostgreSQL.
* **Sources**: the Airflow Variable `newscorpus_sources` (a path), else the repo's `sources.yaml`.
* **Re-running** is safe: every task is idempotent. Clear a failed `crawl_source` to retry one
  outlet; clear the whole run to redo the night.
* Each run's report is the `report` task's return value (XCom) and `news.crawl_report`.
"""


def _configure() -> str | None:
    """Point the pipeline at the configured database; return the sources path (or None)."""
    import os

    from airflow.sdk import Connection, Variable
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        uri = Connection.get(DATABASE_CONNECTION).get_uri()
        os.environ["NEWSCORPUS_DATABASE_URL"] = uri.replace("postgres://", "postgresql://", 1)
    except (AirflowNotFoundException, AirflowRuntimeError):
        pass  # no connection configured: NEWSCORPUS_DATABASE_URL or the embedded server
    return Variable.get(SOURCES_VARIABLE, default=None)


def _failed_tasks() -> list[str]:
    """This DAG run's failed tasks, as problems for the run row (the report runs regardless)."""
    from airflow.sdk import get_current_context

    context = get_current_context()
    states = context["ti"].get_task_states(dag_id=context["dag"].dag_id, run_ids=[context["run_id"]])
    failed = sorted(
        task for task, state in states.get(context["run_id"], {}).items()
        if state in ("failed", "upstream_failed")
    )
    return [f"failed tasks: {', '.join(failed)}"] if failed else []


@dag(
    dag_id="news_nightly",
    schedule=NIGHTLY_AT,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["newscorpus", "crawl"],
    doc_md=DAG_DOC,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
    },
)
def news_nightly() -> None:
    @task(doc_md="Apply pending schema migrations (no-op when up to date).")
    def migrate() -> list[str]:
        from pipeline import nightly

        _configure()
        return nightly.migrate_database()

    @task(doc_md="Validate the sources file and open (or, on a re-run, reopen) this night's crawl run row.")
    def start_run() -> dict:
        from airflow.sdk import get_current_context

        from pipeline import nightly

        sources = nightly.source_names(_configure())  # a bad file fails here, before any row
        context = get_current_context()
        run_key = f"airflow:{context['dag'].dag_id}:{context['run_id']}"
        return {"run_id": nightly.start_run("airflow", run_key), "sources": sources}

    @task
    def source_list(run: dict) -> list[str]:
        return run["sources"]

    @task(
        doc_md="Crawl one outlet's feeds and sitemaps. Fails alone: other outlets go on.",
        map_index_template="{{ source }}",
        max_active_tis_per_dag=2,
    )
    def crawl_source(source: str, run: dict) -> dict:
        from airflow.sdk import get_current_context

        from pipeline import nightly

        get_current_context()["source"] = source  # read by map_index_template for the UI
        return nightly.crawl_sources(run["run_id"], sources_path=_configure(), only=[source])

    @task(doc_md="Clean every page not yet extracted into an article.", trigger_rule="all_done")
    def extract(run: dict) -> dict:
        from pipeline import nightly

        return nightly.extract_pages(sources_path=_configure())

    @task(doc_md="Fingerprint new articles and link copies to originals, across all history.")
    def dedup(run: dict) -> dict:
        from pipeline import nightly

        _configure()
        return nightly.deduplicate(run_id=run["run_id"])

    @task(doc_md="Refresh the furniture cache (news.article_furniture) and planner statistics.")
    def refresh() -> None:
        from pipeline import nightly

        _configure()
        nightly.refresh()

    @task(doc_md="Fail loudly on a silent source, furniture in new text or a dead crawl.")
    def quality_checks(run: dict) -> None:
        from pipeline import nightly

        _configure()
        nightly.check_quality(run["run_id"])

    @task(
        doc_md="Store and log the night's report; closes the crawl run row.",
        trigger_rule="all_done",
    )
    def report(run: dict) -> dict:
        from pipeline import nightly
        from pipeline.report import format_report

        _configure()
        problems = nightly.quality_problems(run["run_id"]) + _failed_tasks()
        result = nightly.finish_run(run["run_id"], failed=bool(problems), error="; ".join(problems) or None)
        print(format_report(result))
        return result

    run = start_run()
    migrate() >> run
    crawled = crawl_source.partial(run=run).expand(source=source_list(run))
    extracted = extract(run)
    crawled >> extracted
    deduped = dedup(run)
    extracted >> deduped
    refreshed = refresh()
    deduped >> refreshed
    checked = quality_checks(run)
    refreshed >> checked
    checked >> report(run)


news_nightly()
