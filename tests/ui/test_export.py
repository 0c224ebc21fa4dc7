"""Export and the palette's screenshot: `~` expanded, errors said in the dialog (which stays
open), and the full path of what was written said in the notice."""

from __future__ import annotations

import pytest

from tuilogs.ui.screens.export import ExportScreen

from kit.pilot import SIZE, loaded, make_app, wait_for


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A HOME without ~/Downloads (a server's), and a working directory of its own."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DOWNLOAD_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def export_to(pilot, text: str) -> ExportScreen:
    if not isinstance(pilot.app.screen, ExportScreen):
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportScreen))
    dialog = pilot.app.screen
    dialog.query_one("#export-path").value = text
    await pilot.press("enter")
    await pilot.pause()
    return dialog


async def test_a_tilde_path_is_expanded_and_the_notice_names_the_file_in_full(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await export_to(pilot, "~/exports.log")
        out = home / "exports.log"
        await wait_for(pilot, out.exists)
        assert not isinstance(app.screen, ExportScreen)
        assert len(out.read_bytes().splitlines()) == len(app.buffer)
        await wait_for(pilot, lambda: notices(app))
        assert notices(app) == [f"Exported {len(app.buffer):,} lines to {out}"]


async def test_an_error_is_said_in_the_dialog_which_stays_open(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        dialog = await export_to(pilot, "~/no-such-dir/x.log")
        assert app.screen is dialog
        error = str(dialog.query_one("#export-error").render())
        assert f"Cannot write {home}/no-such-dir/x.log: No such file or directory" in error
        await export_to(pilot, "x.log")  # fixed: relative to the working directory
        await wait_for(pilot, lambda: app.screen is not dialog)
        assert (home.parent / "work" / "x.log").exists()


async def test_the_palettes_screenshot_goes_where_it_can_and_says_where(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        work = home.parent / "work"
        await wait_for(pilot, lambda: list(work.glob("*.svg")))
        (svg,) = work.glob("*.svg")
        await wait_for(pilot, lambda: any("Saved screenshot" in n for n in notices(app)))
        assert any(str(svg) in n for n in notices(app)), notices(app)
