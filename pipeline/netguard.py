"""Which host a URL really names, whether a source owns it, and whether its address is public.

One module, one rule, used by the crawler (announced URLs, the SSRF guard on every request and
redirect hop, the resolver), by the extractor (does a canonical link belong to the page's
source?) and by `clean --url`. Before this there were three slightly different ownership rules
and two URL parsers that disagreed (`http://127.0.0.1:1\\@www.outlet.test/` was "outlet.test"
to the domain check and 127.0.0.1 to the connection).

Parsing: a URL is first made what Scrapy will request (`w3lib.url.safe_url_string`, the same call
`scrapy.Request` makes, which turns a backslash in the authority into a path slash as browsers
do), then split once with `urllib.parse.urlsplit`, the parser Scrapy's download handler uses.
URLs with userinfo (`user@host`) are refused: a news page never needs one and it is how the
check/connect split is usually smuggled.

Addresses: IPv4 written the legacy ways (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) are
normalised as inet_aton(3) does before the check. Refused: loopback, private (RFC 1918, ULA),
link-local, CGNAT (RFC 6598, 100.64.0.0/10), multicast, reserved, unspecified, documentation
and every other non-global range of the IANA special-purpose registries (Python's
`ipaddress.is_global`), and IPv6 forms embedding IPv4 (mapped ::ffff:a.b.c.d, compatible
::a.b.c.d, 6to4, Teredo, NAT64 64:ff9b::/96) whose IPv4 is not public. A network listed in
`allowed_networks` (the sources file's NEWSCORPUS_ALLOW_NETWORKS, e.g. the sample web's
127.0.0.0/8) is allowed on purpose.

No function here does network I/O; `guard.Resolver`-style callers pass resolved addresses in.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from w3lib.url import safe_url_string

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")
_LEGACY_V4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


def non_public(address: IPAddress | str, allowed_networks: Iterable[str] = ()) -> str | None:
    """Why `address` may not be fetched ("loopback", "private", …), or None when it may."""
    ip = address if not isinstance(address, str) else ip_literal(address)
    if ip is None:
        return f"not an IP address: {address!r}"
    for network in allowed_networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return None
        except (ValueError, TypeError):
            continue
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_v4(ip)
        if embedded is not None:
            reason = non_public(embedded, allowed_networks)
            return None if reason is None else f"IPv6 embedding {embedded} ({reason})"
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT (100.64.0.0/10)"
    if not ip.is_global:
        return "not globally routable"
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    packed = ip.packed
    if packed[:12] == bytes(12) and int.from_bytes(packed[12:], "big") > 1:  # ::a.b.c.d (compatible)
        return ipaddress.IPv4Address(packed[12:])
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(packed[12:])
    return None


def check(url: str, domains: Iterable[str], allowed_networks: Iterable[str] = ()) -> Target:
    """Parse `url` and refuse it unless its host belongs to `domains` and, when the host is an
    IP literal (any form), that address is public or allowed. Names are checked again when
    they resolve (the crawler's resolver calls `non_public`). Raises Refused with the reason."""
    target = parse(url)
    domains = list(domains)
    if not owns(domains, target.host):
        raise Refused(f"host {target.host!r} is not one of the source's domains")
    literal = ip_literal(target.host)
    if literal is not None:
        reason = non_public(literal, allowed_networks)
        if reason:
            raise Refused(f"address {literal} is {reason}")
    return target
