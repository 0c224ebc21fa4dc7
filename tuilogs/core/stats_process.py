"""Counting blocks of lines for the stats in a child process, on the machine's other core.

The stats of a whole file cost about 1 µs a line (6 s at 5,000,000 lines), all of it Python
holding the GIL: counted in the explorer's process, they wait until the file is indexed and
then take that long again, while the UI shares the GIL with them. A file's head is indexed
block by block anyway, so each block's place in the file is also handed to a child process
(`python -m tuilogs.core.stats_process FILE`), which reads it from the file itself, counts it
with the same `StatsBuilder.add_block` and writes the counts back (`StatsBuilder.deltas`, by
`marshal`); the parent only adds them up (`StatsBuilder.merge`, once a distinct key). Only
offsets cross the pipe, so the parent's queue costs nothing and no block is dropped: the
child keeps up with the index or finishes just after it. The child imports the core alone
(~15 MB), started without `site`, and ends when its input does, once the head is counted.

On the wire, both ways, length-prefixed: to the child `TAG START END ROUTER` (four 64-bit
integers); back, the payload's length then `marshal((tag, start, end, deltas))`, deltas None
for a block that was not whole lines any more when read (the file changed under it: the
parent counts it itself). Only this module's own child is ever read.
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

JOB = struct.Struct("<QQQq")  # tag, file offset of the block, its end, router lines (-1: unknown)
SIZE = struct.Struct("<Q")

Counted = Callable[[int, int, int, "tuple | None"], None]  # tag, start, end, deltas


class CountingProcess:
    """The parent's side: `offer` blocks of `path`, `counted(...)` is called (on a reader
    thread) with each block's counts, `lost()` once if the child ends before answering every
    block."""

    def __init__(self, path: str, counted: Counted, lost: Callable[[], None]) -> None:
        self._counted, self._lost = counted, lost
        self._jobs: queue.SimpleQueue[tuple[int, int, int, int] | None] = queue.SimpleQueue()
        # `-S` and the parent's own path: no site start-up, a few megabytes less.
        pythonpath = os.pathsep.join(p for p in sys.path if p)
        self._child = subprocess.Popen(
            [sys.executable, "-S", "-m", "tuilogs.core.stats_process", os.fspath(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": pythonpath},
        )
        self.alive = True
        self._closed = False
        for target in (self._write, self._read):
            threading.Thread(target=target, daemon=True, name="stats-" + target.__name__).start()

    @property
    def pid(self) -> int:
        return self._child.pid

    def offer(self, tag: int, start: int, end: int, router_lines: int) -> bool:
        """Queue the block of whole lines at file offsets [start, end); False when the child
        is gone (the caller counts it itself then)."""
        if not self.alive or self._closed:
            return False
        self._jobs.put((tag, start, end, router_lines))
        return True

    def close(self) -> None:
        """No more blocks: the child ends once it has answered those it has."""
        if not self._closed:
            self._closed = True
            self._jobs.put(None)

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
                pipe.write(JOB.pack(*job))
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


def serve(path: str, inp, out) -> None:
    """The child: count each block of `path` it is given, answer with its counts, until its
    input ends."""
    fd = os.open(path, os.O_RDONLY)
    while len(head := inp.read(JOB.size)) == JOB.size:
        tag, start, end, router = JOB.unpack(head)
        data = os.pread(fd, end - start, start)
        deltas = None
        whole = len(data) == end - start and data.endswith(b"\n")
        if whole and (start == 0 or os.pread(fd, 1, start - 1) == b"\n"):
            builder = StatsBuilder()
            builder.add_block(data, None if router < 0 else router)
            deltas = builder.deltas()
        payload = marshal.dumps((tag, start, end, deltas))
        out.write(SIZE.pack(len(payload)))
        out.write(payload)
        out.flush()


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
