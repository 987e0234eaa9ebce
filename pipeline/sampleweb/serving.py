"""Serve the sample web from a subprocess: what the demo, the Airflow demo, the benchmarks and
the tests' fixtures (tests/plugins/sampleweb.py) start, like Scrapy's own MockServer.

    with running_sample_web(tmp_path) as web:
        web.port, web.base_urls, web.sources_path, web.key_path, web.key
        web.url("daily-beacon", "/news/feed/")
        web.set_day(2)          # GET <first host>/_sampleweb/day/2
        web.reset_faults()      # the first-request-500 fault fires again
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .key import AnswerKey, load_key

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SampleWebHandle:
    port: int
    base_urls: dict[str, str]
    sources_path: Path
    key_path: Path
    process: subprocess.Popen
    info: dict = field(default_factory=dict)
    _key: AnswerKey | None = None

    @property
    def key(self) -> AnswerKey:
        if self._key is None:
            self._key = load_key(self.key_path)
        return self._key

    @property
    def admin_url(self) -> str:
        return next(iter(self.base_urls.values())) + "/_sampleweb"

    def url(self, source: str, path: str = "/") -> str:
        return self.base_urls[source] + (path if path.startswith("/") else "/" + path)

    def _admin(self, what: str) -> dict:
        with urllib.request.urlopen(f"{self.admin_url}/{what}", timeout=10) as r:
            return json.loads(r.read())

    def set_day(self, day: int) -> dict:
        return self._admin(f"day/{int(day)}")

    def reset_faults(self) -> dict:
        return self._admin("reset")

    def state(self) -> dict:
        return self._admin("state")


@contextlib.contextmanager
def running_sample_web(tmpdir, stories: int = 40, seed: int = 7, day: int = 1, slow_seconds: float = 6,
                       host_prefix: str = "127.0.1", startup_timeout: float = 120, port: int = 0):
    out = Path(tmpdir)
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pipeline.sampleweb", "serve", "--out", str(out), "--stories", str(stories),
           "--seed", str(seed), "--day", str(day), "--slow-seconds", str(slow_seconds),
           "--host-prefix", host_prefix, "--port", str(port)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(REPO_ROOT), env=env,
                            text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(startup_timeout)
    try:
        if not line or not line[0].strip():
            proc.kill()
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"sample web did not start: {err.strip()[-2000:]}")
        info = json.loads(line[0])
        # drain the rest of stdout/stderr so the child never blocks on a full pipe
        for stream in (proc.stdout, proc.stderr):
            threading.Thread(target=lambda s=stream: [None for _ in s], daemon=True).start()
        yield SampleWebHandle(port=info["port"], base_urls=info["base_urls"], sources_path=Path(info["sources"]),
                              key_path=Path(info["key"]), process=proc, info=info)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
