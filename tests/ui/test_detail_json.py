"""The detail view's pretty JSON: one value per line with its real indentation, and only what
must be escaped (C1 controls, bidi overrides that json.dumps leaves raw) escaped — never the
line breaks that make it pretty."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.widgets import Static

from tuilogs.core.record import LogRecord
from tuilogs.ui.screens.detail import DetailScreen

from kit.pilot import SIZE, loaded, make_app

MESSAGE = '{"a": {"b": [1, "x\u202ey"]}, "c": "\u0085", "d": "tab\\there"}'


async def test_pretty_json_keeps_line_breaks_and_escapes_controls_inside_values():
    record = LogRecord("2026-11-23T19:04:05+00:00", "app", "web.1", MESSAGE)
    async with make_app().run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.app.push_screen(DetailScreen(record, 0))
        await pilot.pause()
        shown = [s.content for s in pilot.app.screen.query(Static)]
        (syntax,) = [c for c in shown if isinstance(c, Syntax)]
    assert syntax.code.split("\n") == [
        "{",
        '  "a": {',
        '    "b": [',
        "      1,",
        '      "x\\u202ey"',
        "    ]",
        "  },",
        '  "c": "\\x85",',
        '  "d": "tab\\there"',
        "}",
    ]
