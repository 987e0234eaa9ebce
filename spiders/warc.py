"""WarcArchive: a downloader middleware keeping every fetch as WARC 1.1 request/response records.

Every response the downloader hands back — article pages, feeds, sitemaps, robots.txt, error
answers and the ones a retry will repeat — is written as a request record and a response
record (through pipeline/warc.py's RotatingWarcFile, which owns the file layout, rotation and
the newscorpus record fields) before any other middleware changes it: the payload is what the
server sent (still Content-Encoded; the Transfer-Encoding header is dropped because Twisted
already de-chunked the body).

The record's place (file, offset, length) goes to `request.meta["warc"]`, so the spider's
PageItem — and news.pages — point at it. Settings: see pipeline/warc.py.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders

from pipeline import envsettings
from pipeline.warc import ANNOUNCED_HEADER, RUN_HEADER, SOURCE_HEADER, RotatingWarcFile, warc_date
from pipeline.warc import setting as _setting

log = logging.getLogger(__name__)

# hop-by-hop framing Twisted has already undone: keeping it would make readers de-chunk again
DROPPED_HEADERS = {b"transfer-encoding"}
BUILDER = RecordBuilder(warc_version="WARC/1.1")


class WarcArchive:
    """Downloader middleware (ordered close to the downloader, so it sees raw responses)."""

    def __init__(self, crawler: Any, output: RotatingWarcFile, run_id: str):
        self.crawler = crawler
        self.output = output
        self.run_id = run_id
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WarcArchive":
        settings = crawler.settings
        directory = _setting(settings, "NEWSCORPUS_WARC_DIR")
        if not directory or directory.strip().lower() in ("off", "0", "false", "no", "none"):
            raise NotConfigured("NEWSCORPUS_WARC_DIR is not set or off")
        run_id = str(settings.get("NEWSCORPUS_RUN_ID") or "0")
        started = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        output = RotatingWarcFile(
            Path(directory), f"newscorpus-{run_id}-{started}-{os.getpid()}",
            envsettings.value("NEWSCORPUS_WARC_MAX_BYTES", raw=_setting(settings, "NEWSCORPUS_WARC_MAX_BYTES")),
        )
        middleware = cls(crawler, output, run_id)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        self.output.close()
        log.info("WARC: %d record(s) in %s", self.records, ", ".join(p.name for p in self.output.paths))

    def process_request(self, request):  # noqa: ANN001, ANN201 - Scrapy's signature
        request.meta.pop("warc", None)  # a redirect's copy of the meta must not point at the 3xx
        return None

    def process_response(self, request, response):  # noqa: ANN001, ANN201 - Scrapy's signature
        fetched_at = datetime.now(timezone.utc)
        warc_headers = {"WARC-Date": warc_date(fetched_at), RUN_HEADER: self.run_id}
        source = self._source(request)
        if source:
            warc_headers[SOURCE_HEADER] = source
        announced = self._announced(request)
        if announced is not None:
            warc_headers[ANNOUNCED_HEADER] = warc_date(announced)
        url = response.url
        response_record = BUILDER.create_warc_record(
            url, "response", payload=io.BytesIO(response.body), length=len(response.body),
            warc_headers_dict=dict(warc_headers), http_headers=_response_headers(response),
        )
        request_record = BUILDER.create_warc_record(
            url, "request", payload=io.BytesIO(request.body or b""), length=len(request.body or b""),
            warc_headers_dict={"WARC-Date": warc_headers["WARC-Date"],
                               "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID")},
            http_headers=_request_headers(request),
        )
        _, place = self.output.write([request_record, response_record])
        self.records += 2
        request.meta["warc"] = place
        return response

    def _source(self, request: Any) -> str | None:
        """The source the request was made for; robots.txt requests: the source owning the host."""
        name = request.meta.get("source")
        if name:
            return name
        spider = getattr(self.crawler, "spider", None)
        sources_file = getattr(spider, "sources_file", None)
        if sources_file is None:
            return None
        from pipeline import urls

        owner = sources_file.for_host(urls.host(request.url))  # the one parser, the one ownership rule
        return owner.name if owner is not None else None

    def _announced(self, request: Any) -> datetime | None:
        url = request.meta.get("url")
        spider = getattr(self.crawler, "spider", None)
        return getattr(spider, "lastmods", {}).get(url) if url else None


def _response_headers(response: Any) -> StatusAndHeaders:
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    from http import HTTPStatus

    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items() if name.lower() not in DROPPED_HEADERS
        for value in values
    ]
    return StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol=protocol)


def _request_headers(request: Any) -> StatusAndHeaders:
    from urllib.parse import urlsplit

    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)] + [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in request.headers.items() for value in values
    ]
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)
