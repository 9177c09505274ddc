"""Process records: a recorded process is recognised for as long as it runs, whatever the
system clock does, and never confused with another process that gets the same pid."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from aurora.engine import process
from aurora.engine.layout import Layout


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def test_a_record_outlives_a_change_of_the_system_clock(tmp_path: Path, monkeypatch) -> None:
    record = process.spawn("http.server", ["0", "--bind", "127.0.0.1"], tmp_path)
    try:
        assert record.alive()
        # NTP stepping or slewing a fresh machine's clock moves the kernel's boot time, which
        # start times in seconds since the epoch are computed from
        shifted = psutil.boot_time() + 1.0
        monkeypatch.setattr(psutil._pslinux, "boot_time", lambda: shifted)
        monkeypatch.setattr(psutil, "boot_time", lambda: shifted)
        assert record.alive()
        assert process.read_pid_file(tmp_path) == record
    finally:
        process.stop(record)
    assert not record.alive()


def test_another_process_with_the_recorded_pid_is_not_ours(sleeper: subprocess.Popen) -> None:
    started = process._start_ticks(sleeper.pid)
    assert started is not None
    assert process.ProcessRecord(sleeper.pid, started).alive()
    assert not process.ProcessRecord(sleeper.pid, started - 1).alive()
    assert not process.ProcessRecord(sleeper.pid, started + 1).alive()


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = process._start_ticks(child.pid)
    assert started is not None
    record = process.ProcessRecord(child.pid, started)
    deadline = time.monotonic() + 10
    while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:  # it ends; not yet reaped
        assert time.monotonic() < deadline, "the child did not end"
        time.sleep(0.01)
    assert not record.alive()
    child.wait()
    assert not record.alive()


def test_an_older_versions_pid_file_is_still_understood(tmp_path: Path, sleeper: subprocess.Popen) -> None:
    created = psutil.Process(sleeper.pid).create_time()  # what older versions wrote
    Layout.pid_file(tmp_path).write_text(f"{sleeper.pid} {created}\n")
    record = process.read_pid_file(tmp_path)
    assert record is not None and record.alive()
    sleeper.kill()
    sleeper.wait()
    assert not record.alive()
