"""Every key of the explorer and of the screens it opens, by area, for the help screen.

The screens are imported here, when help is asked for, not when the explorer starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuilogs.ui.keys import KeyEntry, entries
from tuilogs.ui.stats_request import stats_entries

if TYPE_CHECKING:
    from tuilogs.ui.screens.explorer import ExplorerScreen


def explorer_keys(screen: ExplorerScreen) -> list[KeyEntry]:
    """The explorer's keys and those of its panes, panels and dialogs (help.COLUMNS areas)."""
    from tuilogs.ui.screens.builds import BuildsPanel
    from tuilogs.ui.screens.detail import DetailScreen
    from tuilogs.ui.screens.drains import DrainPanel
    from tuilogs.ui.screens.goto import GotoScreen
    from tuilogs.ui.screens.saved_searches import SavedSearchesPanel
    from tuilogs.ui.widgets.histogram import HistogramStrip
    from tuilogs.ui.widgets.log_view import LogView
    from tuilogs.ui.widgets.search_bar import SearchBar
    from tuilogs.ui.widgets.sidebar import FilterSidebar

    return [
        *entries(LogView, "log"),
        *entries(screen, "app"),
        *entries(SavedSearchesPanel, "saved"),
        *entries(HistogramStrip, "time"),
        *entries(GotoScreen, "time"),
        *entries(SearchBar, "search"),
        *entries(FilterSidebar, "sidebar"),
        *entries(DetailScreen, "detail"),
        *entries(DrainPanel, "drains"),
        *entries(BuildsPanel, "builds"),
        *stats_entries(),
        *entries(screen.app, "app"),
    ]
