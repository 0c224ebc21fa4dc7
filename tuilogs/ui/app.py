"""The Textual application: a thin shell that opens the explorer on one source."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from platformdirs import user_downloads_path
from textual.app import App, SystemCommand
from textual.screen import Screen

from tuilogs import __version__
from tuilogs.core.buffer import LogBuffer
from tuilogs.core.heap import HeapKeeper
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import Producer
from tuilogs.ui.commands import key_commands
from tuilogs.ui.keys import keymap
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.screens.explorer import ExplorerScreen

StartSources = Callable[[Feed, LogBuffer], list[Producer]]


class TuilogsApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = f"tuilogs {__version__}"
    BINDINGS = keymap("app")
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
        # NO_COLOR: ANSI mode, in which Textual drops colours for the terminal's own (its other
        # mode greys them, to 1.6:1 contrast); app.tcss says with text styles what colour said.
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.source_title = title
        self.source_kind = kind
        self.buffer = buffer if buffer is not None else LogBuffer()
        self.feed = feed if feed is not None else Feed()
        # Producers start now, not on mount: reading a file's tail or fetching an app's first
        # screen overlaps with Textual's start-up instead of following it.
        self.producers: list[Producer] = start_sources(self.feed, self.buffer)
        self.options = options or ExplorerOptions()

    def on_mount(self) -> None:
        self.heap_keeper = HeapKeeper().start()
        self.push_screen(
            ExplorerScreen(
                self.buffer, self.feed, self.source_title, self.source_kind, self.options
            )
        )
        if self.options.build is not None and self.options.app is not None:  # `--build`
            from tuilogs.ui.screens.build_output import show_build

            self.call_after_refresh(show_build, self, self.options.app, self.options.build)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "builds":  # an app's (a file has none); everywhere but over its own panel
            if self.options.app is None:
                return False  # decided without importing the panel (httpx: 0.1 s at start)
            from tuilogs.ui.screens.builds import BuildsPanel

            return not isinstance(self.screen, BuildsPanel)
        return True

    def action_builds(self) -> None:
        """The builds panel of the followed app, over any screen (`ui/screens/builds.py`)."""
        from tuilogs.ui.screens.builds import open_builds

        open_builds(self.screen, self.options.app)

    def on_unmount(self) -> None:
        self.heap_keeper.stop()
        for producer in self.producers:
            producer.stop()

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's "Screenshot": Textual saves into ~/Downloads, and failed with only
        "Failed to save screenshot" where there is none (a server, a container). Without
        one it goes to the current directory, and the notice names the full path."""
        if path is None:
            downloads = user_downloads_path()
            path = str(downloads if downloads.is_dir() else Path.cwd())
        return super().deliver_screenshot(filename, path, time_format)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: every key command that applies now (ui/commands.py), then Textual's
        own less those ours replace ("Keys": its key panel, where ours is the help screen;
        "Quit"), so each appears once."""
        ours = list(key_commands(screen))
        yield from ours
        titles = {command.title for command in ours}
        for command in super().get_system_commands(screen):
            if command.title not in titles:
                yield command
