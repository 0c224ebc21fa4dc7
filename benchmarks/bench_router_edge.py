"""The router's edge under hostile or simply many clients, on loopback (issue 8, items 5 and 9).

    python benchmarks/bench_router_edge.py [--only latency,slow,tls] [--wait 70]

1. latency: a keep-alive httpx client doing 1,000 `GET /apps/X`; p50/p95/p99 per call.
   Without TCP_NODELAY on accepted sockets each answer waited ~44 ms for Nagle and delayed
   ACKs. Target: p95 <= 5 ms.
2. slow: 500 connections that send part of a request head and then nothing ("silent"), and
   500 that send one more byte every 2 s ("dribble"); how long until the router closed them
   all (checked up to `--wait` seconds). Target: all closed within the 10 s read deadline.
3. tls: the router serving HTTPS; 1,000 TCP connections that never start their TLS
   handshake. RSS of the router before, while they are held, and 5 s after they are gone.
   Target: bounded while held (handshakes are capped) and given back afterwards.

The router runs in its own process (`python -m tuilogs.server.run`) with a throwaway
TUILOGS_HOME, as `tuilogs serve` would; RSS is read from /proc (Linux).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_router(home: Path, *args: str) -> tuple[subprocess.Popen, str, str]:
    env = {**os.environ, "TUILOGS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuilogs.server.run", "--port", "0", *args],
        env=env,
        cwd=ROOT,
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


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def bench_latency(home: Path, calls: int) -> None:
    proc, base, token = start_router(home)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            c.post(
                "/drains/bench",
                content=b"61 <190>1 2026-11-23T19:00:00+00:00 host app web.1 - hello world\n",
                headers={"Content-Type": "application/logplex-1"},
                auth=("bench", token),
            ).raise_for_status()
            for _ in range(20):  # warm up
                c.get("/apps/bench").raise_for_status()
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                c.get("/apps/bench").raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        q = lambda p: times[min(len(times) - 1, int(p * len(times)))]  # noqa: E731
        print(
            f"latency: {calls} keep-alive GET /apps/bench: p50 {q(0.5):.2f} ms, "
            f"p95 {q(0.95):.2f} ms, p99 {q(0.99):.2f} ms, mean {statistics.mean(times):.2f} ms"
        )
    finally:
        stop(proc)


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except BlockingIOError:
        return False


def bench_slow(home: Path, n: int, wait: float, dribble: bool) -> None:
    proc, base, _ = start_router(home)
    kind = "dribble (1 byte every 2 s)" if dribble else "silent"
    try:
        port = port_of(base)
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /apps HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            s.setblocking(False)
            socks.append(s)
        t0 = time.monotonic()
        open_socks = set(socks)
        next_dribble = t0 + 2
        closed_at: list[float] = []
        while open_socks and time.monotonic() - t0 < wait:
            readable, _, _ = select.select(list(open_socks)[:1000], [], [], 0.2)
            for s in readable:
                if closed_by_peer(s):
                    open_socks.discard(s)
                    closed_at.append(time.monotonic() - t0)
            if dribble and time.monotonic() >= next_dribble:
                next_dribble += 2
                for s in list(open_socks):
                    try:
                        s.send(b"a")
                    except OSError:
                        open_socks.discard(s)
                        closed_at.append(time.monotonic() - t0)
        left = len(open_socks)
        last = f"last closed at {max(closed_at):.1f} s" if closed_at else "none closed"
        print(
            f"slow ({kind}): {n} partial-header connections: {n - left} closed by the router "
            f"({last}); {left} still open after {wait:.0f} s"
        )
        for s in socks:
            s.close()
    finally:
        stop(proc)


def bench_tls(home: Path, n: int) -> None:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_path, key_path = home / "cert.pem", home / "key.pem"
    home.mkdir(parents=True, exist_ok=True)
    cert.private_key_and_cert_chain_pem.write_to_path(cert_path)
    cert.private_key_pem.write_to_path(key_path)
    args = ["--https", "--tls-cert", str(cert_path), "--tls-key", str(key_path)]
    proc, base, _ = start_router(home, *args)
    try:
        port = port_of(base)
        time.sleep(1)
        before = rss_mb(proc.pid)
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        time.sleep(3)
        held = rss_mb(proc.pid)
        for s in socks:
            s.close()
        time.sleep(5)
        after = rss_mb(proc.pid)
        print(
            f"tls: {n} connections that never start a TLS handshake: router RSS "
            f"{before:.0f} MB before, {held:.0f} MB while held (+{held - before:.0f}), "
            f"{after:.0f} MB 5 s after they closed (+{after - before:.0f})"
        )
    finally:
        stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="latency,slow,tls")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=500)
    ap.add_argument("--tls", type=int, default=1000)
    ap.add_argument("--wait", type=float, default=70)
    a = ap.parse_args()
    parts = set(a.only.split(","))
    with tempfile.TemporaryDirectory(prefix="tuilogs-edge-") as tmp:
        if "latency" in parts:
            bench_latency(Path(tmp) / "latency", a.calls)
        if "slow" in parts:
            bench_slow(Path(tmp) / "silent", a.slow, a.wait, dribble=False)
            bench_slow(Path(tmp) / "dribble", a.slow, a.wait, dribble=True)
        if "tls" in parts:
            bench_tls(Path(tmp) / "tls", a.tls)


if __name__ == "__main__":
    main()
