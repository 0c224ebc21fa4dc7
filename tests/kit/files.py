"""Test data and a loader that fills a LogBuffer from a file as the explorer would."""

from __future__ import annotations

import time
from pathlib import Path

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import FileFollower
from tuilogs.core.status import State

DATA = Path(__file__).parent.parent / "data"
SAMPLE = DATA / "sample.log"


def load(path, *, tail_bytes=1 << 20, follow=False):
    """A buffer fully loaded from a file, as the explorer would have it."""
    buffer, feed = LogBuffer(), Feed()
    producer = FileFollower(
        path, feed, buffer.origins, follow=follow, tail_bytes=tail_bytes, poll=0.02
    )
    feed.painted.set()
    producer.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        feed.drain(buffer)
        if (
            feed.status.state in (State.LOADED, State.FOLLOWING)
            and not feed.head_pending
            and feed.empty()
        ):
            break
        time.sleep(0.005)
    feed.drain(buffer)
    return buffer, feed, producer
