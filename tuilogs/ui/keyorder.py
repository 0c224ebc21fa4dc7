"""Keys in the order they were typed: a workaround for Textual's #6605 (its fix, #6631, is not in
a release yet: textual 8.2.8, which pyproject pins, is the newest).

Textual handles a printable key in the focused Input at once, but runs a bound key (backspace,
←, Enter, the explorer's `/`) only after its event has bubbled up to the App. Keys that come in
one burst (a paste, a laggy SSH link) overtake it: `b a ⌫ c` gave `ba`, and `/timeout` sent at
once cycled the timestamps (`t`) and opened the export dialog (`e`) before the box was open.
`run_bindings_now` runs a key's binding where the key is handled, in typing order, walking the
chain the App would walk (as #6631 does for a widget's own bindings). Remove it once a release
has the fix.
"""

from __future__ import annotations

from textual.screen import Screen


async def run_bindings_now(screen: Screen, key: str) -> bool:
    """Run the non-priority binding of `key` from the focused widget up, as the App would once
    the key had bubbled up to it; True when one ran (the event need not bubble further).
    Priority bindings ran before the key reached any widget."""
    # The same chain (focus, modal screens, keys an Input consumes) App._check_bindings walks.
    for namespace, bindings in screen._modal_binding_chain:
        for binding in bindings.key_to_bindings.get(key, ()):
            if not binding.priority and await screen.app.run_action(binding.action, namespace):
                return True
    return False
