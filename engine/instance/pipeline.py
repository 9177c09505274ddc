"""Commit pipelining: hand a batch to the volume, learn its LSN, wait for durability later.

A writer's commit has two halves. *Submitting* numbers the batch's records and sends them to
the storage nodes; from then on the order of commits is fixed, so the next transaction may
start on top of it. *Durability* (4 of 6 copies of every protection group touched) takes a
storage round trip with an fsync; only then is the client answered. Holding SQLite's write
lock across that round trip would serialise every commit on the fsync latency of the
storage fleet; releasing it after submitting lets commits overlap, and the volume client's
per-node batching turns them into group commits.

``PageStore.submit`` numbers a batch, starts sending it and hands back a future for its
durability (on a real volume, ``Volume.submit`` then ``Volume.wait_durable`` on the volume's
loop; a batch that needs a new protection group waits for it before it is numbered);
:class:`CommitPipeline` wraps that future in a :class:`Durability`.
Submissions are serialised by a lock held until the caller has installed the batch in its
buffer pool, so LSNs are taken, and installed, in commit order. A submission that raises
sent nothing (the commit failed); once it returned, a failure of the wait leaves the
commit's outcome unknown: the batch is resent and may still become durable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from aurora.engine.storage.pagestore import PageKey, PageStore, Waitable

Installer = Callable[[int, Mapping[PageKey, bytes]], None]


class Durability:
    """The pending half of a submitted commit: :meth:`wait` returns once it is durable."""

    __slots__ = ("_future", "lsn")

    def __init__(self, lsn: int, future: Waitable | None) -> None:
        self.lsn = lsn
        self._future = future

    def wait(self) -> None:
        """Block until the batch is durable; raise the storage error when storage made no
        progress for its timeout (WriteQuorumLost) or this writer was fenced (StaleEpoch).
        Either way the outcome is unknown: the batch was sent and may be durable, or become so."""
        if self._future is not None:
            self._future.result()


class CommitPipeline:
    """Submits commit batches to a page store (``PageStore.submit``), in commit order."""

    def __init__(self, store: PageStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._inflight: dict[int, Durability] = {}  # submitted, by LSN (settled: forgotten at the next submit)

    def submit(self, writes: Mapping[PageKey, bytes], install: Installer) -> Durability:
        """Number and send ``writes``; call ``install(lsn, writes)`` before any later batch
        is numbered; return the durability to wait for. Raises the storage error when the
        batch cannot even be sent (a fenced writer, a write quorum already lost)."""
        with self._lock:
            durability = Durability(*self._store.submit(writes))
            install(durability.lsn, writes)
            inflight = self._inflight
            # Batches settle in LSN order, as they were added: forget the settled from the front.
            while inflight:
                first = next(iter(inflight))
                future = inflight[first]._future
                if future is not None and not future.done():
                    break
                del inflight[first]
            if durability._future is not None:
                inflight[durability.lsn] = durability
            return durability

    def wait_durable(self, lsn: int) -> None:
        """Wait until the commit ``lsn`` of this pipeline is durable (batches become durable
        in LSN order, so all before it are too); return at once when it is not in flight.
        A failed wait returns as well: that commit's own session reports its outcome."""
        durability = self._inflight.get(lsn)
        if durability is not None:
            try:
                durability.wait()
            except Exception:
                pass
