"""Spawning, watching and stopping the background processes of aurora-local.

Each process runs ``python -m <module> ...`` in its own session, writes its log to its
folder and is remembered by a pid file holding the pid and the process start time, so that
a pid reused by the system is never mistaken for ours. When the fork server of the process's
AURORA_HOME runs (engine/forkserver.py, started with aurorad), the process is forked from it,
already past its imports; otherwise it is spawned afresh. Either way it is the same process.

The start time is the kernel's own: clock ticks from boot to the process's start, field 22
of ``/proc/PID/stat``. It never changes. A start time in seconds since the epoch (what
``psutil.Process.create_time`` gives) is boot time plus that count, and the kernel's boot
time moves whenever the system clock is adjusted (NTP stepping or slewing a fresh machine's
clock): a process recorded before such an adjustment would look like a stranger after it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from aurora.engine import errors, rpc
from aurora.engine.errors import Unavailable
from aurora.engine.layout import Layout, ensure_private_dir, file_lock


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    started: int
    """Clock ticks from boot to the process's start (see the module's docstring)."""
    slack: int = 0
    """How far ``started`` may be off: 0, but for a pid file of an older version (epoch
    seconds, converted with today's boot time) two seconds' worth."""

    def alive(self) -> bool:
        now = _start_ticks(self.pid, running=True)
        return now is not None and abs(now - self.started) <= self.slack


def _start_ticks(pid: int, running: bool = False) -> int | None:
    """The process's start in clock ticks since boot; None when there is no such process
    (or, with ``running``, when it is a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces and parentheses
    fields = stat[stat.rindex(b")") + 2:].split()
    if running and fields[0] == b"Z":
        return None
    return int(fields[19])


def read_pid_file(process_dir: Path) -> ProcessRecord | None:
    try:
        pid_text, started = Layout.pid_file(process_dir).read_text().split()
        if "." not in started:
            return ProcessRecord(int(pid_text), int(started))
        # an older version's record: the start in seconds since the epoch
        ticks = (float(started) - psutil.boot_time()) * _TICKS_PER_SECOND
        return ProcessRecord(int(pid_text), round(ticks), slack=2 * _TICKS_PER_SECOND)
    except (FileNotFoundError, ValueError):
        return None


_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def spawn(module: str, args: list[str], process_dir: Path, env: dict[str, str] | None = None,
          fork: bool = True) -> ProcessRecord:
    """Start ``python -m module args`` detached, logging to the process folder's log file;
    forked from the fork server unless ``fork`` is false (aurorad, which the server serves)."""
    process_dir.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {})}
    record = _fork(module, args, process_dir, full_env) if fork else None
    if record is None:
        record = _popen(module, args, process_dir, full_env)
    Layout.pid_file(process_dir).write_text(f"{record.pid} {record.started}\n")
    return record


def _popen(module: str, args: list[str], process_dir: Path, env: dict[str, str]) -> ProcessRecord:
    log = open(Layout.log_file(process_dir), "ab")  # noqa: SIM115 - handed to the child
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            close_fds=True,
        )
    finally:
        log.close()
    started = _start_ticks(child.pid)
    if started is None:  # gone already, and not yet reaped: its /proc entry is still there
        raise Unavailable(f"{module} exited at once; see {Layout.log_file(process_dir)}")
    _children[child.pid] = child
    return ProcessRecord(child.pid, started)


def _fork(module: str, args: list[str], process_dir: Path, env: dict[str, str]) -> ProcessRecord | None:
    """Fork the process from the fork server of the AURORA_HOME in ``env``; None when that
    server is not running or says no (another interpreter, folder or environment)."""
    home = env.get("AURORA_HOME")
    if not home or not module.startswith("aurora."):
        return None
    request = {"module": module, "args": args, "log_file": str(Layout.log_file(process_dir).absolute()),
               "env": env, "cwd": os.getcwd(), "umask": _umask(), "executable": sys.executable}
    try:
        forked = rpc.request(Layout(Path(home).expanduser()).forkserver_socket, "fork", request,
                             timeout=30.0, peer="the fork server")
    except (errors.NotRunning, errors.Conflict, errors.InternalError):  # nothing was forked
        return None
    return ProcessRecord(forked["pid"], forked["started"])


def _umask() -> int:
    """This process's umask, read without setting it (os.umask would, for every thread)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


FORKSERVER_MODULE = "aurora.engine.forkserver"
FORKSERVER_ROOM = 4096
"""Bytes of command line the fork server starts with (a last argument of spaces): a forked
child writes its own ``python -m module args`` over them, for ``ps`` and psutil."""


TIME_SLICE_US = 300
"""The CPU time slice asked for aurorad and every process it starts (``AURORA_TIME_SLICE_US``
overrides it; 0 keeps the kernel's). Linux's EEVDF scheduler (6.12 and later) lets any
process ask for a shorter slice than its default (0.7-3 ms): it then waits less in the run
queue once woken, and is preempted sooner. A commit is a chain of short wake-ups across
processes (a session's thread, the volume's loop, six storage nodes, back), each of which,
on two busy cores, used to wait 2-4 times its own CPU time for a core."""
_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274}


def prefer_short_time_slices() -> None:
    """Ask the kernel for ``TIME_SLICE_US`` slices for this process's thread; the threads
    and processes it starts afterwards inherit them. Where the call does not exist or the
    kernel refuses it, nothing changes: a hint, not a requirement."""
    try:
        us = int(os.environ.get("AURORA_TIME_SLICE_US", TIME_SLICE_US))
    except ValueError:
        return
    number = _SCHED_SETATTR.get(os.uname().machine)
    if us <= 0 or number is None or not sys.platform.startswith("linux"):
        return
    us = min(us, 100_000)  # the kernel's largest
    import ctypes  # only here: the CLI imports this module and starts without it
    import struct

    # struct sched_attr (version 0, 48 bytes): size, policy (SCHED_OTHER), flags, nice,
    # priority, runtime (the slice, in ns, for SCHED_OTHER), deadline, period
    attr = ctypes.create_string_buffer(struct.pack(
        "IIQiIQQQ", 48, 0, 0, os.getpriority(os.PRIO_PROCESS, 0), 0, us * 1000, 0, 0), 48)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).syscall(number, 0, attr, 0)


INSTANCE_MODULE = "aurora.engine.instance.server"


def keep_to_one_cpu(key: str, *, quiet: bool = False) -> int | None:
    """Keep every thread of this process on one CPU, and return it (None when nothing
    changed). For a database instance: its session threads, its event loop and the volume
    client's loop take turns at one interpreter lock, and when they run on different CPUs
    each hand-over of the lock is a wake-up of a thread on another core (sampled under
    pgbench select-only with 4 clients: 6.5 context switches per statement, against 1.2 on
    one CPU, and twice the statements a second). SQLite's own work between the hand-overs
    is what the other cores would have done in parallel.

    ``AURORA_INSTANCE_CPU``: ``auto`` (the default) picks the allowed CPU that the fewest
    other instance processes of this machine are kept to, ties broken by ``key`` so that
    instances starting together spread, or with ``quiet`` (a writer) by the fewest device
    interrupts served (``device_interrupts``); a number picks that CPU; ``off`` leaves the
    process free to run on every CPU. Where the kernel refuses, nothing changes."""
    setting = os.environ.get("AURORA_INSTANCE_CPU", "auto").strip().lower()
    if setting == "off" or not hasattr(os, "sched_setaffinity"):
        return None
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except OSError:
        return None
    if setting == "auto":
        if len(allowed) < 2:
            return None
        cpu = _least_used_cpu(allowed, key, quiet)
    else:
        try:
            cpu = int(setting)
        except ValueError:
            return None
        if cpu not in allowed:
            return None
    return cpu if _keep_threads(os.getpid(), {cpu}) else None


def kept_cpu(pid: int) -> int | None:
    """The one CPU the process ``pid`` is kept to (its first thread's affinity), else None."""
    try:
        cpus = os.sched_getaffinity(pid)
    except OSError:
        return None
    return next(iter(cpus)) if len(cpus) == 1 else None


def keep_off_cpus(pids: Iterable[int], cpus: set[int]) -> None:
    """Keep every thread of the processes ``pids`` off ``cpus``, on the other CPUs this
    process may use; on all of those when none is left (the storage nodes off the writers'
    CPUs: ``Supervision.place_storage_nodes``). Processes that are gone are passed over."""
    try:
        allowed = set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return
    target = (allowed - cpus) or allowed
    for pid in pids:
        _keep_threads(pid, target)


def _keep_threads(pid: int, cpus: set[int]) -> bool:
    """Give every thread of ``pid`` the CPUs ``cpus`` (threads started later inherit them
    from the one that starts them). False when the kernel refused; a thread or a process
    that ended meanwhile is passed over."""
    try:
        tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tasks = [pid]
    for tid in tasks:
        try:
            if os.sched_getaffinity(tid) != cpus:
                os.sched_setaffinity(tid, cpus)
        except ProcessLookupError:
            continue
        except OSError:
            return False
    return True


def _least_used_cpu(allowed: list[int], key: str, quiet: bool = False) -> int:
    """The CPU of ``allowed`` that the fewest running instance processes are kept to; among
    those, with ``quiet``, the one that served the fewest device interrupts."""
    import zlib  # only here: the CLI imports this module

    counts = dict.fromkeys(allowed, 0)
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                if INSTANCE_MODULE.encode() not in f.read(512):
                    continue
        except OSError:
            continue  # gone, or not ours to look at
        if (cpu := kept_cpu(int(entry.name))) in counts:
            counts[cpu] += 1
    fewest = min(counts.values())
    candidates = [cpu for cpu in allowed if counts[cpu] == fewest]
    if quiet and len(candidates) > 1:
        served = device_interrupts()
        if served:
            least = min(served.get(cpu, 0) for cpu in candidates)
            candidates = [cpu for cpu in candidates if served.get(cpu, 0) == least]
    return candidates[zlib.crc32(key.encode()) % len(candidates)]


def device_interrupts(text: str | None = None) -> dict[int, int]:
    """The interrupts of devices (a disk's, a network card's: the numbered lines of
    ``/proc/interrupts``, not the timer's or the scheduler's) that each CPU served since
    boot, or ``text`` in that format; {} where the file cannot be read.

    A writer keeps off the CPU that takes the disk's interrupts: every fdatasync of the
    storage nodes ends in one, and its handler preempts whatever runs there. On a
    two-core machine whose disk interrupts all went to CPU 1, a writer kept to CPU 0 ran
    sysbench ``oltp_read_write`` 417-441 against 380-387 transactions a second on CPU 1,
    and pgbench TPC-B 720-743 against 675-686 (8 s runs alternating)."""
    if text is None:
        try:
            with open("/proc/interrupts") as f:
                text = f.read()
        except OSError:
            return {}
    lines = text.splitlines()
    if not lines:
        return {}
    cpus = [int(h[3:]) for h in lines[0].split() if h.startswith("CPU") and h[3:].isdigit()]
    served = dict.fromkeys(cpus, 0)
    for line in lines[1:]:
        name, _, rest = line.partition(":")
        if not name.strip().isdigit():
            continue
        for cpu, count in zip(cpus, rest.split(), strict=False):
            if not count.isdigit():
                break
            served[cpu] += int(count)
    return served


def autogroup_nice(pid: int) -> int | None:
    """The nice value of the process's autogroup (``/proc/PID/autogroup``); None when the
    kernel has no autogroups or the process is gone."""
    try:
        with open(f"/proc/{pid}/autogroup") as f:
            return int(f.read().rsplit(None, 1)[-1])
    except (OSError, ValueError, IndexError):
        return None


def set_autogroup_nice(pid: int, nice: int) -> int:
    """Give the autogroup of the process, which must lead its own session (every aurora
    process does), the nice value ``nice`` (0 to 19). Returns 0, or the error number of the
    refusal: EAGAIN when it came too soon (an unprivileged user may change one autogroup
    every 100 ms, system-wide). Linux puts each session of the root cgroup's processes in
    an autogroup of its own and shares the CPUs among autogroups by their weight, so that a
    thread's own nice value counts only within its process; and unlike a thread's, an
    unprivileged user may lower an autogroup's nice value again (to 0)."""
    try:
        if os.getsid(pid) != pid:
            return errno.EPERM  # not a session of its own: the change would reach others too
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(max(0, min(nice, 19))))
        return 0
    except OSError as e:
        return e.errno or errno.EIO


def start_fork_server(layout: Layout, owner: ProcessRecord) -> None:
    """Start the fork server of ``layout``'s home unless it runs (or AURORA_FORKSERVER is
    0: every process is then spawned afresh); it serves, and lives as long as, the aurorad
    ``owner``."""
    if os.environ.get("AURORA_FORKSERVER") == "0":
        return
    folder = ensure_private_dir(layout.forkserver_dir)
    with file_lock(Layout.pid_file(folder).with_suffix(".lock")):
        record = read_pid_file(folder)
        if record is not None and record.alive():
            return
        env = {**os.environ, "AURORA_HOME": str(layout.home)}
        record = _popen(FORKSERVER_MODULE, ["--owner", f"{owner.pid}:{owner.started}", " " * FORKSERVER_ROOM],
                        folder, env)
        Layout.pid_file(folder).write_text(f"{record.pid} {record.started}\n")


def this_process() -> ProcessRecord:
    started = _start_ticks(os.getpid())
    assert started is not None
    return ProcessRecord(os.getpid(), started)


# Popen objects of the processes this process started, so that they are reaped when they end.
_children: dict[int, subprocess.Popen] = {}


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.02,
    on_slow: Callable[[str], None] | None = None,
    alive: Callable[[], bool] | None = None,
    log_file: Path | None = None,
) -> None:
    """Poll ``condition`` until it holds; raise Unavailable after ``timeout`` seconds.

    ``on_slow`` is told "still waiting for <what>..." once after three seconds; ``alive``,
    when given and false, ends the wait at once (the process being waited for died), with
    the last words of ``log_file`` when given.
    """
    deadline = time.monotonic() + timeout
    slow_at = time.monotonic() + 3.0
    told = False
    while True:
        if condition():
            return
        if alive is not None and not alive():
            raise Unavailable(f"{what} exited before it was ready{last_words(log_file)}")
        now = time.monotonic()
        if now >= deadline:
            raise Unavailable(f"timed out after {timeout:.0f}s waiting for {what}")
        if on_slow and not told and now >= slow_at:
            on_slow(f"still waiting for {what}...")
            told = True
        time.sleep(interval)


def last_words(log_file: Path | None) -> str:
    """": <the log's last error line> (log: <path>)", for a message about a process that
    died; "" without a log."""
    if log_file is None:
        return ""
    try:
        with open(log_file, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 8192))
            lines = [ln.strip() for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    if not lines:
        return f" (log: {log_file})"
    said = next((ln for ln in reversed(lines) if " CRITICAL " in ln or " ERROR " in ln), lines[-1])
    return f": {said[-300:]} (log: {log_file})"


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
