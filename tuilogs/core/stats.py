"""What the router lines say, counted in bulk: the numbers behind the stats view.

Millions of lines cannot be parsed one by one in Python (about 1 µs each before any work), so
each block of whole lines (a megabyte, or the visible lines of it joined) is read by three
regexes, each led by a literal so the engine skips ahead in C, and their captures are counted
with `Counter` (C as well):

* router lines (`TS heroku[router]: at=… path=… service=Nms status=N`) in Logplex's field
  order, with the second of their time: requests per status class per second, (path, service)
  pairs for counts and percentiles, codes. Router lines the pattern does not fit (another
  timestamp shape, Papertrail's `heroku/router`, fields in another order) are noticed by
  count (the block's router lines are known from the origin column) and that block's router
  lines are read one by one instead, so none is missed;
* `heroku[DYNO]: Error R14 (…)`: the dyno manager's and Logplex's codes, per dyno;
* app lines whose message states its level first: `level=`/`severity=`/`lvl=`, JSON
  `{"level": "…"`, `[WARN]` (after leading bracketed fields, as gunicorn writes), an
  upper-case word (`ERROR:`), `Traceback`, an exception name. The detector behind `level:`
  (`tuilogs.core.levels`) looks further into a message, so its counts may be higher; a line
  with no level stated first is counted as "none".

Measured at 5,000,000 lines (947 MB, genlogs; benchmarks/bench_stats.py): 5.9–6.5 s of CPU
(regexes ~60 %, counting ~30 %), about 1 µs a line; on the shared 2-core machine at load
13–15 that was 29–46 s of wall time. A view is handed the numbers so far (`partial`) so it
shows something within a second. The counts of every line of a file are kept up by
`tuilogs.core.running_stats`, its head counted by a child process while it is indexed
(`tuilogs.core.stats_process`), so they are ready about when the index is.
"""

from __future__ import annotations

import re
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from itertools import repeat
from operator import add, itemgetter, sub

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.codes import CODES
from tuilogs.core.levels import LEVELS, level_of_word
from tuilogs.core.logfmt import parse_logfmt
from tuilogs.core.path_times import PathTimes
from tuilogs.core.record import parse_line
from tuilogs.core.summary import (
    NO_LEVEL,
    STATUS_CLASSES,
    CodeRow,
    DynoRow,
    LevelRow,
    LogSummary,
    PathRow,
    bucket_width,
)

# Groups: second (UTC), code, path, service, status class digit. The look-behind (checked only
# where the literal matched) takes the time from Logplex's one shape; other shapes fall back.
ROUTER_RE = re.compile(
    rb"heroku\[router\]: "
    rb"(?<=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{6}\+00:00 heroku\[router\]: )"
    rb'at=\S*(?: code=(\S*))?(?: desc="[^"\n]*")? method=\S* path=("[^"\n]*"|\S*)'
    rb" host=\S* request_id=\S* fwd=\S* dyno=\S* connect=\S* service=(\d*)\S* status=(\d?)"
)
# The dyno manager's and Logplex's `Error R14 (…)`; rare, so each match's dyno is read back
# from its line's header (DYNO_BEFORE_RE, on the text up to the match).
PLATFORM_CODE_RE = re.compile(rb"\]: Error ([HRL]\d\d)\b")
DYNO_BEFORE_RE = re.compile(rb"\[([^\]\s]+)\]$")
APP_LEVEL_RE = re.compile(
    rb" app\[([^\]\s]+)\]: (?:\[[^\]\n]*\] )*?"
    rb'((?:level|severity|lvl|loglevel|log_level)=|\{"(?:level|severity)": ?"|\[)?'
    rb"([A-Za-z][\w.$]*)"
)
_EXCEPTION = re.compile(r"(?:[\w$]*\.)*[\w$]*(?:Error|Exception)")
ROUTER = ("heroku", "router")
TOP_PATHS = 10
MIN_P95_REQUESTS = 20  # a path's p95 is ranked only over this many requests
PIECE_LINES = 8192  # visible lines joined per block
SPARSE_BYTES = 4 << 20  # a piece spanning more bytes is read line by line
PARTIAL_EVERY = 0.5  # seconds between the summaries so far handed to a view

Progress = Callable[[int, int], None]


class StatsBuilder:
    """Counts blocks of whole lines (`add_block`) and sums them up (`summary`)."""

    def __init__(self) -> None:
        self.by_second: Counter[tuple] = Counter()  # (second, status digit) → requests
        self.paths = PathTimes()  # requests and service times per path
        self.router_codes: Counter[tuple[bytes, bytes]] = Counter()  # (code, status digit)
        self.platform_codes: Counter[tuple[bytes, bytes]] = Counter()  # (dyno, code)
        self.app_levels: Counter[tuple[bytes, bytes, bytes]] = Counter()
        self.origins: Counter[tuple[str, str]] = Counter()  # (source, dyno) → lines

    def add_origins(self, counts: Mapping[tuple[str, str], int]) -> None:
        self.origins.update(counts)

    def add_block(self, data: bytes, router_lines: int | None = None) -> None:
        """Count `data`, whole lines each ending in LF. `router_lines` is how many of them are
        `heroku[router]` lines (None: counted from the text, as the router writes lines)."""
        if router_lines is None:
            router_lines = data.count(b" heroku[router]: ")
        rows = ROUTER_RE.findall(data)
        if len(rows) == router_lines:
            self.by_second.update(map(itemgetter(0, 4), rows))
            self.paths.add(map(itemgetter(2, 3), rows))
            # Codes are on 1% of router lines: picked out at C speed before counting.
            self.router_codes.update(map(itemgetter(1, 4), filter(itemgetter(1), rows)))
        elif router_lines:
            self._router_one_by_one(data)
        for m in PLATFORM_CODE_RE.finditer(data):
            dyno = DYNO_BEFORE_RE.search(data, data.rfind(b"\n", 0, m.start()) + 1, m.start() + 1)
            self.platform_codes[(dyno[1] if dyno else b"", m[1])] += 1
        self.app_levels.update(APP_LEVEL_RE.findall(data))

    def deltas(self) -> tuple:
        """The counts so far as plain dicts (what `merge` takes): how a block counted in
        another process (`tuilogs.core.stats_process`) comes back, by `marshal`."""
        return (
            dict(self.by_second),
            self.paths.pairs(),
            dict(self.router_codes),
            dict(self.platform_codes),
            dict(self.app_levels),
        )

    def merge(self, deltas: tuple) -> None:
        """Add counts made elsewhere (`deltas` of another builder)."""
        by_second, pairs, router_codes, platform_codes, app_levels = deltas
        self.by_second.update(by_second)  # a mapping's counts are added
        self.paths.add(pairs)
        self.router_codes.update(router_codes)
        self.platform_codes.update(platform_codes)
        self.app_levels.update(app_levels)

    def _router_one_by_one(self, data: bytes) -> None:
        """Router lines the bulk pattern does not fit, through the lenient parsers."""
        for raw in data.split(b"\n"):
            rec = parse_line(raw.decode("utf-8", "replace"))
            if (rec.source, rec.dyno) != ROUTER:
                continue
            fields = {f.key: f.value for f in parse_logfmt(rec.message)}
            when = rec.when()
            second = int(when.timestamp()) if when is not None else None
            status = fields.get("status", "")[:1].encode()
            path = fields.get("path", "").encode()
            service = fields.get("service", "").rstrip("ms").encode()
            code = fields.get("code", "").encode()
            self.by_second[(second, status)] += 1
            self.paths.add_one(path, service)
            self.router_codes[(code, status)] += 1

    # -- the sums -----------------------------------------------------------------------------

    def summary(self, buckets: int = 60) -> LogSummary:
        """What the view shows, with at most `buckets` time buckets."""
        start, width, series = self._series(max(1, buckets))
        by_count, by_p95 = self._paths()
        return LogSummary(
            lines=sum(self.origins.values()),
            requests=sum(self.by_second.values()),
            bucket_start=start,
            bucket_seconds=width,
            series=series,
            paths_by_count=by_count,
            paths_by_p95=by_p95,
            codes=self._codes(),
            dynos=self._dynos(),
            levels=self._levels(),
        )

    def _series(self, most: int) -> tuple[int | None, int, dict[str, list[int]]]:
        seconds: dict[object, int | None] = {}
        for second, _ in self.by_second:
            if second not in seconds:
                seconds[second] = _epoch(second)
        known = [s for s in seconds.values() if s is not None]
        if not known:
            return None, 0, {cls: [] for cls in STATUS_CLASSES}
        first, last = min(known), max(known)
        width = bucket_width(first, last, most)
        count = (last - first) // width + 1
        series = {cls: [0] * count for cls in STATUS_CLASSES}
        for (second, digit), n in self.by_second.items():
            at = seconds[second]
            row = series.get(digit.decode("ascii", "replace") + "xx")
            if at is not None and row is not None:
                row[(at - first) // width] += n
        return first, width, series

    def _paths(self) -> tuple[list[PathRow], list[PathRow]]:
        """The top paths by requests and by p95 `service`. Percentiles are worked out only for
        the paths that can make either list (a path per user id has a few requests each)."""
        requests = dict(self.paths.requests())
        top = [p for p, _ in sorted(requests.items(), key=lambda x: (-x[1], x[0]))[:TOP_PATHS]]
        ranked = {p for p, n in requests.items() if n >= MIN_P95_REQUESTS} or set(requests)
        rows = {}
        for path in ranked.union(top):
            text = path.decode("utf-8", "replace").strip('"')
            rows[path] = PathRow(text, requests[path], _percentile(self.paths.times(path), 0.95))
        by_p95 = sorted((rows[p] for p in ranked), key=lambda r: (-(r.p95_ms or 0), r.path))
        return [rows[p] for p in top], by_p95[:TOP_PATHS]

    def _codes(self) -> list[CodeRow]:
        counts: Counter[str] = Counter()
        for (code, _), n in self.router_codes.items():
            counts[code.decode("ascii", "replace")] += n
        for (_, code), n in self.platform_codes.items():
            counts[code.decode("ascii")] += n
        rows = [CodeRow(code, n) for code, n in counts.items() if code in CODES]
        return sorted(rows, key=lambda r: (-r.count, r.code))

    def _dynos(self) -> list[DynoRow]:
        lines: Counter[str] = Counter()
        for (_, dyno), n in self.origins.items():
            lines[dyno or "(raw)"] += n
        errors: Counter[str] = Counter()
        errors["router"] = sum(n for (_, digit), n in self.by_second.items() if digit == b"5")
        errors["router"] += sum(
            n for (code, digit), n in self.router_codes.items() if digit != b"5" and code in _CODES
        )
        for (dyno, code), n in self.platform_codes.items():
            if code in _CODES:
                errors[dyno.decode("utf-8", "replace")] += n
        for (dyno, prefix, word), n in self.app_levels.items():
            if _app_level(prefix, word) in ("error", "critical"):
                errors[dyno.decode("utf-8", "replace")] += n
        rows = [DynoRow(d, n, errors[d]) for d, n in lines.items()]
        return sorted(rows, key=lambda r: (-r.lines, r.dyno))

    def _levels(self) -> list[LevelRow]:
        counts: Counter[str] = Counter()
        for (_, prefix, word), n in self.app_levels.items():
            level = _app_level(prefix, word)
            if level is not None:
                counts[level] += n
        app_lines = sum(n for (source, _), n in self.origins.items() if source == "app")
        rows = [LevelRow(level, counts[level]) for level in reversed(LEVELS) if counts[level]]
        rows.append(LevelRow(NO_LEVEL, max(0, app_lines - sum(counts.values()))))
        return rows


_CODES = {code.encode() for code in CODES}


def _app_level(prefix: bytes, word: bytes) -> str | None:
    """The level an app line's first word states: after `level=` (any word the detector
    knows), or alone when upper case (`ERROR`), `Traceback`, or an exception name."""
    text = word.decode("ascii", "replace")
    if prefix or text.isupper():
        return level_of_word(text)
    if text == "Traceback" or _EXCEPTION.fullmatch(text):
        return "error"
    return None


def _epoch(second: object) -> int | None:
    if isinstance(second, bytes):
        try:
            when = datetime.fromisoformat(second.decode("ascii"))
        except ValueError:
            return None
        return int(when.replace(tzinfo=timezone.utc).timestamp())
    return second if isinstance(second, int) else None


def _percentile(values: list[tuple[int, int]], q: float) -> int | None:
    """The nearest-rank percentile of sorted (value, count) pairs; None when there are none."""
    total = sum(n for _, n in values)
    if not total:
        return None
    rank = max(1, -(-int(q * total * 1000) // 1000))  # ceil(q * total), without float drift
    seen = 0
    for value, n in values:
        seen += n
        if seen >= rank:
            return value
    return values[-1][0]


# -- over a LogBuffer ---------------------------------------------------------------------------


def buffer_summary(
    buffer: LogBuffer,
    lines: array | None = None,
    *,
    buckets: int = 60,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
    partial: Callable[[LogSummary], None] | None = None,
    partial_every: float = PARTIAL_EVERY,
) -> LogSummary | None:
    """The summary of `lines` (indexes, ascending; None: every line) of `buffer`; None when
    cancelled. From this thread: `progress(done, total)` after each block, and
    `partial(summary so far)` at most every `partial_every` seconds, so a view can show
    numbers while millions of lines are still being counted."""
    builder = StatsBuilder()
    origins = buffer.origins.origins
    router = router_ids(buffer)
    total = len(buffer) if lines is None else len(lines)
    seen: Counter[int] | None = Counter() if partial is not None else None
    done, told, wait = 0, time.monotonic(), partial_every
    for data, keys in _blocks(buffer, lines):
        if cancelled():
            return None
        builder.add_block(data, router_lines(keys, router))
        done += len(keys)
        if progress is not None:
            progress(done, total)
        if seen is not None and partial is not None:
            seen.update(keys)
            if done < total and time.monotonic() - told >= wait:
                started = time.monotonic()
                builder.origins = named_counts(seen, origins)
                partial(builder.summary(buckets))
                told = time.monotonic()
                # Summing up is not free (every distinct path and service so far): at most
                # a fifth of the time goes to it, however many lines there are.
                wait = max(partial_every, 4 * (told - started))
    builder.origins = named_counts(
        seen if seen is not None else _origin_counts(buffer, lines), origins
    )
    return builder.summary(buckets)


def router_ids(buffer: LogBuffer) -> list[int]:
    return [o.id for o in buffer.origins.origins if (o.source, o.dyno) == ROUTER]


def router_lines(keys: array, router: list[int]) -> int:
    """How many of the lines with origin ids `keys` are `heroku[router]` lines (C speed)."""
    return sum(map(keys.count, router))


def _origin_counts(buffer: LogBuffer, lines: array | None) -> Mapping[int, int]:
    keys = buffer.keys
    if lines is None and sum(buffer.counts.values()) == len(keys):
        return buffer.counts  # kept by the buffer as lines arrive
    return Counter(keys) if lines is None else Counter(map(keys.__getitem__, lines))


def named_counts(counts: Mapping[int, int], origins: list) -> Counter[tuple[str, str]]:
    """Counts by origin id as counts by (source, dyno)."""
    named: Counter[tuple[str, str]] = Counter()
    for k, n in counts.items():
        named[(origins[k].source, origins[k].dyno)] += n
    return named


def _blocks(buffer: LogBuffer, lines: array | None) -> Iterator[tuple[bytes, array]]:
    """(bytes of whole lines, their origin ids) over `lines` of `buffer`, block by block."""
    keys = buffer.keys
    if lines is None:
        for first, last, _, data in buffer.chunks(0, len(buffer)):
            yield data, keys[first:last]
        return
    bounds = buffer.bounds
    for at in range(0, len(lines), PIECE_LINES):
        piece = lines[at : at + PIECE_LINES]
        lo, hi = piece[0], piece[-1] + 1
        piece_keys = array("H", map(keys.__getitem__, piece))
        if hi - lo == len(piece):
            yield buffer.read(bounds[lo], bounds[hi]), piece_keys
        elif bounds[hi] - bounds[lo] <= SPARSE_BYTES:
            base = bounds[lo]
            data = buffer.read(base, bounds[hi])
            starts = map(sub, map(bounds.__getitem__, piece), repeat(base))
            ends = map(sub, map(bounds.__getitem__, map(add, piece, repeat(1))), repeat(base))
            yield b"".join(map(data.__getitem__, map(slice, starts, ends))), piece_keys
        else:
            yield b"".join(buffer.raw(i) + b"\n" for i in piece), piece_keys
