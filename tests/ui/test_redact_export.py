"""The export dialog's redact switch: off by default, on with `--redact`; what it writes."""

from __future__ import annotations

from tuilogs.core.redact_config import load_redactor
from tuilogs.ui.options import ExplorerOptions
from tuilogs.ui.screens.export import ExportScreen

from kit.pilot import SIZE, loaded, make_app, wait_for

LINES = (
    "2026-11-23T19:00:00+00:00 app[web.1]: login user=bob@example.com password=hunter2\n"
    "2026-11-23T19:00:01+00:00 app[web.1]: ok ord-77\n"
)


async def export(app, pilot, path, toggle: bool) -> bool:
    """Export to `path` (turning the switch over first with `toggle`); where it started."""
    await loaded(pilot, lines=2)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
    dialog = app.screen
    started = dialog.query_one("#export-redact").value
    if toggle:
        await pilot.press("tab", "space", "shift+tab")
    dialog.query_one("#export-path").value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, path.exists)
    return started


async def test_the_switch_is_off_by_default_and_redacts_when_turned_on(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(LINES)
    app = make_app(log)
    async with app.run_test(size=SIZE) as pilot:
        assert await export(app, pilot, tmp_path / "as-is.log", toggle=False) is False
        assert await export(app, pilot, tmp_path / "clean.log", toggle=True) is False
    assert (tmp_path / "as-is.log").read_text() == LINES
    assert (tmp_path / "clean.log").read_text() == LINES.replace(
        "bob@example.com", "[email]"
    ).replace("hunter2", "[password]")


async def test_with_redact_the_switch_starts_on_with_the_rules_given(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\nname = \"order\"\npattern = 'ord-\\d+'\n")
    log = tmp_path / "app.log"
    log.write_text(LINES)
    app = make_app(log, options=ExplorerOptions(redaction=load_redactor(rules)))
    async with app.run_test(size=SIZE) as pilot:
        assert await export(app, pilot, tmp_path / "clean.log", toggle=False) is True
    assert (tmp_path / "clean.log").read_text() == (
        "2026-11-23T19:00:00+00:00 app[web.1]: login user=[email] password=[password]\n"
        "2026-11-23T19:00:01+00:00 app[web.1]: ok [order]\n"
    )
