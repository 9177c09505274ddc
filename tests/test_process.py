"""Process records: a recorded process is recognised for as long as it runs, whatever the
system clock does, and never confused with another process that gets the same pid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zlib
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


KEEP_TO_ONE_CPU = """
import json, os, threading, time
from aurora.engine import process
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()  # started before
cpu = process.keep_to_one_cpu(KEY, quiet=QUIET)
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()  # and after
cpus = {tuple(sorted(os.sched_getaffinity(int(t)))) for t in os.listdir("/proc/self/task")}
print(json.dumps({"cpu": cpu, "threads": sorted(cpus), "count": len(os.listdir("/proc/self/task"))}))
"""


def keep_to_one_cpu(setting: str, quiet: bool = False, key: str = "demo/demo-instance-1") -> dict:
    """``process.keep_to_one_cpu`` in a child with AURORA_INSTANCE_CPU=setting (it must not
    keep the test runner to one CPU): its answer and the CPU sets of the child's threads."""
    code = KEEP_TO_ONE_CPU.replace("QUIET", str(quiet)).replace("KEY", repr(key))
    done = subprocess.run([sys.executable, "-c", code],
                          env={**os.environ, "AURORA_INSTANCE_CPU": setting},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["count"] == 3  # the main thread and both sleepers were looked at
    return result


ALLOWED = sorted(os.sched_getaffinity(0))


def test_an_instance_asked_for_a_cpu_keeps_every_thread_there() -> None:
    cpu = ALLOWED[-1]
    assert keep_to_one_cpu(str(cpu)) == {"cpu": cpu, "threads": [[cpu]], "count": 3}


@pytest.mark.parametrize("setting", ["off", "9999", "first"])
def test_off_or_a_cpu_it_may_not_use_leaves_every_cpu(setting: str) -> None:
    assert keep_to_one_cpu(setting) == {"cpu": None, "threads": [ALLOWED], "count": 3}


@pytest.mark.skipif(len(ALLOWED) < 2, reason="choosing among CPUs needs two of them")
def test_auto_picks_the_cpu_that_the_fewest_instances_are_kept_to() -> None:
    # Three stand-ins for running instances (their command line names the instance module)
    # on every allowed CPU but the last: whatever the key's tie-break, the last is chosen.
    target = ALLOWED[-1]
    stand_ins = []
    try:
        for cpu in ALLOWED[:-1]:
            for _ in range(3):
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                                          process.INSTANCE_MODULE])
                stand_ins.append(child)
                os.sched_setaffinity(child.pid, {cpu})
        assert keep_to_one_cpu("auto") == {"cpu": target, "threads": [[target]], "count": 3}
    finally:
        for child in stand_ins:
            child.kill()
            child.wait()


INTERRUPTS = """\
           CPU0       CPU1       CPU2
  1:          9          0          0  IO-APIC    1-edge      i8042
 36:          0   39171456         12  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0
 38:        300     156350          0  PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0
NMI:          0          0          0   Non-maskable interrupts
LOC:   98765432   12345678   55555555   Local timer interrupts
ERR:          0
"""


def test_device_interrupts_count_the_numbered_lines_per_cpu() -> None:
    # The timer, the scheduler's and the other per-CPU lines say how busy a CPU was, not
    # where the devices send their interrupts: they are left out.
    assert process.device_interrupts(INTERRUPTS) == {0: 309, 1: 39327806, 2: 12}
    assert process.device_interrupts("") == {}


@pytest.mark.skipif(len(ALLOWED) < 2, reason="choosing among CPUs needs two of them")
def test_a_writer_picks_the_cpu_that_served_the_fewest_device_interrupts() -> None:
    served = process.device_interrupts()
    counts = sorted((served.get(c, 0), c) for c in ALLOWED)
    if counts[1][0] < counts[0][0] * 1.1 + 1000:
        # (the counts keep moving: only a clear difference gives the child the same answer)
        pytest.skip("no allowed CPU served clearly fewer device interrupts than the others")
    quietest = counts[0][1]
    # No instance runs during the tests, so every CPU has the fewest of them (none): a
    # reader's key picks among all, a writer takes the quietest whatever its key.
    key = next(k for k in (f"demo/demo-instance-{n}" for n in range(1, 100))
               if ALLOWED[zlib.crc32(k.encode()) % len(ALLOWED)] != quietest)
    assert keep_to_one_cpu("auto", key=key)["cpu"] != quietest
    assert keep_to_one_cpu("auto", quiet=True, key=key)["cpu"] == quietest


@pytest.fixture
def two_threads() -> Iterator[subprocess.Popen]:
    """A process with two threads, as a storage node has (its loop and its sync thread)."""
    child = subprocess.Popen([sys.executable, "-c", "import threading, time; "
                              "threading.Thread(target=time.sleep, args=(60,)).start(); time.sleep(60)"])
    try:
        deadline = time.monotonic() + 10
        while len(os.listdir(f"/proc/{child.pid}/task")) < 2:
            assert time.monotonic() < deadline, "the child's second thread did not start"
            time.sleep(0.01)
        yield child
    finally:
        child.kill()
        child.wait()


def thread_cpus(pid: int) -> set[tuple[int, ...]]:
    return {tuple(sorted(os.sched_getaffinity(int(t)))) for t in os.listdir(f"/proc/{pid}/task")}


@pytest.mark.skipif(len(ALLOWED) < 2, reason="keeping off a CPU needs another one")
def test_storage_nodes_keep_off_the_writers_cpus_while_one_is_left(two_threads: subprocess.Popen) -> None:
    pid = two_threads.pid
    assert process.kept_cpu(pid) is None  # free to run everywhere
    process.keep_off_cpus([pid], {ALLOWED[0]})
    assert thread_cpus(pid) == {tuple(ALLOWED[1:])}  # every thread, not only the first
    assert process.kept_cpu(pid) == (ALLOWED[1] if len(ALLOWED) == 2 else None)
    process.keep_off_cpus([pid], set(ALLOWED))  # nothing would be left: every CPU again
    assert thread_cpus(pid) == {tuple(ALLOWED)}
    process.keep_off_cpus([pid, 2**22 + 7], set())  # a process that is gone is passed over
    assert thread_cpus(pid) == {tuple(ALLOWED)}
