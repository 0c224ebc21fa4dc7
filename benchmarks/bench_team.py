#!/usr/bin/env python3
"""A team's router: two routers on one PostgreSQL database (or, for comparison, one router on
SQLite), each a process of its own (`python -m tuilogs.server.run --store URL`).

    python benchmarks/bench_team.py [--store postgres|sqlite]
                                    [--only ingest,latency,crash,ids,explorer]
                                    [--lines 500000] [--explorer-lines 1000000] [--database URL]

* ingest: Logplex-shaped batches (~100 KB) of genlogs lines POSTed by 4 connections,
  alternated between router A and router B, one app; then the stored lines are counted (zero
  loss). Target: >= 50,000 lines/s.
* latency: a tail (SSE log session) on router B while batches are POSTed to router A at
  `--rate` lines/s; POST → line at the tail. Target: p95 <= 100 ms at 5,000 lines/s.
* crash: kill -9 of one router mid-ingest and mid-forwarding (bench_team_crash.py). Target:
  0 acknowledged lines lost, 0 duplicated beyond retries of one frame id.
* ids: how ids are serialised per app, measured alone: two writer processes storing 700-line
  batches of one app, by the store's statement (the app's counter row locked by the upsert)
  and by the alternative (a transaction-level advisory lock on the app, then its max id).
* explorer: `--explorer-lines` lines stored through both routers, then the explorer
  (`tuilogs bench --api` router B, in tmux at 120x40, bench_router_explorer.py's helpers):
  first screen and search. Targets: <= 0.5 s each.

PostgreSQL: `--database URL`, else a server started for the run by tests/kit/postgres.py,
with durable commits (fsync, synchronous_commit on, full_page_writes on: a 204 means the
batch is on disk), shared_buffers 256 MB. With `--store sqlite` the same measures run against
one router on its SQLite file (a second router cannot share it).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_explorer import (  # noqa: E402
    TUITIME,
    first_screens,
    make_file,
    tuilogs_search_and_filter,
    tuitime,
    unique_token,
)
from bench_ingest import GENLOGS, batches, generate, latency, post  # noqa: E402
from bench_router_explorer import wait_idle  # noqa: E402
from bench_team_crash import Fleet, crash_forwarding, crash_ingest  # noqa: E402
from benchenv import spread, tuilogs_bin  # noqa: E402
from routerproc import RouterProcess  # noqa: E402

from tuilogs.core.record import parse_line  # noqa: E402

DURABLE = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "256MB",
}


def start_postgres():
    """A server for this run (kit/postgres.py), with durable commits."""
    from kit import postgres

    postgres._SETTINGS.update(DURABLE)
    server = postgres.start_server()
    print(f"PostgreSQL {server.version} ({server.binaries.origin}), durable commits")
    return server


def stored_lines(router: RouterProcess, app: str) -> int:
    with router.api() as c:
        return c.get(f"/apps/{app}/log-stats").json()["lines"]


def _stat(pid: int | str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pids: list[int]) -> float:
    """CPU time so far of `pids`, their children that ended (reaped) and those alive (a
    PostgreSQL server: the postmaster and its backends). Linux /proc."""
    ticks = 0
    for pid in pids:
        f = _stat(pid)
        ticks += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                f = _stat(entry.name)
            except OSError:
                continue
            if int(f[1]) in pids:
                ticks += int(f[11]) + int(f[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster(server) -> list[int]:
    if server is None:
        return []
    return [int((server.data_dir / "postmaster.pid").read_text().split()[0])]


def ingest(
    routers: list[RouterProcess], lines: int, workers: int = 4, server=None, url=None
) -> tuple[float, int]:
    """Lines/s over `workers` connections, batches alternated between the routers; the loss;
    the CPU time per line of the routers and the database server (what the machine's load
    does not change much, unlike lines/s)."""
    records = generate(lines, GENLOGS)
    work = batches(records)
    clients = [httpx.Client(auth=("bench", r.token), timeout=120) for r in routers]
    for r, c in zip(routers, clients, strict=True):
        post(c, r.base_url, "warmup", *batches(records[:10])[0])
    pids = [r.proc.pid for r in routers]
    cpu0 = cpu_seconds(pids), cpu_seconds(postmaster(server)), time.process_time()
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [
            pool.submit(
                post,
                clients[i % len(routers)],
                routers[i % len(routers)].base_url,
                "bench",
                body,
                n,
            )
            for i, (body, n) in enumerate(work)
        ]
        for f in futures:
            f.result()
    elapsed = time.perf_counter() - t0
    cpu_r = cpu_seconds(pids) - cpu0[0]
    cpu_db = cpu_seconds(postmaster(server)) - cpu0[1]
    cpu_tx = time.process_time() - cpu0[2]
    for c in clients:
        c.close()
    loss = len(records) - stored_lines(routers[-1], "bench")
    rate = len(records) / elapsed
    n = len(records)
    print(
        f"ingest: {n:,} lines in {len(work)} batches over {workers} connections,"
        f" alternated between {len(routers)} router(s): {elapsed:.1f} s, {rate:,.0f} lines/s,"
        f" loss {loss}; CPU per line: routers {cpu_r / n * 1e6:.1f} us,"
        f" database {cpu_db / n * 1e6:.1f} us, this sender {cpu_tx / n * 1e6:.1f} us"
        f" (load average {os.getloadavg()[0]:.1f})"
    )
    if url is not None:
        indexed_after(url, n, time.perf_counter(), cpu_seconds(postmaster(server)), server)
    return rate, loss


def indexed_after(url: str, n: int, t0: float, cpu0: float, server=None) -> None:
    """How long the upkeep takes to move the lines into the search index after the ingest,
    and the database CPU that costs per line (deferred, not saved: sustained ingest beyond
    this rate leaves more lines unindexed, which searches scan)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute("select count(*) from tuilogs.recent").fetchone()[0] > 0:
            time.sleep(0.2)
    cpu = cpu_seconds(postmaster(server)) - cpu0
    print(
        f"  search index caught up {time.perf_counter() - t0:.1f} s after the last batch,"
        f" database CPU {cpu / n * 1e6:.1f} us per line for it"
    )


# -- ids: the two ways to serialise an app's ids, alone ------------------------------------

ADVISORY_SQL = [
    "select pg_advisory_xact_lock(%(key)s)",
    "select coalesce(max(id), 0) from tuilogs.lines where app_id = %(app_id)s",
]


def _writer(url: str, how: str, batches_n: int, per_batch: int, out) -> None:
    import psycopg

    from tuilogs.core.record import api_timestamp
    from tuilogs.server.store.postgres_sql import APPEND_SQL, NOTIFY_CHANNEL

    msgs = [
        f"at=info method=GET path=/items/{i} status=200 bytes={i * 7}" for i in range(per_batch)
    ]
    cols = {
        "ts": ["2026-11-23T19:00:00.000000+00:00"] * per_batch,
        "source": ["app"] * per_batch,
        "dyno": ["web.1"] * per_batch,
        "message": msgs,
    }
    with psycopg.connect(url, autocommit=True) as conn:
        app_id = conn.execute("select id from tuilogs.apps where name = 'ids'").fetchone()[0]
        t0 = time.perf_counter()
        for _ in range(batches_n):
            if how == "row":
                conn.execute(
                    APPEND_SQL,
                    {
                        "app": "ids",
                        "frame": None,
                        "stamp": api_timestamp(),
                        "n": per_batch,
                        "channel": NOTIFY_CHANNEL,
                        "hops": 0,
                        **cols,
                    },
                )
                continue
            with conn.transaction():
                conn.execute(ADVISORY_SQL[0], {"key": app_id})
                top = conn.execute(ADVISORY_SQL[1], {"app_id": app_id}).fetchone()[0]
                conn.execute(
                    "insert into tuilogs.lines(app_id, id, ts, source, dyno, message)"
                    " select %s, %s + r.n, r.ts, r.source, r.dyno, r.message from unnest("
                    "%s::text[], %s::text[], %s::text[], %s::text[]) with ordinality"
                    " as r(ts, source, dyno, message, n)",
                    (app_id, top, cols["ts"], cols["source"], cols["dyno"], cols["message"]),
                )
                conn.execute("select pg_notify(%s, %s)", (NOTIFY_CHANNEL, f"ids {top}"))
        out.put(time.perf_counter() - t0)


def ids(url: str, batches_n: int = 150, per_batch: int = 700) -> None:
    import psycopg

    from tuilogs.server.store.postgres import PostgresStore

    PostgresStore(url).close()  # the schema
    for how in ("row", "advisory"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("truncate tuilogs.lines")
            conn.execute(
                "insert into tuilogs.apps(name, created_at, updated_at) values ('ids', '', '')"
                " on conflict (name) do update set last_id = 0"
            )
        out = multiprocessing.Queue()
        procs = [
            multiprocessing.Process(target=_writer, args=(url, how, batches_n, per_batch, out))
            for _ in range(2)
        ]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - t0
        with psycopg.connect(url) as conn:
            n, distinct = conn.execute(
                "select count(*), count(distinct id) from tuilogs.lines"
            ).fetchone()
        label = {
            "row": "counter row locked by the batch's upsert (the store's)",
            "advisory": "pg_advisory_xact_lock + max(id)",
        }[how]
        print(
            f"ids, {label}: 2 writers x {batches_n} batches of {per_batch} lines of one app:"
            f" {n / elapsed:,.0f} lines/s ({n:,} lines, {distinct:,} distinct ids)"
        )


# -- the explorer over the store ------------------------------------------------------------


def api_times(c: httpx.Client, token: str, n: int = 5) -> None:
    """The store's share of the explorer's first screen and of a search, alone: the API calls
    (the newest page of `log-lines`, as the first screen asks; `q=` served by the search
    index), median of `n`; the rest of the explorer's figures is the terminal program."""

    def median(params: dict) -> float:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            assert c.get("/apps/bench/log-lines", params=params).status_code == 200
            times.append(time.perf_counter() - t0)
        return sorted(times)[n // 2] * 1000

    page = median({"limit": 1500})
    found = median({"limit": 1500, "q": token})
    print(
        f"  API: newest 1,500 lines {page:.0f} ms, search q={token} {found:.0f} ms (median of {n})"
    )


def explorer(routers: list[RouterProcess], lines: int, server=None, url=None) -> None:
    tuilogs = tuilogs_bin()
    path = make_file(lines)
    records = [parse_line(line) for line in path.read_text().splitlines()]
    token = unique_token(path)
    work = batches(records)
    clients = [httpx.Client(auth=("bench", r.token), timeout=120) for r in routers]
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(
                post,
                clients[i % len(routers)],
                routers[i % len(routers)].base_url,
                "bench",
                body,
                n,
            )
            for i, (body, n) in enumerate(work)
        ]
        for f in futures:
            f.result()
    print(f"explorer: stored {len(records):,} lines in {time.perf_counter() - t0:.1f} s")
    if url is not None:  # search as it is once the index caught up (see `indexed_after`)
        indexed_after(
            url, len(records), time.perf_counter(), cpu_seconds(postmaster(server)), server
        )
    router = routers[-1]
    with router.api() as c:
        newest = c.get("/apps/bench/log-lines?limit=1").json()["lines"][-1]
        api_times(c, token)
    wait_idle(router.proc.pid)
    home = router.home
    q = re.escape
    last = newest["timestamp"][:26]
    cmd = f"TUILOGS_HOME={home} {tuilogs} bench --api {router.base_url}"
    launches = first_screens(cmd, f"wait:{q(last)}")
    r = tuitime(
        cmd,
        f"wait:{q(last)}",
        f"wait:{len(records):,} lines",
        "sleep:0.5",
        *tuilogs_search_and_filter(token),
        timeout=240,
    )
    w = r["waits"] + [float("nan")] * 5
    print(
        f"explorer over {len(records):,} stored lines: first screen {spread(launches)} ·"
        f" all lines in the explorer {w[1]:.1f} s · search {w[3]:.3f} s · filter {w[4]:.3f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--only", default="ingest,latency,crash,ids,explorer")
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--explorer-lines", type=int, default=1_000_000)
    ap.add_argument("--rate", type=float, default=5000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--database", help="an existing PostgreSQL database (its tuilogs schema)")
    a = ap.parse_args()
    only = set(a.only.split(","))
    server = None
    homes: list[Path] = []

    def routers_on(url: str | None) -> list[RouterProcess]:
        out = []
        for _ in range(2 if url else 1):
            homes.append(Path(tempfile.mkdtemp(prefix="tuilogs-bench-team-")))
            out.append(RouterProcess(homes[-1], *(["--store", url] if url else [])))
        return out

    def fresh_url() -> str | None:
        if a.store == "sqlite":
            return None
        if a.database:
            return a.database
        return server.url(server.create_database())

    try:
        if a.store == "postgres" and not a.database:
            server = start_postgres()
        for part in ("ingest", "latency", "explorer"):
            if part not in only:
                continue
            url = fresh_url()
            routers = routers_on(url)
            try:
                if part == "ingest":
                    ingest(routers, a.lines, server=server, url=url)
                elif part == "latency":
                    tail, poster = routers[-1], routers[0]
                    lat = latency(
                        tail.base_url, tail.token, a.rate, a.seconds, poster.base_url, poster.token
                    )
                    where = "router A → tail at router B" if len(routers) > 1 else "one router"
                    print(f"  ({where}; p95 {lat[int(0.95 * (len(lat) - 1))]:.1f} ms)")
                else:
                    explorer(routers, a.explorer_lines, server=server, url=url)
            finally:
                for r in routers:
                    r.stop()
        for part, run in (("crash", crash_ingest), ("crash", crash_forwarding)):
            if part not in only:
                continue
            n = 2 if a.store == "postgres" else 1
            homes += [Path(tempfile.mkdtemp(prefix="tuilogs-bench-team-")) for _ in range(n)]
            fleet = Fleet(homes[-n:], fresh_url())
            try:
                run(fleet)
            finally:
                fleet.stop()
        if "ids" in only and a.store == "postgres":
            ids(fresh_url())
    finally:
        if server is not None:
            server.stop()
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    if not TUITIME.exists():
        sys.exit("needs ../shared/tools/tuitime.py")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
