"""Shared fixtures: a temporary AURORA_HOME and a real storage fleet on loopback.

Everything a fixture starts is stopped in its teardown, also when the test fails.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import apsw
import psutil
import pytest
from cli_harness import AuroraCli

from aurora.engine import process
from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.sql import Session
from aurora.engine.storage.fleet import Fleet


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Session]:
    """A SQL session on a fresh database file in tmp_path, its journal in memory as on an
    instance (the in-process SQL tests' fixture)."""
    conn = apsw.Connection(str(tmp_path / "postgres.db"))
    conn.execute("PRAGMA journal_mode=MEMORY")
    session = Session(conn)
    yield session
    session.close()


@pytest.fixture
def aurora_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Layout]:
    home = tmp_path / "aurora-home"
    home.mkdir()
    monkeypatch.setenv("AURORA_HOME", str(home))
    monkeypatch.delenv("AURORA_BACKUP_DIR", raising=False)  # backups go under the test's home
    monkeypatch.delenv("AURORA_BACKUP", raising=False)
    layout = Layout(home)
    yield layout
    _kill_everything_under(home)


def _kill_everything_under(home: Path) -> None:
    """Kill every process whose pid file lies under ``home`` (the test's own processes)."""
    for pid_file in home.rglob("pid"):
        record = process.read_pid_file(pid_file.parent)
        if record is not None and record.alive():
            try:
                psutil.Process(record.pid).send_signal(signal.SIGCONT)
                os.kill(record.pid, signal.SIGKILL)
            except (ProcessLookupError, psutil.Error):
                pass
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if any(str(home) in part for part in cmd):
            try:
                proc.kill()
            except psutil.Error:
                pass


@pytest.fixture
def fleet(aurora_home: Layout) -> Iterator[Fleet]:
    """Six storage nodes (two per AZ), with quick gossip, no retention and small log chunks."""
    f = Fleet(aurora_home, DEFAULT_REGION,
              node_args=["--gossip-interval", "0.2", "--retention", "0", "--chunk-bytes", "1048576"])
    try:
        f.create()
        yield f
    finally:
        f.stop()


@pytest.fixture
def aurora(aurora_home: Layout) -> Iterator[AuroraCli]:
    """The `aurora` command in a temporary AURORA_HOME; aurorad and every process it started
    are killed afterwards (by the aurora_home fixture), also when the test fails."""
    cli = AuroraCli(aurora_home.home)
    try:
        yield cli
    finally:
        cli.run("daemon", "stop", timeout=30)
