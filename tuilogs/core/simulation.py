"""A simulated Heroku app: the lines of ``tuilogs demo`` and of the sample file.

The app has ``web.1``/``web.2``, ``worker.1`` and ``clock.1`` dynos. It writes what a real one
does: ``heroku[router]`` lines with Heroku's fields and plausible latencies, plain, logfmt and
JSON app output, Python tracebacks (one line per record, as Logplex splits them), Postgres
metrics samples, runtime metrics, now and then an H12, H10 or R14, and a deploy with its dyno
restarts. ``generate`` yields its lines deterministically, without a network; ``tuilogs.cli.demo``
posts them live through a real drain endpoint, as Logplex does.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tuilogs.core.record import LogRecord

__all__ = ["SimulatedApp", "generate", "write_sample"]

log = logging.getLogger(__name__)

_Line = tuple[str, str, str]  # source, dyno, message

_PATHS = [
    ("GET", "/", 0.6),
    ("GET", "/api/items", 1.0),
    ("GET", "/api/items/{id}", 0.7),
    ("POST", "/api/items", 1.8),
    ("PUT", "/api/items/{id}", 1.5),
    ("GET", "/api/users/{id}", 0.8),
    ("POST", "/login", 2.5),
    ("GET", "/health", 0.1),
    ("GET", "/static/app.{hash}.js", 0.2),
    ("DELETE", "/api/items/{id}", 1.2),
]
_JOBS = ["SendWelcomeEmail", "ResizeImage", "SyncInvoices", "RebuildSearchIndex", "ChargeCard"]
_CLOCK = ["nightly_report", "expire_sessions", "refresh_exchange_rates", "ping_healthchecks"]
_USERS = ["ada@example.com", "grace@example.com", "linus@example.com", "dev@example.com"]
_EXCEPTIONS = [
    ("KeyError", "'user_id'", "handlers/items.py", "item = cache[request.args['user_id']]"),
    (
        "ValueError",
        "invalid literal for int() with base 10: 'abc'",
        "handlers/items.py",
        "item_id = int(item_id)",
    ),
    (
        "psycopg2.OperationalError",
        "server closed the connection unexpectedly",
        "db.py",
        "cursor.execute(query, params)",
    ),
    (
        "TimeoutError",
        "upstream payments API did not answer in 10s",
        "services/payments.py",
        "return client.post(url, json=payload, timeout=10)",
    ),
]


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="microseconds")


def _metrics_line(head: str, samples: dict[str, object]) -> str:
    """A metrics line as Heroku's runtime metrics and Heroku Postgres write it: who measured
    (`head`), then `sample#NAME=VALUE` for each sample, in order."""
    return " ".join([head, *(f"sample#{name}={value}" for name, value in samples.items())])


class SimulatedApp:
    """State of the simulated app; ``event()`` returns the lines of one thing that happened."""

    def __init__(self, rng: random.Random, app: str) -> None:
        self.rng = rng
        self.app = app
        self.release = rng.randint(20, 150)
        self.web = ["web.1", "web.2"]
        self.dynos = [*self.web, "worker.1", "clock.1"]
        self.mem = {d: rng.uniform(180, 320) for d in self.dynos}
        self.booted = False

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ip(self) -> str:
        r = self.rng
        return f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def event(self) -> list[_Line]:
        if not self.booted:
            self.booted = True
            return self.boot()
        r = self.rng.random()
        for bound, happening in _EVENTS:
            if r < bound:
                return happening(self)
        return self.request()

    # -- app output -----------------------------------------------------------------------

    def request(self, status: int | None = None) -> list[_Line]:
        rng = self.rng
        method, path, weight = rng.choice(_PATHS)
        path = path.format(id=rng.randint(1, 5000), hash=f"{rng.getrandbits(32):08x}")
        dyno = rng.choice(self.web)
        service = max(1, int(rng.lognormvariate(3.0, 0.8) * weight))
        if status is None:
            status = rng.choices(
                [200, 201, 204, 301, 304, 404, 422, 500], [70, 6, 3, 2, 6, 8, 3, 1]
            )[0]
        rid = self.uuid()
        ip = self.ip()
        style = rng.random()
        lines: list[_Line] = []
        if style < 0.4:
            lines.append(
                (
                    "app",
                    dyno,
                    f'{ip} - - "{method} {path} HTTP/1.1" {status} {rng.randint(0, 9000)}',
                )
            )
        elif style < 0.75:
            level = "error" if status >= 500 else "warn" if status >= 400 else "info"
            lines.append(
                (
                    "app",
                    dyno,
                    f'level={level} msg="request finished" method={method} path={path}'
                    f" status={status} duration_ms={service - 1} request_id={rid}",
                )
            )
        else:
            lines.append(
                (
                    "app",
                    dyno,
                    json.dumps(
                        {
                            "level": "info" if status < 400 else "warning",
                            "logger": "app.http",
                            "event": "request",
                            "method": method,
                            "path": path,
                            "status": status,
                            "duration_ms": round(service * 0.93, 1),
                            "request_id": rid,
                        }
                    ),
                )
            )
        lines.append(
            ("heroku", "router", self.router_line(method, path, dyno, service, status, rid))
        )
        return lines

    def router_line(
        self,
        method: str,
        path: str,
        dyno: str,
        service: int,
        status: int,
        rid: str,
        ip: str = "",
    ) -> str:
        rng = self.rng
        size = 0 if status in (204, 304) else rng.randint(120, 48_000)
        return (
            f'at=info method={method} path="{path}" host={self.app}.herokuapp.com'
            f' request_id={rid} fwd="{ip or self.ip()}" dyno={dyno} connect={rng.randint(0, 2)}ms'
            f" service={service}ms status={status} bytes={size} protocol=https"
        )

    def worker(self) -> list[_Line]:
        rng = self.rng
        job = rng.choice(_JOBS)
        jid = f"{rng.getrandbits(48):012x}"
        took = round(rng.lognormvariate(4.5, 1.0), 1)
        if rng.random() < 0.5:
            return [
                (
                    "app",
                    "worker.1",
                    f'level=info msg="job started" job={job} jid={jid} queue=default',
                ),
                (
                    "app",
                    "worker.1",
                    f'level=info msg="job done" job={job} jid={jid} duration_ms={took}',
                ),
            ]
        if rng.random() < 0.1:
            return [
                (
                    "app",
                    "worker.1",
                    json.dumps(
                        {
                            "level": "error",
                            "job": job,
                            "jid": jid,
                            "error": "retry 3/25",
                            "msg": "job failed, will retry",
                        }
                    ),
                )
            ]
        return [("app", "worker.1", f"[{job}] processed jid={jid} in {took}ms")]

    def clock(self) -> list[_Line]:
        task = self.rng.choice(_CLOCK)
        return [("app", "clock.1", f"INFO scheduler: enqueued {task} (next run in 300s)")]

    def runtime_metrics(self) -> list[_Line]:
        rng = self.rng
        dyno = rng.choice(self.dynos)
        self.mem[dyno] = min(540.0, max(120.0, self.mem[dyno] + rng.uniform(-12, 14)))
        mem = self.mem[dyno]
        head = f"source={dyno} dyno=heroku.{rng.randint(10**7, 10**8)}.{self.uuid()}"
        samples = {
            "load_avg_1m": f"{rng.uniform(0, 1.5):.2f}",
            "memory_total": f"{mem:.2f}MB",
            "memory_rss": f"{mem * 0.93:.2f}MB",
            "memory_cache": f"{mem * 0.07:.2f}MB",
            "memory_quota": "512.00MB",
        }
        return [("heroku", dyno, _metrics_line(head, samples))]

    def postgres(self) -> list[_Line]:
        rng = self.rng
        head = f"source=DATABASE addon=postgresql-curved-{rng.randint(10000, 99999)}"
        samples = {
            "current_transaction": rng.randint(10**6, 10**7),
            "db_size": f"{rng.randint(10**8, 10**9)}bytes",
            "tables": 34,
            "active-connections": rng.randint(3, 20),
            "waiting-connections": 0,
            "index-cache-hit-rate": f"{rng.uniform(0.95, 1):.5f}",
            "table-cache-hit-rate": f"{rng.uniform(0.9, 1):.5f}",
            "load-avg-1m": f"{rng.uniform(0, 0.5):.3f}",
            "read-iops": f"{rng.uniform(0, 5):.4f}",
            "write-iops": f"{rng.uniform(0, 20):.4f}",
            "memory-percentage-used": f"0.{rng.randint(60, 99)}",
        }
        return [("app", "heroku-postgres", _metrics_line(head, samples))]

    # -- trouble -------------------------------------------------------------------------

    def traceback(self) -> list[_Line]:
        rng = self.rng
        dyno = rng.choice(self.web)
        exc, text, file, code = rng.choice(_EXCEPTIONS)
        lines = [
            ("app", dyno, "ERROR app.http: unhandled exception in request"),
            ("app", dyno, "Traceback (most recent call last):"),
            (
                "app",
                dyno,
                '  File "/app/.heroku/python/lib/python3.12/site-packages/flask/app.py",'
                " line 880, in full_dispatch_request",
            ),
            ("app", dyno, "    rv = self.dispatch_request()"),
            ("app", dyno, f'  File "/app/{file}", line {rng.randint(12, 300)}, in handle'),
            ("app", dyno, f"    {code}"),
            ("app", dyno, f"{exc}: {text}"),
        ]
        _, path, _ = rng.choice(_PATHS)
        path = path.format(id=rng.randint(1, 5000), hash="0")
        lines.append(
            (
                "heroku",
                "router",
                self.router_line("GET", path, dyno, rng.randint(20, 900), 500, self.uuid()),
            )
        )
        return lines

    def h12(self) -> list[_Line]:
        rng = self.rng
        dyno = rng.choice(self.web)
        return [
            (
                "heroku",
                "router",
                f'at=error code=H12 desc="Request timeout" method=GET path="/api/reports/export"'
                f' host={self.app}.herokuapp.com request_id={self.uuid()} fwd="{self.ip()}"'
                f" dyno={dyno} connect=0ms service=30000ms status=503 bytes=0 protocol=https",
            ),
            ("app", dyno, f"WARNING gunicorn: worker timeout (pid:{rng.randint(10, 99)})"),
        ]

    def r14(self) -> list[_Line]:
        dyno = self.rng.choice(self.dynos)
        mem = self.rng.uniform(530, 700)
        self.mem[dyno] = mem
        return [
            ("heroku", dyno, f"Process running mem={mem:.0f}M({mem / 5.12:.1f}%)"),
            ("heroku", dyno, "Error R14 (Memory quota exceeded)"),
        ]

    def h10(self) -> list[_Line]:
        rng = self.rng
        dyno = rng.choice(self.web)
        return [
            (
                "app",
                dyno,
                "Error: could not connect to Redis at redis://ec2-3-1-1-1:6379: timed out",
            ),
            ("heroku", dyno, "Process exited with status 1"),
            ("heroku", dyno, "State changed from up to crashed"),
            (
                "heroku",
                "router",
                f'at=error code=H10 desc="App crashed" method=GET path="/" host={self.app}.herokuapp.com'
                f' request_id={self.uuid()} fwd="{self.ip()}" dyno= connect= service= status=503'
                " bytes= protocol=https",
            ),
            ("heroku", dyno, "State changed from crashed to starting"),
            *self.start(dyno),
        ]

    # -- lifecycle -----------------------------------------------------------------------

    def command(self, dyno: str) -> str:
        if dyno.startswith("web"):
            return "gunicorn app:app --workers 3 --bind 0.0.0.0:$PORT"
        if dyno.startswith("worker"):
            return "python -m app.worker"
        return "python -m app.clock"

    def start(self, dyno: str) -> list[_Line]:
        lines = [("heroku", dyno, f"Starting process with command `{self.command(dyno)}`")]
        if dyno.startswith("web"):
            port = self.rng.randint(10000, 60000)
            lines += [
                ("app", dyno, "[INFO] Starting gunicorn 22.0.0"),
                ("app", dyno, f"[INFO] Listening at: http://0.0.0.0:{port}"),
                ("app", dyno, "[INFO] Using worker: sync"),
            ]
        else:
            lines.append(
                (
                    "app",
                    dyno,
                    f'level=info msg="{dyno.split(".")[0]} ready" release=v{self.release}',
                )
            )
        lines.append(("heroku", dyno, "State changed from starting to up"))
        self.mem[dyno] = self.rng.uniform(180, 260)
        return lines

    def boot(self) -> list[_Line]:
        lines: list[_Line] = []
        for dyno in self.dynos:
            lines.append(("heroku", dyno, "State changed from down to starting"))
            lines += self.start(dyno)
        return lines

    def deploy(self) -> list[_Line]:
        rng = self.rng
        user = rng.choice(_USERS)
        sha = f"{rng.getrandbits(28):07x}"
        self.release += 1
        lines: list[_Line] = [
            ("app", "api", f"Build started by user {user}"),
            ("app", "api", "Build succeeded"),
            ("app", "api", f"Deploy {sha} by user {user}"),
            ("app", "api", f"Release v{self.release} created by user {user}"),
        ]
        for dyno in self.dynos:
            lines += [
                ("heroku", dyno, "Restarting"),
                ("heroku", dyno, "State changed from up to starting"),
                ("heroku", dyno, "Stopping all processes with SIGTERM"),
                (
                    "app",
                    dyno,
                    "[INFO] Handling signal: term" if dyno.startswith("web") else "shutting down",
                ),
                ("heroku", dyno, "Process exited with status 143"),
                *self.start(dyno),
            ]
        return lines


# What happens next: the first whose bound an even draw in [0, 1) is below (each one's chance
# is its bound less the one before); above the last, another request. Written as bounds, not
# chances, so that a seed's lines stay what they were (sums of floats would move them).
_EVENTS = (
    (0.58, SimulatedApp.request),
    (0.74, SimulatedApp.worker),
    (0.78, SimulatedApp.clock),
    (0.82, SimulatedApp.runtime_metrics),
    (0.845, SimulatedApp.postgres),
    (0.86, SimulatedApp.traceback),
    (0.866, SimulatedApp.h12),
    (0.869, SimulatedApp.r14),
    (0.871, SimulatedApp.h10),
    (0.8725, SimulatedApp.deploy),
)


def generate(
    n: int, seed: int = 0, *, app: str = "demo", start: datetime | None = None, rate: float = 20.0
) -> Iterator[LogRecord]:
    """``n`` records of the simulated app, the same for the same arguments.

    Time starts at ``start`` (default 2026-01-01T00:00:00Z, to stay deterministic) and moves
    by exponential gaps of mean ``1/rate`` s between events; lines of one event are 1 ms apart.
    """
    rng = random.Random(seed)
    sim = SimulatedApp(rng, app)
    t = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
    made = 0
    ms = timedelta(milliseconds=1)
    while made < n:
        t += timedelta(seconds=rng.expovariate(rate))
        for source, dyno, msg in sim.event():
            t += ms * rng.random()
            yield LogRecord(_iso(t), source, dyno, msg)
            made += 1
            if made >= n:
                return


SAMPLE_LINES = 20_000


def write_sample(path: Path, lines: int = SAMPLE_LINES, seed: int = 7) -> None:
    """A realistic sample log for first runs (``tuilogs sample``), written atomically."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for rec in generate(lines, seed):
            out.write(rec.line() + "\n")
    tmp.replace(path)
