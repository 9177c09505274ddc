"""Spawning, watching and stopping the background processes of aurora-local.

Each process runs ``python -m <module> ...`` in its own session, writes its log to its
folder and is remembered by a pid file holding the pid and the process start time, so that
a pid reused by the system is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from aurora.engine.errors import Unavailable
from aurora.engine.layout import Layout


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    create_time: float

    def alive(self) -> bool:
        try:
            proc = psutil.Process(self.pid)
            return (
                abs(proc.create_time() - self.create_time) < 0.05
                and proc.status() != psutil.STATUS_ZOMBIE
            )
        except psutil.Error:
            return False


def read_pid_file(process_dir: Path) -> ProcessRecord | None:
    try:
        pid_text, created = Layout.pid_file(process_dir).read_text().split()
        return ProcessRecord(int(pid_text), float(created))
    except (FileNotFoundError, ValueError):
        return None


def spawn(module: str, args: list[str], process_dir: Path, env: dict[str, str] | None = None) -> ProcessRecord:
    """Start ``python -m module args`` detached, logging to the process folder's log file."""
    process_dir.mkdir(parents=True, exist_ok=True)
    log = open(Layout.log_file(process_dir), "ab")  # noqa: SIM115 - handed to the child
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            close_fds=True,
        )
    finally:
        log.close()
    record = ProcessRecord(child.pid, psutil.Process(child.pid).create_time())
    Layout.pid_file(process_dir).write_text(f"{record.pid} {record.create_time}\n")
    _children[record.pid] = child
    return record


# Popen objects of the processes this process started, so that they are reaped when they end.
_children: dict[int, subprocess.Popen] = {}


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.02,
    on_slow: Callable[[str], None] | None = None,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll ``condition`` until it holds; raise Unavailable after ``timeout`` seconds.

    ``on_slow`` is told "still waiting for <what>..." once after three seconds; ``alive``,
    when given and false, ends the wait at once (the process being waited for died).
    """
    deadline = time.monotonic() + timeout
    slow_at = time.monotonic() + 3.0
    told = False
    while True:
        if condition():
            return
        if alive is not None and not alive():
            raise Unavailable(f"{what} exited before it was ready")
        now = time.monotonic()
        if now >= deadline:
            raise Unavailable(f"timed out after {timeout:.0f}s waiting for {what}")
        if on_slow and not told and now >= slow_at:
            on_slow(f"still waiting for {what}...")
            told = True
        time.sleep(interval)


def stop(record: ProcessRecord, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; returns when the process is gone."""
    if not record.alive():
        _reap(record.pid)
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    try:
        wait_until(lambda: not record.alive() or _reap(record.pid), timeout, f"pid {record.pid} to stop")
    except Unavailable:
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGKILL)
        wait_until(lambda: not record.alive() or _reap(record.pid), 5.0, f"pid {record.pid} to die")
    _reap(record.pid)


def kill(record: ProcessRecord, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` (SIGKILL by default) without waiting; used by chaos and by tests."""
    if record.alive():
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, sig)


def _reap(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]
        return True
    return False


def reap_children() -> None:
    """Collect the exit status of every child that has ended (killed by chaos, crashed), so
    that a long-running parent such as aurorad leaves no zombie processes behind."""
    for pid, child in list(_children.items()):
        if child.poll() is not None:
            _children.pop(pid, None)
