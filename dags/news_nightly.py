"""newscorpus nightly: crawl every source, clean, deduplicate, check, report.

Thin by design: every task calls one `pipeline.nightly.stages` function, the same ones
`newscorpus run` calls, with the database URL its params resolved to. Nothing touches the database or the network at parse time.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, Param, dag, task

SOURCES_VARIABLE = "newscorpus_sources"   # Airflow Variable: path of the sources file
DATABASE_CONNECTION = "newscorpus_db"     # Airflow connection id of the PostgreSQL to load
NIGHTLY_AT = "30 2 * * *"                 # 02:30 UTC, after the outlets' overnight sitemaps
RUN_LIMIT_HOURS = 20                      # = pipeline.runs.ORCHESTRATED_RUN_LIMIT_HOURS (tested)

DAG_DOC = """
### newscorpus nightly

Crawls every outlet in the sources file, cleans the new pages into articles, links
syndicated copies to their originals, refreshes the views, checks the night's data and
stores a report. **A night with a failed outlet or a fired quality check is a failed run.**

* **Trigger form** (or the REST API's `conf`): `sources` (a sources file path) and `database`
  (a libpq URL, or a database name on the configured server, created if missing). Empty: the
  Variable `newscorpus_sources` / `sources.yaml`, and the connection `newscorpus_db` /
  `NEWSCORPUS_DATABASE_URL` / the embedded PostgreSQL.
* **crawl_source** runs once per outlet, named after it. A failed one names its outlet in its
  log's last lines; the others go on.
* **report** prints the night (per-source counts, failures, new stories, top syndicated) and
  fails the run, after storing the report, if anything went wrong; its error line names the
  outlets.
* **What to do**: read the failed crawl's log, then *Clear* that task (or the whole run) to
  re-run it. Every task is idempotent.
* Runs exclude `newscorpus run` / `newscorpus crawl` on the same database: a task waits
  (saying who holds the lock) while one works.
"""

PARAMS = {
    "sources": Param(
        None,
        type=["null", "string"],
        title="Sources file",
        description="Path of a sources file on the workers. Empty: the Variable newscorpus_sources, "
                    "else the repo's sources.yaml.",
    ),
    "database": Param(
        None,
        type=["null", "string"],
        title="Database",
        description="A libpq URL (postgresql://user@host:5432/name) or a database name on the "
                    "configured server (created if missing). Empty: the connection newscorpus_db, "
                    "else NEWSCORPUS_DATABASE_URL, else the embedded PostgreSQL.",
    ),
}


def _configure(create_database: bool = False):  # noqa: ANN202 - a pipeline.nightly.stages.Target
    """Resolve the run's params against the Variable/connection defaults (pipeline.nightly.stages)."""
    from pipeline.nightly import stages

    return stages.airflow_target(create_database, SOURCES_VARIABLE, DATABASE_CONNECTION)


def _holder(what: str) -> str:
    """Who holds the run lock, as a CLI run refused by it will read it."""
    from airflow.sdk import get_current_context

    return f"{get_current_context()['run_id']} {what}"


def _failed_steps(sources: list[str]) -> list[str]:
    """This DAG run's failed tasks in operator words: "crawl of the-sun", "extract"."""
    from airflow.sdk import get_current_context

    context = get_current_context()
    states = context["ti"].get_task_states(dag_id=context["dag"].dag_id, run_ids=[context["run_id"]])
    steps = []
    for key, state in sorted(states.get(context["run_id"], {}).items()):
        if state not in ("failed", "upstream_failed"):
            continue
        prefix, _, index = key.rpartition("_")
        if prefix == "crawl_source" and index.isdigit() and int(index) < len(sources):
            steps.append(f"crawl of {sources[int(index)]}")  # map index → its source's name
        else:
            steps.append(key)
    return steps


@dag(
    dag_id="news_nightly",
    # Created paused: a fresh install schedules nothing until an operator unpauses news_nightly
    # (UI toggle, `airflow dags unpause news_nightly`, PATCH /api/v2/dags/news_nightly), after
    # choosing the database a scheduled night loads (the connection newscorpus_db, or the
    # folder's current database: after `make demo`, the demo's). `make airflow-demo` unpauses it
    # for its manual run and pauses it again. No start_date and run_immediately=False: unpaused,
    # it waits for the next 02:30 instead of running the latest passed one at once.
    schedule=CronTriggerTimetable(NIGHTLY_AT, timezone="UTC", run_immediately=False),
    is_paused_upon_creation=True,
    catchup=False,
    max_active_runs=1,
    # Airflow fails a night still running after this (a night must end before the next one);
    # a crawl_runs row still open past it is closed as interrupted by the next run
    # (pipeline.runs.ORCHESTRATED_RUN_LIMIT_HOURS)
    dagrun_timeout=timedelta(hours=RUN_LIMIT_HOURS),
    tags=["newscorpus", "crawl"],
    doc_md=DAG_DOC,
    params=PARAMS,
    # retries and retry_delay come from airflow.cfg ([core] default_task_retries = 2,
    # default_task_retry_delay = 300 s), so a test or a dev install can shorten them there
    default_args={
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
    },
)
def news_nightly() -> None:
    @task(doc_md="Apply pending schema migrations (no-op when up to date); creates a named database. "
                 "A scheduled night refuses the sample web's demo databases.")
    def migrate() -> list[str]:
        from airflow.sdk import get_current_context

        from pipeline.nightly import stages

        with stages.fails_at_once_on_bad_configuration():
            stages.check_crawl_settings()  # an unwritable NEWSCORPUS_WARC_DIR: before any database work
            target = _configure(create_database=True)
            run_type = get_current_context()["dag_run"].run_type
            stages.refuse_demo_database(getattr(run_type, "value", run_type), target.database_url)
        return stages.migrate_database(target.database_url)

    @task(doc_md="Validate the sources file and open (or, on a re-run, reopen) this night's crawl run row.")
    def start_run() -> dict:
        from airflow.sdk import get_current_context

        from pipeline.nightly import stages

        with stages.fails_at_once_on_bad_configuration():
            stages.check_crawl_settings()
            target = _configure()
            sources = stages.source_names(stages.load_sources_file(target.sources_path))  # a bad file fails here
        context = get_current_context()
        dag_id = context["dag"].dag_id
        prefix = f"airflow:{dag_id}:"
        run_key = prefix + context["run_id"]

        def state_of(run_id: str) -> str | None:
            """Airflow's state of another run of this DAG; None when it no longer exists."""
            ti = context["ti"]
            try:
                state = ti.get_dagrun_state(dag_id, run_id)
                return str(getattr(state, "value", state))
            except Exception:  # noqa: BLE001 - the execution API answers a missing run with an error
                try:
                    return None if ti.get_dr_count(dag_id=dag_id, run_ids=[run_id]) == 0 else "unknown"
                except Exception:  # noqa: BLE001 - no answer: leave the row as it is
                    return "unknown"

        # earlier nights whose DAG run ended without `report` (marked failed, timed out) left
        # their row 'running': closed here as interrupted, with the reason
        stages.close_ended_runs(prefix, run_key, state_of, target.database_url)
        return {"run_id": stages.begin_run("airflow", run_key, target.database_url), "sources": sources}

    @task(doc_md="The outlets to crawl, one mapped `crawl_source` each.")
    def source_list(run: dict) -> list[str]:
        return run["sources"]

    @task(
        doc_md="Crawl one outlet's feeds and sitemaps. Fails alone: other outlets go on.",
        # rendered from the task's own argument, before it runs (Airflow 3.3 renders early)
        map_index_template="{{ task.op_kwargs['source'] }}",
        max_active_tis_per_dag=2,
    )
    def crawl_source(source: str, run: dict) -> dict:
        from pipeline.nightly import stages

        target = _configure()
        with stages.dag_run_lock(_holder(f"crawl_source[{source}]"), url=target.database_url):
            return stages.crawl_sources(run["run_id"], sources_path=target.sources_path, only=[source],
                                        url=target.database_url)

    @task(doc_md="Clean every page not yet extracted into an article (after the crawls, failed ones too).",
          trigger_rule="all_done")
    def extract(run: dict | None) -> dict:
        from pipeline.nightly import stages

        stages.skip_unless_started(run)  # migrate or start_run failed: extract runs after failed crawls too
        target = _configure()
        with stages.dag_run_lock(_holder("extract"), url=target.database_url):
            return stages.extract_pages(sources_path=target.sources_path, url=target.database_url)

    @task(doc_md="Fingerprint new articles and link copies to originals, across all history.")
    def dedup(run: dict) -> dict:
        from pipeline.nightly import stages

        target = _configure()
        with stages.dag_run_lock(_holder("dedup"), url=target.database_url):
            return stages.deduplicate(run_id=run["run_id"], url=target.database_url)

    @task(doc_md="Refresh the furniture cache (news.article_furniture) and planner statistics.")
    def refresh() -> None:
        from pipeline.nightly import stages

        stages.refresh_derived(_configure().database_url)

    # a judgement, not a transient fault: retrying would only delay the failed run
    @task(doc_md="Fail on a silent source, an outlet whose every fetch failed, or furniture in new text.",
          retries=0)
    def quality_checks(run: dict) -> None:
        from pipeline.nightly import stages

        stages.check_quality(run["run_id"], _configure().database_url)

    @task(
        doc_md="Store and print the night's report, close the crawl run row; fail the run (after "
               "storing) if a crawl failed or a quality check fired, naming the outlets.",
        trigger_rule="all_done",
        retries=0,
    )
    def report(run: dict | None) -> dict:
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.nightly import stages

        if not run:  # migrate or start_run failed: no run row to report on, their log says why
            raise AirflowFailException("the night did not start: migrate or start_run failed (its log names the reason)")
        target = _configure()
        say = logging.getLogger("newscorpus.report").info  # inside the task's main log group
        return stages.finish_night(run["run_id"], _failed_steps(run["sources"]), say=say, url=target.database_url)

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
