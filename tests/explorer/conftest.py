import time
from pathlib import Path

import pytest

from tuilogs.buffer import LogBuffer
from tuilogs.sources import Feed, FileFollower

DATA = Path(__file__).parent.parent / "data"


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
        if feed.state in ("loaded", "following") and not feed.head_pending and feed.empty():
            break
        time.sleep(0.005)
    feed.drain(buffer)
    return buffer, feed, producer


@pytest.fixture
def sample_path():
    return DATA / "sample.log"


@pytest.fixture
def sample(sample_path):
    buffer, feed, producer = load(sample_path)
    yield buffer
    producer.stop()
