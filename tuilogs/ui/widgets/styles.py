"""The log pane's component classes: one per colour rule name of `tuilogs.core.colorize`.

Colours live in CSS (theme variables), never in Python; this module only maps the core's rule
names (`status.5xx`, `latency.slow`, ...) to component class names (`log--status-5xx`).
"""

from __future__ import annotations

from tuilogs.core.buildpack import BUILD_STYLES
from tuilogs.core.colorize import PALETTE_SIZE, STYLES

PROCESS_SLOTS = PALETTE_SIZE
EXTRA = ("timestamp", "raw", "match", "cursor", "escape", "mark", "context", "separator")


def component(rule: str) -> str:
    return "log--" + rule.replace(".", "-")


COMPONENT_CLASSES = {
    *(component(r) for r in STYLES),
    *(component(r) for r in BUILD_STYLES),
    *(f"log--process-{i}" for i in range(PROCESS_SLOTS)),
    *(component(r) for r in EXTRA),
}
