"""Make log text safe to put on a terminal.

A log message is untrusted input: `ESC ] 0 ; pwned BEL` would retitle the terminal and `ESC [ 2 J`
would clear it. Every C0/C1 control character (and the bidi overrides that can disguise text)
is replaced by a visible escape such as `\\x1b`, in one `str.translate` call.
"""

from __future__ import annotations

TAB_WIDTH = 4


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = f"\\x{code:02x}"
    table[0x09] = " " * TAB_WIDTH
    # Bidi embedding/override/isolate controls can make text read differently than it is.
    for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        table[code] = f"\\u{code:04x}"
    return table


_TABLE = _table()


def escape_controls(text: str) -> str:
    """Replace control characters with visible escapes; other text is unchanged."""
    return text.translate(_TABLE)


def is_clean(text: str) -> bool:
    """True when `text` holds nothing `escape_controls` would change (cheap pre-check)."""
    return text.isprintable()
