"""One drain POST as Logplex sends it: the frames of a batch and its four headers, in one place.

Logplex POSTs ``application/logplex-1`` bodies of octet-counted frames (hostname ``host``, no
structured data) with ``Logplex-Msg-Count``, ``Logplex-Frame-Id`` (the same on every retry of a
batch: that is how a receiver drops duplicates) and ``Logplex-Drain-Token``; the drain URL's
userinfo becomes Basic auth and leaves the URL (``drain_urls.split_userinfo``). Priorities:
190 (local7.info) for app lines, 158 (local3.info) for heroku's own, 172 for the messages
Logplex injects itself (L10), which also go without the trailing LF. Syslog drains get the same
frames with the drain token as hostname and the nil structured-data field (``sd=True``).

Built here for every sender: the router's forwarders, ``tuilogs ingest``, the demo's simulated
app and the tests' router kit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tuilogs.core.frames import format_frame
from tuilogs.core.record import LogRecord

CONTENT_TYPE = "application/logplex-1"
APP_PRIORITY = 190
HEROKU_PRIORITY = 158
INJECTED_PRIORITY = 172


def priority(record: LogRecord) -> int:
    """The priority Logplex gives a line: heroku's own lines, or the app's."""
    return HEROKU_PRIORITY if record.source == "heroku" else APP_PRIORITY


def new_frame_id() -> str:
    """A fresh ``Logplex-Frame-Id`` (32 upper-case hex digits, as Logplex's)."""
    return uuid.uuid4().hex.upper()


class LogplexBatch:
    """The frames of one POST (or one syslog write): `records` now, more with `add`.

    ``size`` is the body's length so far, for senders that cap a batch in bytes.
    """

    def __init__(
        self,
        records: Iterable[LogRecord] = (),
        *,
        hostname: str = "host",
        sd: bool = False,
        frame_id: str | None = None,
        drain_token: str | None = None,
    ) -> None:
        self.hostname = hostname
        self.sd = sd
        self.frame_id = frame_id or new_frame_id()
        self.drain_token = drain_token
        self.frames: list[bytes] = []
        self.size = 0
        for record in records:
            self.add(record)

    def add(self, record: LogRecord, *, injected: bool = False) -> None:
        """Append one frame; ``injected`` for a message of Logplex's own (L10)."""
        if injected:
            frame = format_frame(record, self.hostname, INJECTED_PRIORITY, sd=self.sd, lf=False)
        else:
            frame = format_frame(record, self.hostname, priority(record), sd=self.sd)
        self.frames.append(frame)
        self.size += len(frame)

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def body(self) -> bytes:
        return b"".join(self.frames)

    def headers(self) -> dict[str, str]:
        """The POST's headers: content type, message count, frame id, drain token (if any)."""
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Logplex-Msg-Count": str(len(self.frames)),
            "Logplex-Frame-Id": self.frame_id,
        }
        if self.drain_token is not None:
            headers["Logplex-Drain-Token"] = self.drain_token
        return headers
