"""The sample web: a deterministic, offline imitation of the news web with an answer key.

Modules: vocab/texts (story text), outlets (outlet definitions as data), world (who publishes
and copies what, when), render (HTML), discovery (robots, feeds, sitemaps), faults (broken
pages), site (routing), server (HTTP, one loopback host per outlet), key (answer key
writer/loader), sources (sources.yaml), cli, testing (context manager for tests).
"""
from .key import AnswerKey, KeyArticle, load_key

__all__ = ["AnswerKey", "KeyArticle", "load_key"]
