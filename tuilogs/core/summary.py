"""What the stats view shows, as plain data: a `LogSummary`, its JSON form, and the choice of
time buckets.

The same shape travels from the router (`GET /apps/{app}/log-summary`, computed over the whole
stored history) and from the local computation (`tuilogs.core.stats`), so the view draws one
thing whichever computed it. Each row names the search that shows its lines (`query`), which
the view applies when Enter is pressed on it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

# Requests are counted per status class; a status outside 2xx–5xx (1xx, garbage) is "other".
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
STATUS_QUERIES = {"2xx": "status:2xx", "3xx": "status:3xx", "4xx": "status:4xx"}
STATUS_QUERIES["5xx"] = "status>=500"
NO_LEVEL = "none"

# Bucket widths in seconds, "nice" for people: buckets are sized to the span with the smallest
# width that keeps them within the number the view has room for.
BUCKET_WIDTHS = (
    *(1, 2, 5, 10, 15, 30),
    *(60 * m for m in (1, 2, 5, 10, 15, 30)),
    *(3600 * h for h in (1, 2, 3, 6, 12)),
    *(86400 * d for d in (1, 2, 7, 14, 30)),
)


def bucket_width(first: int, last: int, most: int) -> int:
    """The smallest nice width (seconds) giving at most `most` buckets over [first, last]."""
    span = last - first + 1
    for width in BUCKET_WIDTHS:
        if math.ceil(span / width) <= most:
            return width
    return math.ceil(span / max(most, 1))


def filters_to(name: str) -> property:
    """A row's `query`: the search `name:VALUE` for the row's field `name`, what Enter on it
    applies (one spelling for every row that filters by its own value)."""
    return property(lambda row: f"{name}:{getattr(row, name)}")


@dataclass(frozen=True, slots=True)
class PathRow:
    """A request path: how many requests, and the 95th percentile of their `service` (ms)."""

    path: str
    requests: int
    p95_ms: int | None

    query = filters_to("path")


@dataclass(frozen=True, slots=True)
class CodeRow:
    code: str
    count: int

    query = filters_to("code")


@dataclass(frozen=True, slots=True)
class DynoRow:
    """A dyno's lines (every source) and its errors (5xx or a code on router lines, a code
    from the dyno manager, level error or critical on its app lines)."""

    dyno: str
    lines: int
    errors: int

    @property
    def query(self) -> str:
        # `dyno:web.1` also takes the router's lines of requests web.1 served; the row counts
        # the dyno's own lines, so the filter leaves the router's out (unless it is the row).
        if self.dyno == "router":
            return "dyno:router"
        return f"dyno:{self.dyno} -dyno:router"


@dataclass(frozen=True, slots=True)
class LevelRow:
    level: str
    count: int

    @property
    def query(self) -> str | None:
        return None if self.level == NO_LEVEL else f"level:{self.level}"


@dataclass(frozen=True)
class LogSummary:
    """Counts over a set of lines. `bucket_start` (epoch seconds) and `bucket_seconds` place
    the buckets of `series` (requests per status class per bucket) in time."""

    lines: int = 0
    requests: int = 0
    bucket_start: int | None = None
    bucket_seconds: int = 0
    series: dict[str, list[int]] = field(default_factory=dict)
    paths_by_count: list[PathRow] = field(default_factory=list)
    paths_by_p95: list[PathRow] = field(default_factory=list)
    codes: list[CodeRow] = field(default_factory=list)
    dynos: list[DynoRow] = field(default_factory=list)
    levels: list[LevelRow] = field(default_factory=list)

    def status_total(self, cls: str) -> int:
        return sum(self.series.get(cls, ()))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> LogSummary:
        """The summary from its JSON form (the router's answer); KeyError/TypeError/ValueError
        when it is not one."""
        rows = {
            "paths_by_count": PathRow,
            "paths_by_p95": PathRow,
            "codes": CodeRow,
            "dynos": DynoRow,
            "levels": LevelRow,
        }
        values = {name: [kind(**row) for row in data[name]] for name, kind in rows.items()}
        series = {str(k): [int(n) for n in v] for k, v in data["series"].items()}
        start = data["bucket_start"]
        return cls(
            lines=int(data["lines"]),
            requests=int(data["requests"]),
            bucket_start=None if start is None else int(start),
            bucket_seconds=int(data["bucket_seconds"]),
            series=series,
            **values,
        )
