"""README's sources-file example entry is a valid sources file (pipeline.sources.load_sources)."""

from __future__ import annotations

from pathlib import Path

from pipeline.sources import load_sources

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_sources_entry_loads(tmp_path: Path) -> None:
    section = README.split("### The sources file", 1)[1].split("\n### ", 1)[0]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "sources.yaml"
    path.write_text(block, encoding="utf-8")
    loaded = load_sources(path)
    assert [s.name for s in loaded.sources] == ["the-sun"]
    assert loaded.sources[0].boilerplate.drop_blocks_headed == ["Most read in The Sun", "Read More on The Sun"]
