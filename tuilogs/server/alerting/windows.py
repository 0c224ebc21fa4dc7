"""When a rule fires: its window arithmetic, on a `RuleState`, with no I/O (tested alone).

COUNT rules count matches in a window that the first match opens and that lasts `window`
seconds; the rule fires once per window, when the count reaches the threshold, unless it is
cooling down (then a later match in the same window may still fire it, once the cool-down is
over). A fixed window opened by a match rather than a clock-aligned one: `≥ 5 in 1 min` never
misses a burst because it straddles a minute boundary.

ABSENCE rules fire once per silence: when nothing matched for `window` seconds (since the last
match, or since the rule was made); a match ends the silence.
"""

from __future__ import annotations

from tuilogs.server.store.alerts_interface import ABSENCE, AlertRule, RuleState

NOTICE = ("heroku", "tuilogs")  # source and dyno of the rules' own lines in an app's log


def _cooled(rule: AlertRule, state: RuleState, now: float) -> bool:
    return state.last_fired is None or now >= state.last_fired + rule.cooldown


def observe(rule: AlertRule, state: RuleState, matches: int, now: float) -> bool:
    """Count `matches` lines received at `now`; whether the rule fires now."""
    if matches <= 0:
        return False
    if rule.kind == ABSENCE:
        state.last_seen = now
        state.fired = False
        return False
    if state.window_start is None or now >= state.window_start + rule.window:
        state.window_start, state.count, state.fired = now, 0, False
    state.count += matches
    if not state.fired and state.count >= rule.threshold and _cooled(rule, state, now):
        state.fired = True
        state.last_fired = now
        return True
    return False


def silent(rule: AlertRule, state: RuleState, now: float) -> bool:
    """For an ABSENCE rule at `now`: whether it fires (nothing matched for its window)."""
    if rule.kind != ABSENCE or state.fired:
        return False
    since = state.last_seen if state.last_seen is not None else rule.created_at
    if now - since >= rule.window and _cooled(rule, state, now):
        state.fired = True
        state.last_fired = now
        return True
    return False


def describe_window(seconds: float) -> str:
    """`90 s`, `10 min`, `2 h` — as people write windows."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def firing_message(rule: AlertRule, state: RuleState) -> str:
    """What the app's log and the webhook say (one line)."""
    window = describe_window(rule.window)
    if rule.kind == ABSENCE:
        return f'Alert "{rule.name}" fired: no lines matching `{rule.query}` for {window}'
    return (
        f'Alert "{rule.name}" fired: {state.count} lines matching `{rule.query}`'
        f" within {window} (threshold {rule.threshold})"
    )
