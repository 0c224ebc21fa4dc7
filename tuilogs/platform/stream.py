"""Reading a log session's `logplex_url`: Server-Sent Events or plain newline-delimited text.

We ask for `text/event-stream` and honour whatever Content-Type comes back. Lines come out in
lists, one list per network read (what is available now), never one callback per line. For
SSE the id of the last *complete* event is kept (`LogStream.last_id`): the router sets it to the
id of the event's last stored line, so a new session with `after=last_id` resumes without gap
or duplicate. An event cut off by a dropped connection is discarded, never half-delivered.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import socket

import httpx

from .errors import (
    Forbidden,
    NotFound,
    PlatformError,
    RateLimited,
    ServerError,
    Unauthorized,
    network_error,
    retry_after_seconds,
)

_EOL = re.compile(r"\r\n|\r|\n")


class LineParser:
    """Plain text: complete lines out, a partial line kept until more arrives (or `flush`).

    Lines end at LF (a CRLF's CR is dropped). A lone CR is part of its line, as in
    `heroku logs` output, and shows escaped: taking it for a break would let a message split
    itself into lines of its sender's choosing. `sse=True` parsers end lines at CR too, as
    the SSE format says (the router escapes CRs in messages, so none reach an SSE line).
    """

    sse = False

    def __init__(self, *, cr_ends_lines: bool = False) -> None:
        self._rest = ""
        self._cr = cr_ends_lines
        self.last_id: str | None = None

    def feed(self, text: str) -> list[str]:
        data = self._rest + text
        if self._cr:
            # A CR at the very end may be the first half of a CRLF: wait for the next chunk.
            cut = len(data) - 1 if data.endswith("\r") else len(data)
            parts = _EOL.split(data[:cut])
            self._rest = parts.pop() + data[cut:]
            return parts
        parts = data.split("\n")
        self._rest = parts.pop()
        if "\r" in data:
            return [p[:-1] if p.endswith("\r") else p for p in parts]
        return parts

    def flush(self) -> list[str]:
        """At the end of the stream: a trailing line with no newline is still a line."""
        rest, self._rest = self._rest.rstrip("\r\n"), ""
        if not rest:
            return []
        return _EOL.split(rest) if self._cr else [rest]


class SSEParser:
    """Server-Sent Events (WHATWG): `data:` fields of an event joined by `\\n`, split into
    lines; comments, `event` and `retry` ignored; `id` remembered once its event completes."""

    sse = True

    def __init__(self) -> None:
        self._lines = LineParser(cr_ends_lines=True)
        self._data: list[str] = []
        self._id: str | None = None
        self.last_id: str | None = None

    def feed(self, text: str) -> list[str]:
        out: list[str] = []
        data = self._data
        for line in self._lines.feed(text):
            if line.startswith("data:"):  # the common case first
                data.append(line[6:] if line.startswith("data: ") else line[5:])
                continue
            if not line:  # blank line: dispatch
                if data:
                    # Fields joined by "\n" and split into lines again: simply the fields.
                    out.extend(data)
                    data.clear()
                if self._id is not None:
                    self.last_id = self._id
                continue
            if line[0] == ":":
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "id" and "\0" not in value:
                self._id = value
        return out

    def flush(self) -> list[str]:
        """At the end of the stream an unterminated event is dropped (it may be cut short)."""
        self._lines.flush()
        self._data.clear()
        return []


class StreamedGet:
    """One streamed GET of a URL that carries its own secret (a logplex_url, a build's
    output_stream_url): sent by `_open`, read on one thread, and closed from any other.
    `close` ends a blocked read at once, which is how stop() ends a quiet stream."""

    def __init__(self, http: httpx.Client, url: str, read_timeout: float | None) -> None:
        self._http = http
        self._url = url
        self._read_timeout = read_timeout
        self._resp: httpx.Response | None = None
        self.closed = False

    def _open(self, headers: dict[str, str]) -> httpx.Response:
        """Send the GET (no answer at all is a NetworkError); the caller judges the status."""
        req = self._http.build_request("GET", self._url, headers=headers)
        try:
            resp = self._http.send(req, stream=True)
        except httpx.HTTPError as exc:
            raise network_error(exc, self._url, self._read_timeout) from None
        self._resp = resp
        return resp

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the response; safe from another thread (it ends a blocked read)."""
        self.closed = True
        resp = self._resp
        if resp is None:
            return
        # Closing the response does not wake a thread blocked in recv(); shutting the
        # socket down does.
        stream = resp.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        # Closing twice, or from another thread mid-read, may complain: nothing to do then.
        with contextlib.suppress(Exception):
            resp.close()


class LogStream(StreamedGet):
    """One GET of a logplex_url. Use as a context manager: entering sends the request and
    raises PlatformError on failure; iterating yields lists of lines until the stream ends.

    Errors while reading raise NetworkError. 403/404 on the URL (a used or expired session:
    Heroku's "log stream timed out") raise Forbidden/NotFound; callers that tail treat them as
    "make a new session", not as final.
    """

    def __init__(self, http: httpx.Client, url: str, *, read_timeout: float | None = 60.0):
        super().__init__(http, url, read_timeout)
        self._parser: LineParser | SSEParser = LineParser()
        self.content_type = ""
        self.lines_read = 0

    @property
    def sse(self) -> bool:
        return self._parser.sse

    @property
    def last_id(self) -> str | None:
        return self._parser.last_id

    def __enter__(self) -> LogStream:
        resp = self._open({"Accept": "text/event-stream"})
        if resp.status_code >= 400:
            resp.close()
            raise _refused(resp)
        self.content_type = resp.headers.get("content-type", "").lower()
        if "text/event-stream" in self.content_type:
            self._parser = SSEParser()
        return self

    def __iter__(self):
        resp = self._resp
        if resp is None:
            raise RuntimeError("LogStream must be entered first")
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        parser = self._parser
        try:
            for chunk in resp.iter_bytes():
                lines = parser.feed(decoder.decode(chunk))
                if lines:
                    self.lines_read += len(lines)
                    yield lines
            lines = parser.feed(decoder.decode(b"", final=True)) + parser.flush()
        except httpx.HTTPError as exc:
            if self.closed:
                return
            raise network_error(exc, self._url, self._read_timeout) from None
        except RuntimeError:  # httpx: "Attempted to read or stream ... closed" from close()
            if self.closed:
                return
            raise
        if lines:
            self.lines_read += len(lines)
            yield lines


def _refused(resp: httpx.Response) -> PlatformError:
    """A logplex_url that answered with an error status."""
    status = resp.status_code
    after = retry_after_seconds(resp.headers.get("retry-after"))
    if status in (403, 404):
        gone = Forbidden if status == 403 else NotFound
        message = "log stream timed out, expired or was already used"
        return gone(message, status=status, retry_after=after)
    kind = {401: Unauthorized, 429: RateLimited}.get(status, ServerError)
    return kind(f"log stream answered HTTP {status}", status=status, retry_after=after)
