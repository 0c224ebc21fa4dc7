"""Time in the explorer: the histogram strip's numbers, the go-to prompt's jumps, the position
shown in the status line.

The histogram is counted on a worker thread from the buffer's time column (core/histogram.py)
over what the pane shows (filters and a filtering search applied; while finding, the matches),
at most four times a second while lines arrive; trouble lines are found slice by slice on
another worker (core/trouble_index.py) and stacked as they come. For an app on the router the
numbers come from the router, over its whole history, per origin (the sidebar filter applied
here), refreshed while the app is live; a search, which the router cannot count, falls back to
the lines loaded here, and the strip says so.
"""

from __future__ import annotations

import re
import time
from array import array
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.worker import get_current_worker

from tuilogs.core.buffer import Origin
from tuilogs.core.histogram import Histogram, combine, histogram_of
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.sample import Share, estimate, sample_head
from tuilogs.core.status import State
from tuilogs.core.timeline import to_seconds
from tuilogs.core.timerange import TimeError, format_local, parse_time
from tuilogs.core.trouble_index import TroubleIndex
from tuilogs.core.view import FIND, ExplorerState
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.widgets.histogram import HistogramStrip
from tuilogs.ui.widgets.log_view import LogView

if TYPE_CHECKING:
    from textual.screen import Screen

    from tuilogs.platform.models import LogHistogram

RECOUNT_EVERY = 0.25  # while lines arrive (a filter change recounts at once)
RECOUNT_SCANNING = 1.0  # while trouble lines are still being found: each recount costs them
ROUTER_EVERY = 10.0  # the router's numbers, while the app is live (at least; see _fetch)
LINE_RE = re.compile(r"\d[\d,_]*")
PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*%")


class TimelineController:
    """The time features of one explorer screen (which runs the workers)."""

    def __init__(
        self,
        screen: Screen,
        state: ExplorerState,
        log: LogView,
        strip: HistogramStrip,
        feed: Feed,
        options: ExplorerOptions,
    ) -> None:
        self.screen, self.state, self.log, self.strip = screen, state, log, strip
        self.feed, self.options = feed, options
        self.trouble = TroubleIndex(state.buffer)
        app = options.app
        self.router = app if app is not None and app.client.kind == "local" else None
        self._counting = self._scanning = self._fetching = self._sampling = False
        self._counted_key: tuple | None = None
        self._counted_at = 0.0
        self._router_answer: tuple[int, LogHistogram] | None = None  # (width, answer)
        self._fetched_at = 0.0
        self._fetch_cost = 0.0
        self._sample: tuple[int, list[Share]] | None = None  # (head's end, its samples)

    # -- the strip ------------------------------------------------------------------------

    @property
    def shown(self) -> bool:
        return self.strip.has_class("-shown")

    def toggle(self) -> None:
        self.strip.set_class(not self.shown, "-shown")
        if not self.shown and self.strip.has_focus:
            self.log.focus()
        self._counted_key = None
        self.poll(time.monotonic(), urgent=True)

    def poll(self, now: float, urgent: bool = False) -> None:
        """Each tick: the window on screen, then whatever work is due."""
        self._sample_ahead()
        if not self.shown:
            return
        width = self.strip.size.width
        if not width:  # not laid out yet: the next tick
            return
        self.strip.window = self.window()
        from_router = self.router is not None and self._what()[2]
        if not from_router and not self._scanning and self.trouble.todo() is not None:
            self._start_trouble()
        if self.router is not None and self._router_due(now, width):
            self._fetch(width)
        key = self._key(width)
        if key != self._counted_key and not self._counting and not self._sampling:
            changed = self._counted_key is None or key[:2] != self._counted_key[:2]
            every = RECOUNT_EVERY if self.trouble.complete else RECOUNT_SCANNING
            if urgent or changed or now - self._counted_at >= every:
                self._count(key, width)

    def _key(self, width: int) -> tuple:
        """What the numbers depend on; a new key means counting again."""
        state = self.state
        return (
            state.version,
            width,
            state.filter.version,
            len(state.buffer),
            state.buffer.epoch,
            len(state.hits or ()) if state.mode == FIND else -1,
            self.trouble.version,
            self._router_answer is not None and self._router_answer[1].last_id,
        )

    def window(self) -> tuple[int, int] | None:
        """The times of the first and last lines on screen (epoch seconds)."""
        state, log = self.state, self.log
        n = len(state)
        if not n:
            return None
        height = log.scrollable_content_region.height
        top = max(0, n - height) if log.following else int(log.scroll_offset.y)
        times = state.buffer.times
        ends = [to_seconds(times[state.line_at(p)]) for p in (top, min(n, top + height) - 1)]
        known = [t for t in ends if t is not None]
        return (min(known), max(known)) if known else None

    # -- counting -------------------------------------------------------------------------

    def _what(self) -> tuple[array | None, str, bool]:
        """(lines to count, what they are, whether the router can count them)."""
        state = self.state
        if state.searching and state.mode == FIND:
            return state.hits or array("I"), "matches", False
        return state.visible, "lines", not state.filtering_by_query

    def _count(self, key: tuple, width: int) -> None:
        lines, what, routable = self._what()
        answer = self._router_answer
        if self.router is not None and routable and answer is not None:
            self._show(self._combined(answer[1]), key)
            return
        note = "loaded lines" if self.router is not None else ""
        self._counting = True
        errors = self.trouble.lines()
        known = self.trouble.complete
        timeline, span = self.state.timeline, self._span()
        head = self._head_to_sample(what, routable)

        def work() -> None:
            if head is not None:
                self._answer(self._show, self._estimate(head, lines, errors, width), key)
                return
            hist = histogram_of(timeline, lines, errors, width, what=what, note=note, span=span)
            if hist is not None and not known:
                hist = Histogram(hist.start, hist.step, hist.lines, hist.errors, False, what, note)
            self._answer(self._show, hist, key)

        self._run(work, "histogram")

    def _head_to_sample(self, what: str, routable: bool) -> int | None:
        """Where a file's head ends while it is still being indexed (core/sample.py), when
        what is counted can be estimated from samples (no search); else None."""
        buffer = self.state.buffer
        if not self.feed.head_pending or what != "lines" or not routable or not len(buffer):
            return None
        return buffer.bounds[0]

    def _sample_ahead(self) -> None:
        """Once a big file's first screen is painted, its head is sampled on a worker (~60 ms,
        once) whether or not the strip is shown: the strip then shows as soon as it is asked
        for, instead of after the sampling, slowed by the indexing it competes with."""
        feed, buffer = self.feed, self.state.buffer
        if self._sampling or self._sample is not None or not feed.head_pending:
            return
        if not feed.painted.is_set() or not len(buffer):
            return
        head, self._sampling = buffer.bounds[0], True

        def work() -> None:
            shares = None
            try:
                shares = sample_head(buffer.read_bytes, head, buffer.origins)
            finally:  # a failure (which the screen reports) leaves the sampling to the strip
                self._answer(self._sampled, head, shares)

        self._run(work, "sample")

    def _sampled(self, head: int, shares: list[Share] | None) -> None:
        self._sampling = False
        self._sample = (head, shares) if shares is not None else (-1, [])
        self.poll(time.monotonic(), urgent=True)

    def _estimate(self, head: int, lines: array | None, errors: array, width: int):
        """On the worker: the head sampled once, then the estimate (core/sample.py)."""
        state = self.state
        if self._sample is None or self._sample[0] != head:
            self._sample = (head, sample_head(state.buffer.read_bytes, head, state.buffer.origins))
        shown = state.filter.mask(state.buffer.origins.origins) if state.filter.active else None
        return estimate(self._sample[1], state.timeline, lines, errors, width, shown)

    def _span(self) -> tuple[int, int] | None:
        """The axis: the time range asked for, where it is bounded; else the lines' span."""
        rng, stored = self.options.time_range, self.state.timeline.span()
        if stored is None:
            return None
        first, last = to_seconds(stored[0]), to_seconds(stored[1])
        if rng is not None and rng.since is not None:
            first = max(first, rng.since)  # type: ignore[type-var]
        if rng is not None and rng.until is not None:
            last = min(last, rng.until - 1)  # type: ignore[type-var]
        return (first, last) if first <= last else None  # type: ignore[operator]

    def _show(self, hist: Histogram | None, key: tuple) -> None:
        self._counting = False
        self._counted_key, self._counted_at = key, time.monotonic()
        self.strip.histogram = hist
        self.strip.note = "" if hist is not None else "no line has a time"

    def _combined(self, answer: LogHistogram) -> Histogram | None:
        if answer.start is None:
            return None
        allows = self.state.filter.allows
        return combine(
            answer.start,
            answer.step,
            answer.buckets,
            answer.origins,
            lambda source, dyno: allows(Origin(0, source, dyno)),
        )

    # -- trouble --------------------------------------------------------------------------

    def _start_trouble(self) -> None:
        """Find trouble lines, slice after slice, on one worker until every line is known.

        The slices are handed over on the UI thread (`call_from_thread`, which waits), so the
        next one starts at once rather than at the next tick: at 5,000,000 lines that is a
        hundred slices, and a tick's wait each would add seconds."""
        self._scanning = True
        index, call = self.trouble, self.screen.app.call_from_thread

        def next_slice() -> tuple[int, int, int] | None:
            todo = index.todo() if self.shown else None
            if todo is None:
                self._scanning = False
                return None
            return (*todo, self.state.buffer.epoch)

        def ended() -> None:
            self._scanning = False

        def work() -> None:
            worker = get_current_worker()
            try:
                while not worker.is_cancelled and (todo := call(next_slice)) is not None:
                    lo, hi, epoch = todo
                    found = index.scan(lo, hi)
                    if worker.is_cancelled:
                        return
                    call(index.add, lo, hi, found, epoch)
            finally:
                if not worker.is_cancelled:
                    call(ended)  # also after a failure (which the screen reports)

        self._run(work, "trouble")

    # -- the router's numbers -------------------------------------------------------------

    def _router_due(self, now: float, width: int) -> bool:
        if self._fetching:
            return False
        answer = self._router_answer
        if answer is None or answer[0] != width:
            return True
        live = self.feed.status.state is State.LIVE
        return live and now - self._fetched_at >= max(ROUTER_EVERY, 10 * self._fetch_cost)

    def _fetch(self, width: int) -> None:
        assert self.router is not None
        client, name, rng = self.router.client, self.router.name, self.options.time_range
        self._fetching = True
        self._fetched_at = time.monotonic()

        def work() -> None:
            from tuilogs.platform.errors import PlatformError  # httpx: not at start-up

            began = time.monotonic()
            try:
                answer = client.log_histogram(
                    name,
                    buckets=width,
                    since=rng.since if rng else None,
                    until=rng.until if rng else None,
                )
            except PlatformError:
                answer = None  # the router cannot count (an old one): count here
            self._answer(self._fetched, width, answer, time.monotonic() - began)

        self._run(work, "router-histogram")

    def _fetched(self, width: int, answer: LogHistogram | None, cost: float) -> None:
        self._fetching = False
        self._fetch_cost = cost
        if answer is None:
            self.router = None
        else:
            self._router_answer = (width, answer)
        self.poll(time.monotonic(), urgent=True)

    # -- workers --------------------------------------------------------------------------

    def _run(self, work, group: str) -> None:
        self.screen.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def _answer(self, callback, *args) -> None:
        """From a worker: hand the result to the UI thread, unless the worker was cancelled
        (the app is closing)."""
        if not get_current_worker().is_cancelled:
            self.screen.app.call_from_thread(callback, *args)

    # -- go-to and the position -----------------------------------------------------------

    def reference(self) -> float:
        """What relative times count from: the time at the cursor (else now)."""
        line = self.log.selected_line()
        seconds = to_seconds(self.state.buffer.times[line]) if line is not None else None
        return time.time() if seconds is None else seconds

    def goto(self, text: str) -> str | None:
        """Move the cursor where `text` says (see GotoScreen); None, or why it cannot."""
        state, t = self.state, text.strip()
        n = len(state)
        if not n:
            return "no lines yet"
        if LINE_RE.fullmatch(t):
            self.log.move_cursor_to(min(n, max(1, int(re.sub("[,_]", "", t)))) - 1)
            return None
        m = PERCENT_RE.fullmatch(t)
        if m is not None:
            self.log.move_cursor_to(round(min(100.0, float(m[1])) / 100 * (n - 1)))
            return None
        try:
            seconds = parse_time(t, reference=self.reference())
        except TimeError as exc:
            return str(exc)
        return self.jump_to_time(seconds)

    def jump_to_time(self, seconds: float) -> str | None:
        """The cursor on the first shown line at or after `seconds` (core/timeline.py)."""
        line = self.state.timeline.first_at_or_after(seconds, self.state.visible)
        if line is None:
            return f"no line at or after {format_local(seconds)}"
        self.log.move_cursor_to(self.state.pos_of(line))
        return None

    def position(self) -> tuple[tuple[int, int] | None, str]:
        """((line, of), time at it) for the status line while paused; (None, "") following."""
        state, log = self.state, self.log
        n = len(state)
        if log.following or not n:
            return None, ""
        pos = log.cursor if log.cursor is not None else min(int(log.scroll_offset.y), n - 1)
        return (pos + 1, n), time_text(state, state.line_at(pos), log.time_mode)


class LogColumn(Vertical):
    """The log pane with the histogram strip above it: moving along the strip moves the pane."""

    def __init__(
        self, strip: HistogramStrip, log: LogView, timeline: TimelineController, *, id: str
    ) -> None:
        super().__init__(id=id)
        self._strip, self._pane, self._timeline = strip, log, timeline  # (`log`: Textual's)

    def compose(self) -> ComposeResult:
        yield self._strip
        yield self._pane

    def on_histogram_strip_jump(self, event: HistogramStrip.Jump) -> None:
        event.stop()
        self._timeline.jump_to_time(event.seconds)

    def on_histogram_strip_left(self, event: HistogramStrip.Left) -> None:
        event.stop()
        self._pane.focus()


def time_text(state: ExplorerState, line: int, mode: str) -> str:
    """A line's time for the status line, in the pane's time mode (received: as written)."""
    rec = state.buffer.record(line)
    if not rec.timestamp:
        return ""
    if mode == "received":
        return rec.timestamp[:19].replace("T", " ")
    seconds = to_seconds(state.buffer.times[line])
    if seconds is None:
        return rec.timestamp
    if mode == "local":
        return format_local(seconds)
    ago = int(time.time() - seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if abs(ago) >= size or unit == "s":
            return f"{abs(ago) // size}{unit} {'ago' if ago >= 0 else 'ahead'}"
    return ""  # pragma: no cover
