"""`python -m pipeline.airflow_stack`: run this repo's Airflow (what `make airflow` starts).

Why not `airflow standalone`: every Airflow 3 component that finds `[api_auth] jwt_secret`,
`[api] secret_key` or `[core] fernet_key` empty invents its own, so the scheduler's task
calls are refused by the API server (403 "Signature verification failed"), and standalone
starts the scheduler while the API server is still booting (the first task try times out).
Here:

1. the shared secrets are generated once per install into `<AIRFLOW_HOME>/secrets.json`
   (mode 0600, under the git-ignored `.airflow/`) and handed to every component as
   `AIRFLOW__API_AUTH__JWT_SECRET`, `AIRFLOW__API__SECRET_KEY`, `AIRFLOW__CORE__FERNET_KEY`
   (the fernet key must stay the same across restarts too, or stored connections become
   unreadable);
2. the metadata database is PostgreSQL (Airflow supports SQLite for trying things out, not
   for four components writing at once): unless `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN` names
   another, the database `airflow` on the embedded PostgreSQL (`.newscorpus/pgdata`, the
   server newscorpus itself uses) is created and used;
3. `airflow db migrate`, then the API server, whose `/api/v2/monitor/health` and
   `/execution/health` are polled until they answer (the second one builds the execution
   API's routes, see `Stack.wait_for_api`); only then the scheduler, the dag-processor and
   the triggerer;
4. where the admin password is kept (SimpleAuthManager writes it) is printed on every start;
5. SIGINT/SIGTERM stops every component it started (SIGTERM, then SIGKILL after a grace).

Each component's output is copied to stdout with its name in front, like standalone does.
Exit code: 0 after a requested stop, 1 when a component died, the API never became ready or the
embedded PostgreSQL for the metadata database could not start, 2 for bad usage or configuration
(a port already taken, an unusable NEWSCORPUS_HOME); a failure is one line on stderr, no
traceback (CONTRACT.md).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from pipeline import paths

SECRETS_FILE = "secrets.json"
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
# component name → `airflow` sub-command; the API server is started (and awaited) first.
# --skip-serve-logs: Airflow's log servers bind every interface (no host setting); on one host
# the API server reads task logs from the shared log folder, so no log server is needed
COMPONENTS: tuple[tuple[str, list[str]], ...] = (
    ("scheduler", ["scheduler", "--skip-serve-logs"]),
    ("dag-processor", ["dag-processor"]),
    ("triggerer", ["triggerer", "--skip-serve-logs"]),
)
API_READY_TIMEOUT_S = 300.0   # a cold api-server on a loaded 2-core machine: ~20-60 s, plus ~60 s
                              # for the execution API's first request
STOP_GRACE_S = 30.0


def shared_secrets(home: Path) -> dict[str, str]:
    """The install's shared secrets as AIRFLOW__* variables; created on first call (mode 0600).

    Returns {env var: value}. An existing file is reused as is, so restarts keep the keys.
    """
    path = home / SECRETS_FILE
    if not path.exists():
        from cryptography.fernet import Fernet

        values = {
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(48),
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        }
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(values, out, indent=1)
    os.chmod(path, 0o600)  # also tightens a file copied in with looser bits
    return json.loads(path.read_text())


METADATA_DATABASE = "airflow"
# Airflow's `dags` commands import airflow.utils.dot_renderer, which warns (UserWarning) on each
# call that the optional graphviz package is missing: noise on every `make airflow-cli ARGS="dags
# …"`, since only `airflow dags show --save/--imgcat` renders a graph. A PYTHONWARNINGS filter
# (Python's -W syntax, action:message:category; the message matches the warning's start) silences
# that one warning and nothing else.
GRAPHVIZ_WARNING_FILTER = "ignore:Could not import graphviz:UserWarning"


def metadata_url(env: dict[str, str]) -> str:
    """The metadata database's SQLAlchemy URL: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN when set, else
    the database `airflow` on the embedded PostgreSQL (started and created if needed)."""
    configured = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if configured:
        return configured
    from pipeline import db, embedded

    server = embedded.start()
    db.create_database(db.with_database(server, METADATA_DATABASE))
    return db.with_database(server, METADATA_DATABASE).replace("postgresql://", "postgresql+psycopg2://", 1)


def stack_env(home: Path, host: str, port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every component gets: this repo's config, the shared secrets, the port,
    the metadata database."""
    env = dict(os.environ if base is None else base)
    env.update(shared_secrets(home))
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata_url(env)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW_CONFIG=env.get("AIRFLOW_CONFIG") or str(paths.REPO_ROOT / "airflow.cfg"),
        AIRFLOW__CORE__DAGS_FOLDER=str(paths.REPO_ROOT / "dags"),
        AIRFLOW__API__HOST=host,
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=f"http://{host}:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://{host}:{port}/execution/",
        # the scheduler's and triggerer's log servers (fixed 8793/8794 by default): free ports, so
        # two installs (or a test beside `make airflow`) never collide
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(_free_port_number(host)),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(_free_port_number(host)),
        PYTHONPATH=os.pathsep.join(filter(None, [str(paths.REPO_ROOT), env.get("PYTHONPATH")])),
    )
    if GRAPHVIZ_WARNING_FILTER not in env.get("PYTHONWARNINGS", "").split(","):
        env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), GRAPHVIZ_WARNING_FILTER]))
    # standalone's components are `airflow ...` processes: the venv's bin must come first
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


class Stack:
    """The running components; `stop()` ends every one of them."""

    def __init__(self, home: Path, host: str, port: int, out: IO[str]):
        self.home, self.host, self.port, self.out = home, host, port, out
        self.env = stack_env(home, host, port)
        self.processes: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def say(self, line: str) -> None:
        with self._lock:
            self.out.write(line.rstrip("\n") + "\n")
            self.out.flush()

    def airflow(self, name: str, args: Sequence[str]) -> subprocess.Popen:
        command = [sys.executable, "-m", "airflow", *args]
        proc = subprocess.Popen(
            command, env=self.env, cwd=paths.REPO_ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
            # its own process group: stop() ends the component and what it spawned (the
            # scheduler's and triggerer's `serve-logs`, task processes) and nothing else
            start_new_session=True,
        )
        self.processes[name] = proc
        threading.Thread(target=self._copy, args=(name, proc), daemon=True).start()
        return proc

    def _copy(self, name: str, proc: subprocess.Popen) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            self.say(f"{name:>13} | {line}")

    def start(self) -> None:
        from pipeline.db import redact

        self.say(f"airflow_stack: AIRFLOW_HOME={self.home}; shared secrets in {self.home / SECRETS_FILE} (0600)")
        self.say(f"airflow_stack: metadata database {redact(self.env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'])}")
        migrate = self.airflow("db-migrate", ["db", "migrate"])
        if migrate.wait() != 0:
            raise StackError(f"`airflow db migrate` failed (exit {migrate.returncode}); see the lines above")
        self.airflow("api-server", ["api-server", "--host", self.host, "--port", str(self.port)])
        self.wait_for_api()
        for name, args in COMPONENTS:
            self.airflow(name, args)
        passwords = self.home / PASSWORDS_FILE
        if passwords.exists():  # Airflow's simple auth manager writes it with the umask's bits (0644)
            os.chmod(passwords, 0o600)
        self.say(f"airflow_stack: Airflow UI: {self.url}  user: admin")
        self.say(f"airflow_stack: admin password: in {passwords}")

    def wait_for_api(self) -> None:
        """Poll the API server until both its public API and its execution API answer 200.

        The execution API (what task processes call) is a Cadwyn app that builds its versioned
        routes on its first request, on the server's event loop: ~1 minute of CPU on a busy
        2-core machine during which the whole API server answers nothing, and the first task's
        "start" call times out. Asking /execution/health here pays that before any task exists.
        """
        deadline = time.monotonic() + API_READY_TIMEOUT_S
        api = self.processes["api-server"]
        for path in ("/api/v2/monitor/health", "/execution/health"):
            started = time.monotonic()
            while True:
                if api.poll() is not None:
                    raise StackError(f"the API server exited with code {api.returncode} before it was ready")
                if time.monotonic() > deadline:
                    raise StackError(f"the API server did not answer {path} on {self.url} "
                                     f"within {API_READY_TIMEOUT_S:.0f}s")
                try:
                    with urllib.request.urlopen(f"{self.url}{path}",
                                                timeout=max(1.0, deadline - time.monotonic())) as reply:
                        if reply.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(1)
            self.say(f"airflow_stack: {self.url}{path} ready ({time.monotonic() - started:.0f}s)")
        self.say(f"airflow_stack: API server ready at {self.url}")

    def watch(self, stop: threading.Event) -> int:
        """Block until asked to stop (0) or a component exits on its own (1)."""
        while not stop.wait(1.0):
            for name, proc in self.processes.items():
                if name != "db-migrate" and proc.poll() is not None:
                    self.say(f"airflow_stack: {name} exited with code {proc.returncode}; stopping the rest")
                    return 1
        return 0

    def stop(self) -> None:
        """SIGTERM every component's process group, SIGKILL what is left after the grace period."""
        running = {n: p for n, p in self.processes.items() if p.poll() is None}
        for proc in running.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for name, proc in running.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"airflow_stack: {name} did not stop in {STOP_GRACE_S:.0f}s; killing it")
        for proc in self.processes.values():
            _signal_group(proc, signal.SIGKILL)  # leftovers of a group (serve-logs, a stuck task)
            proc.wait()
        self.say("airflow_stack: every component stopped")


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)  # the group this launcher created for the component
    except (ProcessLookupError, PermissionError):
        pass


class StackError(RuntimeError):
    """A component could not be started."""


def failure(exc: BaseException) -> tuple[str, int]:
    """(one line, exit code) for what stops the stack's environment before airflow runs, shared
    with pipeline.airflow_cli: an embedded server for the metadata database that cannot start (an
    unusable NEWSCORPUS_HOME: ConfigError, exit 2; DatabaseUnavailable, exit 1; the exit codes of
    pipeline.errors), a home whose secrets file cannot be written (OSError, exit 1), or a
    component that did not start (StackError, exit 1). CONTRACT.md: one line, no traceback."""
    from pipeline.terminal import one_line

    text = f"{exc.filename}: {exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)
    return one_line(text) or type(exc).__name__, getattr(exc, "exit_code", 1)


def _free_port_number(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _fail(exc: BaseException) -> int:
    """Print `failure(exc)`'s line on stderr; its exit code."""
    line, code = failure(exc)
    print(f"airflow_stack: {line}", file=sys.stderr, flush=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.airflow_stack", description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("AIRFLOW_HOME") or paths.REPO_ROOT / ".airflow"),
                        help="AIRFLOW_HOME (default: $AIRFLOW_HOME or <repo>/.airflow)")
    parser.add_argument("--host", default="127.0.0.1", help="address the API server binds (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="API server port (default 8080)")
    args = parser.parse_args(argv)
    home = args.home.resolve()
    if not _port_free(args.host, args.port):
        print(f"airflow_stack: {args.host}:{args.port} is already in use; pick another with --port "
              "(or `make airflow AIRFLOW_PORT=...`)", file=sys.stderr)
        return 2
    from pipeline.errors import NewscorpusError

    try:
        stack = Stack(home, args.host, args.port, sys.stdout)
    except (NewscorpusError, OSError) as exc:  # the metadata database's server, the secrets file
        return _fail(exc)
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:  # noqa: ARG001
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        stack.start()
        return stack.watch(stop)
    except (StackError, NewscorpusError, OSError) as exc:
        return _fail(exc)
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
