"""The command palette and the help screen are read from the bindings: one key list.

Every binding with an id is a command: the palette offers it when its owner's check_action
allows it now, and the help screen lists it in the area its id names.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette

from tuilogs.ui.app import TuilogsApp
from tuilogs.ui.commands import offered
from tuilogs.ui.keys import AREAS, KeyEntry, entries
from tuilogs.ui.messages import FiltersChanged, ViewChanged
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.detail import DetailScreen
from tuilogs.ui.screens.drains import DrainPanel
from tuilogs.ui.screens.explorer import ExplorerScreen
from tuilogs.ui.screens.help import HelpScreen
from tuilogs.ui.widgets.log_view import LogView
from tuilogs.ui.widgets.search_bar import SearchBar
from tuilogs.ui.widgets.sidebar import FilterSidebar

from kit.pilot import SIZE, loaded, make_app, wait_for

APP = "myapp"
EXPLORER_PARTS = (ExplorerScreen, LogView, SearchBar, FilterSidebar, TuilogsApp)


def ids_of(*owners) -> set[str]:
    return {entry.binding.id for owner in owners for entry in entries(owner, "app")} - {None}


def titles(app) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def open_palette(pilot, text: str = "") -> list[str]:
    """Open the palette, type `text`; the prompts it lists (title and help) once it has any."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    app.screen.query_one(CommandInput).cursor_blink = False
    if text:
        await pilot.press(*text)
    command_list = app.screen.query_one(CommandList)

    def listed() -> list[str]:
        return [str(o.prompt) for o in command_list.options]

    await wait_for(pilot, lambda: any(text.lower() in p.lower() for p in listed()))
    await pilot.pause(0.1)
    return listed()


class TestOfferedNow:
    async def test_log_drains_only_when_an_app_is_followed(self, pclient):
        followed = make_app(options=ExplorerOptions(app=FollowedApp(pclient, APP)))
        async with followed.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert any(p.startswith("Log drains") for p in await open_palette(pilot, "drains"))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(followed.screen, DrainPanel))

        a_file = make_app()
        async with a_file.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            listed = await open_palette(pilot)  # every command that applies, unfiltered
            assert any(p.startswith("Keys") for p in listed)
            assert not any(p.startswith("Log drains") for p in listed)

    async def test_search_and_sidebar_commands_only_when_they_apply(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            now = titles(app)
            for title in ["Next match", "Previous match", "Only this", "Switch find ↔ filter"]:
                assert title not in now
            await pilot.press("slash", *"H12", "enter")
            await wait_for(pilot, lambda: not app.screen.state.search_pending)
            now = titles(app)
            assert {"Next match", "Previous match", "Clear search"} <= set(now)
            assert "Switch find ↔ filter" in now  # the box stays open, showing the search
            app.screen.query_one(FilterSidebar).focus()
            await pilot.pause()
            assert {"Only this", "Include", "Exclude"} <= set(titles(app))

    async def test_keys_and_quit_appear_once(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            now = titles(app)
            assert now.count("Keys") == 1 and now.count("Quit") == 1
            assert "Theme" in now  # Textual's own commands stay


class TestRunFromThePalette:
    async def test_commands_run_where_they_are_declared_and_say_so(self):
        """Toggle wrap (the screen's), Follow (the log pane's), Clear filters (the sidebar's):
        each emits what its key would."""
        messages: list = []
        app = make_app()
        async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
            await loaded(pilot)
            log = app.screen.query_one(LogView)
            await pilot.press("up")
            assert not log.following
            for text, emitted in [
                ("Toggle wrap", ViewChanged),
                ("Follow", ViewChanged),
                ("Clear source/dyno filters", FiltersChanged),
            ]:
                await open_palette(pilot, text)
                messages.clear()
                await pilot.press("enter")
                await wait_for(pilot, lambda e=emitted: any(isinstance(m, e) for m in messages))
            assert log.wrap and log.following

    def test_the_palette_lists_what_applies_now(self, snap_compare):
        async def run_before(pilot):
            await loaded(pilot)
            await open_palette(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


class TestOneKeyList:
    async def test_every_command_is_in_the_palette_when_it_applies(self, pclient):
        app = make_app(options=ExplorerOptions(app=FollowedApp(pclient, APP)))
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("ampersand", *"status>=500", "enter")  # context, in context
            await wait_for(pilot, lambda: not app.screen.state.search_pending)
            await pilot.press("slash", *"H12", "enter")  # a find: next/previous apply
            await wait_for(pilot, lambda: not app.screen.state.search_pending)
            await pilot.press("m", "C")  # a mark, context lines: marks and sizes apply
            app.screen.query_one(FilterSidebar).focus()  # the entry commands apply
            await pilot.pause()
            offered_ids = {entry.binding.id for entry, _ in offered(app.screen)}
            assert ids_of(*EXPLORER_PARTS) <= offered_ids

            app.screen.query_one(LogView).focus()  # details open from the log pane
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
            offered_ids = {entry.binding.id for entry, _ in offered(app.screen)}
            assert ids_of(DetailScreen, TuilogsApp) <= offered_ids

    async def test_every_key_is_in_the_help_screen_in_its_area(self):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            rows = app.screen.rows
            for owner, area in [
                (ExplorerScreen, "app"),
                (LogView, "log"),
                (SearchBar, "search"),
                (FilterSidebar, "sidebar"),
                (DetailScreen, "detail"),
                (DrainPanel, "drains"),
                (TuilogsApp, "app"),
            ]:
                for entry in entries(owner, area):
                    # A command bound twice (q, Ctrl+C) is one row, saying what the first says.
                    same = [e for e in entries(owner, area) if e.binding.id == entry.binding.id]
                    said = {e.help for e in same} if entry.binding.id else {entry.help}
                    assert entry.area in AREAS
                    assert any(
                        set(entry.label.split()) <= set(keys.split()) and what in said
                        for keys, what in rows[entry.area]
                    ), (entry.area, entry.label, entry.help)

    async def test_every_key_the_readme_lists_is_in_the_help_screen(self):
        readme = (Path(__file__).parents[2] / "README.md").read_text()
        table = readme[readme.index("### Keys") : readme.index("### Search language")]
        documented = {key for cell in re.findall(r"`([^`]+)`", table) for key in cell.split()}
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            shown = {
                key for rows in app.screen.rows.values() for keys, _ in rows for key in keys.split()
            }
            assert documented and documented <= shown, documented - shown

    def test_a_key_entry_names_its_area_keys_title_and_help(self):
        (entry,) = entries(
            type(
                "Owner",
                (LogView,),
                {"BINDINGS": [Binding("ctrl+t,question_mark", "x", "X", id="search.x")]},
            ),
            "log",
        )
        assert entry == KeyEntry("search", entry.binding, ("ctrl+t", "question_mark"))
        assert (entry.label, entry.title, entry.help) == ("Ctrl+T ?", "X", "X")
