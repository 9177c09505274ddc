"""Internal Unix sockets of an AURORA_HOME, which only the home's owner may reach.

Storage nodes and the writer's replication stream listen on Unix sockets inside 0700
folders of the home, so the kernel refuses other users at connect; the socket itself is
0600. A server also checks each accepted connection's peer credentials (SO_PEERCRED) and
closes one from another user before reading a byte, in case a folder's mode was loosened.
"""

from __future__ import annotations

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
