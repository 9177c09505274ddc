"""Commit pipelining: hand a batch to the volume, learn its LSN, wait for durability later.

A writer's commit has two halves. *Submitting* numbers the batch's records and sends them to
the storage nodes; from then on the order of commits is fixed, so the next transaction may
start on top of it. *Durability* (4 of 6 copies of every protection group touched) takes a
storage round trip with an fsync; only then is the client answered. Holding SQLite's write
lock across that round trip would serialise every commit on the fsync latency of the
storage fleet; releasing it after submitting lets commits overlap, and the volume client's
per-node batching turns them into group commits.

The volume client numbers a batch in the first, synchronous step of ``Volume.commit`` (no
await between taking LSNs and sending). :class:`CommitPipeline` starts that coroutine on the
volume's loop, lets exactly that step run, and reads the LSN range it took. Submissions are
serialised by a lock held until the caller has installed the batch in its buffer pool, so
LSNs are taken, and installed, in commit order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Mapping

from aurora.engine.storage.pagestore import PageKey, PageStore, VolumePageStore

Installer = Callable[[int, Mapping[PageKey, bytes]], None]


class Durability:
    """The pending half of a submitted commit: :meth:`wait` returns once it is durable."""

    __slots__ = ("_future", "lsn")

    def __init__(self, lsn: int, future: concurrent.futures.Future | None) -> None:
        self.lsn = lsn
        self._future = future

    def wait(self) -> None:
        """Block until the batch is durable; raise the storage error if it cannot be made so
        in time (WriteQuorumLost: outcome unknown, the batch is resent) or was fenced."""
        if self._future is not None:
            self._future.result()


class CommitPipeline:
    """Submits commit batches to a page store; pipelined on a real volume, plain otherwise."""

    def __init__(self, store: PageStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._volume_store = store if isinstance(store, VolumePageStore) else None

    def submit(self, writes: Mapping[PageKey, bytes], install: Installer) -> Durability:
        """Number and send ``writes``; call ``install(lsn, writes)`` before any later batch
        is numbered; return the durability to wait for. Raises the storage error when the
        batch cannot even be sent (a fenced writer, a write quorum already lost)."""
        with self._lock:
            vstore = self._volume_store
            if vstore is None:
                durability = Durability(self._store.commit(writes), None)
            else:
                lsn, future = asyncio.run_coroutine_threadsafe(
                    _start_commit(vstore, dict(writes)), vstore._loop
                ).result()
                durability = Durability(lsn, future)
            install(durability.lsn, writes)
            return durability


async def _start_commit(
    store: VolumePageStore, writes: dict[PageKey, bytes]
) -> tuple[int, concurrent.futures.Future | None]:
    """On the volume's loop: start the commit, let its synchronous first step number the
    batch, and return the batch's commit LSN with a future for its durability."""
    volume = store.volume
    first = volume.next_lsn
    task = asyncio.ensure_future(volume.commit(writes))
    await asyncio.sleep(0)  # the task's first step runs now (ready callbacks run in order)
    if task.done():
        return task.result(), None  # raised before numbering: stopped or fenced
    if volume.next_lsn != first + len(writes):
        # The batch waits for a new protection group before it is numbered: wait for all of
        # it, then nothing is pending (rare: once per 8 MiB of growth).
        return await task, None
    durable: concurrent.futures.Future = concurrent.futures.Future()

    def settle(t: asyncio.Task) -> None:
        if t.cancelled():
            durable.set_exception(concurrent.futures.CancelledError())
        elif t.exception() is not None:
            durable.set_exception(t.exception())  # type: ignore[arg-type]
        else:
            durable.set_result(t.result())

    task.add_done_callback(settle)
    return first + len(writes) - 1, durable
