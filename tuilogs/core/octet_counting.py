"""Octet counting (RFC 6587): drain bodies and syslog streams cut into messages.

Logplex HTTPS drain bodies are octet-counted RFC 5424 frames (``LEN <PRI>1 …``), the count
usually including a trailing LF (Logplex's own L10 frames have none); syslog TCP streams mix
octet counting and newline framing per message. What is not a frame is kept as lines and
reported precisely. Each message is then parsed by `tuilogs.core.frames.parse_message`.

Bodies: stray LFs, CRs and blank lines between frames are separators, not errors (senders that
count without the LF they then send). Anything else that is not a frame is kept as lines and
reported precisely: no octet count, a count larger than what follows, a frame that does not
start with ``<PRI>``, bytes after a frame that start no frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tuilogs.core.frames import Frame, parse_message

__all__ = ["MAX_FRAME", "OctetStreamParser", "ParseResult", "parse_logplex_body"]

MAX_FRAME = 64 * 1024
"""Largest octet count accepted from a stream; Logplex frames are at most ~10 KB."""
_MAX_ERRORS = 50
# Start of an octet-counted frame: `LEN <`. Used at frame boundaries and to resynchronise.
_FRAME_START = re.compile(rb"([1-9][0-9]{0,6}) <[0-9]{1,3}>")
# A count at the current position, even if what it counts does not look like syslog.
_COUNT = re.compile(rb"([1-9][0-9]{0,6}) ")


@dataclass
class ParseResult:
    """Frames of a body in order, and what was wrong with it (each error names a byte offset).

    ``warnings`` lists tolerated irregularities (counts off by one) that lost nothing.
    """

    frames: list[Frame]
    errors: list[str]
    warnings: list[str] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class _Errors:
    """Collects at most _MAX_ERRORS messages, then counts the rest."""

    __slots__ = ("items", "more")

    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0

    def add(self, msg: str) -> None:
        if len(self.items) < _MAX_ERRORS:
            self.items.append(msg)
        else:
            self.more += 1

    def result(self) -> list[str]:
        if self.more:
            return [*self.items, f"... and {self.more} more errors"]
        return self.items


def _after_blanks(body: bytes, pos: int) -> int:
    """The first position from `pos` that is not a separator (LF, CR, space, tab)."""
    n = len(body)
    while pos < n and body[pos] in b"\r\n \t":
        pos += 1
    return pos


def _chain_ok(body: bytes, pos: int) -> bool:
    """True when a frame starting at `pos` (after separators), or the end of the body, is
    plausible there: the frame it starts is followed by another frame or by the end."""
    n = len(body)
    pos = _after_blanks(body, pos)
    if pos == n:
        return True
    m = _FRAME_START.match(body, pos)
    if m is None:
        return False
    nxt = m.end(1) + 1 + int(m[1])
    if n - 1 <= nxt <= n + 1:
        return True
    if nxt > n:
        return False
    if _FRAME_START.match(body, nxt) is not None or _FRAME_START.match(body, nxt + 1) is not None:
        return True
    after = _after_blanks(body, nxt)
    return after == n or _FRAME_START.match(body, after) is not None


def parse_logplex_body(body: bytes) -> ParseResult:
    """Parse an ``application/logplex-1`` body by octet count; never raises.

    Frames are read by count. At each boundary the next frame must start (``LEN <``) or the
    body must end; if it does not, a boundary one byte later or earlier is tried (counts that
    exclude the LF, or count one byte too many) and noted in ``warnings``. Bytes that are not
    octet-counted frames become frames parsed line by line (raw lines if not syslog), with an
    error naming their offset: well-formed frames of a partly bad body are always kept.
    """
    frames: list[Frame] = []
    errors = _Errors()
    warnings: list[str] = []
    try:
        _parse_body(body, frames, errors, warnings)
    except Exception as exc:  # pragma: no cover - defensive: a parser bug must not be a 500
        errors.add(f"internal parser error ({type(exc).__name__}: {exc})")
    return ParseResult(frames, errors.result(), warnings)


def _parse_body(body: bytes, frames: list[Frame], errors: _Errors, warnings: list[str]) -> None:
    # One loop on the ingest path (~400k frames/s): the boundary cases stay inline because a
    # helper call per frame costs more than they do; the rare repairs are helpers below.
    n = len(body)
    pos = 0
    append = frames.append
    count_match = _COUNT.match
    start_match = _FRAME_START.match
    while pos < n:
        m = count_match(body, pos)
        if m is None:
            if body[pos] in b"\r\n \t":  # stray separators between frames are harmless
                pos += 1
                continue
            why = f"expected an octet count, got {body[pos : pos + 20]!r}"
            pos = _take_uncounted(body, pos, frames, errors, why)
            continue
        count = int(m[1])
        start = m.end()
        end = start + count
        if body[start : start + 1] != b"<":
            pos = _take_unframed(body, pos, start, end, frames, errors)
            continue
        if end == n + 1:
            warnings.append(f"offset {pos}: octet count {count} one too many at the end")
            end = n
        elif end > n:
            # Count too large: stop at the next frame start inside, if any, else at the end.
            nxt = _FRAME_START.search(body, start + 1)
            stop = nxt.start() if nxt is not None else n
            errors.add(
                f"offset {pos}: octet count {count} but only {n - start} bytes follow;"
                f" took {stop - start}"
            )
            append(parse_message(_decode(body[start:stop])))
            pos = stop
            continue
        if end == n:
            ok = True
        elif body[end - 1] == 10:  # the usual frame: ends in LF, next count follows
            ok = start_match(body, end) is not None or _chain_ok(body, end)
        else:  # no LF (injected L10, or a count without the LF sent after it): look ahead
            ok = _chain_ok(body, end)
        if not ok:
            if body[end - 1] != 10 and _chain_ok(body, end + 1):
                warnings.append(f"offset {pos}: octet count {count} one short")
                end += 1
            elif _chain_ok(body, end - 1):
                warnings.append(f"offset {pos}: octet count {count} one too many")
                end -= 1
            else:
                append(parse_message(_decode(body[start:end])))
                end = _after_blanks(body, end)
                nxt = _FRAME_START.search(body, end)
                stop = nxt.start() if nxt is not None else n
                errors.add(
                    f"offset {end}: {stop - end} bytes after a frame start no frame:"
                    f" {body[end : end + 20]!r}"
                )
                _take_lines(body, end, stop, frames)
                pos = stop
                continue
        append(parse_message(body[start:end].decode("utf-8", "replace")))
        pos = end


def _take_unframed(
    body: bytes, pos: int, start: int, end: int, frames: list[Frame], errors: _Errors
) -> int:
    """`LEN ` followed by something that is not `<PRI>`: one frame if the count fits and
    frames follow it, else lines; either way the error says which. Returns where to go on."""
    n = len(body)
    count = end - start
    if end <= n and _chain_ok(body, end):
        errors.add(f"offset {pos}: frame does not start with <PRI>: {body[start : start + 20]!r}")
        frames.append(parse_message(_decode(body[start:end])))
        return end
    if end > n:
        why = f"octet count {count} but only {n - start} bytes follow"
    else:
        why = f"frame does not start with <PRI>: {body[start : start + 20]!r}"
    return _take_uncounted(body, pos, frames, errors, why)


def _take_uncounted(body: bytes, pos: int, frames: list[Frame], errors: _Errors, why: str) -> int:
    """Lines from `pos` up to the next octet-counted frame start; returns where that is."""
    nxt = _FRAME_START.search(body, pos + 1)
    stop = nxt.start() if nxt is not None else len(body)
    errors.add(f"offset {pos}: {why}; read {stop - pos} bytes as lines")
    _take_lines(body, pos, stop, frames)
    return stop


def _take_lines(body: bytes, pos: int, stop: int, frames: list[Frame]) -> None:
    """Uncounted bytes as LF-delimited lines (as a syslog stream frames them): a CR, NEL or
    U+2028 inside a line is part of it, not a line of its own."""
    for line in _decode(body[pos:stop]).split("\n"):
        if line.strip():
            frames.append(parse_message(line[:-1] if line.endswith("\r") else line))


class OctetStreamParser:
    """Incremental parser for a TCP syslog stream, octet-counted and/or newline-delimited.

    Each message decides its own framing: ``DIGITS SP <`` means octet counting (RFC 6587
    3.4.1), anything else runs to the next LF (non-transparent framing, ``logger --tcp``
    without ``--octet-count``, simple senders). Partial data waits for the next ``feed``.
    The buffer is bounded: a count above ``max_frame`` is skipped with an error, and a line
    longer than ``max_frame`` is cut there (the rest becomes the next line).
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.errors: list[str] = []
        self._buf = b""
        self._skip = 0  # bytes still to discard of an oversized counted frame
        self._offset = 0  # stream offset of _buf[0], for error messages

    def take_errors(self) -> list[str]:
        """Errors since the last call (oversized frames, cut lines, truncation at EOF)."""
        errors, self.errors = self.errors, []
        return errors

    def feed(self, data: bytes) -> list[Frame]:
        """Frames completed by `data`."""
        if self._skip:
            k = min(self._skip, len(data))
            self._skip -= k
            self._offset += k
            data = data[k:]
        buf = self._buf + data if self._buf else data
        frames: list[Frame] = []
        pos = 0
        n = len(buf)
        while pos < n:
            c = buf[pos]
            if c in (10, 13, 32, 0):  # separators between messages
                pos += 1
                continue
            if 49 <= c <= 57:
                # A count not complete yet waits below, as a line without its LF does.
                sp = buf.find(b" ", pos, pos + 9)
                if sp != -1 and buf[pos:sp].isdigit():
                    if sp + 1 >= n:
                        break  # need the byte after the space to decide
                    if buf[sp + 1] == 60:  # `<`: octet counted
                        length = int(buf[pos:sp])
                        if length > self.max_frame:
                            self.errors.append(
                                f"offset {self._offset + pos}: frame of {length} bytes"
                                f" exceeds {self.max_frame}; skipped"
                            )
                            end = sp + 1 + length
                            if end > n:
                                self._skip = end - n
                                pos = n
                                break
                            pos = end
                            continue
                        end = sp + 1 + length
                        if end > n:
                            break
                        frames.append(parse_message(_decode(buf[sp + 1 : end])))
                        pos = end
                        continue
            nl = buf.find(b"\n", pos)
            if nl == -1:
                if n - pos > self.max_frame:
                    cut = pos + self.max_frame
                    self.errors.append(
                        f"offset {self._offset + pos}: line longer than {self.max_frame} bytes; cut"
                    )
                    frames.append(parse_message(_decode(buf[pos:cut])))
                    pos = cut
                    continue
                break
            frames.append(parse_message(_decode(buf[pos:nl])))
            pos = nl + 1
        self._buf = buf[pos:]
        self._offset += pos
        return frames

    def flush(self) -> list[Frame]:
        """At end of stream: whatever is left, as one message (a cut frame is noted)."""
        rest, self._buf = self._buf, b""
        if not rest.strip():
            return []
        m = _COUNT.match(rest)
        if m is not None and rest[m.end() : m.end() + 1] == b"<":
            self.errors.append(
                f"offset {self._offset}: stream ended inside a frame of {int(m[1])} bytes"
            )
            rest = rest[m.end() :]
        return [parse_message(_decode(rest))]
