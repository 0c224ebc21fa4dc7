"""The router's peak memory whatever clients do (issue 8, item 4). Target: peak RSS <= 256 MB.

    python benchmarks/bench_router_memory.py [--scenario NAME ...] [--big 1500] [--size 500000]

Each scenario runs a fresh router in its own process (routerproc.py) and reports its peak RSS
(VmHWM from /proc), after ingest and at the end:

* stalled-tail: one tail that connects and never reads (4 KiB receive buffer) while
  1,500 x 500 KB lines arrive.
* stalled-tails-resume: four such tails, then all four read everything they are sent.
* many-stalled-tails: fifty such tails (each its own session), then all read.
* log-lines: 1,500 x 500 KB lines stored, then `GET log-lines?limit=10000`, read to the end.
* session-100k: 100,000 lines of 10,000 bytes (Heroku's longest) stored, then a log session
  with `lines: 100000`, read to the end (its line count is checked).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from routerproc import RouterProcess, big_lines, post_lines  # noqa: E402

TARGET_MB = 256
END = b"END-OF-BENCH"


class RawTail:
    """A log-session stream read over a raw socket, so it can stall for real: a 4 KiB receive
    buffer, and nothing read until `resume`."""

    def __init__(self, router: RouterProcess, app: str) -> None:
        with router.api() as api:
            resp = api.post(f"/apps/{app}/log-sessions", json={"lines": 0, "tail": True})
            url = resp.json()["logplex_url"]
        path = "/" + url.split("/", 3)[3]
        host, port = router.base_url.rsplit("/", 1)[1].rsplit(":", 1)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        self.received = 0
        self.saw_end = threading.Event()
        self.saw_l11 = False

    def resume(self) -> threading.Thread:
        def read() -> None:
            tail = b""
            while not self.saw_end.is_set():
                data = self.sock.recv(1 << 20)
                if not data:
                    return
                self.received += len(data)
                window = tail + data
                self.saw_l11 = self.saw_l11 or b"Error L11" in window
                if END in window:
                    self.saw_end.set()
                tail = window[-64:]

        t = threading.Thread(target=read, daemon=True)
        t.start()
        return t

    def close(self) -> None:
        self.sock.close()


def report(name: str, router: RouterProcess, after_ingest: float, note: str = "") -> dict:
    peak = router.peak_mb()
    ok = peak <= TARGET_MB
    print(
        f"{name:22s} peak RSS after ingest {after_ingest:7.0f} MB, overall {peak:7.0f} MB"
        f"  {'ok' if ok else 'OVER'} {note}",
        flush=True,
    )
    return {"scenario": name, "after_ingest": after_ingest, "peak": peak, "ok": ok}


def stalled_tails(home: Path, n_tails: int, n: int, size: int, resume: bool) -> dict:
    router = RouterProcess(home)
    try:
        post_lines(router, "big", big_lines(1, 40, "first"), 1)
        tails = [RawTail(router, "big") for _ in range(n_tails)]
        post_lines(router, "big", big_lines(n, size), max(1, 1_000_000 // (size + 100)))
        time.sleep(1)  # let the event loop hand out what it will to the stalled tails
        after_ingest = router.peak_mb()
        note = ""
        if resume:
            readers = [t.resume() for t in tails]
            deadline = time.monotonic() + 300
            while not all(t.saw_end.is_set() for t in tails) and time.monotonic() < deadline:
                post_lines(router, "big", big_lines(1, 40, END.decode()), 1)
                time.sleep(0.5)
            for r in readers:
                r.join(5)
            got = sum(t.received for t in tails) / 1e6
            l11 = sum(t.saw_l11 for t in tails)
            note = f"({got:.0f} MB read by {n_tails} tails, {l11} told of drops by L11)"
        for t in tails:
            t.close()
        name = {1: "stalled-tail", 4: "stalled-tails-resume"}.get(n_tails, "many-stalled-tails")
        return report(name, router, after_ingest, note)
    finally:
        router.stop()


def log_lines(home: Path, n: int, size: int) -> dict:
    router = RouterProcess(home)
    try:
        post_lines(router, "big", big_lines(n, size), max(1, 1_000_000 // (size + 100)))
        after_ingest = router.peak_mb()
        got = 0
        with router.api() as api, api.stream("GET", "/apps/big/log-lines?limit=10000") as resp:
            for chunk in resp.iter_bytes():
                got += len(chunk)
        return report("log-lines", router, after_ingest, f"({got / 1e6:.0f} MB of JSON)")
    finally:
        router.stop()


def session(home: Path, n: int, size: int) -> dict:
    router = RouterProcess(home)
    try:
        post_lines(router, "long", big_lines(n, size), max(1, 1_000_000 // (size + 100)))
        after_ingest = router.peak_mb()
        lines = 0
        with router.api() as api:
            url = api.post("/apps/long/log-sessions", json={"lines": n}).json()["logplex_url"]
            with api.stream("GET", url) as resp:
                for _ in resp.iter_lines():
                    lines += 1
        note = f"({lines} lines streamed{'' if lines == n else ', EXPECTED ' + str(n)})"
        return report("session-100k", router, after_ingest, note)
    finally:
        router.stop()


SCENARIOS = (
    "stalled-tail",
    "stalled-tails-resume",
    "many-stalled-tails",
    "log-lines",
    "session-100k",
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", action="append", choices=SCENARIOS)
    ap.add_argument("--big", type=int, default=1500, help="how many big lines")
    ap.add_argument("--size", type=int, default=500_000, help="bytes per big line")
    ap.add_argument("--session-lines", type=int, default=100_000)
    ap.add_argument("--session-size", type=int, default=10_000)
    a = ap.parse_args()
    results = []
    for name in a.scenario or SCENARIOS:
        with tempfile.TemporaryDirectory(prefix="tuilogs-mem-") as tmp:
            home = Path(tmp)
            if name == "stalled-tail":
                results.append(stalled_tails(home, 1, a.big, a.size, resume=False))
            elif name == "stalled-tails-resume":
                results.append(stalled_tails(home, 4, a.big, a.size, resume=True))
            elif name == "many-stalled-tails":
                results.append(stalled_tails(home, 50, a.big, a.size, resume=True))
            elif name == "log-lines":
                results.append(log_lines(home, a.big, a.size))
            else:
                results.append(session(home, a.session_lines, a.session_size))
    print("PASS" if all(r["ok"] for r in results) else "OVER TARGET")


if __name__ == "__main__":
    main()
