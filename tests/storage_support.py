"""Helpers for storage tests: opening a volume on a fleet, running a coroutine in a test,
raw connections to internal sockets, and acting as another user (nobody) against them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from aurora.engine.layout import unix_socket_path
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet
from aurora.engine.storage.volume import NodePool, Volume

T = TypeVar("T")
PAGE = 4096


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def page(tag: int | str, size: int = PAGE) -> bytes:
    """A recognisable page image."""
    text = f"{tag}|".encode()
    return (text * (size // len(text) + 1))[:size]


async def open_volume(fleet: Fleet, meta=None, writer: bool = True, **kw) -> Volume:
    catalog = Catalog(fleet.layout, fleet.region)
    meta = meta or catalog.new_volume(pg_bytes=kw.pop("pg_bytes", 64 * PAGE))
    vol = Volume(catalog, meta, NodePool(), **kw)
    if writer:
        await vol.open_writer()
    else:
        await vol.open_reader()
    return vol


def connect_raw(path: str | Path, timeout: float = 2.0) -> socket.socket:
    """A plain connection to a storage node's (or a replication) Unix socket."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(unix_socket_path(Path(path)))
    return s


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


NOBODY = 65534


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def as_another_user(path: str | Path, frame: bytes = b"", bind: bool = False) -> str:
    """In a child process running as ``nobody``: connect to the Unix socket at ``path``, send
    ``frame`` and read (or, with ``bind``, try to listen there in place of the owner's
    server). Returns what happened: an error name, "bound", or the bytes received.

    The child enters the socket's folder before it gives up root, so that only the folder's
    and the socket's own modes decide (a deep test folder is longer than sun_path, and the
    test's temporary folders above the home are private to root anyway)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest, no exceptions past this point
        try:
            os.close(r)
            os.chdir(os.path.dirname(path))
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(3)
                    if bind:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(os.path.basename(path))
                        s.bind(os.path.basename(path))
                        raise SystemExit("bound")
                    s.connect(os.path.basename(path))
                    with contextlib.suppress(OSError):
                        s.sendall(frame)
                    got = b""
                    with contextlib.suppress(OSError):
                        while chunk := s.recv(65536):
                            got += chunk
                    result = f"received {len(got)} bytes"
            except OSError as e:
                result = type(e).__name__
            except SystemExit as e:
                result = str(e)
            os.write(w, result.encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read().decode()
    os.waitpid(pid, 0)
    return out


@contextlib.contextmanager
def loosened(paths: list[Path]) -> Iterator[None]:
    """Open folders and a socket to everyone for a moment, as a careless chmod would."""
    before = {p: mode(p) for p in paths}
    try:
        for p in paths:
            os.chmod(p, 0o777)
        yield
    finally:
        for p, m in before.items():
            os.chmod(p, m)
