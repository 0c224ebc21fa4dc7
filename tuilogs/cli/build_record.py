"""`tuilogs build APP -- COMMAND [ARGS...]`: run a build (CI's, or a local one) and record it on
the router, as Heroku records a buildpack's, so the team sees it in the builds panel.

Why a wrapper and not `COMMAND | tuilogs ingest APP --build`: a build's status is its command's
exit status, and the reader of a pipe never learns that (the shell keeps it; even with
`pipefail` it is known only after the reader has ended). Running the command ourselves gives
the status, who ran it and when it started and ended, and the exit status to pass on, so
`tuilogs build APP -- make` can stand in for `make` in a CI step.

The command's stdout and stderr are merged (as a buildpack's output is) and copied to our
stdout as they come, byte for byte, so the CI log is unchanged; its lines go to the router in
batches (at most every 100 ms), and while it is quiet a heartbeat every 20 s tells the router it
still runs (a recorder killed without a word is marked failed after two minutes). The router
not answering never fails the build: tuilogs says so once on stderr and lets the command run on.
The router is `--api URL`, else the running one (`router.json`), else one started for the build.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import getpass
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import BinaryIO

MAX_LINE = 10_000  # characters; longer lines are cut, as Heroku cuts long messages
BATCH_LINES, BATCH_CHARS = 500, 256 * 1024  # the router takes up to 1 MiB a POST
FLUSH_SECONDS = 0.1
HEARTBEAT_SECONDS = 20.0
VERSION_ENV = ("SOURCE_VERSION", "GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT")
USAGE = "tuilogs build [--api URL] [--user WHO] [--source-version V] APP -- COMMAND [ARGS...]"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = USAGE
    p.description = (
        "Run COMMAND and record its output as a build of APP on the tuilogs router: its "
        "status is the command's exit status, which tuilogs exits with. Options go before APP."
    )
    p.add_argument("app")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    p.add_argument("--api", help="the router (default: the running one, else one started)")
    p.add_argument("--user", help="who runs the build (default: USER@HOST)")
    p.add_argument(
        "--source-version",
        help="the version built (default: $SOURCE_VERSION, $GITHUB_SHA or $CI_COMMIT_SHA)",
    )
    p.set_defaults(run=run)


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def run(args: argparse.Namespace) -> int:
    from tuilogs.core.apps import is_app_name

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command or command[0].startswith("-"):
        what = "options go before APP" if command else "give the command after --"
        print(f"tuilogs build: {what}\nusage: {USAGE}", file=sys.stderr)
        return 2
    if not is_app_name(args.app):
        print(f"tuilogs build: not an app name: {args.app}", file=sys.stderr)
        return 2
    version = args.source_version or next(filter(None, map(os.environ.get, VERSION_ENV)), None)
    recorder = _start_recording(args.api, args.app, args.user or who(), version, command)
    try:
        return BuildRun(recorder, command).run()
    finally:
        if recorder is not None:
            recorder.close()


def _start_recording(api, app, user, version, command) -> Recorder | None:
    """A recorder of a new build, or None (said on stderr) when no router takes it."""
    from tuilogs.platform.builds import record_build
    from tuilogs.platform.errors import PlatformError

    try:
        client, router = _router(api)
    except Exception as exc:  # no router to be had: run the build all the same
        print(f"tuilogs build: not recorded: {exc}", file=sys.stderr)
        return None
    description = " ".join(command)[:1000]
    try:
        build = record_build(
            client, app, user=user, source_version=version, description=description
        )
    except PlatformError as exc:
        print(f"tuilogs build: not recorded: {exc.message}", file=sys.stderr)
        client.close()
        if router is not None:
            router.stop()
        return None
    return Recorder(client, app, build.id, router)


def _router(api: str | None):
    """(client, embedded router or None): `--api`, else the running router, else a new one."""
    from tuilogs.core import locations
    from tuilogs.platform.client import PlatformClient, is_heroku_host
    from tuilogs.platform.credentials import normalize_url, resolve_backend

    if api:
        backend = resolve_backend(None, normalize_url(api))
        if is_heroku_host(backend.base_url or ""):
            raise ValueError("Heroku records its own builds: give a tuilogs router to --api")
        return backend.client(timeout=30), None
    info = locations.discover()
    if info is not None:
        return PlatformClient(info["base_url"], locations.read_token(), kind="local"), None
    from tuilogs.server.run import DEFAULT_PORT, StartupError, start_in_thread

    try:
        router = start_in_thread(port=DEFAULT_PORT, write_discovery_file=True)
    except (OSError, StartupError):
        router = start_in_thread(port=0, write_discovery_file=True)
    return PlatformClient(router.base_url, router.token, kind="local"), router


class Recorder:
    """Sends one build's lines and its end to the router; after a failure it stops trying and
    says so once (the build itself goes on)."""

    def __init__(self, client, app: str, build_id: str, router=None) -> None:
        self.client, self.app, self.build_id, self.router = client, app, build_id, router
        self.broken = False
        self.sent_at = time.monotonic()

    def _call(self, fn, *args) -> None:
        from tuilogs.platform.errors import PlatformError

        if self.broken:
            return
        delay = 0.2
        for attempt in range(4):
            try:
                fn(self.client, self.app, self.build_id, *args)
                self.sent_at = time.monotonic()
                return
            except PlatformError as exc:
                if exc.final or attempt == 3:
                    self.broken = True
                    print(f"tuilogs build: the router stopped taking the build: {exc.message}",
                          file=sys.stderr)  # fmt: skip
                    return
                time.sleep(delay)
                delay *= 2

    def send(self, lines: list[str]) -> None:
        from tuilogs.platform.builds import send_output

        self._call(send_output, lines)

    def finish(self, exit_code: int) -> None:
        from tuilogs.platform.builds import finish_build

        status = "succeeded" if exit_code == 0 else "failed"
        self._call(finish_build, status, exit_code)

    def close(self) -> None:
        self.client.close()
        if self.router is not None:
            self.router.stop()


def split_lines(stream: BinaryIO, tee: BinaryIO | None, lines: queue.Queue) -> None:
    """Copy `stream` to `tee` as it comes, and put its lines (text, at most MAX_LINE long) on
    `lines`; None at its end."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    rest = ""
    try:
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if tee is not None and chunk:
                tee.write(chunk)
                tee.flush()
            text = rest + decoder.decode(chunk, final=not chunk)
            *done, rest = text.split("\n")
            if not chunk and rest:
                done.append(rest)
            for line in done:
                line = line[:-1] if line.endswith("\r") else line
                for start in range(0, max(len(line), 1), MAX_LINE):
                    lines.put(line[start : start + MAX_LINE])
            while len(rest) > MAX_LINE:
                lines.put(rest[:MAX_LINE])
                rest = rest[MAX_LINE:]
            if not chunk:
                return
    finally:
        lines.put(None)


class BuildRun:
    """One run of the command: its output teed and recorded, its exit status recorded and
    returned (128 + N for a command ended by signal N, as a shell says it)."""

    def __init__(self, recorder: Recorder | None, command: list[str], out: BinaryIO | None = None):
        self.recorder = recorder
        self.command = command
        self.out = out if out is not None else sys.stdout.buffer

    def run(self) -> int:
        try:
            proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as exc:
            print(f"tuilogs build: cannot run {self.command[0]}: {exc.strerror}", file=sys.stderr)
            code = 127 if isinstance(exc, FileNotFoundError) else 126
            self._record([f"tuilogs: cannot run {self.command[0]}: {exc.strerror}"], code)
            return code
        previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            lines: queue.Queue[str | None] = queue.Queue(maxsize=10_000)
            assert proc.stdout is not None
            reader = threading.Thread(
                target=split_lines, args=(proc.stdout, self.out, lines), daemon=True
            )
            reader.start()
            with contextlib.suppress(KeyboardInterrupt):  # the command got it too: it ends
                self._pump(lines)
            code = proc.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
        code = 128 - code if code < 0 else code
        if self.recorder is not None:
            self.recorder.finish(code)
        return code

    def _record(self, lines: list[str], code: int) -> None:
        if self.recorder is not None:
            self.recorder.send(lines)
            self.recorder.finish(code)

    def _pump(self, lines: queue.Queue) -> None:
        """Batches of lines to the recorder until the output ends: sent when large or 100 ms
        old, and a heartbeat when nothing was sent for a while."""
        batch: list[str] = []
        size, deadline = 0, None
        while True:
            wait = HEARTBEAT_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                line = lines.get(timeout=wait)
            except queue.Empty:
                aged = True
            else:
                if line is None:
                    break
                aged = False
                batch.append(line)
                size += len(line) + 1
                deadline = deadline or time.monotonic() + FLUSH_SECONDS
            if self.recorder is None:
                batch = []
                continue
            if batch and (aged or len(batch) >= BATCH_LINES or size >= BATCH_CHARS):
                self.recorder.send(batch)
                batch, size, deadline = [], 0, None
            elif time.monotonic() - self.recorder.sent_at > HEARTBEAT_SECONDS:
                self.recorder.send([])
        if batch and self.recorder is not None:
            self.recorder.send(batch)
