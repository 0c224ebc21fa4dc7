"""What alerting needs from the router's store: saved searches, alert rules, firings and each
rule's window state — the `AlertStore` protocol and the data it speaks.

Kept apart from `LogStore` so that a store of lines can stand without alerting, and so the
PostgreSQL store adds alerting by implementing this one small protocol over the same SQL
(`alerts_sql.py`). Times are seconds since the epoch (floats) from the router's clock: rules
count lines by when the router received them, not by their (non-monotonic) timestamps.

All methods block: call them from worker threads, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

COUNT = "count"  # at least `threshold` matching lines within `window` seconds
ABSENCE = "absence"  # no matching line for `window` seconds
KINDS = (COUNT, ABSENCE)


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A named query of an app, in the explorer's search language."""

    app: str
    name: str
    query: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class AlertRule:
    """A query with a threshold over a window, a cool-down, and where to say it fired."""

    id: str
    app: str
    name: str
    query: str
    kind: str  # COUNT or ABSENCE
    threshold: int  # lines (COUNT); 1 for ABSENCE
    window: float  # seconds
    cooldown: float  # seconds after a firing during which the rule stays quiet
    webhook: str  # "" for none: the in-log notice only
    created_at: float


@dataclass(slots=True)
class RuleState:
    """Where a rule's evaluation stands, stored so a restart neither forgets a window nor fires
    an old one again.

    COUNT: the window opened by the first match after the last one closed (`window_start`),
    the matches in it (`count`) and whether it fired. ABSENCE: when a match was last seen
    (`last_seen`, the rule's creation until one is) and whether this silence fired.
    """

    rule_id: str
    window_start: float | None = None
    count: int = 0
    fired: bool = False
    last_fired: float | None = None
    last_seen: float | None = None


@dataclass(frozen=True, slots=True)
class Firing:
    """One time a rule fired: how many lines it saw (0 for an absence) and what it said."""

    id: str
    rule_id: str
    app: str
    rule_name: str
    at: float
    count: int
    message: str


class AlertStore(Protocol):
    """Saved searches, alert rules, firings and rule state (see the module docstring)."""

    # -- saved searches ----------------------------------------------------------------------

    def searches(self, app: str) -> list[SavedSearch]:
        """The app's saved searches, by name."""
        ...

    def save_search(self, app: str, name: str, query: str) -> tuple[SavedSearch, bool]:
        """Create or replace the search `name`; it, and whether it is new."""
        ...

    def remove_search(self, app: str, name: str) -> SavedSearch | None: ...

    # -- rules -------------------------------------------------------------------------------

    def rules(self, app: str | None = None) -> list[AlertRule]:
        """The rules of `app` (of every app when None), by name."""
        ...

    def add_rule(self, rule: AlertRule) -> bool:
        """Store a new rule; False when the app already has a rule of that name."""
        ...

    def remove_rule(self, app: str, ident: str) -> AlertRule | None:
        """Remove a rule of `app` by id or name, with its state (its firings stay)."""
        ...

    # -- evaluation ----------------------------------------------------------------------------

    def states(self) -> dict[str, RuleState]:
        """Every rule's stored state, by rule id."""
        ...

    def cursors(self) -> dict[str, int]:
        """For each app, the last line id the rules have evaluated."""
        ...

    def save_states(self, states: Sequence[RuleState], cursors: dict[str, int]) -> None:
        """Store these states and cursors (one transaction)."""
        ...

    def record_firing(self, firing: Firing, state: RuleState) -> None:
        """Store a firing and the state that says it fired, in one transaction: once this
        returns, a restart cannot fire the same window again."""
        ...

    def firings(self, app: str, *, after: float = 0.0, limit: int = 100) -> list[Firing]:
        """The app's firings later than `after`, newest first."""
        ...
