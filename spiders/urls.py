"""URL normalisation: one article, one URL, so it is fetched and stored once.

courlan lowercases scheme and host, drops default ports and tracking parameters (utm_*,
fbclid, gclid, …) and sorts the query; the fragment is dropped here because it never
names a different document.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

from courlan import normalize_url

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


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
