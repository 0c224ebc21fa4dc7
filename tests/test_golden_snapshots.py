"""What every golden SVG under tests/**/__snapshots__ must not show: a crash (a Python
traceback or an exception name outside a log line), or a control character shown escaped
where the data had none (`\\x0a` for a line break, as the detail view once did).

The screens are read back as text rows from the SVG. Log lines may show all of these — the
sample log has a traceback and a hostile escape sequence on purpose — so only the text after a
log line's `TIMESTAMP SOURCE[DYNO]:` header may hold them. A line break is never data (lines
are split there), so `\\x0a` may appear nowhere. docs/testing.md says how to look at the
snapshots themselves.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
GOLDEN = sorted(TESTS.glob("**/__snapshots__/**/*.svg"))

_TEXT = re.compile(
    r'<text [^>]*?x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>'
)
LOG_HEADER = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* [\w.-]+\[[^\]\s]+\]:")
ESCAPED = re.compile(r"\\x[0-9a-f]{2}|\\u(?:202[a-e]|206[6-9])")
CRASH = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\b\w+(?:Error|Exception): "
)


def rows(svg: str) -> list[str]:
    """The screen as text rows, each character in its terminal column."""
    texts = [
        (float(x), float(y), float(w), html.unescape(t).replace("\n", ""))
        for x, y, w, t in _TEXT.findall(svg)
    ]
    widths = Counter(round(w / len(t), 1) for _, _, w, t in texts if t)
    cell = widths.most_common(1)[0][0]
    screen: dict[float, dict[int, str]] = {}
    for x, y, _, t in filter(lambda text: text[3], texts):
        row = screen.setdefault(y, {})
        for i, ch in enumerate(t.replace("\xa0", " ")):
            row[round(x / cell) + i] = ch
    return ["".join(r.get(c, " ") for c in range(max(r) + 1)) for _, r in sorted(screen.items())]


def outside_log_text(row: str) -> str:
    """The part of a row that is not a log line's message (the whole row if it shows none)."""
    m = LOG_HEADER.search(row)
    return row if m is None else row[: m.start()]


def test_there_are_golden_snapshots_to_check():
    assert len(GOLDEN) >= 10 and all(p.stat().st_size > 1000 for p in GOLDEN)


# Screens whose point is to show an escape outside a log line, and the rows that may: the help
# says how escapes look, and a hostile name is shown escaped in the sidebar.
EXPECTED_ESCAPES = {
    "ui/__snapshots__/test_snapshots/test_help.svg": r"shown escaped \(\\x1b\)",
    "hostile/__snapshots__/test_terminal_injection/"
    "test_a_syslog_app_name_reaches_no_widget_raw.svg": r"w\\x1bkPWNED\\x1b\\",
}


def expected_escape(path: Path, row: str) -> bool:
    allowed = EXPECTED_ESCAPES.get(str(path.relative_to(TESTS)))
    return allowed is not None and re.search(allowed, row) is not None


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: str(p.relative_to(TESTS)))
def test_golden_snapshot_shows_no_crash_and_no_stray_escape(path):
    screen = rows(path.read_text(encoding="utf-8"))
    assert any(LOG_HEADER.search(r) or r.strip() for r in screen), "no text read from the SVG"
    for n, row in enumerate(screen):
        assert "\\x0a" not in row, f"row {n}: a line break shown escaped: {row.strip()!r}"
        rest = outside_log_text(row)
        if not expected_escape(path, rest):
            assert not ESCAPED.search(rest), f"row {n}: an escape outside log text: {row.strip()!r}"
        assert not CRASH.search(rest), f"row {n}: a crash on screen: {row.strip()!r}"


def test_the_checks_catch_what_they_are_for():
    bad_json = '│ {\\x0a"level":"info",\\x0a}'
    crash = "  Traceback (most recent call last):"
    log = "2026-11-01T12:00:03.000001+00:00 app[web.1]: hostile: \\x1b]0;pwned\\x07 ValueError: x"
    assert ESCAPED.search(outside_log_text(bad_json)) and CRASH.search(outside_log_text(crash))
    assert not ESCAPED.search(outside_log_text(log)) and not CRASH.search(outside_log_text(log))


if __name__ == "__main__":  # python tests/test_golden_snapshots.py FILE.svg: the screen as text
    import sys

    for svg in sys.argv[1:]:
        print("\n".join(rows(Path(svg).read_text(encoding="utf-8"))))
