"""URLs as article keys: the crawler's normalisation (spiders/urls.py), so an article's
key is spelled exactly like the `news.pages.url` it came from."""

from __future__ import annotations

from urllib.parse import urlsplit

from spiders.urls import normalise as normalise_url

__all__ = ["host_of", "normalise_url"]


def host_of(url: str | None) -> str | None:
    """The lowercase host without port and a leading 'www.'."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None
