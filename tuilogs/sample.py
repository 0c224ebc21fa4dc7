"""A realistic sample log for first runs and demos, made by the router's app simulator."""

from __future__ import annotations

from pathlib import Path

SAMPLE_LINES = 20_000


def write_sample(path: Path, lines: int = SAMPLE_LINES, seed: int = 7) -> None:
    from tuilogs.server.demo import generate

    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for rec in generate(lines, seed):
            out.write(rec.line() + "\n")
    tmp.replace(path)
