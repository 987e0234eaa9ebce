"""Whether a URL's address is public: the crawler's SSRF guard.

Used by the crawler (the guard on every request and redirect hop, the resolver) and by `clean
--url`. Parsing a URL and deciding which source owns its host is pipeline/urls.py's (one parser,
one ownership rule: `parse`, `host`, `owns` are re-exported here for the guard's callers).

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
from collections.abc import Iterable

from pipeline.urls import (  # noqa: F401 - re-exported: the guard's parse and the one ownership rule
    IPAddress,
    Refused,
    Target,
    host,
    ip_literal,
    normalise_host,
    owns,
    parse,
)

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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
