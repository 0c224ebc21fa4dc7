"""The Textual application: a thin shell that opens the explorer on one source."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tuilogs import __version__
from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import Producer
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.screens.explorer import ExplorerScreen

StartSources = Callable[[Feed, LogBuffer], list[Producer]]


class TuilogsApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = f"tuilogs {__version__}"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    # The command palette lists every explorer action (see get_system_commands).
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(
        self,
        start_sources: StartSources,
        title: str,
        kind: str,
        *,
        buffer: LogBuffer | None = None,
        feed: Feed | None = None,
        options: ExplorerOptions | None = None,
    ) -> None:
        super().__init__()
        self.source_title = title
        self.source_kind = kind
        self.buffer = buffer if buffer is not None else LogBuffer()
        self.feed = feed if feed is not None else Feed()
        # Producers start now, not on mount: reading a file's tail or fetching an app's first
        # screen overlaps with Textual's start-up instead of following it.
        self.producers: list[Producer] = start_sources(self.feed, self.buffer)
        self.options = options or ExplorerOptions()

    def on_mount(self) -> None:
        self.push_screen(
            ExplorerScreen(
                self.buffer, self.feed, self.source_title, self.source_kind, self.options
            )
        )

    def on_unmount(self) -> None:
        for producer in self.producers:
            producer.stop()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ExplorerScreen):
            return
        for title, help_text, action in [
            ("Find", "Search and highlight matches (/)", "search('find')"),
            ("Filter by search", "Show only lines matching a search (&)", "search('filter')"),
            ("Next match", "Jump to the next find match (n)", "next_hit(1)"),
            ("Previous match", "Jump to the previous find match (N)", "next_hit(-1)"),
            ("Toggle wrap", "Wrap long lines (w)", "toggle_wrap"),
            ("Cycle timestamps", "Received → local → relative (t)", "cycle_time"),
            ("Toggle sidebar", "Show or hide source and dyno filters (s)", "toggle_sidebar"),
            ("Clear source/dyno filters", "Show every source and dyno again", "clear_filters"),
            ("Export view", "Write the shown lines to a file (e)", "export"),
            ("Copy line", "Copy the selected line to the clipboard (c)", "copy_line"),
            ("Follow", "Jump to the end and follow new lines (End)", "follow"),
            ("Details", "Open the selected line's details (Enter)", "details"),
            ("Keys", "Every key (?)", "help"),
        ]:
            yield SystemCommand(title, help_text, lambda a=action: screen.run_action(a))
        if self.options.app is not None:
            yield SystemCommand(
                "Log drains",
                "List, add and remove the app's log drains (D)",
                lambda: screen.run_action("drains"),
            )
