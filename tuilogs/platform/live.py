"""An app's live logs from the Platform API: `LiveTail`, and `open_app` (the tail plus the
stored history behind it, `history.HistoryLoader`).

`LiveTail` keeps a tail alive across dropped streams, expired sessions, timeouts and server
restarts, and never writes a line twice. Two ways to resume, chosen by what the server offers:

* ids (the tuilogs router): the first screen comes from `log-lines` (which gives ids), the tail
  from a session with `after=<last id seen>`; each reconnect passes the last complete SSE
  event's id. Exact: no duplicate, no gap, nothing compared.
* window (Heroku): each reconnect asks for the last 1,500 lines again and drops the overlap by
  comparing whole lines, i.e. (timestamp, source, dyno, message), against the most recent lines
  received (a bounded deque; a set is built only at reconnect time, so nothing per line).

`HistoryLoader` pages backwards from the id just before the tail's first line, so the two meet
exactly; `open_app` wires both to one Feed.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from tuilogs.core.backoff import Backoff
from tuilogs.core.buffer import OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import PAINT_GRACE, Producer
from tuilogs.core.ingest.spool import LIVE_BASE, HistorySpool, Spool
from tuilogs.core.status import State

from .client import HEROKU_MAX_LINES, PlatformClient
from .errors import AppNotFound, PlatformError, Unsupported
from .history import PAGE_MAX, HistoryLoader, format_lines
from .models import LogSession
from .stream import LogStream

WAIT_FOR_APP = 1.0  # seconds between looks for an app the router has no lines of yet


class LiveTail(Producer):
    """Tail an app into `spool`; reconnects with capped exponential backoff and jitter.

    `feed.status` is CONNECTING, LIVE, RECONNECTING (its detail: the problem, its retry_at:
    when) or FAILED with the reason (401, 403, 404 and 422 are final: retrying cannot help);
    WAITING while the router has no lines of the app yet. `resume`
    is "auto" (ids when the server pages history, else window), "ids" or "window".
    `anchored` is set once the first screen (the last `lines` lines) is written, or the tail
    failed or stopped; then `first_id` is the id of its first line (None: no history to page
    back through, e.g. Heroku), for HistoryLoader. Against Heroku the backlog has no end
    marker: it counts as written when `lines` lines came or the stream was quiet for
    `first_screen_grace` seconds. `follow=False` is `heroku logs` without `-t`: the first
    screen, then state "ended". `retry_first=False` (print mode) makes any failure before the
    first screen final: a script gets the reason and an exit status rather than a hang, where
    the explorer shows "reconnecting" and keeps trying. `since`/`until` (epoch seconds) are the
    router's time range, applied by the server in ids mode; Heroku has none (window mode: the
    explorer filters).
    """

    def __init__(
        self,
        client: PlatformClient,
        app: str,
        feed: Feed,
        origins: OriginTable,
        *,
        dyno: str | None = None,
        source: str | None = None,
        lines: int = 1500,
        spool: Spool,
        resume: str = "auto",
        backoff: tuple[float, float] = (1.0, 30.0),
        window: int = 5000,
        resume_grace: float = 2.0,
        follow: bool = True,
        first_screen_grace: float = 1.0,
        retry_first: bool = True,
        since: int | None = None,
        until: int | None = None,
    ) -> None:
        super().__init__(feed, origins)
        self.since, self.until = since, until
        self.client = client
        self.app = app
        self.dyno = dyno
        self.source = source
        self.lines = client.clamp_lines(lines)
        self.spool = spool
        self.mode = resume
        self.backoff = Backoff(*backoff)
        self.resume_grace = resume_grace
        self.follow = follow
        self.first_screen_grace = first_screen_grace
        self.retry_first = retry_first
        self.first_id: int | None = None
        self.cursor: int | None = None  # ids mode: last stored id delivered
        self.anchored = threading.Event()
        self.sessions = 0  # log sessions created (for tests and the header)
        self.delivered = 0
        self._recent: deque[str] = deque(maxlen=max(window, self.lines, HEROKU_MAX_LINES))
        self._stream = None
        self._attempt = 0
        self.low_rate_limit = 10  # RateLimit-Remaining below this slows reconnects down
        self.low_rate_delay = 10.0

    # -- public --------------------------------------------------------------------------

    def wait_first_id(self, timeout: float | None = None) -> int | None:
        """Block until the first screen is written; the first line's id (None: no history)."""
        self.anchored.wait(timeout)
        return self.first_id

    def stop(self) -> None:
        super().stop()
        self.anchored.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    # -- thread --------------------------------------------------------------------------

    def _state(self, state: State, detail: str = "", retry_at: float | None = None) -> None:
        self.feed.set_status(state, detail, retry_at)

    def run(self) -> None:
        self._state(State.CONNECTING)
        try:
            self._loop()
        finally:
            self.anchored.set()

    def _loop(self) -> None:
        seeded = False
        while not self._stop.is_set():
            retry_after = None
            try:
                if not seeded:
                    self._seed()
                    seeded = True
                if not self.follow and self.mode == "ids":
                    self._state(State.ENDED)  # the first screen was all that was asked for
                    return
                reason, retry_after = self._session()
            except PlatformError as exc:  # from the API: a bad token or app is final
                if isinstance(exc, AppNotFound) and self.client.kind == "local" and self.follow:
                    # On the router an app exists once logs arrive for it: wait for them.
                    self._state(State.WAITING, f"the first lines of {self.app}")
                    self._stop.wait(WAIT_FOR_APP)
                    continue
                if exc.final:
                    self._state(State.FAILED, exc.message)
                    return
                reason, retry_after = exc.message, exc.retry_after
            if self._stop.is_set():
                return
            if reason is None:  # follow=False and the backlog came in full
                self._state(State.ENDED)
                return
            if not self.retry_first and not self.anchored.is_set():
                self._state(State.FAILED, reason)
                return
            self._wait(reason, retry_after)

    def _wait(self, reason: str, retry_after: float | None) -> None:
        delay = self.backoff.delay(self._attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        remaining = self.client.rate_limit_remaining
        if retry_after is None and remaining is not None and remaining < self.low_rate_limit:
            # Few API calls left (and no Retry-After to go by): eager reconnects end in 429s.
            delay = max(delay, self.low_rate_delay)
        self._attempt += 1
        self._state(State.RECONNECTING, reason, time.monotonic() + delay)
        if not self._stop.wait(delay):
            self._state(State.CONNECTING)

    def _seed(self) -> None:
        """ids mode: the first screen from log-lines, which says where history stops."""
        if self.mode == "window":
            return
        try:
            page = self.client.log_lines(
                self.app,
                limit=min(self.lines, PAGE_MAX),
                source=self.source,
                dyno=self.dyno,
                since=self.since,
                until=self.until,
            )
        except Unsupported:
            if self.mode == "ids":
                raise
            self.mode = "window"
            return
        self.mode = "ids"
        if page.lines:
            self._write(format_lines(page.lines))
            self.first_id, self.cursor = page.first_id, page.last_id
        else:
            # Nothing matched: resume from the start so a line stored between this page and
            # the session is not lost (the session's catch-up finds only new lines).
            self.first_id, self.cursor = None, 0
        self.anchored.set()

    def _write(self, lines: list[str]) -> None:
        # Lines of the first screen were already there: they do not count as lines per second.
        self.spool.write_lines(lines, live=self.anchored.is_set())
        self.delivered += len(lines)
        self._recent.extend(lines)  # C-speed; only read (as a set) when a session resumes
        if self.delivered >= self.lines and not self.anchored.is_set():
            self.anchored.set()  # window mode: the whole first screen is here

    def _session(self) -> tuple[str | None, float | None]:
        """One log session, streamed until it ends; returns why it ended (and Retry-After),
        or None as the reason when a follow=False session delivered its backlog, or after
        `stop()` (which `_loop` looks at first: a stopped tail needs no reason).

        API errors propagate (some are final); stream errors, including 403/404 on the
        logplex_url (expired or used), are returned as the reason: a new session fixes them.
        """
        resuming = self.delivered > 0
        session, asked = self._new_session(resuming)
        self.sessions += 1
        opened = time.monotonic()
        stream = self.client.stream(session.logplex_url)
        self._stream = stream
        reason: str | None = "the log stream ended"
        retry_after = None
        entered = False
        try:
            if self._stop.is_set():
                return None, None
            with stream:
                if self._stop.is_set():  # stop() came while connecting: nothing to close then
                    return None, None
                self._state(State.LIVE)
                entered = True
                if self.mode == "ids":
                    self._pump_ids(stream)
                else:
                    if not self.anchored.is_set():
                        # The backlog has no end marker: a pause of first_screen_grace ends it.
                        threading.Thread(target=self._anchor_when_quiet, daemon=True).start()
                    self._pump_window(stream, resuming, asked, opened)
                    if not self.follow:
                        reason = None
        except PlatformError as exc:
            reason, retry_after = exc.message, exc.retry_after
        finally:
            self._stream = None
            if entered:
                self.anchored.set()  # a stream that was read has ended: its backlog is over
        if stream.lines_read or time.monotonic() - opened > 10:
            self._attempt = 0  # it was healthy: the next wait starts short again
        return reason, retry_after

    def _new_session(self, resuming: bool) -> tuple[LogSession, int]:
        """A log session and the lines it was asked for: in ids mode every line after the
        cursor; in window mode the backlog, all of it when resuming so the overlap is found
        (see _pump_window)."""
        if self.mode == "ids":
            session = self.client.create_log_session(
                self.app,
                dyno=self.dyno,
                source=self.source,
                lines=1,
                tail=True,
                after=self.cursor or 0,
                since=self.since,
                until=self.until,
            )
            return session, 1
        n = self.client.clamp_lines(max(self.lines, HEROKU_MAX_LINES) if resuming else self.lines)
        session = self.client.create_log_session(
            self.app, dyno=self.dyno, source=self.source, lines=n, tail=self.follow
        )
        return session, n

    def _anchor_when_quiet(self) -> None:
        grace = self.first_screen_grace
        seen = -1
        while not self.anchored.wait(grace):
            if self.delivered == seen:  # nothing came for `grace` seconds
                self.anchored.set()
            seen = self.delivered

    def _pump_ids(self, stream: LogStream) -> None:
        for lines in stream:
            if self._stop.is_set():
                return
            self._write(lines)
            last = stream.last_id
            if last is not None and last.isdigit():
                self.cursor = int(last)
            self._state(State.LIVE)
        if not stream.sse:
            # Plain text carries no ids: resume by comparing lines from now on.
            self.mode = "window"

    def _pump_window(self, stream: LogStream, resuming: bool, asked: int, opened: float) -> None:
        """Drop the reconnect backlog's overlap with what was already shown.

        The backlog is [older lines never shown] [lines shown] [new lines]. Lines before the
        first already-shown one are held back (older) and discarded at the first match; after
        it, shown lines are skipped and the others written (including any the last stream lost
        in between). The comparison ends once the backlog is over (`asked` lines or
        `resume_grace` seconds); if nothing matched by then, everything held back was new and
        is written (the gap before it was unavoidable).
        """
        seen = set(self._recent) if resuming else None
        pending: list[str] = []
        matched = False
        compared = 0
        for lines in stream:
            if self._stop.is_set():
                return
            if seen is not None:
                compared += len(lines)
                if matched:
                    lines = [x for x in lines if x not in seen]
                else:
                    out: list[str] = []
                    for line in lines:
                        if line in seen:
                            matched = True
                            pending.clear()
                        elif matched:
                            out.append(line)
                        else:
                            pending.append(line)
                    lines = out
                if compared >= asked or time.monotonic() - opened > self.resume_grace:
                    if not matched:
                        lines, pending = pending, []
                    seen = None
            if lines:
                self._write(lines)
            self._state(State.LIVE)


def open_app(
    client: PlatformClient,
    app: str,
    feed: Feed,
    origins: OriginTable,
    *,
    history: bool = True,
    max_history: int | None = None,
    **tail_options: object,
) -> list[Producer]:
    """Start a LiveTail and a HistoryLoader for `app`; returns them, started.

    Live lines go to a Spool at LIVE_BASE and history to a HistorySpool in front of it, so the
    buffer shows the stored history followed by the live tail. Nothing here blocks: both
    producers do their network work on their own threads. Against Heroku the loader finds
    nothing to load and ends quietly (`note`). `tail_options` go to LiveTail (`dyno`, `source`,
    `lines`, `resume`, `backoff`, `since`/`until`, ...); the loader keeps to the tail's dyno,
    source and time range.
    """
    tail = LiveTail(
        client,
        app,
        feed,
        origins,
        spool=Spool(feed, origins, base=LIVE_BASE),
        **tail_options,  # type: ignore[arg-type]
    )
    producers: list[Producer] = [tail]
    if history:

        def first_id() -> int | None:
            # Wait for the tail's first screen, but give up when the loader is stopped.
            while not tail.anchored.wait(0.25):
                if loader._stop.is_set():
                    return None
            # Let the first screen be painted before history competes with it for the GIL.
            feed.painted.wait(PAINT_GRACE)
            return tail.first_id

        loader = HistoryLoader(
            client,
            app,
            HistorySpool(feed, origins),
            before_id=first_id,
            source=tail.source,
            dyno=tail.dyno,
            max_lines=max_history,
            span=(tail.since, tail.until),
        )
        producers.append(loader)
    for producer in producers:
        producer.start()
    return producers
