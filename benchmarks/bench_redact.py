"""What redaction costs the router's ingest: `bench_ingest.py`'s throughput run, side by side
without and with `tuilogs serve --redact`.

    python benchmarks/bench_redact.py [--lines 300000] [--rounds 2] [--secret-share 0.1]

Two kinds of traffic, each POSTed to a fresh router per run (own TUILOGS_HOME, own process):
"typical" is genlogs.py's lines as they come (about 2% hold an e-mail address: Heroku's
`app[api]` deploy lines), "heavy" puts a password, a card number, an e-mail or a Bearer
token into `--secret-share` of the lines, so the slow path (lines the rules rewrite, counts
written per batch) is measured too. Runs alternate plain/redacted `--rounds` times, since the
machine is shared; the best run of each is compared. Target: redacted >= 70% of plain. The
redacted routers' stored lines are checked: no secret left, every line there.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_ingest import GENLOGS, generate, start_router, throughput  # noqa: E402

from tuilogs.core.record import LogRecord  # noqa: E402

SECRETS = [
    "login user=bob password=hunter2 ok",
    "charged card 4111 1111 1111 1111 amount=12.50",
    'sent receipt to {"email": "jane.doe+shop@example.co.uk"}',
    "upstream call Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
]
LEAKS = ["hunter2", "4111 1111", "jane.doe", "eyJhbGci"]


def with_secrets(records: list[LogRecord], share: float) -> list[LogRecord]:
    rnd = random.Random(7)
    return [
        LogRecord(r.timestamp, r.source, r.dyno, rnd.choice(SECRETS)) if rnd.random() < share else r
        for r in records
    ]


def run(records: list[LogRecord], workers: int, redact: bool) -> tuple[float, dict]:
    """Lines/s into a fresh router, and its log-stats (after a check that nothing leaked)."""
    with tempfile.TemporaryDirectory(prefix="tuilogs-bench-") as tmp:
        proc, base, token = start_router(Path(tmp), *(["--redact"] if redact else []))
        try:
            rate = throughput(base, token, records, workers)
            api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
            stats = api.get("/apps/bench/log-stats").json()
            if redact:
                for leak in LEAKS:
                    found = api.get("/apps/bench/log-lines", params={"q": leak, "limit": 1})
                    assert not found.json()["lines"], f"{leak!r} was stored"
            api.close()
        finally:
            proc.terminate()
            proc.wait(30)
    assert stats["lines"] == len(records), f"lost lines: {stats['lines']} of {len(records)}"
    return rate, stats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=300_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--secret-share", type=float, default=0.1)
    ap.add_argument("--genlogs", type=Path, default=GENLOGS)
    a = ap.parse_args()
    typical = generate(a.lines, a.genlogs)
    traffic = {"typical": typical, "heavy": with_secrets(typical, a.secret_share)}
    summary = []
    for name, records in traffic.items():
        best = {False: 0.0, True: 0.0}
        counts: dict = {}
        for _ in range(a.rounds):
            for redact in (False, True):
                print(f"{name}, {'redacted' if redact else 'plain'}:")
                rate, stats = run(records, a.workers, redact)
                best[redact] = max(best[redact], rate)
                counts = stats["redacted"] if redact else counts
        share = best[True] / best[False]
        summary.append((name, best[False], best[True], share, counts))
    print()
    print(f"{'traffic':8} {'plain':>14} {'--redact':>14} {'share':>7}  redacted (log-stats)")
    for name, plain, redacted, share, counts in summary:
        print(f"{name:8} {plain:>10,.0f} l/s {redacted:>10,.0f} l/s {share:>6.0%}  {counts}")
    print("PASS" if all(s[3] >= 0.7 for s in summary) else "BELOW TARGET (70%)")


if __name__ == "__main__":
    main()
