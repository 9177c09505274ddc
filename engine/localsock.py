"""Internal Unix sockets of an AURORA_HOME, which only the home's owner may reach.

Storage nodes and the writer's replication stream listen on Unix sockets inside 0700
folders of the home, so the kernel refuses other users at connect; the socket itself is
0600. A server also checks each accepted connection's peer credentials (SO_PEERCRED) and
closes one from another user before reading a byte, in case a folder's mode was loosened.

An instance writes on these sockets around its event loop's transports, the GIL released
(:func:`write_now`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import struct
from pathlib import Path
from typing import Any

from aurora.engine.layout import ensure_private_dir, unix_socket_path

_CRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def from_owner(sock: Any) -> bool:
    """True when ``sock`` (a socket or an asyncio transport's socket) is a Unix socket whose
    peer runs as this process's user."""
    if sock is None or sock.family != socket.AF_UNIX:
        return False
    _pid, uid, _gid = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
    return uid == os.geteuid()


def claim(path: Path) -> str:
    """Get ready to listen at ``path``: its folder private, a socket left by a process that
    died removed. Return the address to bind; raise EADDRINUSE if a live server answers."""
    ensure_private_dir(path.parent)
    address = unix_socket_path(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(address)
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return address
    raise OSError(errno.EADDRINUSE, f"another process listens on {path}")


def restrict(path: Path) -> None:
    """Make a freshly bound socket the owner's alone."""
    os.chmod(path, 0o600)


_IOV_MAX = 1024  # buffers one writev takes at most (Linux)
_without_gil = False


def write_without_gil(on: bool = True) -> None:
    """Make :func:`write_now` write around the transport, the GIL released: for a process
    whose other threads run Python while its event loop sends (an instance's sessions)."""
    global _without_gil
    _without_gil = on


def write_now(transport: asyncio.WriteTransport, buffers: list[Any]) -> None:
    """Write ``buffers`` on a transport at once. In a process that asked for it
    (:func:`write_without_gil`), with one ``writev`` made without the GIL while the transport
    has nothing queued; the transport queues what the socket does not take, and meets any
    error itself.

    uvloop's transports make their system calls holding the GIL: in an instance the event
    loop's sends to six storage nodes then stop every session thread for as long as the
    kernel takes to copy a commit and wake the nodes (on two cores a woken node often runs
    before the sender, which keeps the GIL meanwhile). Sampled under pgbench TPC-B, the
    loop's sends held the GIL in 17% of the samples that showed it held. In a process with
    one thread (a storage node, a writer alone) the same ``writev`` costs more than uvloop's
    own, the GIL's hand-over and the Python around it: a single writer's commit took 5%
    more CPU (``bench/storage_bench.py``), so such a process keeps uvloop's write."""
    if _without_gil and len(buffers) <= _IOV_MAX and not transport.is_closing() and not transport.get_write_buffer_size():
        sock = transport.get_extra_info("socket")
        try:
            sent = os.writev(sock.fileno(), buffers) if sock is not None else 0
        except OSError:
            sent = 0  # full (EAGAIN), or broken: the transport finds that out itself
        if sent:
            while buffers and sent >= len(buffers[0]):
                sent -= len(buffers.pop(0))
            if not buffers:
                return
            if sent:
                buffers[0] = memoryview(buffers[0])[sent:]
    transport.writelines(buffers)
