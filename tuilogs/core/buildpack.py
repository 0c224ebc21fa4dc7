"""Colour rules for build output, as data: what a buildpack's lines say, and where it failed.

Heroku's build log is plain text written by buildpacks (and by `git push heroku`, which puts
`remote: ` in front of every line). A reader looks for four things, and these rules find them:

- the steps: `-----> Installing python-3.12.7` (classic buildpacks; `=====>` too) and Cloud
  Native Buildpacks' `## Heroku Python Buildpack` headings — style `build.step`;
- warnings: ` !     Warning: ...`, `WARNING:`, `npm WARN` — `build.warning`;
- errors: `ERROR:`, `error:`, `npm ERR!`, ` !     Push rejected, failed to compile ...` —
  `build.error`; and the command that failed (`make: *** [all] Error 2`, `exited with code 1`,
  `returned non-zero exit status 1`, `Command "…" failed with error code 1`) — `build.failed`;
- success: `Build succeeded!`, `Verifying deploy... done.`, `... deployed to Heroku`,
  `Launching... done, v42` — `build.success`.

The `remote: ` prefix itself is `build.remote` (dim), and classification looks past it. Like
`colorize`, this module returns spans `(start, end, style)` over the line and never touches a
terminal; the UI maps the style names to theme colours, print mode to SGR codes.

` !` lines are Heroku's way of saying "read this": they are warnings unless their text says
error or rejection. A buildpack's own colours (SGR escapes, common in CNB output) and a progress
bar's carriage returns are resolved first (`clean_line`), so what is shown and classified is what
a terminal would have shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tuilogs.core.colorize import Span

__all__ = ["BUILD_STYLES", "classify", "clean_line", "first_error", "highlight_build"]

BUILD_STYLES: frozenset[str] = frozenset(
    {"build.remote", "build.step", "build.warning", "build.error", "build.failed", "build.success"}
)

# What a line is, by the first rule that matches the text after `remote: ` (order matters:
# ` !     Push rejected` is an error before it is a ` !` warning). Each rule colours the span
# its pattern's group 1 covers (the whole line when the pattern has no group).
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("build.step", re.compile(r"(?:-{5}|={5})>.*|#{2,3} \S.*")),
    (
        "build.failed",
        re.compile(
            r".*(?:make(?:\[\d+\])?: \*\*\*"
            r"|\bexit(?:ed)? with (?:status|code) [1-9]\d*"
            r"|returned non-zero exit status"
            r"|\bfailed with (?:exit status|exit code|error code) [1-9]\d*"
            r"|\bCommand (?:\"[^\"]*\"|'[^']*'|`[^`]*`) failed).*"
        ),
    ),
    (
        "build.error",
        re.compile(
            r".*(?:\bERROR\b|\bERR!|\b[Ee]rror:|\bFATAL\b|Push rejected|Push failed"
            r"|failed to compile|Build failed|\bfatal:).*"
        ),
    ),
    ("build.warning", re.compile(r".*(?:\bWARNING\b|\bWARN\b|\b[Ww]arning:|\bDEPRECATED?\b).*")),
    ("build.warning", re.compile(r"\s*!(?:\s.*)?$")),
    (
        "build.success",
        re.compile(
            r".*(?:Build succeeded|Verifying deploy\.\.\. done|deployed to Heroku"
            r"|Launching\.\.\. done).*"
        ),
    ),
)
ERRORS = frozenset({"build.error", "build.failed"})

_REMOTE = "remote: "
# SGR (colour) sequences a buildpack may write; other escapes stay, to be shown escaped.
_SGR_RE = re.compile(r"\x1b\[[0-9;:]*m")


def clean_line(line: str) -> str:
    """A line of build output as a terminal would show it: colour codes (SGR) removed, and of
    text rewritten with carriage returns (a progress bar) the last non-empty version kept."""
    if "\x1b" in line:
        line = _SGR_RE.sub("", line)
    if "\r" in line:
        parts = [p for p in line.split("\r") if p]
        line = parts[-1] if parts else ""
    return line


def _body(line: str) -> int:
    """Where the text after a `remote: ` prefix (git push output) starts."""
    return len(_REMOTE) if line.startswith(_REMOTE) else 0


def classify(line: str) -> str | None:
    """The style of a line's text (`build.step`, `build.error`, ...), or None for plain output."""
    text = line[_body(line) :]
    if not text.strip():
        return None
    for style, pattern in RULES:
        if pattern.match(text):
            return style
    return None


def highlight_build(line: str) -> list[Span]:
    """Spans over `line`: the `remote: ` prefix, then its text in the style of its kind.

    Sorted, non-overlapping, never raises (colour is decoration)."""
    try:
        body = _body(line)
        spans: list[Span] = [(0, body - 1, "build.remote")] if body else []
        style = classify(line)
        text = line[body:]
        if style is not None:
            start = body + len(text) - len(text.lstrip())
            end = body + len(text.rstrip())
            if end > start:
                spans.append((start, end, style))
        return spans
    except Exception:
        return []


def first_error(lines: Iterable[str]) -> int | None:
    """The index of the first error or failed command among `lines` (None: none), where a
    reader of a failed build starts: the cause, not the `Push rejected` at the end."""
    for i, line in enumerate(lines):
        if classify(line) in ERRORS:
            return i
    return None
