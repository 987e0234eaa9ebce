"""URL normalisation for article keys: one spelling per article.

courlan (trafilatura's own URL library) lowercases scheme and host, drops default ports
and tracking parameters (utm_*, fbclid…) and sorts the query; the fragment never names a
different document, so it goes too.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def normalise_url(url: str) -> str:
    """The key spelling of `url`; unparsable input is returned stripped, never raised on."""
    url = url.strip()
    try:
        normal = normalize_url(url)
    except (ValueError, AttributeError):
        return url
    return urlunsplit(urlsplit(normal)._replace(fragment=""))


def host_of(url: str | None) -> str | None:
    """The lowercase host without port and a leading 'www.'."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None
