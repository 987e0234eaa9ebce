"""`newscorpus demo`: the whole nightly pipeline on the bundled sample web, with a summary.

The sample web runs on loopback addresses in a child process; the pipeline loads it into
the database `newscorpus_demo` on the embedded server (or the database selected with
--database / NEWSCORPUS_DATABASE_URL), so demo outlets never mix with a real corpus, and makes
`newscorpus_demo` the folder's current database (see `demo_database_url`). Running it again is incremental: nothing new
is fetched and nothing is duplicated.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from pipeline import db, embedded
from pipeline.terminal import safe

DEMO_DATABASE = "newscorpus_demo"

EXAMPLE_QUERY = """\
select outlet, left(title, 60) as title, copies, array_length(outlets, 1) as outlets
from news.corpus
order by copies desc, published_at
limit 5"""

# a word pair that finds the most copied story, for the `search` hint
PHRASE_QUERY = """
select regexp_replace(title, '[^[:alnum:] ]', '', 'g') from news.corpus
order by copies desc, published_at, article_id limit 1"""

TOTALS_QUERY = """
select
    (select count(*) from news.pages)                                  as pages_stored,
    (select count(*) from news.pages where body_hash is null)          as fetches_failed,
    (select count(*) from news.articles where is_article)              as articles,
    (select count(*) from news.corpus)                                 as stories,
    (select count(*) from news.syndication)                            as copies_linked
"""


def demo_database_url() -> tuple[str, bool]:
    """(URL, made current): the demo's database and whether it became the folder's current one.

    With a database chosen (--database, NEWSCORPUS_DATABASE, NEWSCORPUS_DATABASE_URL) the demo
    loads that one. Otherwise it loads `newscorpus_demo` on the embedded server (created if
    missing) and makes it this folder's current database, so every later command, and the
    README's querying section, reads what the demo made until `newscorpus db use --reset`.
    """
    if db.explicitly_selected():
        url = db.database_url()
        db.create_if_missing(url)
        return url, False
    url = db.with_database(embedded.start(), DEMO_DATABASE)
    db.create_if_missing(url)
    db.use(DEMO_DATABASE)
    return url, True


def next_commands(prog: str, search_phrase: str) -> list[str]:
    """The exact commands to try after the demo (psql, search, export, stop)."""
    return [
        f'{prog} db psql -c "select outlet, left(title, 50) as title, copies from news.corpus '
        f'order by copies desc limit 5"',
        f'psql "$({prog} db reader-url)"        # read-only, as news_reader',
        f"{prog} search {shlex.quote(search_phrase)}",
        f"{prog} export --format csv --out corpus.csv",
        f"{prog} db stop                           # stop the embedded PostgreSQL",
    ]


def _prog() -> str:
    """How the user called newscorpus, for commands they can paste (`.venv/bin/newscorpus`)."""
    called = Path(sys.argv[0])
    if called.name != "newscorpus":
        return f"{sys.executable} -m pipeline"
    absolute = Path(os.path.abspath(called))  # symlinks kept: `.venv/bin/…` stays as typed
    try:
        return str(absolute.relative_to(os.path.abspath(Path.cwd())))
    except ValueError:
        return str(absolute)


DEMO_PORT = 8765  # fixed, so a second demo sees the same URLs and crawls incrementally


def sample_web_port_taken(port: int, host_prefix: str = "127.0.1") -> str | None:
    """Why the sample web cannot serve on `port` (every outlet's loopback address binds it), or
    None when it can (port 0: the sample web picks a free one). Checked before anything starts,
    so a second demo beside a running one says which port and what to do in one line instead
    of an "Address already in use" from the sample web's process."""
    import socket

    from pipeline.sampleweb.outlets import OUTLETS

    if port == 0:
        return None
    for i in range(len(OUTLETS)):
        host = f"{host_prefix}.{i + 1}"
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError as exc:
                return f"port {port} is already in use on {host} ({exc.strerror}; another demo running?)"
    return None


# what each corpus total counts, printed beside it (the totals are the whole database, every
# run so far; the "this run" lines below them are this run's own)
TOTALS_MEANING = {
    "pages_stored": "rows in news.pages: every fetch kept, failed fetches included",
    "fetches_failed": "of those, fetches that got no page (404, 500, timeout, loop, not HTML…)",
    "articles": "pages cleaned into an article (news.articles)",
    "stories": "deduplicated stories, one per cluster (news.corpus)",
    "copies_linked": "articles linked as a copy of another outlet's original (news.syndication)",
}


def this_run_lines(result) -> list[str]:  # noqa: ANN001 - pipeline.nightly.local.RunResult
    """What this run did, each number saying what it counts, so the totals add up:
    the URLs discovery scheduled, the fetches (new + changed + unchanged + failed; a failed fetch
    is a stored row too, an unchanged one adds none), the scheduled URLs never fetched and why
    (robots.txt, the SSRF guard, a limit), and what extract and dedup added. A second demo thus
    says plainly that it found nothing new, and why a URL "to fetch" was not fetched."""
    sources = (result.crawl or {}).get("sources") or {}

    def total(counter: str) -> int:
        return sum(c.get(counter, 0) for c in sources.values())

    scheduled, fetched = total("urls_scheduled"), total("pages_fetched")
    new, changed, unchanged, failed = (total("pages_new"), total("pages_updated"), total("pages_unchanged"),
                                       total("pages_failed"))
    articles = (result.extract or {}).get("articles_new", 0)
    copies = (result.dedup or {}).get("copies_linked", 0)
    lines = [f"this run: {new} new pages, {changed} changed, {articles} new articles, {copies} copies linked"]
    if not (new or changed or articles or copies):
        lines[0] += " (0 new: every page was already stored by an earlier run; the totals above are the corpus)"
    lines.append(f"  crawl: {scheduled} URL(s) to fetch (announced, not stored before or due again); "
                 f"{fetched} fetched = {new} new + {changed} changed + {unchanged} unchanged (no new row) "
                 f"+ {failed} failed (stored as a row too: in pages_stored and fetches_failed)")
    reasons = [f"{n} {why}" for n, why in ((total("robots_blocked"), "disallowed by robots.txt"),
                                           (total("refused"), "refused by the SSRF guard"),
                                           (total("urls_over_limit"), "left for later by --max-pages")) if n]
    if scheduled > fetched or reasons:
        lines.append(f"  not fetched: {max(scheduled - fetched, 0)} of the URLs to fetch ({'; '.join(reasons) or '-'}; "
                     "the sample web's robots.txt disallows some announced pages on purpose: "
                     "they are skipped every run)")
    return lines


def run_demo(stories: int, port: int = DEMO_PORT, out=sys.stdout) -> int:  # noqa: ANN001 - text stream
    from tabulate import tabulate

    from pipeline.nightly.local import run_nightly
    from pipeline.sampleweb.serving import running_sample_web

    from pipeline.errors import ConfigError

    taken = sample_web_port_taken(port)
    if taken:  # bad usage: exit 2, nothing done
        raise ConfigError(f"{taken}: pick another sample web port with `newscorpus demo --port N` "
                          "(0: any free port; a re-run then fetches everything again)")
    from pipeline.crawl import check_warc_dir

    check_warc_dir()  # an unwritable NEWSCORPUS_WARC_DIR: refused before the database is touched, as crawl/run do
    started = time.perf_counter()
    chosen = db.selection()  # --database, to repeat in the next commands
    url, made_current = demo_database_url()
    db.select(url)  # every stage loads this one; the crawl child gets it passed
    with tempfile.TemporaryDirectory(prefix="newscorpus-demo-") as tmp:
        with running_sample_web(Path(tmp), stories=stories, port=port) as web:
            print(f"sample web: {len(web.base_urls)} outlets on 127.0.1.x:{web.port}; it includes "
                  "deliberate faults (404, 500, timeouts, redirect loops, binary and oversized pages), "
                  "so the crawl logs some errors", file=out, flush=True)
            result = run_nightly(web.sources_path, trigger="demo")
    if result.crawl_failed:  # nothing (or nothing usable) was stored: a run-time failure, exit 1
        from pipeline.terminal import one_line

        print(f"newscorpus demo: run {result.run_id} failed: {one_line(result.crawl_failed)}", file=sys.stderr)
        return 1
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(TOTALS_QUERY)
        totals = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
        cur.execute(EXAMPLE_QUERY)
        example_cols = [c.name for c in cur.description]
        example_rows = cur.fetchall()
        cur.execute(PHRASE_QUERY)
        phrase_row = cur.fetchone()
    print(file=out)
    print(tabulate([(name, count, TOTALS_MEANING[name]) for name, count in totals.items()],
                   headers=["corpus (all runs)", "count", "what it counts"]), file=out)
    print(file=out)
    print(tabulate(result.stage_seconds.items(), headers=["stage", "seconds"], floatfmt=".1f"), file=out)
    print(f"\ntotal {time.perf_counter() - started:.1f}s; run {result.run_id}", file=out)
    for line in this_run_lines(result):
        print(line, file=out)
    for problem in result.problems:
        print(f"quality note: {problem}", file=out)
    print("\nexample query:", file=out)
    print(EXAMPLE_QUERY + ";\n", file=out)
    print(tabulate([[safe(v) for v in row] for row in example_rows], headers=example_cols), file=out)
    print(file=out)
    prog = _prog()
    name = db.database_name(url)
    if made_current:
        print(f"database: {name} on the embedded server in {embedded.pgdata_dir()}. It is now this "
              f"folder's current database: every newscorpus command run here (and the README's "
              f"\"Querying the corpus\" section) uses it until `{prog} db use --reset`.", file=out)
        print(f"The embedded PostgreSQL keeps running in the background for those commands; "
              f"`{prog} db stop` stops it.", file=out)
    else:
        print(f"database: {db.redact(url)} (the one you selected)", file=out)
        if chosen:
            prog = f"{prog} --database {shlex.quote(chosen)}"
    phrase = " ".join((phrase_row[0] if phrase_row else "council").split()[:2]).lower()
    print("\nnext:", file=out)
    for command in next_commands(prog, phrase):
        print(f"  {command}", file=out)
    return 0
