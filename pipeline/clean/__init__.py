"""Cleaning: one HTML page → a clean article a researcher can count words in.

Layers, one module each, in the order `article.py` applies them: generic furniture
(`generic.py`), outlet rules from sources.yaml (`outlet_rules.py`), learned site furniture
(`learned.py`); then quality flags (`quality.py`). `decode.py` and `metadata.py` read the
page; `blocks.py` holds the heading-plus-headlines shape the rules share.
"""

from pipeline.clean.article import EXTRACTOR_VERSION, CleanedArticle, Draft, clean_html, extract_draft, finish

__all__ = ["EXTRACTOR_VERSION", "CleanedArticle", "Draft", "clean_html", "extract_draft", "finish"]
