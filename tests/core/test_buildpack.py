"""The buildpack colour rules: what each kind of build-output line is, where a failed build's
cause is, and what a terminal would have shown of a line with colours or a progress bar."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.buildpack import (
    BUILD_STYLES,
    classify,
    clean_line,
    first_error,
    highlight_build,
)

# A failed classic build as `git push heroku main` prints it.
PUSH = """\
remote: Building source:
remote:
remote: -----> Building on the Heroku-24 stack
remote: -----> Determining which buildpack to use for this app
remote: -----> Python app detected
remote:  !     Warning: Your app's Python version is not pinned.
remote: -----> Installing requirements with pip
remote:        Collecting flask==9.9.9
remote:        ERROR: Could not find a version that satisfies the requirement flask==9.9.9
remote:        ERROR: No matching distribution found for flask==9.9.9
remote:  !     Push rejected, failed to compile Python app.
remote:
remote:  !     Push failed
remote: Verifying deploy...""".splitlines()


@pytest.mark.parametrize(
    ("line", "style"),
    [
        ("-----> Installing python-3.12.7", "build.step"),
        ("=====> Downloading Buildpack: heroku/nodejs", "build.step"),
        ("## Heroku Python Buildpack", "build.step"),
        ("remote: -----> Python app detected", "build.step"),
        (" !     Warning: Your app's Python version is not pinned.", "build.warning"),
        ("npm WARN deprecated request@2.88.2", "build.warning"),
        ("WARNING: Running pip as the 'root' user", "build.warning"),
        (" !", "build.warning"),
        ("       ERROR: No matching distribution found for flask", "build.error"),
        ("npm ERR! code ERESOLVE", "build.error"),
        ('error: could not compile `app` (bin "app") due to 2 previous errors', "build.error"),
        (" !     Push rejected, failed to compile Python app.", "build.error"),
        ("remote:  !     Push failed", "build.error"),
        ("make: *** [Makefile:4: all] Error 2", "build.failed"),
        ("make[1]: *** [build] Error 1", "build.failed"),
        ('Command "python setup.py egg_info" failed with error code 1', "build.failed"),
        ("subprocess.CalledProcessError: returned non-zero exit status 2", "build.failed"),
        ("npm error process exited with code 1", "build.failed"),
        ("Build succeeded!", "build.success"),
        ("remote: Verifying deploy... done.", "build.success"),
        ("remote: https://myapp.herokuapp.com/ deployed to Heroku", "build.success"),
        ("       Collecting flask==3.0.0", None),
        ("       0 errors found; process exited with code 0", None),
        ("remote:", None),
        ("", None),
    ],
)
def test_each_kind_of_line(line, style):
    assert classify(line) == style


def test_spans_mark_the_prefix_and_the_text_not_its_margins():
    line = "remote:  !     Push failed   "
    assert highlight_build(line) == [(0, 7, "build.remote"), (9, 26, "build.error")]
    assert highlight_build("       Collecting flask") == []


def test_a_failed_build_opens_at_its_cause_not_at_the_rejection():
    at = first_error(PUSH)
    assert at is not None and "Could not find a version" in PUSH[at]
    without = [line for line in PUSH if "ERROR" not in line]
    assert without[first_error(without)].endswith("Push rejected, failed to compile Python app.")
    assert first_error(["-----> ok", "Build succeeded!"]) is None


def test_what_a_terminal_would_have_shown():
    assert clean_line("\x1b[1;35m## Heroku Python Buildpack\x1b[0m") == "## Heroku Python Buildpack"
    assert clean_line("Downloading  10%\rDownloading 100%\r") == "Downloading 100%"
    assert clean_line("\x1b]0;title\x07text") == "\x1b]0;title\x07text"  # shown escaped later
    assert clean_line("\r") == ""


@given(st.text(max_size=200))
def test_spans_are_sorted_disjoint_within_the_line_and_named(line):
    spans = highlight_build(line)
    end = 0
    for start, stop, style in spans:
        assert end <= start < stop <= len(line)
        assert style in BUILD_STYLES
        end = stop
