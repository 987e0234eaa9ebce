"""newscorpus backfill: WARC archives (CC-NEWS months or any .warc.gz) → the corpus.

Thin by design: every task calls one `pipeline.backfill.run` or `pipeline.nightly.stages`
function, the same ones `newscorpus backfill` uses, with the database URL its params resolved
to (the same `sources`/`database` params as news_nightly). The tasks that write pages, extract
or dedup hold the run lock shared, as the nightly DAG's do: never beside a CLI run. One mapped
task per file, so a cluster spreads a month's files over its workers; each file resumes where
an earlier attempt stopped (news.backfill_files), so clearing a failed file's task is safe. Nothing touches the database
or the network at parse time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, task

SOURCES_VARIABLE = "newscorpus_sources"   # Airflow Variable: path of the sources file
DATABASE_CONNECTION = "newscorpus_db"     # Airflow connection id of the PostgreSQL to load

DAG_DOC = """
### newscorpus backfill

Reads WARC files into the corpus through the same page store → extract → dedup path as the
nightly crawl, as one run with trigger `backfill` (see `news.crawl_report`).

* **months**: `YYYY-MM` or `YYYY-MM:YYYY-MM`; each month's CC-NEWS `warc.paths.gz` listing is
  read from **cc_news_base** (default Common Crawl's public endpoint) and every file it lists
  becomes one `backfill_file` task.
* **files**: paths or http(s) URLs of further `.warc.gz` files.
* **all_hosts**: keep records of hosts no source owns (under the source `warc-other`).
* **sources**, **database**: as in news_nightly (empty: the Variable `newscorpus_sources` /
  `sources.yaml`, and the connection `newscorpus_db` / `NEWSCORPUS_DATABASE_URL` / the
  embedded PostgreSQL; a database name is created on the configured server if missing).
* Progress is kept per file and offset (`news.backfill_files`): clear a failed file to resume it.
"""


def _configure(create_database: bool = False):  # noqa: ANN202 - a pipeline.nightly.stages.Target
    """Resolve the run's `sources`/`database` params as the nightly DAG does (pipeline.nightly.stages)."""
    from pipeline.nightly import stages

    return stages.airflow_target(create_database, SOURCES_VARIABLE, DATABASE_CONNECTION)


def _holder(what: str) -> str:
    """Who holds the run lock, as a CLI run refused by it will read it."""
    from airflow.sdk import get_current_context

    return f"{get_current_context()['run_id']} {what}"


@dag(
    dag_id="news_backfill",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["newscorpus", "backfill", "warc"],
    doc_md=DAG_DOC,
    params={
        "months": Param("", type="string", description="CC-NEWS months, YYYY-MM or YYYY-MM:YYYY-MM"),
        "files": Param([], type="array", description="paths or http(s) URLs of .warc.gz files"),
        "cc_news_base": Param("https://data.commoncrawl.org", type="string"),
        "all_hosts": Param(False, type="boolean"),
        # the same two params as news_nightly's trigger form
        "sources": Param(None, type=["null", "string"], title="Sources file",
                         description="Path of a sources file on the workers. Empty: the Variable "
                                     "newscorpus_sources, else the repo's sources.yaml."),
        "database": Param(None, type=["null", "string"], title="Database",
                          description="A libpq URL or a database name on the configured server (created "
                                      "if missing). Empty: the connection newscorpus_db, else "
                                      "NEWSCORPUS_DATABASE_URL, else the embedded PostgreSQL."),
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
    },
)
def news_backfill() -> None:
    @task(doc_md="Apply pending schema migrations (no-op when up to date).")
    def migrate() -> list[str]:
        from pipeline import envsettings
        from pipeline.nightly import stages

        with stages.fails_at_once_on_bad_configuration():
            envsettings.check()  # a bad NEWSCORPUS_* setting: before any database work
            target = _configure(create_database=True)
        return stages.migrate_database(target.database_url)

    @task(doc_md="Record the sources and open (or reopen) this backfill's run row (trigger 'backfill').")
    def start_run() -> int:
        from airflow.sdk import get_current_context

        from pipeline.backfill.run import start_backfill_run
        from pipeline.nightly import stages
        from pipeline.sources import load_sources

        with stages.fails_at_once_on_bad_configuration():
            target = _configure()
            load_sources(target.sources_path)  # a missing or invalid sources file fails here
        context = get_current_context()
        run_key = f"airflow:{context['dag'].dag_id}:{context['run_id']}"
        return start_backfill_run(target.sources_path, bool(context["params"]["all_hosts"]), run_key,
                                  database_url=target.database_url)

    @task(doc_md="The files to read: the `files` param and every file the `months` listings name.")
    def list_files() -> list[str]:
        from airflow.sdk import get_current_context

        from pipeline.backfill.run import list_files as files_of
        from pipeline.nightly import stages

        params = get_current_context()["params"]
        with stages.fails_at_once_on_bad_configuration():  # a `months` param that is no month range
            return files_of(params["files"], params["months"], params["cc_news_base"])

    @task(
        doc_md="Read one WARC file into news.pages (resumes at its recorded offset). Fails alone.",
        map_index_template="{{ file_name }}",
        max_active_tis_per_dag=2,
    )
    def backfill_file(file: str, run: int) -> dict:
        from airflow.sdk import get_current_context

        from pipeline.backfill.run import read_file
        from pipeline.nightly import stages

        context = get_current_context()
        context["file_name"] = file.rsplit("/", 1)[-1]  # read by map_index_template for the UI
        target = _configure()
        with stages.dag_run_lock(_holder(f"backfill_file[{context['file_name']}]"), url=target.database_url):
            return read_file(file, run, sources_path=target.sources_path,
                             all_hosts=bool(context["params"]["all_hosts"]), database_url=target.database_url)

    @task(doc_md="Clean every page not yet extracted into an article.", trigger_rule="all_done")
    def extract(run: int | None) -> dict:
        from pipeline.nightly import stages

        stages.skip_unless_started(run)
        target = _configure()
        with stages.dag_run_lock(_holder("extract"), url=target.database_url):
            return stages.extract_pages(sources_path=target.sources_path, url=target.database_url)

    @task(doc_md="Fingerprint new articles and link copies to originals, across all history.",
          trigger_rule="all_done")
    def dedup(run: int | None) -> dict:
        from pipeline.nightly import stages

        stages.skip_unless_started(run)
        target = _configure()
        with stages.dag_run_lock(_holder("dedup"), url=target.database_url):
            return stages.deduplicate(run_id=run, url=target.database_url)

    @task(doc_md="Store the run's report and close the run row; failed when any file failed.",
          trigger_rule="all_done")
    def report(run: int | None) -> dict:
        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.nightly import stages

        if not run:  # migrate or start_run failed: no run row to close, their log says why
            raise AirflowFailException("the backfill did not start: migrate or start_run failed "
                                       "(its log names the reason)")
        target = _configure()
        context = get_current_context()
        states = context["ti"].get_task_states(dag_id=context["dag"].dag_id, run_ids=[context["run_id"]])
        failed = sorted({task for task, state in states.get(context["run_id"], {}).items()
                         if state in ("failed", "upstream_failed")})
        error = f"failed tasks: {', '.join(failed)}" if failed else None
        return stages.conclude_run(run, failed=bool(failed), error=error, url=target.database_url)

    run = start_run()  # the news.crawl_runs id ("run_id" is Airflow's own context name)
    migrate() >> run
    files = list_files()
    run >> files
    read = backfill_file.partial(run=run).expand(file=files)
    extracted = extract(run)
    read >> extracted
    deduped = dedup(run)
    extracted >> deduped
    deduped >> report(run)


news_backfill()
