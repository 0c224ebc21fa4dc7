"""`tuilogs A.log B.log.gz`, `tuilogs logs/`, `tuilogs app1 app2`: several logs in one view.

Each file or app is a stream of a merged view (`tuilogs.core.ingest.merge`): one view ordered
by time, explored or printed exactly as one file would be (`-n` prints the last lines of the
merge). Files are followed as they grow (compressed ones read once), apps tailed live; a
directory stands for its log files, and what it holds that is not one is named, with why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tuilogs.core.apps import is_app_name

from .command import quiet_on_closed_pipe


def run_several(args: argparse.Namespace, targets: list[str], query, printing: bool) -> int:
    """Merge what `targets` (and `-a APP`) name; the exit status."""
    from tuilogs.core.ingest.targets import Skipped

    sources: list[tuple[str, Path | str]] = []
    skipped: list[Skipped] = []
    problem = _resolve(args, targets, sources, skipped)
    if problem:
        print(f"tuilogs: {problem}", file=sys.stderr)
        return 2
    notes = [str(s) for s in skipped]
    if len(sources) == 1 and sources[0][0] == "file":  # a directory of one log file
        return _one_file(Path(sources[0][1]), args, query, printing, notes)
    apps = [str(name) for kind, name in sources if kind == "app"]
    if not apps:
        return _merged(sources, args, query, printing, notes)
    from tuilogs.cli.explore import _connect
    from tuilogs.platform.errors import PlatformError

    try:
        backend, client, router = _connect(apps[0], args.api)
    except (PlatformError, OSError, RuntimeError) as exc:
        print(f"tuilogs: {exc}", file=sys.stderr)
        return 1
    try:
        return _merged(sources, args, query, printing, notes, backend=backend, client=client)
    finally:
        client.close()
        if router is not None:
            router.stop()


def _resolve(args, targets: list[str], sources: list, skipped: list) -> str:
    """Fill `sources` with ("file", path) and ("app", name) in the order given, and
    `skipped` with what directories hold that is not a log file; a problem, or ""."""
    from tuilogs.core.ingest.targets import log_files

    if "-" in targets:
        return "standard input is read alone: give `-` without other files or apps"
    if args.app is not None:
        sources.append(("app", args.app))
    seen: set[Path] = set()
    for target in targets:
        path = Path(target)
        if target == "sample":
            from tuilogs.cli.explore import sample_file

            path = sample_file()
        if path.is_dir():
            found, left = log_files(path)
            skipped += left
            if not found:
                why = "; ".join(s.why for s in left[:3])
                return f"{target}: no log files in it" + (f" ({why})" if why else "")
        elif path.exists():
            found = [path]
        elif is_app_name(target):
            sources.append(("app", target))
            continue
        else:
            return f"no such file, and not an app name: {target}"
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                sources.append(("file", file))
    return ""


def _one_file(path: Path, args, query, printing: bool, notes: list[str]) -> int:
    from tuilogs.cli.explore import _explore_file, _print_file

    if printing:
        for note in notes:
            print(f"tuilogs: {note}", file=sys.stderr)
        return quiet_on_closed_pipe(lambda: _print_file(str(path), args, query))
    return _explore_file(str(path), args, query, notes)


def _merged(sources, args, query, printing: bool, notes, *, backend=None, client=None) -> int:
    from tuilogs.core.ingest.merge import Merger

    specs = _specs(sources, args, printing, backend, client)
    names = [spec.name for spec in specs]
    if printing:
        from tuilogs.cli.explore import _print_options
        from tuilogs.cli.print_mode import print_from
        from tuilogs.core.buffer import LogBuffer
        from tuilogs.core.ingest.feed import Feed

        buffer, feed = LogBuffer(timed=True), Feed()
        feed.painted.set()  # no screen to paint first: read the heads at once
        merger = Merger(feed, buffer.origins, specs, notes=notes).start()
        options = _print_options(args, query)
        code = quiet_on_closed_pipe(
            lambda: print_from(feed, buffer, [merger], merger.loaded.is_set, options)
        )
        # The others were printed; a log that could not be read still fails the command
        # (said on stderr, as a notice), as `cat` does for a missing file among several.
        failed = any(s.feed.status.failed for s in merger.streams)
        return code or (1 if failed else 0)
    from tuilogs.cli.explore import _options, run_explorer
    from tuilogs.core.safety import escape_controls

    def start(feed, buffer):
        return [Merger(feed, buffer.origins, specs, notes=notes).start()]

    title = " + ".join(map(escape_controls, names)) if len(names) <= 3 else f"{len(names)} logs"
    kinds = {kind for kind, _ in sources}
    what = "files" if kinds == {"file"} else "apps" if kinds == {"app"} else "logs"
    kind = f"{len(names)} {what} merged by time"
    if backend is not None:
        kind += f" · {'Heroku' if backend.kind == 'heroku' else 'local router'} {backend.base_url}"
    reason = backend.reason if backend is not None else ""
    return run_explorer(start, title, kind, _options(args, query, reason), timed=True)


def _specs(sources, args, printing: bool, backend, client) -> list:
    from tuilogs.core.ingest.targets import file_specs

    files = [Path(x) for kind, x in sources if kind == "file"]
    follow = args.tail if printing else not args.no_follow
    by_file = iter(file_specs(files, follow=follow, poll=0.1 if printing else 0.2))
    return [
        next(by_file) if kind == "file" else _app_spec(client, str(x), args, printing, backend)
        for kind, x in sources
    ]


def _app_spec(client, name: str, args, printing: bool, backend):
    from tuilogs.cli.explore import _first_screen, _server_filters
    from tuilogs.core.ingest.merge import FIRST_WAIT, StreamSpec
    from tuilogs.platform.live import open_app

    # Printed: each app's last `-n` lines (with `-n 0`, all Heroku keeps).
    lines = (args.num if args.num > 0 else 1500) if printing else _first_screen(backend, args.num)
    filters = _server_filters(args)

    def start(feed, origins):
        return open_app(
            client,
            name,
            feed,
            origins,
            lines=lines,
            history=not printing,
            follow=args.tail or not printing,
            **filters,
        )

    return StreamSpec(name, start, ready=_app_ready, patience=FIRST_WAIT)


def _app_ready(stream) -> bool:
    """An app's first screen is in once its tail wrote it (or gave up)."""
    tail = stream.producers[0] if stream.producers else None
    return tail is None or tail.anchored.is_set() or stream.feed.status.final
