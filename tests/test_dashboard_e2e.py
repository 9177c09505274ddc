"""The dashboard against a real cluster: it shows the cluster, and a failover pressed in the
dashboard happens for real and appears on the screen."""

from __future__ import annotations

import asyncio
import html
import re
import time

import pytest

from aurora.cli.dashboard.app import DashboardApp

pytestmark = pytest.mark.integration


async def until(check, timeout: float, what: str, pilot) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.1)


def screen_text(app: DashboardApp) -> str:
    """The screen as plain text (the SVG export, with its markup and escapes removed)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def writer_of(app: DashboardApp, cluster: str) -> str | None:
    view = app.snapshot.cluster(cluster) if app.snapshot else None
    if view is None:
        return None
    return next((i.id for i in view.instances if i.role == "writer"), None)


def test_dashboard_shows_a_failover_it_asked_for(aurora):
    aurora.ok("create", "dash", "--replicas", "1")

    async def go() -> None:
        app = DashboardApp(refresh=0.3)
        async with app.run_test(size=(170, 50), notifications=True) as pilot:
            await until(lambda: writer_of(app, "dash") == "dash-instance-1", 20, "the cluster on screen", pilot)
            await until(lambda: all(i.status == "available" for i in app.snapshot.cluster("dash").instances),
                        20, "both instances available", pilot)
            await pilot.press("home")  # move the tree's cursor onto the cluster, as a user would
            for _ in range(10):
                if app.selection.cluster == "dash" and app.selection.instance is None:
                    break
                await pilot.press("down")
            assert app.selection.cluster == "dash"
            await pilot.press("f")
            await pilot.pause(0.2)
            await pilot.press("y")
            await until(lambda: writer_of(app, "dash") == "dash-instance-2", 30, "the new writer on screen", pilot)
            await until(lambda: "Completed failover" in screen_text(app), 20, "the failover event on screen", pilot)

    asyncio.run(go())
    assert aurora.json("describe", "dash")["instances"][1]["role"] == "writer"
