"""A followed file truncated in place (logrotate's copytruncate) keeps the lines shown: they
are read from the copy beside it from then on, a marker line says where the cut is, and the
file's new content follows it."""

from __future__ import annotations

import os
import shutil
import time

from kit.files import load


def lines_of(buffer) -> list[str]:
    return [buffer.raw(i).decode() for i in range(len(buffer))]


def wait_lines(buffer, feed, want: list[str], timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while lines_of(buffer) != want and time.monotonic() < deadline:
        feed.drain(buffer)
        time.sleep(0.01)
    return lines_of(buffer)


def copytruncate(path, copy) -> None:
    """What logrotate's copytruncate does: copy the file, then truncate it in place."""
    shutil.copyfile(path, copy)
    with open(path, "r+b") as f:
        f.truncate(0)


def test_copytruncate_keeps_what_was_shown_and_marks_the_cut(tmp_path):
    path = tmp_path / "app.log"
    old = [f"2026-11-29T00:00:0{i}Z app[web.1]: old {i}" for i in range(5)]
    path.write_text("\n".join(old) + "\n")
    # A big head and a small tail: the file's start is indexed separately (tail_bytes).
    buffer, feed, producer = load(path, follow=True, tail_bytes=100)
    try:
        assert lines_of(buffer) == old
        epoch = buffer.epoch
        # Whether the follower reads this line before the copy is made or from the copy,
        # it is shown once, before the cut.
        with open(path, "a") as f:
            f.write("2026-11-29T00:00:05Z app[web.1]: written just before the cut\n")
        copytruncate(path, tmp_path / "app.log.1")
        with open(path, "a") as f:
            f.write("2026-11-29T00:00:06Z app[web.1]: new\n")
        marker = "── app.log was truncated here: the lines above are in app.log.1 ──"
        want = [
            *old,
            "2026-11-29T00:00:05Z app[web.1]: written just before the cut",
            marker,
            "2026-11-29T00:00:06Z app[web.1]: new",
        ]
        assert wait_lines(buffer, feed, want) == want
        assert (
            buffer.notes[-1] == "app.log was truncated; the lines before it are read from app.log.1"
        )
        assert buffer.epoch == epoch  # nothing renumbered: a reader keeps their place
    finally:
        producer.stop()


def test_a_copy_with_other_content_is_not_taken_for_the_cut_lines(tmp_path):
    path = tmp_path / "app.log"
    path.write_text("one\ntwo\n")
    (tmp_path / "app.log.1").write_text("something else entirely\n")
    os.utime(tmp_path / "app.log.1")
    buffer, feed, producer = load(path, follow=True)
    try:
        with open(path, "r+b") as f:
            f.truncate(0)
        with open(path, "a") as f:
            f.write("three\n")
        marker = "── app.log was truncated here: its earlier lines are gone ──"
        assert wait_lines(buffer, feed, [marker, "three"]) == [marker, "three"]
    finally:
        producer.stop()
