"""What opening a file loads: not the Platform API client (httpx, ~0.1 s of the first screen),
which only an app's builds panel and drains need. The footer asks whether `b` (builds) is
available at start; for a file that must be answered without importing the panel."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_file_opens_and_draws_without_the_platform_client():
    code = textwrap.dedent(
        """
        import asyncio, sys
        sys.path.insert(0, "tests")
        from kit.pilot import SIZE, loaded, make_app

        async def main():
            app = make_app()
            async with app.run_test(size=SIZE) as pilot:
                await loaded(pilot)
                await pilot.press("down")
                await pilot.pause(0.1)
            print("httpx" in sys.modules)

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
