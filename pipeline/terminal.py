"""Text from the web made safe to print on a terminal.

Headlines, URLs and error messages come from hostile pages and files: an escape sequence in
a title can rewrite the screen, move the cursor or set the window title. Everything the CLI
prints that came from outside goes through `safe()`; error lines through `one_line()`.
"""

from __future__ import annotations

import re

# ANSI escape sequences (CSI … final byte, OSC … BEL/ST), removed whole so no residue is printed
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]")
# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides that
# can reorder what a line appears to say (Trojan Source, CVE-2021-42574)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(value: object) -> object:
    """A string without control characters (others: unchanged, for table cells)."""
    if isinstance(value, str):
        return _CONTROLS.sub("", _ESCAPES.sub("", value))
    return value


def one_line(message: str) -> str:
    """One printable line: control characters dropped, newlines and tabs as spaces."""
    return " ".join(str(safe(message)).split())
