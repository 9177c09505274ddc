"""The fork server: a warm process that has imported the engine once and forks the storage
nodes and instances of its AURORA_HOME (``python -m aurora.engine.forkserver``).

A fresh ``python -m aurora.engine.instance.server`` spends 0.5 to 1 s of CPU importing the
SQL engine before it does anything; a child forked from here starts in milliseconds. The
fork server listens first and imports afterwards, one module of :data:`PRELOAD` at a time
between requests, so the storage nodes of a cold create are forked while the instance's
modules still load. It stays single-threaded, with no event loop and no handler on the root
logger, so that a child inherits no thread, lock or loop; the child then makes itself the
process ``python -m module args`` would be (:func:`_become`). :func:`aurora.engine.process.spawn`
asks it first and spawns as before when it is not there or says no.

It serves the aurorad whose pid and start time it was given, and ends when that aurorad does
(aurorad starts it again); its children are independent processes and outlive it.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import gc
import importlib
import json
import os
import runpy
import select
import socket
import sys
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import Annotated, Any, TypedDict

from aurora.engine import errors, process, rpc
from aurora.engine.layout import Layout, unix_socket_path

PRELOAD = (
    "aurora.engine.storage.node",
    "aurora.engine.backup.streamer",
    "asyncio",
    "apsw",
    "sqlglot",
    "aurora.engine.sql.functions",
    "aurora.engine.sql.ddl",
    "aurora.engine.sql.session",
    "aurora.engine.instance.server",
)
"""What the children run, in the order a create needs it; each step is short enough that a
request waits little behind it."""

QUIET = 0.03
"""Seconds without a request before the next preload step."""

class Forked(TypedDict):
    pid: Annotated[int, "the child's process id"]
    started: Annotated[int, "its start in clock ticks since boot (engine/process.py)"]


class ForkServer:
    def __init__(self, listener: socket.socket, owner: process.ProcessRecord) -> None:
        self.listener = listener
        self.owner = owner
        self.forked = 0

    def op_fork(self, module: str, args: list[str], log_file: str, env: dict[str, str], cwd: str,
                umask: int, executable: str) -> Forked:
        """Fork ``python -m module args``; refuse (the caller then spawns) whatever this
        process could not be the same as: another interpreter, environment or folder."""
        if not module.startswith("aurora."):
            raise errors.Conflict("the fork server starts aurora's own processes only")
        if executable != sys.executable or cwd != os.getcwd() or env != dict(os.environ):
            raise errors.Conflict("the fork server runs another interpreter, folder or environment")
        try:  # here, once, rather than in this child and the next ones
            importlib.import_module(module)
        except Exception as e:
            raise errors.Conflict(f"the fork server cannot import {module}: {e!r}") from None
        gc.freeze()
        if len(os.listdir("/proc/self/task")) != 1:  # a preloaded module started a thread
            raise errors.Conflict("the fork server is not single-threaded")
        title = b"\0".join(os.fsencode(a) for a in (executable, "-m", module, *args)) + b"\0"
        if len(title) + 2 > _argv_room():  # the title, and a last argument of spaces
            raise errors.Conflict("the command line is longer than the fork server's room for it")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _become(module, args, log_file, umask, title)
        self.forked += 1
        started = process._start_ticks(pid)  # not reaped before the reply: the entry is there
        assert started is not None
        return {"pid": pid, "started": started}

    def op_ping(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "forked": self.forked}

    def answer(self, conn: socket.socket) -> None:
        """One request, one reply (engine/rpc.py's framing), without threads or a loop."""
        conn.settimeout(5.0)
        try:
            line = bytearray()
            while not line.endswith(b"\n") and len(line) <= rpc.MAX_LINE:
                chunk = conn.recv(1 << 16)
                if not chunk:
                    return
                line += chunk
            try:
                name, args = rpc.parse_request(bytes(line))
                op = OPERATIONS.get(name)
                reply = {"ok": True, "result": op.handler(self, **op.bind(args))}
            except errors.AuroraError as e:
                reply = rpc.error_reply(e)
            except OSError as e:  # fork failed: out of memory or processes
                reply = rpc.error_reply(errors.Unavailable(f"fork server: {e}"))
            except Exception as e:  # a bug here: said, and the caller spawns instead
                _log("internal error: " + "".join(traceback.format_exception(e)))
                reply = rpc.error_reply(errors.InternalError(f"internal error in the fork server: {e!r}"))
            conn.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:
            pass  # the asker went away


OPERATIONS = rpc.Registry([
    rpc.Operation("fork", ForkServer.op_fork, Forked),
    rpc.Operation("ping", ForkServer.op_ping),
])


def _argv_room() -> int:
    """The bytes of this process's command line (``arg_end - arg_start``)."""
    start, end = _argv_area()
    return end - start


def _argv_area() -> tuple[int, int]:
    with open("/proc/self/stat", "rb") as f:
        stat = f.read()
    fields = stat[stat.rindex(b")") + 2:].split()
    return int(fields[45]), int(fields[46])  # arg_start, arg_end: fields 48 and 49


def _become(module: str, args: list[str], log_file: str, umask: int, title: bytes) -> None:
    """In the child: become ``python -m module args`` in a session of its own, its output to
    ``log_file``; never returns."""
    code = 1
    try:
        os.setsid()
        os.umask(umask)
        devnull = os.open(os.devnull, os.O_RDONLY)
        log = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the listener, the request, the parent's log
        start, end = _argv_area()
        # the rest of the room becomes one last argument of spaces: NULs would read as
        # thousands of empty arguments
        ctypes.memmove(start, title + b" " * (end - start - len(title) - 1) + b"\0", end - start)
        sys.argv = [module, *args]  # run_module puts the module's file first, as -m does
        # preloaded, the module is in sys.modules already: as with -m, __main__ is a copy
        warnings.filterwarnings("ignore", r".* found in sys\.modules after import of package", RuntimeWarning)
        code = 0
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit as e:
            code = _exit_code(e)
        except BaseException:
            traceback.print_exc()
            code = 1
        threading._shutdown()  # type: ignore[attr-defined]  # as the interpreter does at exit
        atexit._run_exitfuncs()
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _exit_code(e: SystemExit) -> int:
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _log(message: str) -> None:
    """A line of the fork server's log, in the shape of the others' (it leaves the logging
    module unconfigured: a child configures it for itself)."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f",{int(now % 1 * 1000):03d}"
    print(f"{stamp} forkserver INFO {message}", file=sys.stderr, flush=True)


def serve(path: Path, owner: process.ProcessRecord) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(unix_socket_path(path))
    finally:
        os.umask(old)
    listener.listen(64)
    server = ForkServer(listener, owner)
    _log(f"fork server {os.getpid()} serving on {path}")
    steps = list(PRELOAD)
    while owner.alive():
        _reap()
        if steps and all(step in sys.modules for step in steps):  # a request imported the rest
            steps.clear()
            _log("preloaded")
        # requests come in bursts (six storage nodes, one after the other): preload only
        # after a quiet moment, or the next request waits behind a whole import
        ready, _, _ = select.select([listener], [], [], QUIET if steps else 0.5)
        if ready:
            conn, _ = listener.accept()
            with conn:
                server.answer(conn)
        elif steps:
            step = steps.pop(0)
            try:
                importlib.import_module(step)
            except Exception as e:  # a child that needs it will say why itself
                _log(f"cannot preload {step}: {e!r}")
            gc.freeze()  # the collector of a child never walks (and so never copies) these
            if not steps:
                _log("preloaded")
    _log("its aurorad is gone; stopping")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aurora.engine.forkserver",
                                description="Fork the processes of aurorad from one warm process.")
    p.add_argument("--owner", required=True, help="PID:START of the aurorad it serves")
    p.add_argument("room", nargs="?", default="", help="spaces: room for a child's command line")
    args = p.parse_args(argv)
    pid, started = args.owner.split(":")
    process.prefer_short_time_slices()  # the processes forked from here inherit it
    serve(Layout.from_env().forkserver_socket, process.ProcessRecord(int(pid), int(started)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
