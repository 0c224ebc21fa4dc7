"""Stopping the asyncio tasks a part of the router started (accept loops, connection handlers,
fan-out readers, forwarders) when that part closes."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(*tasks: asyncio.Task | None) -> None:
    """Cancel every task (None: one never started), then wait until each has ended. All are
    cancelled before any is awaited, so one slow to end does not keep the others running;
    how a task ended is not raised here: a failure was logged where it happened, and a
    closing part must close whatever its tasks did."""
    started = [task for task in tasks if task is not None]
    for task in started:
        task.cancel()
    for task in started:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
