"""One body cap: the crawl's DOWNLOAD_MAXSIZE default (8 MiB), which README states, which the
sample web (so `newscorpus demo`) crawls with, and which its oversized fault page exceeds.
The sample web's sources file used to set 10 MiB while README said 8 MiB."""

from __future__ import annotations

import re

import yaml

from pipeline import crawl_settings, paths


def test_readme_the_crawl_and_the_sample_web_agree_on_the_body_cap() -> None:
    from pipeline.sampleweb import faults
    from pipeline.sampleweb.cli import base_urls_for
    from pipeline.sampleweb.sources import sources_doc

    cap = crawl_settings.DEFAULTS["DOWNLOAD_MAXSIZE"]
    assert cap == 8 * crawl_settings.MIB
    readme = (paths.REPO_ROOT / "README.md").read_text()
    stated = {int(n) for n in re.findall(r"(\d+) MiB (?:body )?cap", readme)}
    assert stated == {cap // crawl_settings.MIB}, stated
    # the sample web's sources file (what the demo crawls with) keeps the crawl's cap
    doc = yaml.safe_load(yaml.safe_dump(sources_doc(base_urls_for("127.0.1", 8765))))
    settings = {**crawl_settings.DEFAULTS, **doc["settings"]}  # a sources file's settings override these
    assert settings["DOWNLOAD_MAXSIZE"] == cap
    assert faults.OVERSIZE_BYTES > cap  # the demo still shows a page dropped by the cap
