"""Fetch single pages for `newscorpus clean --input-list` (URLs), politely.

The crawler's own settings (pipeline.crawl_settings: user agent, robots.txt obeyed, download delay
per host, timeout, body cap) apply, so `clean` never hits a site harder than the crawl would.

Every URL and every redirect hop goes through the crawler's SSRF guard (pipeline.netguard):
http(s) only, one URL parser, and every address the host resolves to must be public unless a
network is explicitly allowed (the sample web's sources file allows loopback). Redirects are
followed by hand, at most `MAX_REDIRECTS`, each hop checked. Unlike the crawler, whose resolver
is the one the connection uses, requests resolves the name again when it connects, so a DNS
answer that changes between the check and the connection is not caught here.
"""

from __future__ import annotations

import socket
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests

from pipeline import crawl_settings, netguard

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
    allowed_networks: tuple[str, ...] = ()  # NEWSCORPUS_ALLOW_NETWORKS of the sources file
    _session: requests.Session = field(default_factory=requests.Session)

    def fetch(self, url: str) -> tuple[str, bytes]:
        """(final URL, body bytes) of a 2xx answer; FetchError otherwise."""
        for _hop in range(MAX_REDIRECTS + 1):
            parts = self._guarded(url)
            if not self._allowed(parts, url):
                raise FetchError(f"robots.txt of {parts.netloc} disallows {url}")
            response = self._get(parts.netloc, url)
            if not response.is_redirect:
                break
            location = response.headers.get("Location", "")
            response.close()
            url = requests.compat.urljoin(url, location)
        else:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
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
            return self._session.get(url, timeout=self.timeout_s, stream=True, allow_redirects=False,
                                     headers={"User-Agent": self.user_agent})
        except requests.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {_first_line(exc)}") from exc
        finally:
            self._last[host] = time.monotonic()

    def _guarded(self, url: str):  # noqa: ANN202 - SplitResult
        """The URL's parts when every address its host resolves to may be fetched; FetchError
        ("refused: …") otherwise."""
        parts = _http_url(url)
        try:
            host = netguard.parse(url).host
            literal = netguard.ip_literal(host)
            addresses = [literal] if literal is not None else [
                info[4][0] for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)]
        except netguard.Refused as exc:
            raise FetchError(f"refused: {url}: {exc}") from None
        except OSError as exc:
            raise FetchError(f"{url}: cannot resolve {parts.hostname}: {exc}") from None
        for address in addresses:
            reason = netguard.non_public(str(address), self.allowed_networks)
            if reason:
                raise FetchError(f"refused: {url}: address {address} is {reason}")
        return parts

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
