"""`make airflow-demo`: one night of the sample web through a running `make airflow`.

Serves the sample web on 127.0.1.x, logs in to the API server with the generated admin
password, triggers `news_nightly` with the params `sources` (the sample web's sources file) and
`database` (`newscorpus_airflow_demo`, created on the configured server), and follows the run
until it ends, printing each task instance as the UI shows it, and, while the run waits queued
behind another run of news_nightly (one run at a time), which run that is. Sample outlets therefore never
mix with a real corpus. Exit code: 0 when the night succeeded, 1 when it failed, 2 when Airflow
is not running (start `make airflow` first) or the sample web's port is taken.

`news_nightly` is created paused (nothing is scheduled on a fresh install); the demo unpauses it
for its run and pauses it again when the run has ended.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from pipeline import paths
from pipeline.airflow_stack import PASSWORDS_FILE

DEMO_DATABASE = "newscorpus_airflow_demo"
RUN_TIMEOUT_S = 1800


class Client:
    """The few REST calls an operator's script needs (Airflow 3 public API, /api/v2)."""

    def __init__(self, base: str, home: Path):
        self.base = base.rstrip("/")
        password = json.loads((home / PASSWORDS_FILE).read_text())["admin"]
        self.token = self.call("POST", "/auth/token", {"username": "admin", "password": password})["access_token"]

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read() or b"{}")


def unpause(client: Client) -> bool:
    """Unpause news_nightly (it is created paused: dags/news_nightly.py); True when it was paused.

    A paused DAG's triggered runs stay queued; unpausing never runs the 02:30 that already
    passed (the DAG's timetable waits for the next one)."""
    if not client.call("GET", "/api/v2/dags/news_nightly")["is_paused"]:
        return False
    client.call("PATCH", "/api/v2/dags/news_nightly", {"is_paused": False})
    print("airflow-demo: unpaused news_nightly for this run (paused again when the run ends)")
    return True


def running_ahead(client: Client, run_id: str) -> list[str]:
    """The other runs of news_nightly now running (sorted ids): a queued `run_id` waits for them,
    the DAG runs one night at a time (max_active_runs=1, dags/news_nightly.py)."""
    listed = client.call("GET", "/api/v2/dags/news_nightly/dagRuns?state=running&limit=100")
    return sorted(run["dag_run_id"] for run in listed["dag_runs"]
                  if run["state"] == "running" and run["dag_run_id"] != run_id)


def note_queue(client: Client, run_id: str, state: str, said: list[str]) -> list[str]:
    """Say (one line) why the demo's run is not starting: while it is queued behind another run of
    news_nightly, name that run, once, and again only when the runs ahead change (a trial sat 21
    minutes without a line behind a night already running). `said` is what the last call
    returned; returns the runs it is queued behind now."""
    ahead = running_ahead(client, run_id) if state == "queued" else []
    if ahead and ahead != said:
        print(f"airflow-demo: run {run_id} is queued behind news_nightly run(s) {', '.join(ahead)} "
              "(one run at a time); it starts when they end", flush=True)
    return ahead


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.airflow_demo", description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("AIRFLOW_HOME") or paths.REPO_ROOT / ".airflow"))
    parser.add_argument("--port", type=int, default=8080, help="the API server's port (default 8080)")
    parser.add_argument("--web-port", type=int, default=8766,
                        help="sample web port (default 8766; fixed so a second demo night is incremental)")
    parser.add_argument("--stories", type=int, default=40, help="sample web size (default 40)")
    parser.add_argument("--database", default=DEMO_DATABASE, help=f"database param (default {DEMO_DATABASE})")
    args = parser.parse_args(argv)

    from pipeline.sampleweb.serving import running_sample_web

    base = f"http://127.0.0.1:{args.port}"
    try:
        client = Client(base, args.home.resolve())
    except (OSError, KeyError, ValueError, urllib.error.URLError) as exc:
        print(f"airflow-demo: no Airflow at {base} with {args.home}/{PASSWORDS_FILE} ({exc}); "
              "start `make airflow` first", file=sys.stderr)
        return 2
    from pipeline.demo import sample_web_port_taken

    taken = sample_web_port_taken(args.web_port)
    if taken:
        print(f"airflow-demo: {taken}; pick another with `python -m pipeline.airflow_demo --web-port N`",
              file=sys.stderr)
        return 2
    try:
        client.call("GET", "/api/v2/dags/news_nightly")
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        print("airflow-demo: news_nightly is not parsed yet (the dag-processor reads dags/ within a minute "
              "of `make airflow` starting); try again shortly", file=sys.stderr)
        return 2
    with running_sample_web(paths.home() / "airflow-demo" / "web", stories=args.stories, port=args.web_port) as web:
        was_paused = unpause(client)
        conf = {"sources": str(web.sources_path), "database": args.database}
        run = client.call("POST", "/api/v2/dags/news_nightly/dagRuns", {"logical_date": None, "conf": conf})
        run_id = run["dag_run_id"]
        print(f"airflow-demo: sample web on {', '.join(web.base_urls.values())}")
        print(f"airflow-demo: triggered news_nightly run {run_id} with conf {json.dumps(conf)}")
        print(f"airflow-demo: follow it in the UI: {base}/dags/news_nightly/runs/{run_id}")
        state, seen, ahead, deadline = "queued", {}, [], time.monotonic() + RUN_TIMEOUT_S
        while state not in ("success", "failed") and time.monotonic() < deadline:
            time.sleep(3)
            state = client.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{run_id}")["state"]
            ahead = note_queue(client, run_id, state, ahead)
            listed = client.call("GET", f"/api/v2/dags/news_nightly/dagRuns/{run_id}/taskInstances?limit=100")
            for ti in listed["task_instances"]:
                key = (ti["task_id"], ti["rendered_map_index"] or "")
                if seen.get(key) != ti["state"]:
                    seen[key] = ti["state"]
                    print(f"  {ti['task_id']:<16} {key[1]:<20} {ti['state']}")
    if was_paused and state in ("success", "failed"):  # the demo leaves the schedule as it found it
        client.call("PATCH", "/api/v2/dags/news_nightly", {"is_paused": True})
        print("airflow-demo: news_nightly paused again (unpause it to run the nightly schedule)")
    elif was_paused:
        print("airflow-demo: news_nightly left unpaused while its run goes on; pause it in the UI afterwards",
              file=sys.stderr)
    print(f"airflow-demo: run {run_id}: {state}; the report is the `report` task's log and "
          f"news.crawl_runs in database {args.database}")
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
