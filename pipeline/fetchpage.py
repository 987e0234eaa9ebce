"""Fetch single pages for `newscorpus clean --input-list` (URLs), politely.

The crawler's own settings (spiders.settings: user agent, robots.txt obeyed, download delay
per host, timeout, body cap) apply, so `clean` never hits a site harder than the crawl would.

This is deliberately one small function, `fetch`, that the CLI calls through: issue 12 builds
the crawler's SSRF guard (refusing private and link-local addresses for non-loopback runs);
when it lands, `fetch` should route through it. Until then, only http(s) URLs are fetched and
redirects are capped at `MAX_REDIRECTS`.
"""

from __future__ import annotations

import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests

from spiders import settings as crawl_settings

ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB of a robots.txt; so do we
MAX_REDIRECTS = int(crawl_settings.DEFAULTS["REDIRECT_MAX_TIMES"])


class FetchError(Exception):
    """One URL could not be fetched; the message says why in one line."""


@dataclass
class Fetcher:
    """Fetches pages one by one, waiting DOWNLOAD_DELAY between two requests to one host and
    asking each host's robots.txt first (cached per host)."""

    user_agent: str = crawl_settings.DEFAULTS["USER_AGENT"]
    delay_s: float = float(crawl_settings.DEFAULTS["DOWNLOAD_DELAY"])
    timeout_s: float = float(crawl_settings.DEFAULTS["DOWNLOAD_TIMEOUT"])
    max_bytes: int = int(crawl_settings.DEFAULTS["DOWNLOAD_MAXSIZE"])
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)
    _session: requests.Session = field(default_factory=requests.Session)

    def fetch(self, url: str) -> tuple[str, bytes]:
        """(final URL, body bytes) of a 2xx answer; FetchError otherwise."""
        parts = _http_url(url)
        if not self._allowed(parts, url):
            raise FetchError(f"robots.txt of {parts.netloc} disallows {url}")
        self._session.max_redirects = MAX_REDIRECTS
        response = self._get(parts.netloc, url)
        try:
            if not 200 <= response.status_code < 300:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            _http_url(response.url)
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError(f"{url} is larger than {self.max_bytes // crawl_settings.MIB} MiB")
            return response.url, bytes(body)
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {type(exc).__name__}") from exc
        finally:
            response.close()

    def _get(self, host: str, url: str) -> requests.Response:
        wait = self._last.get(host, 0.0) + self.delay_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return self._session.get(url, timeout=self.timeout_s, stream=True,
                                     headers={"User-Agent": self.user_agent})
        except requests.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {_first_line(exc)}") from exc
        finally:
            self._last[host] = time.monotonic()

    def _allowed(self, parts, url: str) -> bool:  # noqa: ANN001 - SplitResult
        if parts.netloc not in self._robots:
            robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
            try:
                response = self._get(parts.netloc, robots_url)
                if 200 <= response.status_code < 300:
                    head = bytearray()
                    for chunk in response.iter_content(64 * 1024):  # bounded read
                        head += chunk
                        if len(head) >= ROBOTS_MAX_BYTES:
                            break
                    parser.parse(bytes(head[:ROBOTS_MAX_BYTES]).decode("utf-8", "replace").splitlines())
                elif response.status_code in (401, 403):
                    parser.disallow_all = True
                else:
                    parser = None  # no robots.txt: everything allowed
                response.close()
            except FetchError:
                parser = None
            self._robots[parts.netloc] = parser
        parser = self._robots[parts.netloc]
        return parser is None or parser.can_fetch(self.user_agent, url)


def _http_url(url: str):  # noqa: ANN202 - SplitResult
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise FetchError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    return parts


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""
