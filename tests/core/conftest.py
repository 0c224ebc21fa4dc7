"""Fixtures the core's tests share."""

from __future__ import annotations

import pytest

from kit.files import load

TS = "2026-11-23T19:04:05.000001+00:00"


@pytest.fixture
def buffer_of(tmp_path):
    """A buffer loaded from lines `TS HEADER: MESSAGE`, one per message (headers
    `app[web.1]` unless given), as the explorer loads a file."""
    producers = []

    def make(messages: list[str], headers: list[str] | None = None):
        heads = headers or ["app[web.1]"] * len(messages)
        path = tmp_path / f"lines{len(producers)}.log"
        text = "".join(f"{TS} {h}: {m}\n" for h, m in zip(heads, messages, strict=True))
        path.write_text(text, encoding="utf-8")
        buffer, _feed, producer = load(path, tail_bytes=1 << 23)
        producers.append(producer)
        assert len(buffer) == len(messages)
        return buffer

    yield make
    for producer in producers:
        producer.stop()
