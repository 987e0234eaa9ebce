"""A fingerprint worker process: dedup fingerprints batch n + 1 there while it matches batch n.

Fingerprinting is pure computation (~0.7 ms per article, bench/dedup.py) and PostgreSQL's
work on a batch is another process, so on the 2-core machine the fingerprints of the next
batch leave the critical path. The worker is a plain child interpreter running `main`, not
multiprocessing's fork (it would inherit the database connections) nor spawn/forkserver (they re-run the caller's main module, which breaks any
script without a `__main__` guard). Protocol over its stdin/stdout: a request is one pickled
list of (article_id, text); the answer one pickled Fingerprints, or a pickled exception. The
caller reads each answer before sending the next request, so neither side blocks on a full
pipe while the other writes. The worker exits when its stdin closes (the caller finished or
died).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Sequence

from pipeline.dedup.fingerprint import Fingerprints, fingerprint_batch


class Worker:
    """One fingerprint worker; `submit` a batch, then `result` before the next `submit`."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from pipeline.dedup.worker import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.pending = False

    def submit(self, articles: Sequence[tuple[int, str]]) -> None:
        assert not self.pending, "read the previous result first"
        pickle.dump(list(articles), self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()
        self.pending = True

    def result(self) -> Fingerprints:
        """The Fingerprints of the last submitted batch; raises what the worker raised."""
        self.pending = False
        try:
            answer = pickle.load(self.process.stdout)
        except EOFError:
            raise RuntimeError(f"fingerprint worker exited ({self.process.wait()})") from None
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def close(self) -> None:
        """Stop the worker: it exits on end of input; one still answering (the caller
        stopped early, on an error) is killed, as its answer is not wanted."""
        if self.pending:
            self.process.kill()
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def main() -> None:
    """The worker's loop; its file descriptor 1 carries answers only (prints go to stderr)."""
    stdin, stdout = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    while True:
        try:
            articles = pickle.load(stdin)
        except EOFError:
            return
        try:
            answer: object = fingerprint_batch(articles)
        except Exception as exc:  # handed to the caller, which raises it
            answer = exc
        pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()

