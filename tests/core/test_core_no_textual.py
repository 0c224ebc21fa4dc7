"""The core must import without textual, rich or httpx (DESIGN.md: layers import down only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CORE = [
    "tuilogs.record",
    "tuilogs.logfmt",
    "tuilogs.codes",
    "tuilogs.levels",
    "tuilogs.colorize",
    "tuilogs.safety",
    "tuilogs.fields",
    "tuilogs.buffer",
    "tuilogs.sources",
    "tuilogs.filters",
    "tuilogs.query",
    "tuilogs.explorer_state",
    "tuilogs.export",
    "tuilogs.frames",
    "tuilogs.printer",
    "tuilogs.locations",
    "tuilogs.drain_urls",
]

SCRIPT = textwrap.dedent(
    """
    import sys

    BLOCKED = ("textual", "rich", "httpx")

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked for the core")
            return None

    sys.meta_path.insert(0, Blocker())
    import importlib

    for name in sys.argv[1:]:
        module = importlib.import_module(name)
    # Exercise the lazy paths too (the JSON lexer is imported on first use).
    from tuilogs.colorize import highlight
    highlight("app", "web.1", '{"level": "error"}')
    highlight("heroku", "router", "at=info status=200")
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not leaked, leaked
    print("ok")
    """
)


def test_core_imports_without_ui_or_http_libraries() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *CORE],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_server_does_not_import_the_ui() -> None:
    """The router may use httpx and starlette, never textual (so never the UI package)."""
    script = SCRIPT.replace('("textual", "rich", "httpx")', '("textual",)').replace(
        "import importlib", "import importlib\nimport tuilogs.server.api, tuilogs.server.main"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "tuilogs.server.api"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
