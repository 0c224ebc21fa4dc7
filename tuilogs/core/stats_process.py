"""Counting blocks of lines for the stats in a child process, on the machine's other core.

The stats of a whole file cost about 1 µs a line (6 s at 5,000,000 lines), all of it Python
holding the GIL: counted in the explorer's process, they wait until the file is indexed and
then take that long again, while the UI shares the GIL with them. A file's head is indexed
block by block anyway, so each block is also written to a child process
(`python -m tuilogs.core.stats_process`) that counts it with the same `StatsBuilder.add_block`
and writes the counts back (`StatsBuilder.deltas`, by `marshal`); the parent only adds them
up (`StatsBuilder.merge`, once a distinct key). The child imports the core alone (~15 MB)
and ends when its input does, once the head is counted; it is started without `site`.

On the wire, both ways, a length-prefixed frame: to the child `TAG START END ROUTER` (four
64-bit integers) then the block's END - START bytes; back, the payload's length then
`marshal((tag, start, end, deltas))`. Only this module's own child is ever read.
"""

from __future__ import annotations

import marshal
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable

from tuilogs.core.stats import StatsBuilder

JOB = struct.Struct("<QQQq")  # tag, global start, global end, router lines (-1: unknown)
SIZE = struct.Struct("<Q")
# Blocks waiting for the child: a few megabytes at most. A block offered when there is no
# room is left to the parent (`RunningStats.catch_up`): indexing never waits for the child.
QUEUED_BLOCKS = 4
OFFER_WAIT = 5.0  # seconds `close` waits for room in the queue (the writer is stuck otherwise)

Counted = Callable[[int, int, int, tuple], None]  # tag, start, end, deltas


class CountingProcess:
    """The parent's side: `offer` blocks, `counted(...)` is called (on a reader thread) with
    each block's counts, `lost()` once if the child ends before answering every block."""

    def __init__(self, counted: Counted, lost: Callable[[], None]) -> None:
        self._counted, self._lost = counted, lost
        self._jobs: queue.Queue[tuple[int, int, int, int, bytes] | None] = queue.Queue(
            QUEUED_BLOCKS
        )
        # `-S` and the parent's own path: no site start-up, a few megabytes less.
        path = os.pathsep.join(p for p in sys.path if p)
        self._child = subprocess.Popen(
            [sys.executable, "-S", "-m", "tuilogs.core.stats_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
        self.alive = True
        self._outstanding = 0
        self._closed = False
        for target in (self._write, self._read):
            threading.Thread(target=target, daemon=True, name="stats-" + target.__name__).start()

    def offer(self, tag: int, start: int, router_lines: int, data: bytes) -> bool:
        """Queue a block of whole lines at global offset `start`; False when the child is
        gone or busy (the caller counts it itself then)."""
        if not self.alive or self._closed:
            return False
        try:
            self._jobs.put_nowait((tag, start, start + len(data), router_lines, data))
        except queue.Full:
            return False
        return True

    @property
    def pid(self) -> int:
        return self._child.pid

    def close(self) -> None:
        """No more blocks: the child ends once it has answered those it has."""
        if not self._closed:
            self._closed = True
            try:
                self._jobs.put(None, timeout=OFFER_WAIT)
            except queue.Full:  # a writer that is gone: nothing will take it
                self.kill()

    def kill(self) -> None:
        self._closed = True
        self.alive = False
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()

    def _write(self) -> None:
        pipe = self._child.stdin
        assert pipe is not None
        try:
            while (job := self._jobs.get()) is not None:
                tag, start, end, router, data = job
                pipe.write(JOB.pack(tag, start, end, router))
                pipe.write(data)
                pipe.flush()
            pipe.close()
        except (OSError, ValueError):  # the child died: the reader says so
            pass

    def _read(self) -> None:
        pipe = self._child.stdout
        assert pipe is not None
        try:
            while len(head := pipe.read(SIZE.size)) == SIZE.size:
                tag, start, end, deltas = marshal.loads(pipe.read(SIZE.unpack(head)[0]))
                self._counted(tag, start, end, deltas)
        except (OSError, ValueError, EOFError, TypeError):
            pass
        self.alive = False
        self._child.wait()
        if not self._closed or self._child.returncode != 0:
            self._lost()
        while True:  # unblock a producer waiting for room
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break


def serve(inp, out) -> None:
    """The child: count each block it is given, answer with its counts, until its input
    ends."""
    while len(head := inp.read(JOB.size)) == JOB.size:
        tag, start, end, router = JOB.unpack(head)
        data = inp.read(end - start)
        if len(data) != end - start:
            raise SystemExit(1)
        builder = StatsBuilder()
        builder.add_block(data, None if router < 0 else router)
        payload = marshal.dumps((tag, start, end, builder.deltas()))
        out.write(SIZE.pack(len(payload)))
        out.write(payload)
        out.flush()


if __name__ == "__main__":
    # Below the explorer: on a busy machine its screen and index go first, the counts after.
    os.nice(10)
    serve(sys.stdin.buffer, sys.stdout.buffer)
