"""The one news spider: every outlet is a `Source` from sources.yaml, nothing outlet-specific here.

Flow: feeds and sitemaps of the selected sources → URLs announced, normalised, kept when they
belong to the source's domains and match its `article_url` → fetched once unless already
stored and not announced as changed → a `PageItem` per fetch, failures included.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import scrapy
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline import netguard, urls
from pipeline.clean.decode import nul_bytes_binary, wide_encoding
from pipeline.pages import BINARY_MAGIC, HTML_TYPES
from pipeline.sources import Source, SourcesFile, compile_rule
from spiders import discovery
from spiders.items import PageItem
from spiders.ledger import SourceLedger
from spiders.middlewares import RefusedAddress, RefusedRequest, refused_name

progress = logging.getLogger("newscorpus.crawl")

# the crawler reads only <link rel=canonical> itself, from the page's head: parsing a whole
# hostile page (80,000 attributes, 8 MB) inside the event loop stalled every other download
HEAD_BYTES = 256 * 1024


class Known:
    """What earlier crawls stored for a URL: first and latest stored fetch, the lastmod then
    announced, and whether the latest fetch worked."""

    __slots__ = ("first_fetched_at", "fetched_at", "lastmod", "ok")

    def __init__(self, first_fetched_at: datetime, fetched_at: datetime, lastmod: datetime | None, ok: bool):
        self.first_fetched_at, self.fetched_at = first_fetched_at, fetched_at
        self.lastmod, self.ok = lastmod, ok


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        sources_file: SourcesFile,
        only: str = "",
        max_pages: str | int | None = None,
        database_url: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.sources_file = sources_file  # loaded once by the crawl's entry point (spiders/run.py)
        names = [n for n in only.split(",") if n] if only else None
        self.sources: list[Source] = self.sources_file.select(names)
        self.allowed_domains = sorted({d for s in self.sources for d in s.domains})
        self.patterns = {s.name: compile_rule(s.article_url) if s.article_url else None for s in self.sources}
        self.ledger: dict[str, SourceLedger] = {s.name: SourceLedger() for s in self.sources}
        self.max_pages = int(max_pages) if max_pages not in (None, "", "None") else None
        self.database_url = database_url
        self.known: dict[str, Known] = {}
        self.announced: set[str] = set()
        self.scheduled: set[str] = set()
        self.skipped_known: set[str] = set()
        self.lastmods: dict[str, datetime] = {}
        self.pending_documents: dict[str, int] = {s.name: 0 for s in self.sources}
        # (source, feed or sitemap URL) already requested this crawl: a sitemap index listing
        # itself (A→A, A→B→A) would otherwise be fetched forever (document requests skip the dupefilter)
        self.requested_documents: set[tuple[str, str]] = set()
        self.documents_requested: dict[str, int] = {s.name: 0 for s in self.sources}
        # variant_key → the one spelling fetched for it (stored URLs first): an article
        # announced without its trailing slash, as /amp/ or on m. is fetched once
        self.spelling: dict[str, str] = {}
        self.own_hosts = {s.name: {urls.host(u) for u in [*s.feeds, *s.sitemaps]} for s in self.sources}

    # ---- start ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.known = self._load_known()
        for url in sorted(self.known):
            self.spelling.setdefault(urls.variant_key(url), url)
        for source in self.sources:
            progress.info(
                "%s: %d feed(s), %d sitemap(s), %d URL(s) stored before",
                source.name, len(source.feeds), len(source.sitemaps),
                sum(1 for u in self.known if source.owns(urls.host(u))),
            )
            for url in [*source.feeds, *source.sitemaps]:
                request = self._document_request(source, url, depth=0)
                if request is not None:
                    yield request

    def _load_known(self) -> dict[str, Known]:
        """url → last stored fetch, for the selected sources, read once."""
        if not self.database_url:
            return {}
        from pipeline import db

        names = [s.name for s in self.sources]
        # by host too: a page redirected onto another outlet is stored under that outlet. The
        # LIKE only narrows the scan; ownership is decided by urls.owns, the one rule
        likes = [f"%{d.removeprefix('www.')}%" for d in self.allowed_domains]
        with db.connection(self.database_url) as conn, conn.cursor() as cur:
            cur.execute(
                """
                select distinct on (p.url) p.url,
                       min(p.fetched_at) over (partition by p.url), p.fetched_at, p.lastmod,
                       (p.status between 200 and 299 or p.status between 400 and 499 and p.status <> 429),
                       p.source = any(%s)
                from news.pages as p
                where p.source = any(%s) or p.url like any(%s)
                order by p.url, p.fetched_at desc, p.page_id desc
                """,
                (names, names, likes),
            )
            return {
                url: Known(first, at, lastmod, ok)
                for url, first, at, lastmod, ok, mine in cur
                if mine or urls.owns(self.allowed_domains, urls.host(url))
            }

    def _document_request(self, source: Source, url: str, depth: int) -> scrapy.Request | None:
        """A request for a feed or sitemap, or None when this crawl already asked for it, it is
        not the source's (refused, recorded), or a discovery bound is reached (recorded)."""
        if (source.name, url) in self.requested_documents:
            return None
        self.requested_documents.add((source.name, url))
        try:
            url = netguard.check(url, source.domains, self._allowed_networks()).url
        except netguard.Refused as exc:
            self.note_refused(source.name, url, str(exc))
            self.ledger[source.name].documents_failed += 1
            return None
        max_depth = self.settings.getint("NEWSCORPUS_MAX_SITEMAP_DEPTH", 4)
        if depth >= max_depth:
            self._limit_hit(source, f"{url}: sitemap depth limit {max_depth} reached (NEWSCORPUS_MAX_SITEMAP_DEPTH)")
            return None
        most = self.settings.getint("NEWSCORPUS_MAX_DOCUMENTS_PER_SOURCE", 1000)
        if self.documents_requested[source.name] >= most:
            self._limit_hit(source, f"{url}: {most} discovery documents requested (NEWSCORPUS_MAX_DOCUMENTS_PER_SOURCE)")
            return None
        self.documents_requested[source.name] += 1
        self.pending_documents[source.name] += 1
        return scrapy.Request(
            url,
            callback=self.parse_document,
            errback=self.document_failed,
            meta={"source": source.name, "document": True, "depth": depth},
            priority=10,  # discovery first, so --max-pages sees every source's announcements early
            dont_filter=True,
        )

    # ---- feeds and sitemaps ----------------------------------------------------------------
    def parse_document(self, response: Response) -> Iterator[scrapy.Request]:
        source = self.sources_file.by_name(response.meta["source"])
        ledger = self.ledger[source.name]
        try:
            document = discovery.parse(response.body, response.url)
        except discovery.DiscoveryError as exc:
            self._document_error(source, response.url, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a parser's bug on one document: recorded as its failure
            # uncaught, it ended this callback in Scrapy's log only: the feed's items were lost
            # and the source, its document never counted, still reported success
            self.logger.exception("%s: %s: unexpected error reading the document", source.name, response.url)
            self._document_error(source, response.url, f"unreadable ({type(exc).__name__}: {exc})"[:500])
            return
        if document.warning:  # malformed but partly readable: reported, what was read is used
            self._document_error(source, response.url, document.warning, done=False)
        ledger.documents_ok += 1
        depth = response.meta.get("depth", 0) + 1
        for reason, count in document.dropped.items():
            ledger.drop(reason, count)
        for child in document.sitemaps:
            if source.owns(urls.host(child.url)):
                request = self._document_request(source, child.url, depth)
                if request is not None:
                    yield request
                else:
                    self.logger.info("%s: %s lists %s, already requested: skipped", source.name, response.url, child.url)
        for entry in document.entries:
            request = self._announce(source, entry)
            if request is not None:
                yield request
        self._document_done(source)

    def document_failed(self, failure: Failure) -> None:
        request = failure.request
        source = self.sources_file.by_name(request.meta["source"])
        if _resolver_refused(failure):
            self.note_refused(source.name, request.url, _resolver_refused(failure))
        if _robots(failure):
            self.ledger[source.name].robots_blocked += 1
            self._document_error(source, request.url, "forbidden by robots.txt")
        else:
            self._document_error(source, request.url, _describe(failure))

    def _allowed_networks(self) -> list[str]:
        return list(self.settings.getlist("NEWSCORPUS_ALLOW_NETWORKS") or [])

    def note_refused(self, source_name: str | None, url: str, reason: str) -> None:
        """The SSRF guard refused a URL (announced, listed or a redirect hop): counted, reason kept."""
        ledger = self.ledger.get(source_name or "")
        if ledger is not None:
            ledger.refused += 1
            ledger.error(f"{url[:300]}: refused: {reason}")
        self.logger.warning("%s: %s refused: %s", source_name or "-", url[:300], reason)

    def _limit_hit(self, source: Source, message: str) -> None:
        ledger = self.ledger[source.name]
        ledger.limits_hit += 1
        if ledger.limits_hit <= 3:
            ledger.error(message)
            self.logger.warning("%s: %s", source.name, message)

    def _document_error(self, source: Source, url: str, message: str, done: bool = True) -> None:
        ledger = self.ledger[source.name]
        ledger.error(f"{url}: {message}")
        ledger.documents_failed += 1
        # one document's fault is a warning; the source failing as a whole fails the task upstream
        self.logger.warning("%s: %s: %s", source.name, url, message)
        if done:
            self._document_done(source)

    def _document_done(self, source: Source) -> None:
        self.pending_documents[source.name] -= 1
        if self.pending_documents[source.name] == 0:
            ledger = self.ledger[source.name]
            progress.info(
                "%s: discovery done: %d article URL(s) announced, %d to fetch, %d already stored, %d error(s)%s",
                source.name, ledger.urls_announced, ledger.urls_scheduled,
                ledger.urls_skipped_known, ledger.documents_failed,
                "".join(f", {n} dropped: {reason}" for reason, n in sorted(ledger.urls_dropped.items())),
            )
            if ledger.urls_dropped and not ledger.urls_announced:
                self.logger.warning("%s: every announced URL was dropped (%s)", source.name,
                                    ", ".join(f"{r}: {n}" for r, n in sorted(ledger.urls_dropped.items())))

    def _announce(self, source: Source, entry: discovery.Entry) -> scrapy.Request | None:
        """A request for an announced URL, or None when it is not ours, not an article or known."""
        ledger = self.ledger[source.name]
        url = urls.normalise(urls.canonical_form(urls.normalise(entry.url), self.own_hosts[source.name]))
        pattern = self.patterns[source.name]
        try:
            target = netguard.parse(url)
        except netguard.Refused:
            ledger.urls_not_article += 1
            ledger.drop("not a valid http(s) URL")
            return None
        # `url` stays the normalised spelling (the stored pages' key); Scrapy requests
        # target.url, the safe form netguard checked, as safe_url_string gives the same
        reason = (
            "off the source's domains" if not source.owns(target.host)
            else "not matching article_url" if pattern is not None and not pattern.search(url)
            else None
        )
        if reason:
            ledger.urls_not_article += 1
            ledger.drop(reason)
            return None
        literal = netguard.ip_literal(target.host)
        refusal = netguard.non_public(literal, self._allowed_networks()) if literal is not None else None
        if refusal:
            self.note_refused(source.name, url, f"address {literal} is {refusal}")
            return None
        spelling = self.spelling.setdefault(urls.variant_key(url), url)
        if spelling != url:
            if url not in self.announced:
                self.announced.add(url)
                ledger.drop("URL variant of one already announced or stored")
            url = spelling
        if entry.lastmod is not None and (url not in self.lastmods or entry.lastmod > self.lastmods[url]):
            self.lastmods[url] = entry.lastmod
        first = url not in self.announced
        if first:
            self.announced.add(url)
            ledger.urls_announced += 1
        if url in self.scheduled:
            return None
        known = self.known.get(url)
        if known is not None and not self._worth_refetching(known, entry.lastmod):
            if url not in self.skipped_known:
                self.skipped_known.add(url)
                ledger.urls_skipped_known += 1
            return None
        if self.max_pages is not None and len(self.scheduled) >= self.max_pages:
            if first:
                ledger.urls_over_limit += 1
            return None
        if url in self.skipped_known:  # a later announcement said it changed after all
            self.skipped_known.discard(url)
            ledger.urls_skipped_known -= 1
        self.scheduled.add(url)
        ledger.urls_scheduled += 1
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.page_failed,
            meta={"source": source.name, "url": url, "known": known is not None},
            # de-duplicated above; the dupefilter would silently drop redirect loops and
            # redirects onto a URL fetched for another source instead of reporting them. It
            # bypasses nothing else: GuardMiddleware checks every request and redirect hop
            dont_filter=True,
        )

    def _worth_refetching(self, known: Known, lastmod: datetime | None) -> bool:
        """Changed since the stored fetch, a transient failure old enough to try again, or a
        young article due a revisit (many RSS feeds keep an updated story's pubDate, so a
        story's first day or two of edits would otherwise never be seen)."""
        if lastmod is not None and lastmod > (known.lastmod or known.fetched_at):
            return True
        now = datetime.now(timezone.utc)
        if not known.ok:
            hours = self.settings.getfloat("NEWSCORPUS_RETRY_FAILED_AFTER_HOURS", 6.0)
            return known.fetched_at < now - timedelta(hours=hours)
        young = known.first_fetched_at > now - timedelta(hours=self.settings.getfloat("NEWSCORPUS_REVISIT_WITHIN_HOURS", 48.0))
        due = known.fetched_at <= now - timedelta(hours=self.settings.getfloat("NEWSCORPUS_REVISIT_EVERY_HOURS", 12.0))
        return young and due

    # ---- article pages ---------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[PageItem]:
        item = self._item(response.request, status=response.status, final_url=response.url)
        item.received_bytes = len(response.body)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").strip() or None
        item.content_type = content_type
        problem = _not_html(content_type, response.body)
        if problem:
            item.error = problem
        else:
            item.body = response.body
            if isinstance(response, TextResponse):
                href = _canonical_href(response)
                if href:
                    item.canonical_url = urls.normalise(response.urljoin(href))
        item.source = self._owner(response.url, item.source)
        yield item

    def page_failed(self, failure: Failure) -> Iterator[PageItem]:
        request = failure.request
        if _robots(failure):
            self.ledger[request.meta["source"]].robots_blocked += 1
            return
        if _resolver_refused(failure):
            self.note_refused(request.meta["source"], request.url, _resolver_refused(failure))
        response = getattr(failure.value, "response", None)
        item = self._item(
            request,
            status=response.status if response is not None else 0,
            final_url=response.url if response is not None else request.url,
        )
        if response is not None:
            item.content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        item.error = _describe(failure)
        yield item

    def _item(self, request: scrapy.Request, status: int, final_url: str) -> PageItem:
        url = request.meta["url"]
        warc_file, warc_offset, warc_length = request.meta.get("warc") or (None, None, None)  # spiders.warc
        return PageItem(
            source=request.meta["source"],
            url=url,
            final_url=final_url,
            status=status,
            fetched_at=datetime.now(timezone.utc),
            lastmod=self.lastmods.get(url),
            known=request.meta.get("known", False),
            announced_by=request.meta["source"],
            warc_file=warc_file, warc_offset=warc_offset, warc_length=warc_length,
        )

    def _owner(self, final_url: str, announced_by: str) -> str:
        """A redirect to another configured outlet's host: the page is that outlet's."""
        owner = self.sources_file.for_host(urls.host(final_url))
        return owner.name if owner is not None else announced_by


def _canonical_href(response: TextResponse) -> str | None:
    """<link rel=canonical href> from the page's head only (at most HEAD_BYTES parsed)."""
    body = response.body[:HEAD_BYTES]
    end = body.lower().find(b"</head")
    if end >= 0:
        body = body[:end]
    try:
        # a BOM-less UTF-16/32 page: Scrapy's encoding comes from the label alone (decode.py)
        encoding = wide_encoding(response.body) or response.encoding or "utf-8"
        selector = scrapy.Selector(text=body.decode(encoding, "replace"), type="html")
        href = selector.xpath('//link[@rel="canonical"]/@href').get()
    except (ValueError, LookupError):
        return None
    return href.strip() if href and href.strip() else None


def _resolver_refused(failure: Failure) -> str:
    """The guard's reason when the resolver refused the request's host address."""
    from twisted.internet.error import DNSLookupError

    if failure.check(DNSLookupError, CannotResolveHostError) is None:
        return ""
    return refused_name(urls.host(failure.request.url))


def _robots(failure: Failure) -> bool:
    return (failure.check(IgnoreRequest) is not None and failure.check(RefusedRequest) is None
            and "robots.txt" in str(failure.value))


def _describe(failure: Failure) -> str:
    """One line saying why a fetch failed."""
    value = failure.value
    if isinstance(value, (RefusedRequest, RefusedAddress)):
        return str(value)[:500]
    if _resolver_refused(failure):
        return "refused: " + _resolver_refused(failure)
    if isinstance(value, HttpError) and value.response is not None:
        return f"HTTP {value.response.status}"
    text = str(value).strip().splitlines()[0] if str(value).strip() else ""
    if isinstance(value, IgnoreRequest) and "redirect" in text:
        return f"redirect loop or too many redirects ({text})"
    return f"{type(value).__name__}: {text}"[:500]


def _not_html(content_type: str | None, body: bytes) -> str | None:
    """Why a response is not an HTML page to keep, or None when it is one."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared and declared not in HTML_TYPES:
        return f"not HTML: served as {declared}"
    head = body[:16].lstrip()
    for magic, kind in BINARY_MAGIC.items():
        if head.startswith(magic):
            return f"not HTML: content is {kind} although served as {declared or 'no type'}"
    if nul_bytes_binary(body):  # UTF-16/32 text is full of NULs, a text page may carry a stray one
        return f"not HTML: binary content served as {declared or 'no type'}"
    if not body.strip():
        return "empty body"
    return None
