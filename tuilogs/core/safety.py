"""Make log text safe to put on a terminal.

A log message is untrusted input: `ESC ] 0 ; pwned BEL` would retitle the terminal and `ESC [ 2 J`
would clear it. Every C0/C1 control character (and the bidi overrides that can disguise text,
and the Unicode line and paragraph separators that some readers break lines at) is replaced by
a visible escape such as `\\x1b`, in one `str.translate` call. The set is defined here once:
print mode, every widget that shows text from logs or servers, and the log pane (which styles
the escapes) all use it. Its escapes of line breaks are those of `record.one_line`.
"""

from __future__ import annotations

import re

TAB_WIDTH = 4

# Code points never sent to a terminal as they are: C0 controls, DEL, C1 controls, the line and
# paragraph separators U+2028/U+2029, and the bidi embedding/override/isolate controls that can
# make text read differently than it is.
CONTROL_CODES = frozenset(
    [
        *range(0x00, 0x20),
        0x7F,
        *range(0x80, 0xA0),
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


def _escape(code: int) -> str:
    if code == 0x09:
        return " " * TAB_WIDTH  # a tab is shown as spaces, not as an escape
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {code: _escape(code) for code in CONTROL_CODES}
# Runs of the characters shown as escapes (a tab is not one: it becomes spaces), for a caller
# that styles the escapes differently from the text around them.
CONTROL_RUN_RE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted(CONTROL_CODES - {0x09})) + "]+"
)


def escape_controls(text: str) -> str:
    """Replace control characters with visible escapes; other text is unchanged."""
    return text.translate(_TABLE)


def is_clean(text: str) -> bool:
    """True when `text` holds nothing `escape_controls` would change (cheap pre-check)."""
    return text.isprintable()
