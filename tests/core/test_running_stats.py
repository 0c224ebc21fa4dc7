"""A file's head counted for the stats by a child process while it is indexed: the same
numbers as counting every line here, whatever happens to the child."""

from __future__ import annotations

import os
import signal

import pytest

from tuilogs.core import running_stats
from tuilogs.core.buffer import LogBuffer, parse_block
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import FileFollower
from tuilogs.core.running_stats import RunningStats
from tuilogs.core.stats import buffer_summary
from tuilogs.core.status import State

from kit.files import SAMPLE
from kit.waiting import wait_until

HEAD = 64 << 20  # what the producer says of a head worth a child process


@pytest.fixture(autouse=True)
def child_for_small_heads(monkeypatch):
    """The test files are megabytes, not the 16 MB a head needs for a child process."""
    monkeypatch.setattr(running_stats, "CHILD_MIN_BYTES", 1 << 20)


@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    """The sample ~12 times over (~3 MB): a head of several 1 MB index blocks."""
    path = tmp_path_factory.mktemp("stats") / "big.log"
    data = SAMPLE.read_bytes()
    path.write_bytes(data * max(2, (3 << 20) // len(data)))
    return path


def load_counting(path, *, tail_bytes=64 << 10, gives_way=None):
    """Load `path` as the explorer does, its head's blocks handed to a RunningStats."""
    buffer, feed = LogBuffer(), Feed()
    running = RunningStats(buffer)
    if gives_way is not None:
        running.gives_way = gives_way
    feed.head_blocks = running
    feed.painted.set()
    producer = FileFollower(path, feed, buffer.origins, follow=False, tail_bytes=tail_bytes)
    producer.start()

    def loaded() -> bool:
        feed.drain(buffer)
        return feed.status.state is State.LOADED and not feed.head_pending and feed.empty()

    wait_until(loaded, timeout=20)
    feed.drain(buffer)
    producer.stop()
    return buffer, running


def test_the_head_is_counted_by_the_child_and_adds_up_to_the_whole(big_log):
    buffer, running = load_counting(big_log)
    try:
        assert running.catch_up()
        assert running.counted_elsewhere > 0  # the child counted blocks of the head
        assert running.caught_up() and running.done == len(buffer)
        assert running.summary() == buffer_summary(buffer)
    finally:
        running.close()


def test_a_child_that_dies_loses_no_line(big_log):
    buffer, running = load_counting(big_log, tail_bytes=len(big_log.read_bytes()) * 2)
    assert running.counted_elsewhere == 0  # the whole file was the "tail": nothing sent yet
    killed = False
    try:
        for first, last, start, data in buffer.chunks(0, len(buffer), 256 << 10):
            running.head_block(
                str(big_log), start, start + len(data), buffer.keys[first:last], HEAD
            )
            if not killed:
                os.kill(running._process.pid, signal.SIGKILL)  # dies, blocks unanswered
                killed = True
        assert running.catch_up()
        assert running.summary() == buffer_summary(buffer)
    finally:
        running.close()


def test_answers_for_blocks_sent_before_a_truncation_are_not_counted(big_log):
    buffer, running = load_counting(big_log, tail_bytes=len(big_log.read_bytes()) * 2)
    try:
        for first, last, start, data in buffer.chunks(0, len(buffer), 256 << 10):
            running.head_block(
                str(big_log), start, start + len(data), buffer.keys[first:last], HEAD
            )
        process = running._process
        running.head_done()  # the child answers what it has, then ends
        buffer.epoch += 1  # as a truncation does: count anew, whatever the child says
        assert running.catch_up()
        wait_until(lambda: not process.alive, timeout=20)  # every answer is in (or dropped)
        assert running.summary() == buffer_summary(buffer)
        assert running.caught_up()
    finally:
        running.close()


def test_a_small_head_is_counted_here(big_log, monkeypatch):
    monkeypatch.setattr(running_stats, "CHILD_MIN_BYTES", 1 << 30)
    buffer, running = load_counting(big_log)
    assert running.catch_up() and running.counted_elsewhere == 0 and running._process is None
    assert running.summary() == buffer_summary(buffer)


def test_numbers_so_far_count_a_head_counted_before_its_lines_are_in_the_buffer(big_log):
    """A view opened while the head is indexed shows the numbers so far: the lines the child
    counted are in them, lines and requests alike, before the head reaches the buffer."""
    data = big_log.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    buffer = LogBuffer()
    fd = os.open(big_log, os.O_RDONLY)
    running = RunningStats(buffer)
    try:
        buffer.add_segment(0, 0, fd)
        buffer.apply(parse_block(data[cut:], cut, buffer.origins))
        head = parse_block(data[:cut], 0, buffer.origins)
        running.head_block(str(big_log), 0, cut, head.keys, HEAD)
        process = running._process
        running.head_done()
        wait_until(lambda: not process.alive, timeout=20)
        so_far = running.summary()
        alone = LogBuffer()
        alone.add_segment(0, 0, fd)
        alone.apply(parse_block(data[:cut], 0, alone.origins))
        assert so_far == buffer_summary(alone)  # the head's lines, counted by the child
        head.kind = "prepend"
        buffer.apply(head)
        assert running.catch_up() and running.summary() == buffer_summary(buffer)
    finally:
        running.close()
        os.close(fd)


def test_blocks_are_left_here_while_something_the_reader_waits_on_needs_the_index(big_log):
    """A search waiting for the head goes first: no block is handed to the child (adding up
    its counts would slow the indexing), and the counts come out the same afterwards."""
    buffer, running = load_counting(big_log, gives_way=lambda: True)
    try:
        assert running._process is None and running.counted_elsewhere == 0
        assert running.catch_up() and running.summary() == buffer_summary(buffer)
    finally:
        running.close()


def test_a_block_that_is_no_longer_whole_lines_is_counted_here(big_log):
    """The child reads the file itself: when a block's bytes are not whole lines any more
    (the file was rewritten under it), it says so and the block is counted here."""
    buffer, running = load_counting(big_log, tail_bytes=len(big_log.read_bytes()) * 2)
    try:
        data = big_log.read_bytes()
        torn = data.index(b"\n", 1000) - 5  # as if the line had grown since it was indexed
        running.head_block(str(big_log), 0, torn, buffer.keys[:10], HEAD)
        process = running._process
        running.head_done()
        wait_until(lambda: not process.alive, timeout=20)
        assert running.counted_elsewhere == 0 and not running._sent
        assert running.catch_up() and running.summary() == buffer_summary(buffer)
    finally:
        running.close()
