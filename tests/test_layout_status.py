"""Status files: written in order, also when a periodic write waits in the status thread."""

from __future__ import annotations

import asyncio
import threading

from aurora.engine import layout
from aurora.engine.layout import clear_status, read_status, write_status, write_status_soon


async def _queued_behind_a_busy_thread(tmp_path, status, then) -> None:
    """Hand ``status`` to the status thread while it is busy, run ``then`` meanwhile, and
    let the thread go on: the handed status is written (or not) after ``then``."""
    release = threading.Event()
    first = write_status_soon(tmp_path / "other", {})  # makes sure the thread exists
    await first
    busy = asyncio.get_running_loop().run_in_executor(layout._status_thread, release.wait)
    soon = write_status_soon(tmp_path, status)
    then()
    release.set()
    await busy
    await soon


def test_an_older_status_never_replaces_a_newer_one(tmp_path):
    (tmp_path / "other").mkdir()
    # A periodic write handed to the status thread, then a newer one written at once (as a
    # promotion does) before the thread gets to the first: the newer one stays.
    asyncio.run(_queued_behind_a_busy_thread(
        tmp_path, {"ready": True, "n": 1}, lambda: write_status(tmp_path, {"ready": False, "n": 2})))
    assert read_status(tmp_path) == {"ready": False, "n": 2}


def test_a_status_written_after_removal_does_not_bring_it_back(tmp_path):
    (tmp_path / "other").mkdir()
    write_status(tmp_path, {"ready": True, "n": 0})
    asyncio.run(_queued_behind_a_busy_thread(tmp_path, {"ready": True, "n": 1}, lambda: clear_status(tmp_path)))
    assert read_status(tmp_path) == {}
    write_status(tmp_path, {"ready": True, "n": 2})  # a later status is written as usual
    assert read_status(tmp_path) == {"ready": True, "n": 2}
