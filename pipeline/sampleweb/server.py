"""Serve the sample web over real HTTP: one loopback address per outlet, all on one port.

Outlet i listens on ``{host_prefix}.{i+1}`` (e.g. 127.0.1.1 .. 127.0.1.11; Linux routes all of
127.0.0.0/8 to loopback without set-up).  Pages are generated on request from (seed, stories,
day); nothing is pre-rendered.  See :mod:`site` for the admin endpoints (/_sampleweb/day/N).
"""
from __future__ import annotations

import errno
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import outlets
from .site import Site


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SampleWeb/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet unless asked
        if getattr(self.server, "verbose", False):
            sys.stderr.write("%s %s\n" % (self.server.source, fmt % args))

    def _serve(self, head: bool) -> None:
        site: Site = self.server.site
        try:
            resp = site.handle(self.server.source, self.path)
        except Exception as exc:  # pragma: no cover - a generator bug must not kill the thread silently
            sys.stderr.write(f"sample-web: error on {self.path}: {exc!r}\n")
            self.send_error(500)
            return
        if resp.delay:
            time.sleep(resp.delay)
        length = resp.length if resp.stream is not None else len(resp.body)
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.ctype)
            self.send_header("Content-Length", str(length))
            for k, v in resp.headers:
                self.send_header(k, v)
            self.end_headers()
            if head:
                return
            if resp.stream is not None:
                for chunk in resp.stream():
                    self.wfile.write(chunk)
            else:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def bind_hosts(host_prefix: str, port: int, n: int, attempts: int = 30) -> tuple[int, list[_Server]]:
    """Bind n servers on host_prefix.1..n with one shared port (port 0: pick one, retry on collision)."""
    last = None
    for _ in range(attempts if port == 0 else 1):
        servers: list[_Server] = []
        try:
            p = port
            for i in range(n):
                s = _Server((f"{host_prefix}.{i + 1}", p), _Handler)
                servers.append(s)
                p = s.server_address[1]
            return p, servers
        except OSError as exc:
            last = exc
            for s in servers:
                s.server_close()
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
    raise OSError(f"could not bind {n} hosts under {host_prefix} on one port: {last}")


class SampleWebServer:
    def __init__(self, servers: list[_Server], site: Site, verbose: bool = False):
        self.servers, self.site = servers, site
        for s, o in zip(servers, outlets.OUTLETS):
            s.site, s.source, s.verbose = site, o.slug, verbose
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for s in self.servers:
            t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self) -> None:
        for s in self.servers:
            s.shutdown()
        for s in self.servers:
            s.server_close()
