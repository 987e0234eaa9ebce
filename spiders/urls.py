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
