"""The operators' view: the real Airflow components, driven through the real REST API.

`python -m pipeline.airflow_stack` (what `make airflow` runs) starts `airflow db migrate`, the
API server, the scheduler, the dag-processor and the triggerer with this repo's airflow.cfg in
a temporary AIRFLOW_HOME, on a free loopback port. The test logs in with the generated admin
password (POST /auth/token), triggers news_nightly with params pointing at the sample web and a
database of its own, and reads back what an operator sees: the DAG run's state and every task
instance with its rendered name. It stops every process it started.

Slow (a few minutes on 2 cores: fresh metadata database, four components, two nights), but CI
runs it: it is the only test that goes through the scheduler and the API server.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline.db import run_admin, with_database
from tests.plugins.database import query

REPO = Path(__file__).resolve().parents[1]
STACK_START_TIMEOUT_S = 420
RUN_TIMEOUT_S = 600


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Api:
    base: str
    token: str = ""

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {self.token}"} if self.token else {})},
        )
        with urllib.request.urlopen(request, timeout=120) as reply:
            return json.loads(reply.read() or b"{}")

    def trigger(self, conf: dict) -> str:
        run = self.call("POST", "/api/v2/dags/news_nightly/dagRuns", {"logical_date": None, "conf": conf})
        return run["dag_run_id"]

    def wait(self, run_id: str) -> str:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(3)
        raise AssertionError(f"DAG run {run_id} did not end within {RUN_TIMEOUT_S}s")

    def task_instances(self, run_id: str) -> list[tuple[str, str | None, str]]:
        """(task id, rendered map index, state) of every task instance, as the UI lists them."""
        listed = self.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{run_id}/taskInstances?limit=100")
        rows = [(ti["task_id"], ti["rendered_map_index"], ti["state"]) for ti in listed["task_instances"]]
        return sorted(rows, key=lambda row: (row[0], row[1] or ""))

    def tries(self, run_id: str, task_id: str, map_index: int) -> list[dict]:
        path = f"/api/v2/dags/news_nightly/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return self.call("GET", path)["task_instances"]


@pytest.fixture(scope="module")
def airflow_api(tmp_path_factory: pytest.TempPathFactory, pg_server_url: str) -> Iterator[Api]:
    home = tmp_path_factory.mktemp("airflow-stack") / ".airflow"
    metadata = f"airflow_meta_{os.getpid()}"
    run_admin(pg_server_url, f"create database {metadata}")
    log_path = home.parent / "stack.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_CONFIG=str(REPO / "airflow.cfg"),
        # only triggered runs: a scheduled night would crawl the real outlets of sources.yaml
        AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
        # one quick retry, so a failed crawl also goes through "up for retry"
        AIRFLOW__CORE__DEFAULT_TASK_RETRIES="1",
        AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY="2",
        # the configured server; the runs' `database` param names a database on it
        NEWSCORPUS_DATABASE_URL=pg_server_url,
        # metadata on the session's PostgreSQL too (what make airflow does with the embedded one)
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=with_database(pg_server_url, metadata).replace(
            "postgresql://", "postgresql+psycopg2://", 1),
    )
    started = time.monotonic()
    with open(log_path, "w") as log:
        stack = subprocess.Popen(
            [sys.executable, "-m", "pipeline.airflow_stack", "--home", str(home), "--port", str(port)],
            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        api = Api(f"http://127.0.0.1:{port}")
        password_file = _wait_for_line(stack, log_path, "admin password: in ")
        password = json.loads(Path(password_file).read_text())["admin"]
        api.token = api.call("POST", "/auth/token", {"username": "admin", "password": password})["access_token"]
        _wait_for_dag(api, stack, log_path)
        # a fresh install schedules nothing: the DAG is created paused, and its next night as the
        # scheduler computed it is the next 02:30, never the one that already passed
        dag = api.call("GET", "/api/v2/dags/news_nightly")
        api.first_look = dag  # type: ignore[attr-defined]
        # as an operator does before triggering (a paused DAG's runs stay queued), through the
        # call `make airflow-demo` makes (pipeline.airflow_demo)
        from pipeline.airflow_demo import Client, unpause

        client = Client(api.base, home)
        assert unpause(client) is True and unpause(client) is False  # paused, then no longer
        print(f"\nairflow_stack ready in {time.monotonic() - started:.0f}s")
        api.home = home  # type: ignore[attr-defined]
        yield api
    finally:
        _stop(stack)
        print(f"airflow_stack log: {log_path}")
    left = _leftovers(home)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes outlived the launcher: {left}"


def _wait_for_line(stack: subprocess.Popen, log_path: Path, marker: str) -> str:
    deadline = time.monotonic() + STACK_START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if marker in line:
                return line.split(marker, 1)[1].strip()
        if stack.poll() is not None:
            raise AssertionError(f"airflow_stack exited ({stack.returncode}):\n{_tail(log_path)}")
        time.sleep(1)
    raise AssertionError(f"airflow_stack not ready in {STACK_START_TIMEOUT_S}s:\n{_tail(log_path)}")


def _wait_for_dag(api: Api, stack: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STACK_START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            api.call("GET", "/api/v2/dags/news_nightly")
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
        if stack.poll() is not None:
            raise AssertionError(f"airflow_stack exited ({stack.returncode}):\n{_tail(log_path)}")
        time.sleep(2)
    raise AssertionError(f"news_nightly was never parsed:\n{_tail(log_path)}")


def _stop(stack: subprocess.Popen) -> None:
    """SIGTERM the launcher (it stops its components), then make sure its whole group is gone."""
    if stack.poll() is None:
        stack.send_signal(signal.SIGTERM)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(stack.pid, signal.SIGKILL)  # the launcher's own session: only what it started
    except ProcessLookupError:
        pass
    stack.wait()


def _leftovers(home: Path) -> list[int]:
    """PIDs of processes still running with this test's AIRFLOW_HOME (components run in their
    own process groups; none may outlive the launcher)."""
    marker = f"AIRFLOW_HOME={home}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def _tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _print_table(title: str, rows: list[tuple]) -> None:
    print(f"\n{title}")
    for task_id, name, state in rows:
        print(f"  {task_id:<16} {name or '':<20} {state}")


def _three_outlets(sources: list[dict]) -> list[dict]:
    """A wire, a tabloid and one more: a copy to link, in a third of the sample web's crawl time."""
    by_kind: dict[str, dict] = {}
    for source in sources:
        by_kind.setdefault(source["kind"], source)
    chosen = [by_kind[k] for k in ("wire", "tabloid") if k in by_kind]
    chosen += [s for s in sources if s not in chosen][: 3 - len(chosen)]
    return chosen


def test_shared_secrets_are_made_once_and_private(tmp_path: Path) -> None:
    from pipeline.airflow_stack import SECRETS_FILE, shared_secrets

    first = shared_secrets(tmp_path)
    assert set(first) == {"AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY"}
    assert all(len(value) >= 32 for value in first.values())
    assert stat.S_IMODE((tmp_path / SECRETS_FILE).stat().st_mode) == 0o600
    assert shared_secrets(tmp_path) == first  # a restart keeps them (stored connections stay readable)


def _stack_failure(env: dict[str, str], home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.airflow_stack", "--home", str(home),
                           "--port", str(_free_port())], capture_output=True, text=True, timeout=300, env=env)


def test_make_airflow_says_in_one_line_why_it_cannot_start(tmp_path: Path) -> None:
    """`make airflow` before any component starts (CONTRACT.md: one line on stderr, no traceback):
    an embedded server for the metadata database that cannot start because NEWSCORPUS_HOME is
    unusable is bad configuration (exit 2, pipeline.errors.ConfigError), an AIRFLOW_HOME whose
    secrets file cannot be written a run-time failure (exit 1). As `make airflow-cli`
    (tests/test_review2_airflow_cli.py)."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__DATABASE", "NEWSCORPUS_DATABASE"))}
    for bad_env, home, code in (({**env, "NEWSCORPUS_HOME": str(a_file / "home")}, tmp_path / "af", 2),
                                (env, a_file / "af", 1)):
        result = _stack_failure(bad_env, home)
        assert "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("airflow_stack: ") and str(a_file) in result.stderr, result.stderr
        assert result.returncode == code, result.stderr


def test_the_admin_password_file_is_private(airflow_api: Api) -> None:
    """The simple auth manager's generated admin password: readable by its owner only, like the
    shared secrets (Airflow writes it 0644 under the default umask; trial)."""
    from pipeline.airflow_stack import PASSWORDS_FILE

    passwords = airflow_api.home / PASSWORDS_FILE  # type: ignore[attr-defined]
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600


def test_a_fresh_install_creates_the_nightly_dag_paused_and_waiting_for_the_next_night(airflow_api: Api) -> None:
    from datetime import datetime, timezone

    first = airflow_api.first_look  # type: ignore[attr-defined]
    assert first["is_paused"] is True, first
    next_night = datetime.fromisoformat(first["next_dagrun_run_after"])
    assert next_night > datetime.now(timezone.utc) and (next_night.hour, next_night.minute) == (2, 30), first
    assert airflow_api.call("GET", "/api/v2/dags/news_nightly/dagRuns?run_type=scheduled")["total_entries"] == 0


class _Silent:
    """A loopback HTTP server that accepts connections and never answers: a crawl of it hangs
    until its download timeout, so a DAG run can be caught in the middle of crawl_source."""

    def __init__(self) -> None:
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.done = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.done:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.done = True
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_night_marked_failed_through_the_api_is_closed_as_interrupted_by_the_next_night(
    airflow_api: Api, pg_server_url: str, tmp_path: Path
) -> None:
    """Marking a DAG run failed (UI, REST) kills its tasks: `report` never runs to close its
    news.crawl_runs row. The next night's start_run asks Airflow and closes it, with the reason."""
    database = f"airflow_orphan_{os.getpid()}"
    silent = _Silent()
    try:
        hanging = tmp_path / "hanging.yaml"
        feed = f"http://127.0.0.1:{silent.port}"
        hanging.write_text(yaml.safe_dump({
            "settings": {"NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.0/8"], "DOWNLOAD_TIMEOUT": 600,
                         "RETRY_TIMES": 0},
            "sources": [{"name": "silent-outlet", "outlet": "Silent Outlet", "kind": "tabloid",
                         "domains": ["127.0.0.1"], "feeds": [f"{feed}/feed.xml"]}],
        }))
        first = airflow_api.trigger({"sources": str(hanging), "database": database})
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:  # caught in the middle: its row is open, crawl_source works
            states = {task: state for task, _, state in airflow_api.task_instances(first)}
            if states.get("crawl_source") == "running":
                break
            assert airflow_api.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{first}")["state"] != "failed"
            time.sleep(2)
        else:
            raise AssertionError(f"crawl_source of {first} never ran")
        airflow_api.call("PATCH", f"/api/v2/dags/news_nightly/dagRuns/{first}", {"state": "failed"})
        assert airflow_api.wait(first) == "failed"
        url = with_database(pg_server_url, database)
        assert query(url, "select status from news.crawl_runs") == [("running",)]  # what was left
    finally:
        silent.close()

    dead = f"http://127.0.0.1:{_free_port()}"  # the next night: quick (connection refused)
    next_night = tmp_path / "next.yaml"
    next_night.write_text(yaml.safe_dump({
        "settings": {"NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.0/8"]},
        "sources": [{"name": "dead-outlet", "outlet": "Dead Outlet", "kind": "tabloid",
                     "domains": ["127.0.0.1"], "feeds": [f"{dead}/feed.xml"]}],
    }))
    second = airflow_api.trigger({"sources": str(next_night), "database": database})
    airflow_api.wait(second)
    rows = query(url, "select run_key, status, error from news.crawl_runs order by run_id")
    print("\ncrawl_runs after the next night:", rows)
    assert rows[0][:2] == (f"airflow:news_nightly:{first}", "interrupted")
    assert f"Airflow DAG run {first} ended failed without closing it" in rows[0][2]
    assert rows[1][1] in ("succeeded", "failed")  # the next night closed its own row


def _mark_failed(api: Api, run_id: str) -> None:
    """PATCH a run failed; retried: the API server can meet the scheduler's lock on the run's
    rows (an HTTP 500 from the database, seen when the run was between two tasks)."""
    for attempt in range(5):
        try:
            api.call("PATCH", f"/api/v2/dags/news_nightly/dagRuns/{run_id}", {"state": "failed"})
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 500 or attempt == 4:
                raise
            time.sleep(3)


def test_make_airflow_demo_says_once_which_run_its_queued_run_waits_for(
    airflow_api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """news_nightly runs one night at a time: a run triggered while another works stays queued.
    `make airflow-demo`'s wait (pipeline.airflow_demo.note_queue, called in its polling loop) names
    the run ahead in one line, and says nothing more while that does not change."""
    from pipeline.airflow_demo import Client, note_queue

    silent = _Silent()
    ahead = queued = None
    try:
        hanging = tmp_path / "hanging.yaml"
        hanging.write_text(yaml.safe_dump({
            "settings": {"NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.0/8"], "DOWNLOAD_TIMEOUT": 600,
                         "RETRY_TIMES": 0},
            "sources": [{"name": "silent-outlet", "outlet": "Silent Outlet", "kind": "tabloid",
                         "domains": ["127.0.0.1"], "feeds": [f"http://127.0.0.1:{silent.port}/feed.xml"]}],
        }))
        database = f"airflow_queue_{os.getpid()}"
        ahead = airflow_api.trigger({"sources": str(hanging), "database": database})
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while "running" not in {state for task, _, state in airflow_api.task_instances(ahead)
                                if task == "crawl_source"}:  # working, and for long
            assert time.monotonic() < deadline, f"crawl_source of {ahead} never ran"
            time.sleep(2)
        # quick once it runs: its sources file does not exist (start_run fails at once)
        queued = airflow_api.trigger({"sources": str(tmp_path / "none.yaml"), "database": database})
        client = Client(airflow_api.base, airflow_api.home)  # type: ignore[attr-defined]
        state = client.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{queued}")["state"]
        assert state == "queued"
        capsys.readouterr()
        said = note_queue(client, queued, state, [])
        said = note_queue(client, queued, state, said)
        lines = capsys.readouterr().out.splitlines()
        assert said == [ahead]
        assert len(lines) == 1 and queued in lines[0] and ahead in lines[0], lines
    finally:
        # never leave a run going: the later tests' runs would queue behind it
        if ahead:
            _mark_failed(airflow_api, ahead)
            airflow_api.wait(ahead)
        silent.close()
        if queued:
            assert airflow_api.wait(queued) == "failed"
    assert note_queue(client, queued, "failed", said) == [] and capsys.readouterr().out == ""


def test_operators_view_of_a_good_night_and_a_night_with_a_dead_source(
    airflow_api: Api, pg_server_url: str, tmp_path: Path
) -> None:
    from pipeline.sampleweb.serving import running_sample_web

    database = f"airflow_api_{os.getpid()}"
    with running_sample_web(tmp_path / "web", stories=10) as web:
        config = yaml.safe_load(web.sources_path.read_text())
        config["sources"] = _three_outlets(config["sources"])
        outlets = {source["name"] for source in config["sources"]}
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump(config))
        started = time.monotonic()
        good = airflow_api.trigger({"sources": str(sources), "database": database})
        good_state = airflow_api.wait(good)
        good_tis = airflow_api.task_instances(good)
        print(f"\nrun 1 ({good}): {good_state} in {time.monotonic() - started:.0f}s")
        _print_table("run 1 task instances (task id, rendered map index, state):", good_tis)

        dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens: connection refused
        config["sources"].append({"name": "dead-outlet", "outlet": "Dead Outlet", "kind": "tabloid",
                                  "domains": ["127.0.0.1"], "feeds": [f"{dead}/feed.xml"],
                                  "sitemaps": [f"{dead}/sitemap.xml"]})
        with_dead = tmp_path / "with-dead.yaml"
        with_dead.write_text(yaml.safe_dump(config))
        started = time.monotonic()
        bad = airflow_api.trigger({"sources": str(with_dead), "database": database})
        bad_state = airflow_api.wait(bad)
        bad_tis = airflow_api.task_instances(bad)
        print(f"\nrun 2 ({bad}): {bad_state} in {time.monotonic() - started:.0f}s")
        _print_table("run 2 task instances (task id, rendered map index, state):", bad_tis)

    assert good_state == "success"
    assert {(task, state) for task, name, state in good_tis} == {
        (task, "success") for task in ("migrate", "start_run", "source_list", "crawl_source", "extract",
                                       "dedup", "refresh", "quality_checks", "report")}
    assert {name for task, name, _ in good_tis if task == "crawl_source"} == outlets  # names, not indexes

    assert bad_state == "failed"
    crawls = {name: state for task, name, state in bad_tis if task == "crawl_source"}
    assert crawls == {**{name: "success" for name in outlets}, "dead-outlet": "failed"}
    states = {task: state for task, _, state in bad_tis if task != "crawl_source"}
    assert states == {"migrate": "success", "start_run": "success", "source_list": "success",
                      "extract": "success", "dedup": "success", "refresh": "success",
                      "quality_checks": "failed", "report": "failed"}
    # the dead outlet went through "up for retry" once (its name, set by the first try, stays)
    listed = airflow_api.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{bad}/taskInstances?limit=100")
    dead_ti = next(ti for ti in listed["task_instances"] if ti["rendered_map_index"] == "dead-outlet")
    tries = airflow_api.tries(bad, "crawl_source", dead_ti["map_index"])
    assert [t["try_number"] for t in tries] == [1, 2] and tries[-1]["state"] == "failed", tries

    url = with_database(pg_server_url, database)  # created by the run's migrate task
    runs = query(url, "select status, error, report from news.crawl_runs order by run_id")
    assert [status for status, _, _ in runs] == ["succeeded", "failed"]
    status, error, report = runs[1]
    assert "crawl of dead-outlet failed" in error and "crawl_source" not in error
    assert report["sources"] and "dead-outlet" in [row["source"] for row in report["document_failures"]]


def test_make_airflow_demo_unpauses_for_its_night_and_pauses_again(
        airflow_api: Api, pg_server_url: str, tmp_path: Path) -> None:
    """`make airflow-demo` (python -m pipeline.airflow_demo) on a DAG created paused: its night
    runs (not left queued), and the DAG is paused again when the night has ended. Last in this
    module: it leaves news_nightly paused."""
    home = airflow_api.home  # type: ignore[attr-defined]
    airflow_api.call("PATCH", "/api/v2/dags/news_nightly", {"is_paused": True})  # as created
    database = f"airflow_demo_{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(NEWSCORPUS_HOME=str(tmp_path / "home"), NEWSCORPUS_DATABASE_URL=pg_server_url)
    port = airflow_api.base.rsplit(":", 1)[1]
    demo = subprocess.run(
        [sys.executable, "-m", "pipeline.airflow_demo", "--home", str(home), "--port", port,
         "--web-port", "0", "--stories", "3", "--database", database],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT_S + 120,
    )
    print(demo.stdout[-3000:], demo.stderr[-2000:])
    assert "unpaused news_nightly for this run" in demo.stdout
    assert "news_nightly paused again" in demo.stdout
    assert re.search(r"run manual__\S+: (success|failed);", demo.stdout), demo.stdout
    assert airflow_api.call("GET", "/api/v2/dags/news_nightly")["is_paused"] is True
    rows = query(with_database(pg_server_url, database), "select status from news.crawl_runs")
    assert len(rows) == 1 and rows[0][0] in ("succeeded", "failed")  # the night ran to its report
