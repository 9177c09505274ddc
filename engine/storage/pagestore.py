"""What an instance needs from a volume: versioned page reads and durable commit batches.

:class:`PageStore` is the seam between the SQL engine's VFS and the storage layer. The real
implementation, :class:`VolumePageStore`, wraps the volume client
(:mod:`aurora.engine.storage.volume`) for callers on threads; the in-memory
:class:`MemoryPageStore` keeps the same multi-version semantics in one process and serves
unit tests of the layers above it, which then run unchanged on the real volume.

Pages are addressed by (file number, page number), page numbers from 0; a page never
written reads as None. LSNs grow by one per page record, and a commit's LSN (its commit
point) is the LSN of its last record.
"""

from __future__ import annotations

import asyncio
import bisect
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol, TypeVar

from aurora.engine.loop import new_event_loop
from aurora.engine.storage.catalog import Catalog, VolumeMeta
from aurora.engine.storage.volume import NodePool, Outcome, Volume

PageKey = tuple[int, int]
T = TypeVar("T")
ChangeListener = Callable[[int, list[PageKey]], None]


class Waitable(Protocol):
    """A submitted batch's durability, as a thread waits for it: a ``concurrent.futures.Future``
    or the volume's lighter :class:`~aurora.engine.storage.volume.Outcome`."""

    def done(self) -> bool: ...

    def result(self) -> object: ...


class PageStore(Protocol):
    page_size: int

    def read_point(self) -> int:
        """The newest durable commit LSN (VDL): where a new snapshot may pin its reads."""
        ...

    def read_page(self, file: int, page: int, as_of: int) -> bytes | None:
        """The newest version of the page at or below ``as_of``; None if never written."""
        ...

    def commit(self, writes: Mapping[PageKey, bytes]) -> int:
        """Write one transaction's pages as one redo batch; return when durable (4 of 6).

        Returns the commit LSN. Raises WriteQuorumLost or StaleEpoch; then nothing of the
        batch is visible to this store's readers unless a later recovery finds it durable.
        """
        ...

    def submit(self, writes: Mapping[PageKey, bytes]) -> tuple[int, Waitable | None]:
        """Number one transaction's batch and send it, without waiting for durability.

        Returns the commit LSN and a future that resolves once the batch is durable (None
        when it is durable already). Raises when the batch was not sent (it never becomes
        durable); once this returned, a failure of the future leaves the outcome unknown.
        """
        ...

    def subscribe(self, listener: ChangeListener) -> None:
        """Call ``listener(commit_lsn, pages)`` after each durable commit, in LSN order."""
        ...


class MemoryPageStore:
    """A multi-version page store held in memory (thread-safe)."""

    def __init__(self, page_size: int = 4096) -> None:
        self.page_size = page_size
        self._lock = threading.Lock()
        self._versions: dict[PageKey, tuple[list[int], list[bytes]]] = {}
        self._lsn = 0
        self._listeners: list[ChangeListener] = []

    def read_point(self) -> int:
        return self._lsn

    def read_page(self, file: int, page: int, as_of: int) -> bytes | None:
        with self._lock:
            entry = self._versions.get((file, page))
            if entry is None:
                return None
            lsns, images = entry
            i = bisect.bisect_right(lsns, as_of)
            return images[i - 1] if i else None

    def commit(self, writes: Mapping[PageKey, bytes]) -> int:
        with self._lock:
            lsn = self._lsn
            for key, image in sorted(writes.items()):
                if len(image) != self.page_size:
                    raise ValueError(f"page {key} is {len(image)} bytes, not {self.page_size}")
                lsn += 1
                lsns, images = self._versions.setdefault(key, ([], []))
                lsns.append(lsn)
                images.append(bytes(image))
            # The read point moves once, past the whole batch, as a volume's VDL does: moved
            # page by page, a snapshot taken meanwhile saw part of the batch.
            self._lsn = lsn
            listeners = list(self._listeners)
        for listener in listeners:
            listener(lsn, sorted(writes))
        return lsn

    def submit(self, writes: Mapping[PageKey, bytes]) -> tuple[int, Waitable | None]:
        return self.commit(writes), None

    def subscribe(self, listener: ChangeListener) -> None:
        with self._lock:
            self._listeners.append(listener)


class VolumePageStore:
    """A :class:`PageStore` over a real volume, for callers on ordinary threads.

    The volume client is asyncio code; it runs on an event loop in a thread of its own, and
    each call here hands a coroutine to that loop and waits for its result, but for
    :meth:`submit`, which numbers the batch on the caller's thread and has the loop only
    send it (``Volume.number``, ``Volume.send_numbered``).
    """

    def __init__(self, volume: Volume, loop: asyncio.AbstractEventLoop) -> None:
        self.volume = volume
        self.page_size = volume.meta.page_size
        self._loop = loop
        self._listeners: list[ChangeListener] = []
        self._lock = threading.Lock()
        volume.durable_listeners.append(self._notify)

    @classmethod
    def open(cls, catalog: Catalog, meta: VolumeMeta, *, writer: bool, az: str | None = None,
             quorum_timeout: float = 2.0) -> VolumePageStore:
        """Start a loop thread, open the volume (as writer or reader) on it, and wrap it."""
        loop = new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=f"volume-{meta.name}", daemon=True)
        thread.start()
        try:
            volume = asyncio.run_coroutine_threadsafe(
                _open(catalog, meta, writer, az, quorum_timeout), loop).result()
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            raise
        return cls(volume, loop)

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await, from another event loop, ``coro`` run on the volume's loop (where the
        listeners of :meth:`subscribe` are called)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def read_point(self) -> int:
        return self.volume.vdl

    def read_page(self, file: int, page: int, as_of: int) -> bytes | None:
        return self._call(self.volume.read_page(file, page, as_of))

    def commit(self, writes: Mapping[PageKey, bytes]) -> int:
        # Listeners hear of the batch from the volume as it becomes durable (before this
        # returns), and also of a batch whose commit raised but that became durable later.
        return self._call(self.volume.commit(dict(writes)))

    def submit(self, writes: Mapping[PageKey, bytes]) -> tuple[int, Waitable | None]:
        # Callers serialise their submissions (CommitPipeline), as Volume.number requires.
        numbered = self.volume.number(writes)
        if numbered is None:  # a new protection group first: the loop numbers it
            return asyncio.run_coroutine_threadsafe(_submit(self.volume, dict(writes)), self._loop).result()
        first, records = numbered
        durable = Outcome()
        sent = threading.Lock()
        sent.acquire()
        self._loop.call_soon_threadsafe(self.volume.send_numbered, first, records, durable, sent.release)
        # Wait until the frames have left: this hands the loop the interpreter now (the
        # thread would otherwise go on, wake the next writer and delay the send behind it).
        sent.acquire()
        return records[-1][0], durable

    def apply_commit(self, lsn: int, pages: list[PageKey], tips: list[list[int]] | None = None) -> None:
        """Reader: the writer announced a durable commit; move the read point and tell listeners."""
        self._loop.call_soon_threadsafe(self.volume.apply_commit, lsn, pages, tips)
        self.volume.vdl = max(self.volume.vdl, lsn)
        self._notify(lsn, sorted(pages))

    def subscribe(self, listener: ChangeListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _notify(self, lsn: int, pages: list[PageKey]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(lsn, pages)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self.volume.close())
        self._loop.call_soon_threadsafe(self._loop.stop)


async def _open(catalog: Catalog, meta: VolumeMeta, writer: bool, az: str | None,
                quorum_timeout: float) -> Volume:
    volume = Volume(catalog, meta, NodePool(), az=az, quorum_timeout=quorum_timeout)
    if writer:
        await volume.open_writer()
    else:
        await volume.open_reader()
    return volume


async def _submit(volume: Volume, writes: dict[PageKey, bytes]) -> tuple[int, concurrent.futures.Future]:
    """On the volume's loop: number and send the batch (``Volume.submit``: no await between
    taking LSNs and sending), and return its commit LSN with a future for its durability."""
    lsn, done = await volume.submit(writes)
    durable: concurrent.futures.Future = concurrent.futures.Future()

    def settle(t: asyncio.Task) -> None:
        if t.cancelled():
            durable.set_exception(concurrent.futures.CancelledError())
        elif t.exception() is not None:
            durable.set_exception(t.exception())  # type: ignore[arg-type]
        else:
            durable.set_result(t.result())

    wait = asyncio.ensure_future(volume.wait_durable(lsn, done))
    _waits.add(wait)
    wait.add_done_callback(_waits.discard)
    wait.add_done_callback(settle)
    return lsn, durable


_waits: set[asyncio.Future] = set()
"""Durability waits under way (the loop keeps only weak references to tasks)."""
