"""The writer's stream of committed batches to its readers, and replica lag.

Storage carries the data; this stream only tells readers *that* a batch is durable: its
commit LSN, the pages it wrote and the writer's clock at commit. A reader moves its read
point, drops stale cached pages, and measures lag as the time from the writer's commit to
the moment the change is visible on the reader (both clocks are this machine's).

Frames are JSON lines: ``{"hello": vdl}`` once, then ``{"lsn": n, "t": time, "pages": [[f, p], ...]}``.
A reader that connects (or reconnects) asks storage for the durable point itself and drops
its whole cache, so a gap in the stream never leaves a stale page behind. The stream is a
Unix socket in the writer's 0700 folder (``Layout.replication_socket``): only the owner of
AURORA_HOME can follow it, or feed a reader a commit stream.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

from aurora.engine import localsock
from aurora.engine.layout import unix_socket_path

log = logging.getLogger("aurora.instance.replication")


async def read_hello(reader: asyncio.StreamReader) -> int:
    """The first line of a commit stream: the writer's durable point when it was joined."""
    hello = json.loads(await reader.readline() or b"{}")
    if "hello" not in hello:
        raise ConnectionError("no hello from the writer")
    return int(hello["hello"])


async def read_frames(reader: asyncio.StreamReader) -> AsyncIterator[list[dict[str, Any]]]:
    """The commit frames of a stream until it ends: every whole frame of a read together (under
    load, one hop per frame lets frames queue behind each other)."""
    pending = b""
    while True:
        chunk = await reader.read(1 << 20)
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        if lines:
            yield [json.loads(line) for line in lines]


def p99(xs: Iterable[float]) -> float | None:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else None


class Broadcaster:
    """Writer side: a server on the writer's replication socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.vdl = 0

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._accept, localsock.claim(self.path))
        localsock.restrict(self.path)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not localsock.from_owner(writer.get_extra_info("socket")):
            log.warning("refusing a replication connection from another user")
            writer.transport.abort()
            return
        writer.write(json.dumps({"hello": self.vdl}).encode() + b"\n")
        self._writers.add(writer)
        try:
            await reader.read()  # readers send nothing; EOF when they go
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def publish(self, lsn: int, commit_time: float, pages: list[tuple[int, int]],
                tips: list[list[int]] | None = None) -> None:
        """Called on the loop that started the stream, in LSN order. ``tips``: for a batch
        not numbered in page order, each protection group's last page record
        (``Volume.apply_commit``)."""
        self.vdl = max(self.vdl, lsn)
        if not self._writers:
            return
        frame: dict[str, Any] = {"lsn": lsn, "t": commit_time, "pages": pages}
        if tips is not None:
            frame["tips"] = tips
        line = json.dumps(frame).encode() + b"\n"
        for w in list(self._writers):
            if w.is_closing():
                self._writers.discard(w)
                continue
            transport = w.transport
            if transport.get_write_buffer_size() > 64 * 1024 * 1024:
                log.warning("a reader is not keeping up; dropping its replication connection")
                w.close()
                continue
            w.write(line)

    @property
    def readers(self) -> int:
        return len(self._writers)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
        for w in list(self._writers):
            w.close()


class Follower:
    """Reader side: follows the writer's stream and applies it to the instance."""

    def __init__(self, locate: Callable[[], Path | None], apply: Callable[..., None],
                 resync: Callable[[], None]) -> None:
        self.locate = locate  # the current writer's replication socket (it moves on failover)
        self.apply = apply
        self.resync = resync
        self.connected = False
        self.last_lag_ms: float | None = None
        self._lags: collections.deque[float] = collections.deque(maxlen=1000)
        self.applied = 0

    def _apply_all(self, frames: list[dict]) -> None:
        for frame in frames:
            self.apply(frame["lsn"], [tuple(p) for p in frame["pages"]], frame.get("tips"))  # type: ignore[misc]

    def lag_p99_ms(self) -> float | None:
        return p99(self._lags)

    async def run(self) -> None:
        while True:
            try:
                path = await asyncio.to_thread(self.locate)
                if path is None:
                    raise OSError("no writer")
                reader, writer = await asyncio.open_unix_connection(unix_socket_path(path))
            except OSError:
                self.connected = False
                await asyncio.sleep(0.1)
                continue
            try:
                await read_hello(reader)
                await asyncio.to_thread(self.resync)
                self.connected = True
                async for frames in read_frames(reader):
                    await asyncio.to_thread(self._apply_all, frames)  # one hop for them all
                    now = time.time()
                    for frame in frames:
                        lag = max(0.0, (now - frame["t"]) * 1000)
                        self.last_lag_ms = lag
                        self._lags.append(lag)
                    self.applied += len(frames)
            except (ConnectionError, ValueError, OSError) as e:
                log.info("replication stream lost: %s; reconnecting", e)
            finally:
                self.connected = False
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
            await asyncio.sleep(0.05)
