"""A build's output in the log pane: the explorer over a buffer of its own, fed from the build's
`output_stream_url` (`platform.build_output.BuildOutput`), coloured by the buildpack rules.

It is the explorer screen itself (find, filter, wrap, copy, export all work) on a second buffer,
pushed over the app's: the app's logs keep arriving in theirs meanwhile, and Esc goes back to
them as they were. The header names the build and its status, which changes when a running
build ends. A failed build opens at its first error line (`buildpack.first_error`): the cause,
not the `Push rejected` at the end; a build that fails while watched goes there too, unless
the reader has moved away from the end.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.buildpack import highlight_build
from tuilogs.core.ingest.feed import Feed
from tuilogs.platform.build_output import BuildOutput
from tuilogs.platform.builds import Build
from tuilogs.ui.keys import keymap
from tuilogs.ui.options import ExplorerOptions, FollowedApp
from tuilogs.ui.screens.builds import MARKS
from tuilogs.ui.screens.explorer import ExplorerScreen
from tuilogs.ui.widgets.log_lines import LineRenderer
from tuilogs.ui.widgets.sidebar import FilterSidebar


class BuildLines(LineRenderer):
    """Lines of build output: those without a log header (nearly all) get the buildpack
    colours; a line that is a log line keeps the log's."""

    def line_text(self, line: int) -> Text:
        rec = self.buffer.record(line)
        if not rec.is_raw:
            return super().line_text(line)
        text = Text(no_wrap=not self.wrap, end="")
        if self._append_safe(text, rec.message, self.style("raw")):
            for start, end, rule in highlight_build(rec.message):
                text.stylize(self.style(rule), start, end)
        if self.matcher is not None:
            match_style = self.style("match")
            for m in self.matcher.finditer(text.plain):
                if m.end() > m.start():
                    text.stylize(match_style, m.start(), m.end())
        return text


def backend_name(followed: FollowedApp) -> str:
    return "Heroku" if followed.client.kind == "heroku" else "local router"


class BuildOutputScreen(ExplorerScreen):
    """The explorer on one build's output; Esc returns to the app's logs."""

    BINDINGS = [
        *(b for b in ExplorerScreen.BINDINGS if b.key != "escape"),
        *keymap("build_output"),
    ]

    def __init__(self, followed: FollowedApp, build: Build) -> None:
        buffer, feed = LogBuffer(), Feed()
        super().__init__(
            buffer,
            feed,
            f"{followed.name} · {build.label()}",
            self.describe(build, followed),
            ExplorerOptions(app=followed),
        )
        self.followed = followed
        self.producer = BuildOutput(followed.client, followed.name, build, feed, buffer.origins)
        self._placed = False  # a failed build's first error has been shown

    @staticmethod
    def describe(build: Build, followed: FollowedApp) -> str:
        """The header's second part: `✗ failed · by who · Heroku`."""
        who = f" · by {build.user}" if build.user else ""
        return f"{MARKS.get(build.status, '?')} {build.status}{who} · {backend_name(followed)}"

    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.log_view.lines = BuildLines(self.buffer)

    def on_mount(self) -> None:
        super().on_mount()
        # Build output has no sources or dynos to filter by: the lines get the room (`s`
        # still shows the sidebar).
        self._sidebar_chosen = True
        self.query_one(FilterSidebar).display = False
        self.producer.start()

    def on_unmount(self) -> None:
        super().on_unmount()
        self.producer.stop()

    def _tick(self) -> None:
        super()._tick()
        build = self.producer.build
        kind = self.describe(build, self.followed)
        if kind != self.kind:
            self.kind = kind
            self._show_bars()
        if not self._placed and self.producer.ended.is_set() and self.feed.empty():
            self._placed = True
            self._show_first_error()

    def _show_first_error(self) -> None:
        first = self.producer.first_error
        log = self.log_view
        if self.producer.build.failed and first is not None and log.following:
            pos = self.state.pos_of(first)
            log.move_cursor_to(pos)
            # In the middle, with what led to it above and what followed below; after a
            # refresh, when the pane knows its height (it may be new).
            self.call_after_refresh(self._centre, pos)

    def _centre(self, pos: int, tries: int = 10) -> None:
        log = self.log_view
        height = log.scrollable_content_region.height
        top = max(pos - height // 2, 0)
        log.scroll_to(y=top, animate=False, immediate=True)
        log.refresh()  # painted at the new place even when the offset was already set by then
        # The pane's scrollable size may lag its lines by a layout pass (the scroll is clamped
        # to it then): try again after the next one.
        if int(log.scroll_offset.y) != min(top, max(len(self.state) - height, 0)) and tries:
            self.call_after_refresh(self._centre, pos, tries - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return True
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        if self.state.searching:
            self.action_clear_search()
            return
        self.dismiss()


def show_build(app: App, followed: FollowedApp, build: Build) -> None:
    """Open `build`'s output over the app's logs (in place of another build's, if one is
    open: Esc always goes back to the app's logs)."""
    screen = BuildOutputScreen(followed, build)
    if isinstance(app.screen, BuildOutputScreen):
        app.switch_screen(screen)
    else:
        app.push_screen(screen)
