"""`newscorpus clean INPUT… [--input-list FILE] [--url URL] [--output-format FMT]`.

The cleaning `extract` applies (trafilatura + generic + outlet rules), on files, stdin or
URLs, no database — as trafilatura's own command line is used:

* INPUT is an HTML file, `-` for stdin, or a folder (its *.html/*.htm/*.xhtml files, recursively,
  in name order); `--input-list FILE` reads one path or http(s) URL per line (`#` comments).
  URLs are fetched politely with the crawler's settings (pipeline.fetchpage).
* `--output-format json` (default): one input prints one JSON object, exactly as before
  (the field-case scorer reads it); several print a JSON array. `jsonl`: one object per line.
  `txt`: title, byline and date lines, then the text. `markdown`: `# title`, then paragraphs.
  Several inputs carry an `input` field (json/jsonl) or a header line (txt/markdown).
* The outlet rules are those of the source owning the page's host (`--url`, or the fetched
  URL) in the sources file.
* An input that cannot be read, fetched or cleaned (or is empty) is reported on stderr and
  skipped; the others are printed; the exit code is then 1. An input that is not an article
  (no text, not HTML, a listing or navigation page) is printed with its flags and a warning
  line on stderr naming why; a page the cleaner refused (binary, not HTML, a parser limit) has
  the reason in json/jsonl's `error` field (null for the others) and in that line. A missing
  path given on the command line is a usage error
  (exit 2) before anything is read.
* Each page is cleaned in a worker process killed after NEWSCORPUS_PAGE_SECONDS (the extract
  stage's bound, `pipeline.extract.pool`): a page can stall inside one C call (libxml2,
  lxml's XPath) that no signal interrupts, so only killing the process bounds it.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("json", "jsonl", "txt", "markdown")
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
MAX_BYTES = 8 * 1024 * 1024  # the crawler's DOWNLOAD_MAXSIZE: a bigger page is not an article


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "clean",
        help="clean HTML files, stdin, folders or URLs into articles (json, jsonl, txt, markdown)",
        description="Clean saved HTML pages (or pages fetched from URLs) with trafilatura plus the "
        "outlet and generic rules, as extract does; print each article. One FILE with the "
        "default json format prints one JSON object.",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="an HTML file (raw bytes, any charset), - for stdin, or a folder")
    parser.add_argument("--input-list", metavar="FILE",
                        help="a file listing one path or http(s) URL per line ('-': stdin)")
    parser.add_argument("--url", help="the page's URL (one input only): picks the outlet's rules, "
                        "resolves links")
    parser.add_argument("--sources", metavar="PATH", help="sources file (default: sources.yaml)")
    parser.add_argument("--output-format", "--format", dest="output_format", choices=FORMATS,
                        default="json", help="json (default), jsonl, txt or markdown")
    parser.set_defaults(func=run, uses_database=False)


@dataclass(frozen=True)
class Input:
    """One page to clean: a file path, '-' (stdin) or an http(s) URL."""

    name: str
    kind: str  # file | stdin | url


def run(args: argparse.Namespace) -> int:
    from pipeline.errors import ConfigError
    from pipeline.progress import progress
    from pipeline.sources import load_sources

    if not args.inputs and not args.input_list:
        raise ConfigError("give an INPUT (file, folder or -) or --input-list FILE")
    if args.url:
        _check_url(args.url)
    sources = load_sources(args.sources) if (args.sources or args.url or args.input_list) else None
    inputs = list(_inputs(args.inputs, args.input_list))
    if args.url and len(inputs) > 1:
        raise ConfigError("--url names one page's URL: give it with one INPUT only")
    single = len(inputs) == 1 and not args.input_list and not any(Path(i).is_dir() for i in args.inputs)
    writer = _Writer(args.output_format, single, sys.stdout)
    failed = 0
    from pipeline.fetchpage import Fetcher

    allowed = (sources.settings.get("NEWSCORPUS_ALLOW_NETWORKS") or []) if sources is not None else []
    fetcher = Fetcher(allowed_networks=tuple(allowed))
    from pipeline.extract.pool import Drafter, fork_is_safe, page_seconds

    drafter = Drafter(1, page_seconds(), start="fork" if fork_is_safe() else "spawn", quiet=not args.verbose)
    with drafter as draft_all, progress("clean", len(inputs), "pages") as bar:
        for item in inputs:
            try:
                body, url = _read(item, args.url, fetcher)
                article, error = _clean(body, url, sources, draft_all)
            except _Skip as exc:
                failed += 1
                print(f"newscorpus clean: skipped {item.name}: {_reason(item, exc)}", file=sys.stderr, flush=True)
            else:
                writer.write(item, article, error)
                if not article.is_article:  # printed (the flags say why), but never silently
                    print(f"newscorpus clean: warning: {item.name}: {_not_article(article, error)}",
                          file=sys.stderr, flush=True)
            bar.advance()
    writer.close()
    if failed:
        print(f"newscorpus clean: {failed} of {len(inputs)} input(s) skipped", file=sys.stderr)
        return 1
    return 0


class _Skip(Exception):
    """This input is reported and skipped."""


def _check_url(url: str) -> None:
    """--url parsed once, by the parser the crawler's guard uses (pipeline.netguard)."""
    from pipeline import netguard
    from pipeline.errors import ConfigError

    try:
        netguard.parse(url)
    except netguard.Refused as exc:
        raise ConfigError(f"--url {url!r}: {exc}") from None


def _inputs(names: list[str], input_list: str | None) -> Iterator[Input]:
    """Every input in order; a missing path given on the command line is a ConfigError."""
    from pipeline.errors import ConfigError

    for name in names:
        if name == "-":
            yield Input("-", "stdin")
            continue
        path = Path(name)
        if path.is_dir():
            yield from (Input(str(p), "file") for p in sorted(path.rglob("*"))
                        if p.suffix.lower() in HTML_SUFFIXES and p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            yield Input(name, "file")
        elif path.exists():  # a device, FIFO or socket (/dev/zero never ends): `-` reads stdin
            raise ConfigError(f"{name}: not a regular file (use - for standard input)")
        else:
            raise ConfigError(f"cannot read {name}: no such file or folder")
    if input_list:
        try:
            text = sys.stdin.read() if input_list == "-" else Path(input_list).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read --input-list {input_list}: {getattr(exc, 'strerror', None) or exc}") from None
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                yield Input(line, "url" if "://" in line else "file")


def _reason(item: Input, exc: Exception) -> str:
    """Why an input was skipped, without the input's name: the line names it once already
    (the reader's and fetcher's errors hold it: "skipped x.html: x.html: cannot read", "skipped
    URL: HTTP 404 from URL")."""
    text = str(exc).replace(f"{item.name}: ", "", 1)
    if text.endswith(f" from {item.name}"):  # "HTTP 404 from URL"; a redirect's other URL stays
        text = text.removesuffix(f" from {item.name}")
    return text


def _read(item: Input, url: str | None, fetcher) -> tuple[bytes, str | None]:  # noqa: ANN001 - Fetcher
    """(raw bytes, page URL) of one input; _Skip with the reason when it cannot be read."""
    from pipeline.fetchpage import FetchError

    if item.kind == "url":
        try:
            return fetcher.fetch(item.name)[::-1]
        except FetchError as exc:
            raise _Skip(str(exc)) from None
    if item.kind == "stdin":
        body = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        from pipeline.errors import ConfigError
        from pipeline.sources import read_bounded

        try:
            body = read_bounded(item.name, MAX_BYTES, "HTML file")
        except ConfigError as exc:
            raise _Skip(str(exc)) from None
    if len(body) > MAX_BYTES:
        raise _Skip(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if not body.strip():
        raise _Skip("empty input")
    return body, url


def _clean(body: bytes, url: str | None, sources, draft_all: Callable[[list[tuple]], list]):  # noqa: ANN001, ANN202
    """(the cleaned article, why the cleaner refused the page or None) of one page, drafted by
    `draft_all` (the bounded worker), finished here. The refusal is the reason extract stores in
    `news.page_extractions.error` ("binary data (NUL bytes)", "not an HTML document", a parser
    limit): the article's `refused` flag alone said that, not why.

    _Skip when the worker ran past NEWSCORPUS_PAGE_SECONDS (it is killed), died or the cleaner
    raised: the reason is the skip line's.
    """
    from urllib.parse import urlsplit

    from pipeline.clean import finish
    from pipeline.extract.pool import FAILED, TIMED_OUT, page_seconds

    rules = None
    if url and sources is not None:
        source = sources.for_host(urlsplit(url).hostname or "")
        rules = source.boilerplate if source else None
    (draft,) = draft_all([(zlib.compress(body, 1), url, rules, None)])
    limit = page_seconds()
    if draft.refused == TIMED_OUT.format(limit):
        raise _Skip(f"cleaning took over {limit:g} s (NEWSCORPUS_PAGE_SECONDS)")
    if draft.refused and draft.refused.startswith(FAILED):
        raise _Skip(f"cleaning failed: {draft.refused.removeprefix(FAILED)}")
    return finish(draft), draft.refused


def _not_article(article, error: str | None = None) -> str:  # noqa: ANN001 - CleanedArticle
    """The warning for a page printed although it is not an article: what is missing, and
    the flags that say why; for a page the cleaner refused, its reason (`error`)."""
    if not article.text:
        what = "no article text found"
    elif "not_article" in article.flags:
        what = "not an article page"
    else:
        what = "only a paywall teaser of the article"
    if error:
        what = f"{what}, refused: {error}"
    return f"{what} ({', '.join(article.flags)})"


class _Writer:
    """Prints articles in the chosen format as they come (a JSON array is streamed)."""

    def __init__(self, fmt: str, single: bool, out) -> None:  # noqa: ANN001 - text stream
        self.fmt, self.single, self.out, self.count = fmt, single, out, 0

    def write(self, item: Input, article, error: str | None = None) -> None:  # noqa: ANN001 - CleanedArticle
        """Print one article; json/jsonl carry `error`, why the cleaner refused the page (else null)."""
        data = {**article.as_json(), "error": error}
        if self.fmt == "json" and self.single:
            print(json.dumps(data, ensure_ascii=False, indent=2), file=self.out)
        elif self.fmt == "json":
            self.out.write("[\n" if self.count == 0 else ",\n")
            self.out.write(json.dumps({"input": item.name, **data}, ensure_ascii=False, indent=2))
        elif self.fmt == "jsonl":
            print(json.dumps({"input": item.name, **data}, ensure_ascii=False), file=self.out)
        else:
            if not self.single:
                print(("==> " if self.fmt == "txt" else "<!-- ") + item.name
                      + (" <==" if self.fmt == "txt" else " -->"), file=self.out)
            print(_as_text(data, markdown=self.fmt == "markdown"), file=self.out)
        self.count += 1
        self.out.flush()

    def close(self) -> None:
        if self.fmt == "json" and not self.single:
            self.out.write("\n]\n" if self.count else "[]\n")
            self.out.flush()


def _as_text(data: dict, markdown: bool) -> str:
    """Title, byline, date and paragraphs as plain text or Markdown."""
    title, byline, date = data.get("title"), data.get("byline"), data.get("published_at")
    paragraphs = data.get("paragraphs") or [p for p in (data.get("text") or "").split("\n\n") if p]
    head = []
    if markdown:
        if title:
            head.append(f"# {title}")
        meta = " · ".join(x for x in (byline, date) if x)
        if meta:
            head.append(f"*{meta}*")
    else:
        head = [x for x in (title, byline, date) if x]
    return "\n\n".join(["\n".join(head) if not markdown else "\n\n".join(head), *paragraphs]).strip() + "\n"
