"""Layers import down only (DESIGN.md): the import-linter contracts in pyproject.toml hold, and
the core imports, lazy paths included, without textual, rich or httpx at run time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every core module, found on disk so a new one cannot be forgotten here.
CORE = sorted(
    "tuilogs." + ".".join(p.relative_to(ROOT / "tuilogs").with_suffix("").parts)
    for p in (ROOT / "tuilogs" / "core").rglob("*.py")
    if p.name != "__init__.py"
)

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
    from tuilogs.core.colorize import highlight
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
        "import importlib", "import importlib\nimport tuilogs.server.app, tuilogs.server.run"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "tuilogs.server.app"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_import_linter_contracts_hold() -> None:
    """The contracts in pyproject.toml ([tool.importlinter]); the report names any broken one."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
