"""NO_COLOR: the terminal's own colours, and text styles where colour told things apart.

Textual greys colours under NO_COLOR unless the app runs in ANSI mode: router labels, paths and
JSON keys were grey 237 on 233 (1.6:1 contrast)."""

from __future__ import annotations

import pytest

from tuilogs.ui.widgets.sidebar import FilterSidebar

from kit.pilot import SIZE, loaded, make_app


@pytest.fixture
def no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


def segments(app):
    for strip in app.screen._compositor.render_strips():
        yield from strip


def styled(app, text: str):
    """The style of the first segment on screen whose text starts with `text`."""
    return next(s.style for s in segments(app) if s.text.startswith(text))


async def test_no_colour_is_sent_and_styles_say_what_colour_said(no_color):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("up")
        await pilot.pause(0.2)
        for segment in segments(app):
            style = segment.style
            if style is not None:
                assert style.color in (None, style.color.default()), segment
                assert style.bgcolor in (None, style.bgcolor.default()), segment
        assert styled(app, "heroku[router]:").bold  # a router label
        assert styled(app, '"/').underline  # a path
        assert styled(app, '"level"').bold  # a JSON key
        assert styled(app, "2026-11-01T").dim  # timestamps step back


def test_no_color(snap_compare, no_color):
    async def run_before(pilot):
        await loaded(pilot)
        pilot.app.screen.query_one(FilterSidebar).focus()
        await pilot.press("down", "down")
        pilot.app.screen.query_one("#log").focus()
        await pilot.press("up", "up")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
