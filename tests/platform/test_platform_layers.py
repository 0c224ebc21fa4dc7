"""tuilogs.platform imports the core and httpx only: never textual, the UI or the server."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")
            if top[0] in ("textual", "rich", "starlette", "uvicorn") or top[:2] in (
                ["tuilogs", "ui"], ["tuilogs", "server"], ["tuilogs", "cli"]
            ):
                raise ImportError(f"{name} is blocked for tuilogs.platform")
            return None

    sys.meta_path.insert(0, Blocker())
    import tuilogs.platform
    import tuilogs.platform.live, tuilogs.platform.stream, tuilogs.platform.history
    import tuilogs.platform.errors, tuilogs.platform.models, tuilogs.platform.credentials
    print("ok")
    """
)


def test_platform_imports_no_ui_and_no_server() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


STREAM_ALONE = textwrap.dedent(
    """
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name == "tuilogs.platform.client":
                raise ImportError("the stream reader must not need the client")
            return None

    sys.meta_path.insert(0, Blocker())
    import tuilogs.platform.stream, tuilogs.platform.errors, tuilogs.platform.models
    print("ok")
    """
)


def test_the_stream_reader_does_not_import_the_client() -> None:
    """The client opens streams (client → stream); the reader shares only `errors` with it."""
    result = subprocess.run(
        [sys.executable, "-c", STREAM_ALONE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
