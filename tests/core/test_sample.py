"""The estimate shown while a big file's head is indexed: close to the exact counts, and
replaced by them (core/sample.py)."""

from __future__ import annotations

import os
import random
from array import array
from datetime import datetime, timedelta, timezone

from tuilogs.core.buffer import LogBuffer, parse_block
from tuilogs.core.histogram import histogram_of
from tuilogs.core.sample import estimate, sample_head
from tuilogs.core.timeline import Timeline

from kit.files import load

T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)


def write(path, n: int) -> None:
    """Busier in the second hour, errors in a burst; timestamps a little out of order."""
    rnd = random.Random(3)
    rows = []
    t = 0.0
    for i in range(n):
        t += 0.5 if t > 3600 else 1.0
        bad = 5000 < t < 5400 and i % 3 == 0
        dyno = rnd.choice(["web.1", "web.2", "router"])
        source = "heroku" if dyno == "router" else "app"
        message = "at=info status=503" if bad else "at=info status=200 path=/x"
        when = T0 + timedelta(seconds=t + rnd.uniform(-2, 2))
        rows.append(f"{when.isoformat(timespec='microseconds')} {source}[{dyno}]: {message}")
    path.write_text("\n".join(rows) + "\n")


def tail_only(path, fraction: float) -> LogBuffer:
    """A buffer as a file's follower has it while the head is indexed: the last lines
    indexed, the whole file readable."""
    data = path.read_bytes()
    start = data.index(b"\n", int(len(data) * (1 - fraction))) + 1
    buffer = LogBuffer()
    buffer.add_segment(0, 0, os.open(path, os.O_RDONLY))
    buffer.apply(parse_block(data[start:], start, buffer.origins))
    return buffer


def test_the_estimate_is_close_to_the_exact_counts(tmp_path):
    path = tmp_path / "big.log"
    write(path, 12_000)
    exact_buffer, _, _ = load(path)
    exact = histogram_of(Timeline(exact_buffer), None, None, 40)
    buffer = tail_only(path, 0.1)
    sample = sample_head(buffer.read_bytes, buffer.bounds[0], buffer.origins, 32, 4096)
    guess = estimate(sample, Timeline(buffer), None, None, 40)
    assert (guess.start, guess.step, guess.buckets) == (exact.start, exact.step, exact.buckets)
    assert abs(guess.total - exact.total) < exact.total * 0.05
    for a, b in zip(guess.lines, exact.lines, strict=True):
        assert abs(a - b) <= max(20, b * 0.3)
    burst = max(range(guess.buckets), key=guess.errors.__getitem__)
    assert 4800 <= guess.bucket_start(burst) - T0.timestamp() < 5400
    assert guess.note.startswith("estimate")


def test_the_estimate_keeps_to_the_sidebar_filter(tmp_path):
    path = tmp_path / "big.log"
    write(path, 6000)
    buffer = tail_only(path, 0.2)
    sample = sample_head(buffer.read_bytes, buffer.bounds[0], buffer.origins, 16, 4096)
    routers = bytes(o.dyno == "router" for o in buffer.origins.origins)
    every = estimate(sample, Timeline(buffer), None, None, 30)
    visible = array("I", [i for i, k in enumerate(buffer.keys) if routers[k]])  # as filtered
    only = estimate(sample, Timeline(buffer), visible, None, 30, shown=routers)
    assert abs(every.total - 6000) < 300
    assert abs(only.total - 6000 / 3) < 250
