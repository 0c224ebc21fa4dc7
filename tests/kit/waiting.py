"""Waiting for something to happen: the one way the tests synchronise with threads, servers
and subprocesses. A fixed sleep is either too short on a busy machine (a flaky failure) or
longer than needed everywhere else; polling a condition up to a deadline is neither."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _timed_out(predicate: Callable[[], object], timeout: float) -> AssertionError:
    what = getattr(predicate, "__doc__", None) or repr(predicate)
    return AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01) -> T:
    """Poll until `predicate()` is truthy and return its value; fail after `timeout` seconds
    saying what was awaited. The predicate is tried once more after the deadline, so a slow
    machine that got there just in time still passes."""
    deadline = time.monotonic() + timeout
    while True:
        expired = time.monotonic() > deadline
        value = predicate()
        if value:
            return value
        if expired:
            raise _timed_out(predicate, timeout)
        time.sleep(interval)


async def until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.01) -> T:
    """`wait_until` for a test running on an event loop: yields to it between tries."""
    deadline = time.monotonic() + timeout
    while True:
        expired = time.monotonic() > deadline
        value = predicate()
        if value:
            return value
        if expired:
            raise _timed_out(predicate, timeout)
        await asyncio.sleep(interval)
