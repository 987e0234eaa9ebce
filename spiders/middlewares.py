"""Downloader middlewares: back-off from struggling hosts, and the SSRF guard (GuardMiddleware,
GuardedResolver) on every request, redirect hop and DNS answer.

Back off from a struggling host: exponential delay on 429/5xx, Retry-After honoured.

Scrapy's RetryMiddleware re-schedules a failed request at once. Before the retry goes out,
this raises the host's download-slot delay to `RETRY_BACKOFF_BASE_SECONDS * 2**retries`
(or to the server's Retry-After, when it names one), bounded by RETRY_AFTER_MAX_SECONDS,
and puts the slot's own delay back after the next successful response. The delay lives on
the slot, so the whole host slows down, not one request, and the reactor never blocks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from spiders.discovery import parse_date

log = logging.getLogger(__name__)

BACKOFF_STATUSES = frozenset({429, 500, 502, 503, 504, 522, 524})


def backoff_seconds(retries: int, base: float, cap: float, retry_after: float | None) -> float:
    """How long the host's slot waits before its next request."""
    wanted = retry_after if retry_after is not None else base * 2 ** retries
    return min(max(wanted, 0.0), cap)


class BackoffMiddleware:
    def __init__(self, crawler, base_seconds: float, max_seconds: float):  # noqa: ANN001
        self.crawler = crawler
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.normal_delay: dict[str, float] = {}  # slot key -> its delay before backing off

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        settings = crawler.settings
        return cls(
            crawler,
            settings.getfloat("RETRY_BACKOFF_BASE_SECONDS", 1.0),
            settings.getfloat("RETRY_AFTER_MAX_SECONDS", 120),
        )

    def process_response(self, request, response):  # noqa: ANN001, ANN201
        key, slot = self._slot(request)
        if slot is None:
            return response
        if response.status in BACKOFF_STATUSES:
            header = response.headers.get(b"Retry-After")
            retry_after = _seconds(header.decode("latin-1")) if header else None
            seconds = backoff_seconds(
                request.meta.get("retry_times", 0), self.base_seconds, self.max_seconds, retry_after
            )
            if seconds > slot.delay:
                self.normal_delay.setdefault(key, slot.delay)
                log.info("%s answered %s: backing off %.1fs", key, response.status, seconds)
                slot.delay = seconds
        elif 200 <= response.status < 400 and key in self.normal_delay:
            slot.delay = self.normal_delay.pop(key)
        return response

    def _slot(self, request):  # noqa: ANN001, ANN202
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        return key, downloader.slots.get(key)


def _seconds(value: str) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_date(value)
    return None if when is None else max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# ---- SSRF guard ----------------------------------------------------------------------------

class RefusedRequest(IgnoreRequest):
    """A request the SSRF guard would not send; str() is "refused: <reason>"."""


class RefusedAddress(DNSLookupError):
    """A name that resolved to a non-public address; str() is "refused: <reason>"."""


def allowed_networks(settings) -> list[str]:  # noqa: ANN001 - scrapy Settings
    """NEWSCORPUS_ALLOW_NETWORKS: CIDR networks allowed although not public (sample web: loopback)."""
    return list(settings.getlist("NEWSCORPUS_ALLOW_NETWORKS") or [])


class GuardMiddleware:
    """Every request, redirect hop and robots.txt fetch is parsed once (pipeline.netguard) and
    refused unless http(s), owned and, for an IP-literal host, public. Names are checked when
    they resolve (GuardedResolver), i.e. at connect time, so a DNS answer that changes between
    the check and the connection (rebinding) cannot slip through.

    Ownership: the request's source's domains (meta "source"); a redirect hop may also land on
    another configured source's host (it is stored under that source, see NewsSpider._owner);
    robots.txt requests (no source) must be on any configured source's host.
    """

    def __init__(self, crawler, networks: list[str]):  # noqa: ANN001
        self.crawler = crawler
        self.networks = networks

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler, allowed_networks(crawler.settings))

    def process_request(self, request):  # noqa: ANN001, ANN201
        from pipeline import netguard

        spider = self.crawler.spider
        sources_file = getattr(spider, "sources_file", None)
        if sources_file is None:
            return None
        name = request.meta.get("source")
        every = [d for s in sources_file.sources for d in s.domains]
        if name is None or request.meta.get("redirect_urls"):
            domains = every
        else:
            domains = sources_file.by_name(name).domains
        try:
            netguard.check(request.url, domains, self.networks)
        except netguard.Refused as exc:
            note = getattr(spider, "note_refused", None)
            if note is not None:
                note(name, request.url, str(exc))
            raise RefusedRequest(f"refused: {exc}") from None
        return None


# name → why its address was refused, filled by GuardedResolver: Twisted's endpoint turns any
# resolver error into "no results for hostname lookup", so the spider reads the reason here
REFUSED_NAMES: dict[str, str] = {}


def refused_name(host: str) -> str:
    """The resolver's refusal reason for `host`, '' when it refused nothing for it."""
    return REFUSED_NAMES.get(host.lower().rstrip("."), "")


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing names whose address is not public: the address
    checked is the address connected to (Twisted connects to what getHostByName returns)."""

    def __init__(self, reactor, cache_size: int, timeout: float, networks: list[str]):  # noqa: ANN001
        super().__init__(reactor, cache_size, timeout)
        self.networks = networks

    @classmethod
    def from_crawler(cls, crawler, reactor):  # noqa: ANN001, ANN206
        size = crawler.settings.getint("DNSCACHE_SIZE") if crawler.settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, size, crawler.settings.getfloat("DNS_TIMEOUT"), allowed_networks(crawler.settings))

    def getHostByName(self, name: str, timeout=()):  # noqa: ANN001, ANN201, N802 - Twisted's name
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        from pipeline import netguard

        reason = netguard.non_public(address, self.networks)
        if reason:
            message = f"{name} resolves to {address} ({reason})"
            if len(REFUSED_NAMES) < 10000:
                REFUSED_NAMES[name.lower().rstrip(".")] = message
            raise RefusedAddress(f"refused: {message}")
        return address
