"""The sidebar: sources and dynos with live counts, and the keys that filter by them.

Dynos are grouped under their process type (`web` → `web.1`, `web.2`). Each entry can be
included (✓), excluded (✗) or neutral; the rules themselves live in `tuilogs.core.filters`.
A merged view lists its logs (the files or apps it merges) first, as one more facet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuilogs.core.buffer import Origin
from tuilogs.core.filters import EXCLUDE, INCLUDE, OriginFilter
from tuilogs.core.record import process_type
from tuilogs.core.safety import escape_controls
from tuilogs.ui.keys import keymap
from tuilogs.ui.messages import FiltersChanged


@dataclass(frozen=True)
class Entry:
    kind: str  # "stream" (a merged view's file or app), "source" or "dyno"
    name: str
    depth: int = 0


def entries_for(origins: list[Origin], counts: Counter) -> list[tuple[Entry | None, str, int]]:
    """(entry, heading, count) rows in display order; entry None for headings."""
    by_source: Counter = Counter()
    by_dyno: Counter = Counter()
    by_stream: Counter = Counter()  # in the order the streams were given (origins' order)
    raw = 0
    for o in origins:
        n = counts.get(o.id, 0)
        if o.stream:
            by_stream[o.stream] += n
        if not n:
            continue
        if not o.source:
            raw += n
            continue
        by_source[o.source] += n
        by_dyno[o.dyno] += n
    rows: list[tuple[Entry | None, str, int]] = []
    if len(by_stream) > 1:
        rows.append((None, "LOGS", 0))
        rows += [(Entry("stream", name), escape_controls(name), n) for name, n in by_stream.items()]
    rows.append((None, "SOURCES", 0))
    rows += [(Entry("source", s), s, n) for s, n in sorted(by_source.items())]
    groups: dict[str, list[str]] = defaultdict(list)
    for dyno in by_dyno:
        groups[process_type(dyno)].append(dyno)
    rows.append((None, "DYNOS", 0))
    for ptype in sorted(groups):
        dynos = sorted(groups[ptype], key=_dyno_sort_key)
        total = sum(by_dyno[d] for d in dynos)
        rows.append((Entry("dyno", ptype), ptype, total))
        if dynos != [ptype]:
            rows += [(Entry("dyno", d, 1), d, by_dyno[d]) for d in dynos]
    if raw:
        rows.append((None, f"other lines: {raw:,}", 0))
    return rows


def _dyno_sort_key(dyno: str) -> tuple:
    head, _, tail = dyno.partition(".")
    return (head, int(tail) if tail.isdigit() else 0, dyno)


class FilterSidebar(OptionList):
    """Source and dyno filters; posts `FiltersChanged` after every edit of the filter."""

    BINDINGS = keymap("sidebar")
    # Actions on the highlighted entry: they apply only while the sidebar has the focus.
    ENTRY_ACTIONS = frozenset({"toggle", "only", "include", "exclude"})

    COMPONENT_CLASSES = {
        "sidebar--include",
        "sidebar--exclude",
        "sidebar--count",
        "sidebar--heading",
    }
    DEFAULT_CSS = """
    FilterSidebar > .sidebar--include { color: $success; text-style: bold; }
    FilterSidebar > .sidebar--exclude { color: $error; text-style: strike; }
    FilterSidebar > .sidebar--count { color: $text-muted; }
    FilterSidebar > .sidebar--heading { color: $text-muted; text-style: bold; }
    """

    def __init__(self, origin_filter: OriginFilter, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.origin_filter = origin_filter
        self._rows: list[tuple[Entry | None, str, int]] = []

    def update_counts(self, origins: list[Origin], counts: Counter) -> None:
        rows = entries_for(origins, counts)
        if [r[:2] for r in rows] != [r[:2] for r in self._rows]:
            keep = self.highlighted
            self._rows = rows
            self.set_options([self._option(r) for r in rows])
            if keep is not None and rows:
                self.highlighted = min(keep, len(rows) - 1)
            elif rows:
                self.highlighted = 1
        else:
            changed = [i for i, (a, b) in enumerate(zip(rows, self._rows, strict=True)) if a != b]
            self._rows = rows
            for i in changed:
                self.replace_option_prompt_at_index(i, self._prompt(rows[i]))

    def refresh_prompts(self) -> None:
        for i, row in enumerate(self._rows):
            if row[0] is not None:
                self.replace_option_prompt_at_index(i, self._prompt(row))

    def _option(self, row) -> Option:
        entry = row[0]
        return Option(self._prompt(row), disabled=entry is None)

    def _prompt(self, row) -> Text:
        entry, label, count = row
        style = self.get_component_rich_style
        if entry is None:
            return Text(label, style=style("sidebar--heading", partial=True))
        state = self.origin_filter.state(entry.kind, entry.name)
        mark = {INCLUDE: "✓", EXCLUDE: "✗"}.get(state, " ")
        marked = style(f"sidebar--{state}", partial=True) if state else None
        text = Text()
        text.append(mark + " ", style=marked or "")
        # Source and dyno names come from the lines (a syslog sender chooses them): escaped.
        text.append(
            "  " * entry.depth + escape_controls(label), style=marked if state == EXCLUDE else ""
        )
        text.append(f" {count:,}", style=style("sidebar--count", partial=True))
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Asked for keys and by the command palette (the screen remembers the focus).
        return action not in self.ENTRY_ACTIONS or self.screen.focused is self

    def _current(self) -> Entry | None:
        i = self.highlighted
        if i is None or i >= len(self._rows):
            return None
        return self._rows[i][0]

    def _edit(self, fn) -> None:
        entry = self._current()
        if entry is None:
            return
        fn(entry)
        self.refresh_prompts()
        self.post_message(FiltersChanged())

    def action_toggle(self) -> None:
        self._edit(lambda e: self.origin_filter.toggle_exclude(e.kind, e.name))

    def action_only(self) -> None:
        self._edit(lambda e: self.origin_filter.only(e.kind, e.name))

    def action_include(self) -> None:
        self._edit(
            lambda e: self.origin_filter.set(
                e.kind,
                e.name,
                None if self.origin_filter.state(e.kind, e.name) == INCLUDE else INCLUDE,
            )
        )

    def action_exclude(self) -> None:
        self._edit(lambda e: self.origin_filter.set(e.kind, e.name, EXCLUDE))

    def action_clear(self) -> None:
        self.origin_filter.clear()
        self.refresh_prompts()
        self.post_message(FiltersChanged())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (OptionList's own key) and a click hide or show the entry, as space does."""
        event.stop()
        self.action_toggle()
