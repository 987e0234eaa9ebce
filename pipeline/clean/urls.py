"""URLs as article keys: the crawler's normalisation (pipeline/urls.py, the one owner), so an
article's key is spelled exactly like the `news.pages.url` it came from. Re-exported under the
names the cleaning layers use."""

from __future__ import annotations

from pipeline.urls import host_of
from pipeline.urls import normalise as normalise_url

__all__ = ["host_of", "normalise_url"]
