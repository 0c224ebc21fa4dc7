"""What a source filter can name, and what to say when it names nothing that is there.

Heroku's lines have two sources, `app` and `heroku`; `-s` matches them exactly. `-s router` (a
dyno: `heroku[router]`) matched nothing and printed nothing, without a word; the command line
and the explorer now say which sources there are, and that dynos are `-d`.
"""

from __future__ import annotations

from collections.abc import Iterable

from tuilogs.core.buffer import Origin

HEROKU_SOURCES = ("app", "heroku")


def unknown_sources_note(asked: Iterable[str], origins: Iterable[Origin]) -> str | None:
    """A sentence for the source names in `asked` that are neither Heroku's nor among the
    origins seen (a file may hold other sources); None when every name is known."""
    seen = {o.source for o in origins if o.source}
    known = sorted(set(HEROKU_SOURCES) | seen)
    unknown = [name for name in dict.fromkeys(asked) if name not in known]
    if not unknown:
        return None
    names = ", ".join(repr(name) for name in unknown)
    listed = " and ".join([", ".join(known[:-1]), known[-1]] if len(known) > 1 else known)
    noun = "no source" if len(unknown) == 1 else "no sources"
    return (
        f"{noun} {names}: the sources are {listed} (matched exactly); "
        f"for a dyno or process type such as router or web.1, use -d {unknown[0]}"
    )
