"""WARC files for the archive/backfill tests: written from the sample web with warcio, served
on loopback like Common Crawl serves CC-NEWS (a `warc.paths.gz` per month, byte ranges).

Imported by tests/test_warc*.py and tests/test_backfill*.py (not a registered plugin).

    write_month(path, fetches, month_start)      # warcio, one gzip member per record
    with serving(root) as server:                # http://127.0.0.1:PORT/, Range supported
        server.url("crawl-data/CC-NEWS/2026/01/warc.paths.gz")
        server.stall(name, after_bytes)          # that file stops sending after N bytes
"""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def fetch(url: str, timeout: float = 15) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of one GET, redirects not followed, no decoding."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"User-Agent": "newscorpus-tests"})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, list(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, list(exc.headers.items()), exc.read()


def response_record(writer: WARCWriter, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
                    when: datetime, extra: dict[str, str] | None = None):  # noqa: ANN201
    http = StatusAndHeaders(f"{status} X", [(k, v) for k, v in headers if k.lower() != "transfer-encoding"],
                            protocol="HTTP/1.1")
    return writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"), **(extra or {})},
    )


def write_month(path: Path, urls: list[str], start: datetime, fetch_retries: int = 3) -> list[int]:
    """Fetch each URL from the (running) sample web and archive it: request + response
    records, WARC-Dates one minute apart from `start`. A 5xx answer is archived and fetched
    again, as a crawler's retry would. Returns the offsets of the response records."""
    offsets = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        for number, url in enumerate(urls):
            when = start + timedelta(minutes=number)
            for _ in range(fetch_retries):
                status, headers, body = fetch(url)
                request = writer.create_warc_record(
                    url, "request", payload=io.BytesIO(b""), length=0,
                    http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [("User-Agent", "tests")],
                                                  is_http_request=True),
                    warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
                )
                writer.write_record(request)
                offsets.append(out.tell())
                writer.write_record(response_record(writer, url, status, headers, body, when))
                if status < 500:
                    break
    return offsets


def write_listing(root: Path, month: str, names: list[str]) -> Path:
    """crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz listing `names` (paths relative to root)."""
    year, mm = month.split("-")
    listing = root / "crawl-data" / "CC-NEWS" / year / mm / "warc.paths.gz"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_bytes(gzip.compress(("\n".join(names) + "\n").encode()))
    return listing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass

    def do_GET(self) -> None:  # noqa: N802
        server: _Server = self.server  # type: ignore[assignment]
        name = self.path.lstrip("/").split("?")[0]
        path = (server.root / name).resolve()
        if not path.is_file() or server.root not in path.parents:
            self.send_error(404)
            return
        data = path.read_bytes()
        start, end, status = 0, len(data) - 1, 200
        match = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
        if match and server.ranges:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
            status = 206
        body = data[start:end + 1]
        server.requests.append((name, self.headers.get("Range")))
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        stall = server.stalls.get(name)
        if stall is not None and start < stall:
            self.wfile.write(body[:stall - start])
            self.wfile.flush()
            server.release.wait(120)  # hold the connection open: the reader blocks mid-file
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root.resolve()
        self.ranges = True
        self.stalls: dict[str, int] = {}
        self.release = threading.Event()
        self.requests: list[tuple[str, str | None]] = []

    def url(self, name: str = "") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"

    def stall(self, name: str, after_bytes: int) -> None:
        self.stalls[name] = after_bytes

    def unstall(self) -> None:
        self.stalls.clear()
        self.release.set()


@contextlib.contextmanager
def serving(root: Path) -> Iterator[_Server]:
    server = _Server(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def month_start(month: str) -> datetime:
    year, mm = map(int, month.split("-"))
    return datetime(year, mm, 3, 8, 0, tzinfo=timezone.utc)
