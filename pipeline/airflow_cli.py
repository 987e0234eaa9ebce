"""`make airflow-cli ARGS="dags unpause news_nightly"`: the `airflow` command against the stack
`make airflow` runs.

A bare `airflow …` in a shell reads ~/airflow and its SQLite database, not this install: the
stack's components get AIRFLOW_HOME (<repo>/.airflow), AIRFLOW_CONFIG (<repo>/airflow.cfg), the
metadata database (`airflow` on the embedded PostgreSQL, or AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)
and the shared secrets (the Fernet key encrypts connection passwords) from
`pipeline.airflow_stack.stack_env`; this runs `python -m airflow ARGS` with that same
environment, so `connections add`, `variables set`, `dags unpause` change what the UI shows.

    python -m pipeline.airflow_cli [--home DIR] [--port N] -- ARGS…   exit code: airflow's
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pipeline import paths
from pipeline.airflow_stack import failure, stack_env
from pipeline.errors import NewscorpusError

PROG = "python -m pipeline.airflow_cli"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--home", default=os.environ.get("AIRFLOW_HOME") or str(paths.REPO_ROOT / ".airflow"),
                        help="AIRFLOW_HOME of the stack (default: $AIRFLOW_HOME or <repo>/.airflow)")
    parser.add_argument("--port", type=int, default=8080, help="the stack's API server port (default 8080)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the airflow command, e.g. dags unpause news_nightly")
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    if not args:
        parser.error('no airflow command given (make airflow-cli ARGS="dags list")')
    from pathlib import Path

    try:
        env = stack_env(Path(options.home).resolve(), "127.0.0.1", options.port)
    except (NewscorpusError, OSError) as exc:
        return _fail(exc)
    os.execvpe(sys.executable, [sys.executable, "-m", "airflow", *args], env)
    return 1  # not reached: exec replaced this process


def _fail(exc: NewscorpusError | OSError) -> int:
    """One line on stderr (CONTRACT.md), no traceback, for what stops the stack's environment
    before airflow runs (pipeline.airflow_stack.failure: its line and exit code)."""
    line, code = failure(exc)
    print(f"{PROG}: error: {line}", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
