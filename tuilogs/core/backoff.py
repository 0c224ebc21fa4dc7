"""How long to wait before trying again, one rule for every retry in tuilogs: the live tail's
and a build's reconnects (platform), a drain's redeliveries and an alert webhook's (server).

The wait doubles from `base` with each failure up to `cap`, and each wait is drawn from half of
it to all of it, so that many clients cut off by one outage do not all come back at once.
The doubling stops at 2**30: past it every sane `cap` is reached anyway, and a float times a
larger power of two overflows (a tail that kept failing for days would have crashed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_MAX_DOUBLINGS = 30


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with jitter: `delay(0)` is at most `base`, `delay(n)` at most
    `min(cap, base * 2**n)` and at least half of that."""

    base: float
    cap: float

    def delay(self, failures: int) -> float:
        """The wait after `failures` + 1 failures in a row (0: the first retry)."""
        ceiling = min(self.cap, self.base * 2 ** min(failures, _MAX_DOUBLINGS))
        return ceiling * random.uniform(0.5, 1.0)
