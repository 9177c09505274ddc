"""aurorad, its fork server and every process they start ask the kernel for short CPU time
slices (Linux's EEVDF scheduler honours a slice given with ``sched_setattr``); threads and
children inherit them, and ``AURORA_TIME_SLICE_US=0`` keeps the kernel's default."""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import subprocess
import sys
import threading

import psutil

from aurora.engine import process
from aurora.engine.layout import Layout

_SCHED_GETATTR = {"x86_64": 315, "aarch64": 275}


def time_slice_ns(tid: int) -> int:
    """The CPU time slice of thread ``tid`` (0: this one), as ``sched_getattr`` gives it."""
    buf = ctypes.create_string_buffer(56)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(_SCHED_GETATTR[os.uname().machine], tid, buf, 56, 0) != 0:
        raise OSError(ctypes.get_errno(), "sched_getattr")
    return struct.unpack("IIQiIQQQ", buf.raw[:48])[5]


def kernel_slice_after_asking(us: int | None) -> int:
    """What a new thread of this process has after ``prefer_short_time_slices`` with
    AURORA_TIME_SLICE_US = ``us`` (None: unset), in a thread so this one keeps its own."""
    got: list[int] = []

    def ask() -> None:
        saved = os.environ.pop("AURORA_TIME_SLICE_US", None)
        try:
            if us is not None:
                os.environ["AURORA_TIME_SLICE_US"] = str(us)
            process.prefer_short_time_slices()
            got.append(time_slice_ns(0))
        finally:
            os.environ.pop("AURORA_TIME_SLICE_US", None)
            if saved is not None:
                os.environ["AURORA_TIME_SLICE_US"] = saved

    t = threading.Thread(target=ask)
    t.start()
    t.join()
    return got[0]


def child_slice(env: dict[str, str]) -> int:
    code = ("import threading; from aurora.engine import process; from test_time_slices import time_slice_ns; "
            "process.prefer_short_time_slices(); out = []; "
            "t = threading.Thread(target=lambda: out.append(time_slice_ns(0))); t.start(); t.join(); print(out[0])")
    r = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                       timeout=60, cwd=os.path.dirname(__file__))
    assert r.returncode == 0, r.stderr
    return int(r.stdout)


def test_a_process_asks_for_short_slices_and_its_threads_inherit_them():
    default = time_slice_ns(0)
    asked = kernel_slice_after_asking(process.TIME_SLICE_US)
    assert asked == process.TIME_SLICE_US * 1000 != default  # this kernel honours the hint
    assert time_slice_ns(0) == default  # only the thread that asked (and what it starts)
    assert child_slice({"AURORA_TIME_SLICE_US": "250"}) == 250_000  # a new thread of a new process
    assert child_slice({"AURORA_TIME_SLICE_US": "0"}) == default
    assert child_slice({"AURORA_TIME_SLICE_US": "soon"}) == default  # not a number: nothing changes
    assert child_slice({"AURORA_TIME_SLICE_US": str(10**20)}) == 100_000_000  # the kernel's largest


def test_every_process_of_a_cluster_runs_with_short_slices(aurora):
    aurora.ok("create", "ts")
    layout = Layout(aurora.home)
    ours = [p for p in psutil.process_iter() if _home_of(p) == str(layout.home)]
    kinds = {" ".join(p.cmdline()).split(" -m ")[-1].split()[0] for p in ours}
    assert {"aurora.engine.control.daemon", "aurora.engine.forkserver", "aurora.engine.storage.node",
            "aurora.engine.instance.server"} <= kinds
    checked = 0
    for p in ours:
        for t in p.threads():
            try:
                got = time_slice_ns(t.id)
            except OSError as e:
                assert e.errno == errno.ESRCH, e  # only a thread that ended meanwhile
                continue
            assert got == process.TIME_SLICE_US * 1000, (p.cmdline(), t.id)
            checked += 1
    assert checked >= len(ours)


def _home_of(p: psutil.Process) -> str | None:
    try:
        return p.environ().get("AURORA_HOME")
    except (psutil.Error, OSError):
        return None


def test_an_autogroup_nice_value_goes_up_and_down_again_only_for_a_session_leader():
    leader = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    member = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # in this session
    try:
        mine = process.autogroup_nice(os.getpid())  # None if this session was never made by setsid
        if process.autogroup_nice(leader.pid) is None:  # a kernel without autogroups: nothing to set
            assert process.set_autogroup_nice(leader.pid, 5) != 0
            return
        assert process.autogroup_nice(leader.pid) == 0
        for nice in (5, 0, 19):  # down again too, which a thread's own nice value cannot do unprivileged
            refused = process.set_autogroup_nice(leader.pid, nice)
            while refused == errno.EAGAIN:  # an unprivileged user: one change per 100 ms
                refused = process.set_autogroup_nice(leader.pid, nice)
            assert refused == 0
            assert process.autogroup_nice(leader.pid) == nice
        # the autogroup of a process that does not lead its own session is its session's
        assert process.set_autogroup_nice(member.pid, 7) == errno.EPERM
        assert process.autogroup_nice(os.getpid()) == mine
    finally:
        for child in (leader, member):
            child.kill()
            child.wait()
