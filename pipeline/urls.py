"""URLs: how an article's URL is spelled and which host, and so which source, it names.

The one module for URL normalisation and host ownership, used by the crawler (announced URLs,
the SSRF guard, variant spellings), the extractor (article keys, canonical links) and backfill:

- `normalise`: the URL an article is stored under. courlan lowercases scheme and host, drops
  default ports and tracking parameters (utm_*, fbclid, gclid, …) and sorts the query; the
  fragment is dropped here because it never names a different document.
- `parse` / `host`: a URL as Scrapy will request it (`w3lib.url.safe_url_string`, the same call
  `scrapy.Request` makes, which turns a backslash in the authority into a path slash as browsers
  do), split once with `urllib.parse.urlsplit`, the parser Scrapy's download handler uses. URLs
  with userinfo (`user@host`) are refused: a news page never needs one and it is how the
  check/connect split is usually smuggled (`http://127.0.0.1:1\\@www.outlet.test/` was
  "outlet.test" to a domain check and 127.0.0.1 to the connection before there was one parser).
- `owns`: the one ownership rule (a source's domains and their subdomains).
- `variant_key` / `canonical_form`: AMP and mobile spellings of one article.
- `host_of`: the host as an article's outlet key (no port, no leading 'www.').

Whether an address may be fetched is pipeline/netguard.py's job; nothing here does network I/O.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from courlan import normalize_url
from w3lib.url import safe_url_string

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")
_LEGACY_V4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)

# ---- normalisation: the URL an article is stored under ---------------------------------

# parameters courlan keeps but that only say where a click came from
_EXTRA_TRACKING = re.compile(r"^(ico|ito|cmpid|mc_cid|mc_eid|igshid|ocid|icid|_ga|dclid|msclkid|yclid)$", re.I)


def normalise(url: str) -> str:
    """The URL an article is stored under."""
    url = urldefrag(url.strip())[0]
    try:
        url = normalize_url(url, strict=False)
    except (ValueError, AttributeError):
        return url
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    if parts.query:
        kept = [p for p in parts.query.split("&") if not _EXTRA_TRACKING.match(p.split("=", 1)[0])]
        url = parts._replace(query="&".join(kept)).geturl()
    return url


# AMP and mobile spellings of an article: the page's canonical form is the plain one
# (AMP pages must declare the non-AMP page as rel=canonical: amp.dev, "Make your page discoverable")
_AMP_QUERY = re.compile(r"^(?:amp|outputtype|output|format|view)$", re.I)
_AMP_VALUES = {"", "1", "true", "amp"}
_MOBILE_HOST = re.compile(r"^(?:m|mobile|amp)\.", re.I)


def variant_key(url: str) -> str:
    """What every spelling of one article's URL shares: host without www./m./mobile./amp.,
    path without an /amp segment or a trailing slash, query without AMP switches.

    Example: `https://m.x.example/news/a-1/amp/?amp=1` and `https://www.x.example/news/a-1`
    both give `x.example/news/a-1`.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = _MOBILE_HOST.sub("", host).removeprefix("www.")
    if parts.port:
        host = f"{host}:{parts.port}"
    path = re.sub(r"/index\.html?$", "/", _without_amp_path(parts.path), flags=re.I).rstrip("/")
    query = "&".join(sorted(p for p in parts.query.split("&") if p and not _amp_switch(p)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def canonical_form(url: str, own_hosts: set[str] | frozenset[str] = frozenset()) -> str:
    """The plain spelling of an AMP or mobile URL: /amp/ segment and ?amp switches removed;
    an m./mobile./amp. host replaced by the outlet's own host when `own_hosts` (hosts of the
    source's feeds and sitemaps: where the outlet's canonical form is known) has one."""
    parts = urlsplit(url)
    path = _without_amp_path(parts.path)
    query = "&".join(p for p in parts.query.split("&") if p and not _amp_switch(p))
    netloc = parts.netloc
    host = (parts.hostname or "").lower()
    if _MOBILE_HOST.match(host):
        bare = _MOBILE_HOST.sub("", host)
        for own in sorted(own_hosts):
            if own.lower().removeprefix("www.") == bare.removeprefix("www.") and not _MOBILE_HOST.match(own):
                netloc = own + (f":{parts.port}" if parts.port else "")
                break
    return parts._replace(netloc=netloc, path=path, query=query).geturl()


def _without_amp_path(path: str) -> str:
    """/news/a-1/amp/ → /news/a-1/, /news/a-1/amp → /news/a-1, /news/a-1.amp.html → /news/a-1.html"""
    trailing = path.endswith("/")
    segments = path.rstrip("/").split("/")
    if len(segments) > 2 and segments[-1].lower() == "amp":
        return "/".join(segments[:-1]) + ("/" if trailing else "")
    if len(segments) > 2 and segments[1].lower() == "amp" and len(segments) > 3:
        return "/" + "/".join(segments[2:]) + ("/" if trailing else "")
    return re.sub(r"\.amp(\.html?)?$", lambda m: m.group(1) or "", path, flags=re.I)


def _amp_switch(pair: str) -> bool:
    name, _, value = pair.partition("=")
    if name.lower() == "amp":
        return True
    return bool(_AMP_QUERY.match(name)) and value.lower() == "amp" or (name.lower() == "amp" and value in _AMP_VALUES)


# ---- parsing and ownership: the one parser, the one rule ----------------------------------

class Refused(ValueError):
    """A URL or address the crawler must not fetch; str() is the one-line reason."""


@dataclass(frozen=True)
class Target:
    """A URL as it will be requested: `url` (safe form), scheme, lowercase host, port."""

    url: str
    scheme: str
    host: str
    port: int


def parse(url: str) -> Target:
    """The one parse of a URL; raises Refused (bad scheme, userinfo, no host, bad port/IPv6)."""
    if not isinstance(url, str) or not url.strip():
        raise Refused("empty URL")
    try:
        safe = safe_url_string(url.strip())
        parts = urlsplit(safe)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", a port out of range
        raise Refused(f"unparsable URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Refused(f"scheme {scheme or '(none)'!r} is not http or https")
    if "@" in parts.netloc:
        raise Refused("URL carries userinfo (user@host)")
    host = normalise_host(parts.hostname or "")
    if not host:
        raise Refused("URL has no host")
    return Target(safe, scheme, host, port or (443 if scheme == "https" else 80))


def host(url: str | None) -> str:
    """The URL's host by the one parser, '' when it has none or is refused."""
    try:
        return parse(url or "").host
    except Refused:
        return ""


def normalise_host(name: str) -> str:
    """Lowercase, no trailing dot, no IPv6 brackets; IDNA labels left as given (Scrapy sends
    them punycoded, safe_url_string has done that)."""
    return name.strip().lower().strip("[]").rstrip(".")


def _site(domain: str) -> str:
    """A configured domain as the site it names: 'www.' is the site itself."""
    domain = normalise_host(domain)
    return domain.removeprefix("www.") if domain.count(".") >= 2 else domain


def owns(domains: Iterable[str], host_name: str | None) -> bool:
    """True when `host_name` is one of `domains` or a subdomain of one.

    The one ownership rule: 'www.' on a configured domain names the whole site
    (domains [www.outlet.test] own outlet.test and news.outlet.test); the port is ignored;
    an IP literal owns only itself.
    """
    name = host_name or ""
    if name.count(":") == 1:  # host:port (an IPv6 literal has more colons)
        name = name.rsplit(":", 1)[0]
    name = normalise_host(name)
    if not name:
        return False
    literal = ip_literal(name)
    if literal is not None:
        return any(ip_literal(d) == literal for d in domains)
    for domain in domains:
        site = _site(domain)
        if site and (name == site or name.endswith("." + site)):
            return True
    return False


def ip_literal(name: str) -> IPAddress | None:
    """The address a host written as an IP names, in any form a resolver accepts, else None.

    `127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1` are 127.0.0.1 to inet_aton(3), so they
    are to this check.
    """
    name = normalise_host(name)
    try:
        return ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        pass
    if not _LEGACY_V4.match(name):
        return None
    parts = name.rstrip(".").split(".")
    try:
        values = [_legacy_int(p) for p in parts]
    except ValueError:
        return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(number)


def _legacy_int(part: str) -> int:
    part = part.lower()
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part, 10)


def host_of(url: str | None) -> str | None:
    """The lowercase host without port and a leading 'www.'."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None
