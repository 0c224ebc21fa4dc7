"""A build's output, read from its `output_stream_url` to its end: `OutputFollower` (the lines, for
print mode) and `BuildOutput` (a producer that puts them into the explorer's buffer).

The stream is plain chunked text that stays open while the build runs and ends when it ends
(Heroku's build-output service and the router alike). Three things can go wrong, and each has
its answer here:

* The connection drops mid-build: reconnect, asking for the rest with `Range: bytes=N-`; a
  server that answers 200 instead of 206 sends everything again, and the first N bytes are
  skipped. Either way no line is lost or repeated.
* The output is not there yet (a build that has just started answers 404 or 403): wait and
  ask again while the build is pending; for a finished build that is final ("no longer
  available").
* The stream ended but the build still reads pending (Heroku flips the status a moment after
  the output ends): ask for the build until it says how it ended, and should it stay pending,
  open the stream again from where it stopped.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Callable, Iterator

import httpx

from tuilogs.core.backoff import Backoff
from tuilogs.core.buffer import OriginTable
from tuilogs.core.buildpack import clean_line, first_error
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import Producer
from tuilogs.core.ingest.spool import Spool
from tuilogs.core.status import State

from .builds import Build, get_build
from .client import PlatformClient
from .errors import Forbidden, NotFound, PlatformError, ServerError, network_error
from .stream import LineParser, StreamedGet

StateReport = Callable[[State, str, float | None], None]
SETTLE = (0.25, 2.0, 30.0)  # after the end: first wait, longest wait, give up after (seconds)


class OutputGone(NotFound):
    """The output of a finished build is not (or no longer) available."""


class BuildStream(StreamedGet):
    """One GET of an output_stream_url from byte `offset` on; iterate for chunks of bytes."""

    def __init__(self, http: httpx.Client, url: str, offset: int, read_timeout: float | None):
        super().__init__(http, url, read_timeout)
        self._offset = offset
        self._skip = 0

    def __enter__(self) -> BuildStream:
        headers = {"Accept": "text/plain"}
        if self._offset:
            headers["Range"] = f"bytes={self._offset}-"
        resp = self._open(headers)
        status = resp.status_code
        if status == 416:  # nothing after `offset`: the output is all here
            self._skip = -1
        elif status in (403, 404):
            resp.close()
            gone = Forbidden if status == 403 else NotFound
            raise gone(f"build output answered HTTP {status}", status=status)
        elif status >= 400:
            resp.close()
            raise ServerError(f"build output answered HTTP {status}", status=status)
        elif status != 206:
            self._skip = self._offset  # the whole output again: skip what we have
        return self

    def __iter__(self) -> Iterator[bytes]:
        resp = self._resp
        assert resp is not None, "BuildStream must be entered first"
        if self._skip < 0:
            return
        skip = self._skip
        try:
            for chunk in resp.iter_bytes():
                if skip:
                    chunk, skip = chunk[skip:], max(0, skip - len(chunk))
                if chunk:
                    yield chunk
        except (httpx.HTTPError, RuntimeError) as exc:
            if self.closed:
                return
            if isinstance(exc, RuntimeError):
                raise
            raise network_error(exc, self._url, self._read_timeout) from None


class OutputFollower:
    """The lines of one build's output, from its start to its end (see the module docstring).

    `lines()` yields lists of lines as they arrive; `build` is the build as last read (its
    final status once `lines()` is over); `report(state, detail, retry_at)` hears how the
    reading goes (live, waiting, reconnecting). `stop()` (any thread) ends `lines()` early.
    """

    def __init__(
        self,
        client: PlatformClient,
        app: str,
        build: Build,
        *,
        report: StateReport | None = None,
        backoff: tuple[float, float] = (0.5, 10.0),
        settle: tuple[float, float, float] = SETTLE,
    ) -> None:
        self.client, self.app, self.build = client, app, build
        self.report = report or (lambda state, detail, retry_at: None)
        self.backoff, self.settle = Backoff(*backoff), settle
        self.received = 0  # bytes of output read so far
        self._stop = threading.Event()
        self._stream: BuildStream | None = None

    def stop(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def lines(self) -> Iterator[list[str]]:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        parser = LineParser()
        attempt, asked_ended = 0, False
        while not self._stop.is_set():
            try:
                for chunk in self._read():
                    attempt = 0
                    lines = parser.feed(decoder.decode(chunk))
                    if lines:
                        yield lines
            except (NotFound, Forbidden) as exc:  # not there yet, or no longer
                if not self._refresh().pending:
                    # Final only if asked for after the build had ended: one that ended between
                    # the 404 and this look (a quick failure) has its output now.
                    if asked_ended:
                        what = f"the output of {self.build.label()} is not available"
                        raise OutputGone(f"{what} ({exc.status})", status=exc.status) from None
                    asked_ended = True
                    continue
                self._wait(State.WAITING, "the build's output to start", attempt)
                attempt += 1
                continue
            except PlatformError as exc:
                if exc.final:
                    raise
                self._wait(State.RECONNECTING, exc.message, attempt)
                attempt += 1
                continue
            if self._stop.is_set() or not self._settled():
                continue  # still pending after its output ended: read on from where it stopped
            break
        rest = parser.feed(decoder.decode(b"", final=True)) + parser.flush()
        if rest:
            yield rest

    def _read(self) -> Iterator[bytes]:
        url = self.build.output_stream_url
        if not url:
            raise OutputGone(f"{self.build.label()} has no output stream")
        http = self.client.stream_http(url)
        stream = BuildStream(http, url, self.received, self.client.stream_read_timeout)
        self._stream = stream
        try:
            with stream:
                if self._stop.is_set():
                    return
                self.report(State.LIVE, "", None)
                for chunk in stream:
                    self.received += len(chunk)
                    yield chunk
        finally:
            self._stream = None

    def _refresh(self) -> Build:
        """The build as the API shows it now (the last known one if it cannot be read)."""
        try:
            self.build = get_build(self.client, self.app, self.build.id)
        except PlatformError as exc:
            if isinstance(exc, NotFound):
                raise
        return self.build

    def _settled(self) -> bool:
        """After the stream's end: wait (a while) for the build to say how it ended."""
        first, longest, limit = self.settle
        delay, deadline = first, time.monotonic() + limit
        while self._refresh().pending:
            if time.monotonic() > deadline:
                return False
            if self._stop.wait(delay):
                return True
            delay = min(longest, delay * 2)
        return True

    def _wait(self, state: State, why: str, attempt: int) -> None:
        delay = self.backoff.delay(attempt)
        self.report(state, why, time.monotonic() + delay)
        self._stop.wait(delay)


class BuildOutput(Producer):
    """A build's output into the explorer's buffer, one line per line (colours resolved:
    `buildpack.clean_line`), with `feed.status` saying how the reading goes and ENDED (detail:
    the build's status) at its end.

    `build` is the build as last read; `first_error` the index of the first error line
    (`buildpack.first_error`) once one has arrived; `ended` is set when the output is over,
    whether it ended, failed or was stopped.
    """

    def __init__(
        self, client: PlatformClient, app: str, build: Build, feed: Feed, origins: OriginTable
    ) -> None:
        super().__init__(feed, origins)
        self.follower = OutputFollower(client, app, build, report=feed.set_status)
        self.spool = Spool(feed, origins)
        self.first_error: int | None = None
        self.written = 0
        self.ended = threading.Event()

    @property
    def build(self) -> Build:
        return self.follower.build

    def stop(self) -> None:
        super().stop()
        self.follower.stop()

    def run(self) -> None:
        self.feed.set_status(State.CONNECTING)
        try:
            for lines in self.follower.lines():
                lines = [clean_line(line) for line in lines]
                if self.first_error is None:
                    found = first_error(lines)
                    if found is not None:
                        self.first_error = self.written + found
                self.spool.write_lines(lines, live=self.build.pending)
                self.written += len(lines)
        except PlatformError as exc:
            self.feed.set_status(State.FAILED, exc.message)
            return
        finally:
            self.ended.set()
        if not self.follower.stopped:
            self.feed.set_status(State.ENDED, self.build.status)
