"""Router ingest benchmark on loopback: sustained drain throughput and POST-to-tail latency.

    python benchmarks/bench_ingest.py [--lines 500000] [--rate 5000] [--seconds 10]

1. Throughput: Logplex-shaped batches (~100 KB of octet-counted frames, as Logplex sends)
   POSTed to `/drains/{app}` by a few concurrent connections; then the store is counted to
   prove zero loss. Target: >= 50,000 lines/s.
2. Latency: a tailing client (SSE log session) while batches arrive at `--rate` lines/s (a
   batch every 20 ms); time from starting the POST to the line reaching the client. Target:
   p95 <= 100 ms.

The router runs in its own process (`python -m tuilogs.server.run`) with a throwaway
TUILOGS_HOME, so client and server do not share a GIL. Lines come from genlogs.py.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tuilogs.core.frames import format_frame  # noqa: E402
from tuilogs.core.record import LogRecord, parse_line  # noqa: E402

GENLOGS = Path("/work/shared/tools/genlogs.py")


def generate(n: int, genlogs: Path) -> list[LogRecord]:
    if genlogs.exists():
        out = subprocess.run(
            [sys.executable, str(genlogs), str(n), "--seed", "7"],
            capture_output=True,
            check=True,
        ).stdout.decode()
        return [parse_line(line) for line in out.splitlines()[:n]]
    ts = "2026-11-23T19:00:00.000000+00:00"
    return [LogRecord(ts, "app", f"web.{i % 3 + 1}", f"line {i} " + "x" * 100) for i in range(n)]


def batches(records: list[LogRecord], max_bytes: int = 100_000) -> list[tuple[bytes, int]]:
    out, cur, size = [], [], 0
    for r in records:
        frame = format_frame(r)
        if size + len(frame) > max_bytes and cur:
            out.append((b"".join(cur), len(cur)))
            cur, size = [], 0
        cur.append(frame)
        size += len(frame)
    if cur:
        out.append((b"".join(cur), len(cur)))
    return out


def start_router(home: Path, *args: str) -> tuple[subprocess.Popen, str, str]:
    """A router in its own process (`args`: more `tuilogs serve` options, e.g. `--redact`)."""
    env = {**os.environ, "TUILOGS_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuilogs.server.run", "--port", "0", *args],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stderr=subprocess.DEVNULL,
    )
    disc = home / "config" / "router.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if disc.exists():
            try:
                info = json.loads(disc.read_text())
            except ValueError:
                info = {}
            if info.get("pid") == proc.pid:
                token = (home / "config" / "token").read_text().strip()
                return proc, info["base_url"], token
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("router did not start")


def post(client: httpx.Client, base: str, app: str, body: bytes, count: int) -> None:
    headers = {
        "Content-Type": "application/logplex-1",
        "Logplex-Msg-Count": str(count),
        "Logplex-Frame-Id": uuid.uuid4().hex,
        "User-Agent": "Logplex/bench",
    }
    for _ in range(5):
        resp = client.post(f"{base}/drains/{app}", content=body, headers=headers)
        if resp.status_code == 204:
            return
        time.sleep(0.1)
    raise RuntimeError(f"batch refused: {resp.status_code} {resp.text[:200]}")


def throughput(base: str, token: str, records: list[LogRecord], workers: int) -> float:
    work = batches(records)
    print(
        f"throughput: {len(records)} lines in {len(work)} batches "
        f"(~{sum(len(b) for b, _ in work) // len(work) // 1000} KB each), {workers} connections"
    )
    clients = [httpx.Client(auth=("bench", token), timeout=60) for _ in range(workers)]
    # Warm up connections (and the router's first-request paths).
    post(clients[0], base, "warmup", *batches(records[:10])[0])
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futs = [
            pool.submit(post, clients[i % workers], base, "bench", body, n)
            for i, (body, n) in enumerate(work)
        ]
        for f in futs:
            f.result()
    elapsed = time.perf_counter() - t0
    for c in clients:
        c.close()
    rate = len(records) / elapsed
    print(f"  {elapsed:.2f} s -> {rate:,.0f} lines/s ({len(records) / elapsed / 1e3:.1f}k)")
    return rate


def latency(
    base: str,
    token: str,
    rate: float,
    seconds: float,
    post_base: str | None = None,
    post_token: str | None = None,
) -> list[float]:
    """Tail on `base`; POST to `post_base` (another router on the same store), else `base`."""
    post_base, post_token = post_base or base, post_token or token
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    per_batch = max(1, int(rate * 0.02))
    interval = per_batch / rate
    warm = b"".join(format_frame(r) for r in [parse_line("warm")])
    with httpx.Client(auth=("bench", post_token), timeout=30) as c:
        post(c, post_base, "lat", warm, 1)
    url = api.post("/apps/lat/log-sessions", json={"lines": 0, "tail": True}).json()["logplex_url"]
    sent: dict[str, float] = {}
    got: dict[str, float] = {}
    ready = threading.Event()
    done = threading.Event()

    def reader() -> None:
        try:
            with httpx.stream("GET", url, headers={"Accept": "text/event-stream"}, timeout=60) as r:
                ready.set()
                for line in r.iter_lines():
                    now = time.perf_counter()
                    if line.startswith("data: ") and " lat " in line:
                        got.setdefault(line.rsplit(" lat ", 1)[1], now)
                    if done.is_set() and len(got) >= len(sent):
                        return
        except httpx.HTTPError:
            pass  # the router went away at the end of the run

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    ready.wait(10)
    time.sleep(0.2)
    client = httpx.Client(auth=("bench", post_token), timeout=30)
    n_batches = int(seconds / interval)
    ts = "2026-11-23T19:00:00.000000+00:00"
    start = time.perf_counter()
    for b in range(n_batches):
        due = start + b * interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        recs = [LogRecord(ts, "app", "web.1", f"payload lat {b}-{i}") for i in range(per_batch)]
        body = b"".join(format_frame(r) for r in recs)
        t_send = time.perf_counter()
        for i in range(per_batch):
            sent[f"{b}-{i}"] = t_send
        post(client, post_base, "lat", body, per_batch)
    achieved = n_batches * per_batch / (time.perf_counter() - start)
    done.set()
    deadline = time.monotonic() + 10
    while len(got) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.01)
    client.close()
    api.close()
    lat = [(got[k] - sent[k]) * 1000 for k in sent if k in got]
    missing = len(sent) - len(lat)
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    print(
        f"latency at {achieved:,.0f} lines/s ({per_batch} lines per batch every "
        f"{interval * 1000:.0f} ms, {seconds:.0f} s): p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms, "
        f"p99 {p(0.99):.1f} ms, max {lat[-1]:.1f} ms, mean {statistics.mean(lat):.1f} ms, "
        f"missing {missing}"
    )
    return lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rate", type=float, default=5000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--genlogs", type=Path, default=GENLOGS)
    a = ap.parse_args()
    records = generate(a.lines, a.genlogs)
    with tempfile.TemporaryDirectory(prefix="tuilogs-bench-") as tmp:
        home = Path(tmp)
        proc, base, token = start_router(home)
        try:
            rate = throughput(base, token, records, a.workers)
            api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
            stored = api.get("/apps/bench/log-stats").json()["lines"]
            api.close()
            loss = len(records) - stored
            print(f"  stored {stored} of {len(records)} lines: loss {loss}")
            lat = latency(base, token, a.rate, a.seconds)
        finally:
            proc.terminate()
            proc.wait(30)
        ok = rate >= 50_000 and loss == 0 and lat[int(0.95 * (len(lat) - 1))] <= 100
        print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
