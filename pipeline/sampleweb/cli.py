"""`sample-web serve` / `sample-web write` command line.

serve prints ONE JSON line first (then a human line) and serves until SIGTERM/SIGINT::

    {"port": 41234, "base_urls": {"daily-beacon": "http://127.0.1.1:41234", ...},
     "sources": "/tmp/sampleweb-x/sources.yaml", "key": "/tmp/sampleweb-x/key",
     "admin": "http://127.0.1.1:41234/_sampleweb/", "day": 1, "seed": 7, "stories": 40}

Switch the served day while running: ``GET http://<first host>:<port>/_sampleweb/day/2``.
Without --out, sources.yaml and key/ go to a temp folder removed when serve stops.
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_STORIES = 40
DEFAULT_SEED = 7


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stories", type=int, default=DEFAULT_STORIES, help="number of stories (default 40)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 7)")
    p.add_argument("--day", type=int, choices=(1, 2), default=1, help="night to serve/write (default 1)")
    p.add_argument("--host-prefix", default="127.0.1", help="outlet i is served on PREFIX.(i+1) (default 127.0.1)")
    p.add_argument("--slow-seconds", type=float, default=6.0, help="delay of the slow fault page (default 6)")


def add_parser(subparsers) -> None:
    sw = subparsers.add_parser("sample-web", help="serve or write the bundled sample web and its answer key",
                               description="A deterministic offline imitation of the news web with an answer key.")
    sw.set_defaults(uses_database=False)  # newscorpus's --database means nothing here
    sub = sw.add_subparsers(dest="sample_web_command", metavar="{serve,write}")
    sub.required = True
    s = sub.add_parser("serve", help="serve the sample web over HTTP until SIGTERM/SIGINT",
                       description="Serve every outlet on its own loopback host. Prints one JSON line "
                                   "{port, base_urls, sources, key} first. Switch day with GET "
                                   "http://<first host>:<port>/_sampleweb/day/2.")
    _common(s)
    s.add_argument("--port", type=int, default=0, help="port for every host (default 0: pick a free one)")
    s.add_argument("--out", default=None, help="directory for sources.yaml and key/ (default: a temp dir)")
    s.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    s.set_defaults(func=cmd_serve, uses_database=False)
    w = sub.add_parser("write", help="write the static site (one folder per host), sources.yaml and key/",
                       description="Write DIR/<host>/... for every outlet, DIR/sources.yaml and DIR/key/.")
    w.add_argument("dir", help="output directory")
    _common(w)
    w.add_argument("--port", type=int, default=8000, help="port used in URLs (default 8000)")
    w.set_defaults(func=cmd_write, uses_database=False)


def base_urls_for(host_prefix: str, port: int) -> dict[str, str]:
    from .outlets import OUTLETS
    return {o.slug: f"http://{host_prefix}.{i + 1}:{port}" for i, o in enumerate(OUTLETS)}


def cmd_write(args) -> int:
    from .writer import write_site
    try:
        out = write_site(args.dir, stories=args.stories, seed=args.seed, day=args.day,
                         host_prefix=args.host_prefix, port=args.port, slow_seconds=args.slow_seconds)
    except (ValueError, OSError) as exc:
        print(f"sample-web write: {exc}", file=sys.stderr)
        return 1
    print(f"sample web written to {out} (key: {out / 'key'}, sources: {out / 'sources.yaml'})")
    return 0


class _Stopped(BaseException):
    """SIGTERM or SIGINT arrived: raised in the main thread so every `finally` runs."""


def _raise_stopped(signum, frame) -> None:
    raise _Stopped(signum)


def cmd_serve(args) -> int:
    """Serve until SIGTERM/SIGINT, then stop the servers and remove the temp folder it made.

    The signal handlers raise (`_Stopped`) instead of setting a flag, and are installed before
    the folder is made: a signal at any moment after that unwinds through the `finally` that
    removes it. (With a flag, only a signal during the wait loop stopped cleanly, and the
    `tempfile.mkdtemp` folder, sources.yaml and key/, was left in /tmp after every run.)
    A folder given with --out is the caller's and stays.
    """
    if args.stories < 1:
        print("sample-web serve: --stories must be >= 1", file=sys.stderr)
        return 2
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    temp: Path | None = None
    try:
        if not args.out:
            temp = Path(tempfile.mkdtemp(prefix="sampleweb-"))
        return _serve(args, temp or Path(args.out))
    except _Stopped:
        return 0
    finally:
        for sig in previous:  # a second signal must not cut the removal short
            signal.signal(sig, signal.SIG_IGN)
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(args, out: Path) -> int:
    """Bind, write sources.yaml and key/ into `out`, print the JSON line, serve until a signal
    (`_Stopped`) ends the wait; the servers are stopped on the way out."""
    from .key import write_key
    from .outlets import OUTLETS
    from .server import SampleWebServer, bind_hosts
    from .site import Site
    from .sources import write_sources
    from .world import World

    try:
        port, servers = bind_hosts(args.host_prefix, args.port, len(OUTLETS))
    except OSError as exc:
        print(f"sample-web serve: {exc}", file=sys.stderr)
        return 1
    srv: SampleWebServer | None = None
    try:
        base_urls = base_urls_for(args.host_prefix, port)
        out.mkdir(parents=True, exist_ok=True)
        world = World(args.seed, args.stories)
        site = Site(world, base_urls, day=args.day, slow_seconds=args.slow_seconds)
        sources = write_sources(out / "sources.yaml", base_urls)
        key_dir = write_key(site, out / "key")
        srv = SampleWebServer(servers, site, verbose=args.verbose)
        srv.start()
        first = base_urls[OUTLETS[0].slug]
        print(json.dumps({"port": port, "base_urls": base_urls, "sources": str(sources), "key": str(key_dir),
                          "admin": first + "/_sampleweb/", "day": args.day, "seed": args.seed,
                          "stories": args.stories}), flush=True)
        print(f"sample web: {len(OUTLETS)} outlets on {args.host_prefix}.1-{len(OUTLETS)}:{port}, "
              f"{len(world.articles)} articles, day {args.day}; switch day: GET {first}/_sampleweb/day/2; "
              "Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)  # ended by the signal handler's exception
    finally:
        if srv is not None:
            srv.stop()
        else:
            for server in servers:
                server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.sampleweb")
    sub = parser.add_subparsers(dest="command", metavar="sample-web")
    add_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("serve", "write"):
        argv = ["sample-web"] + argv
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)
