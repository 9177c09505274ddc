"""The buffer pool alone: version lookup by snapshot, what it learns from commits, eviction."""

from __future__ import annotations

import threading

import pytest
from test_vfs_support import RecordingStore

from aurora.engine.instance.bufferpool import BufferPool
from aurora.engine.storage.pagestore import MemoryPageStore

PAGE = 4096


def image(tag: int) -> bytes:
    return bytes([tag % 256]) * PAGE


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore(MemoryPageStore(PAGE))


def test_lookup_at_a_snapshot_returns_the_newest_version_at_or_below_it(
    store: RecordingStore,
) -> None:
    first = store.commit({(1, 0): image(1)})
    pool = BufferPool(store, 64 * PAGE)
    assert pool.read(1, 0, first) == image(1)
    second = store.commit({(1, 0): image(2), (1, 1): image(3)})
    assert pool.read(1, 0, second) == image(2)
    assert pool.read(1, 0, first) == image(1)  # the old version, for an old snapshot
    assert pool.read(1, 1, first) is None
    assert pool.read(1, 1, second) == image(3)
    assert pool.read(2, 0, second) is None


def test_hits_do_not_ask_storage_while_no_newer_version_exists(store: RecordingStore) -> None:
    lsn = store.commit({(1, 0): image(1), (1, 1): image(1)})
    pool = BufferPool(store, 64 * PAGE)
    pool.read(1, 0, lsn)
    reads = store.reads
    # Commits to other pages move the read point without invalidating page 0.
    for n in range(5):
        lsn = store.commit({(1, 1): image(n)})
        assert pool.read(1, 0, lsn) == image(1)
    assert store.reads == reads
    stats = pool.stats()
    assert (stats.hits, stats.misses) == (5, 1)


def test_a_notified_commit_replaces_the_cached_version(store: RecordingStore) -> None:
    lsn = store.commit({(1, 0): image(1)})
    pool = BufferPool(store, 64 * PAGE)
    pool.read(1, 0, lsn)
    newer = store.commit({(1, 0): image(2)})
    assert pool.read(1, 0, newer) == image(2)
    # Nobody pinned the old snapshot, so the old version was dropped on notification.
    assert pool.stats().versions == 1


def test_pinned_snapshots_keep_old_versions(store: RecordingStore) -> None:
    lsn = store.commit({(1, 0): image(1)})
    pool = BufferPool(store, 64 * PAGE)
    pool.begin_snapshot(1, lsn)
    pool.read(1, 0, lsn)
    newer = store.commit({(1, 0): image(2)})
    pool.read(1, 0, newer)
    reads = store.reads
    assert pool.read(1, 0, lsn) == image(1)
    assert store.reads == reads
    assert pool.stats().versions == 2
    pool.end_snapshot(lsn)


def test_an_old_pinned_snapshot_keeps_its_version_only(store: RecordingStore) -> None:
    """A session idle in its transaction pins one old snapshot; the versions that commits
    close after it are read by nobody and go, on a writer's own commits and on notified
    ones alike (a hot page used to keep every version it had while any older pin lived)."""
    writer = BufferPool(store, 4096 * PAGE, sole_writer=True)
    reader = BufferPool(store, 4096 * PAGE)
    first = store.commit({(1, 0): image(0)})
    writer.install(first, {(1, 0): image(0)})
    for pool in (writer, reader):
        pool.begin_snapshot(1, first)
        assert pool.read(1, 0, first) == image(0)
    lsn = first
    for n in range(1, 200):
        lsn = store.commit({(1, 0): image(n)})
        writer.install(lsn, {(1, 0): image(n)})
        assert writer.read(1, 0, lsn) == image(n)
        assert reader.read(1, 0, lsn) == image(n)
        snapshot = writer.begin_snapshot(1, lsn)  # a statement reads and ends
        assert writer.read(1, 0, lsn) == image(n)
        writer.end_snapshot(snapshot)
    for pool in (writer, reader):
        assert pool.stats().versions <= 3
        assert pool.stats().bytes <= 3 * PAGE
    reads = store.reads
    assert writer.read(1, 0, first) == image(0)  # the pinned snapshot still reads its own
    assert reader.read(1, 0, first) == image(0)
    assert store.reads == reads
    writer.end_snapshot(first)
    reader.end_snapshot(first)


def test_own_commits_are_installed_without_a_storage_read(store: RecordingStore) -> None:
    pool = BufferPool(store, 64 * PAGE)
    writes = {(1, 0): image(5), (1, 1): image(6)}
    lsn = store.commit(writes)
    pool.install(lsn, writes)
    assert pool.read(1, 0, lsn) == image(5)
    assert pool.read(1, 1, lsn) == image(6)
    assert store.reads == 0
    assert pool.file_last_commit(1) == lsn
    assert pool.file_last_commit(2) == 0


class DelayedStore:
    """A store whose notifications are delivered only when the test says so."""

    page_size = PAGE

    def __init__(self) -> None:
        self.inner = MemoryPageStore(PAGE)
        self.listeners: list = []
        self.pending: list[tuple[int, list]] = []

    def read_point(self) -> int:
        return self.inner.read_point()

    def read_page(self, file: int, page: int, as_of: int) -> bytes | None:
        return self.inner.read_page(file, page, as_of)

    def commit(self, writes: dict) -> int:
        lsn = self.inner.commit(writes)
        self.pending.append((lsn, sorted(writes)))
        return lsn

    def submit(self, writes: dict) -> tuple[int, None]:
        return self.commit(writes), None

    def subscribe(self, listener: object) -> None:
        self.listeners.append(listener)

    def deliver(self) -> None:
        for lsn, pages in self.pending:
            for listener in self.listeners:
                listener(lsn, pages)
        self.pending.clear()


def test_a_snapshot_ahead_of_notifications_goes_to_storage() -> None:
    """A store whose read point moves before its listeners run must not get stale pages."""
    delayed = DelayedStore()
    inner = delayed.inner
    lsn = delayed.commit({(1, 0): image(1)})
    delayed.deliver()
    pool = BufferPool(delayed, 64 * PAGE)
    assert pool.read(1, 0, lsn) == image(1)
    newer = inner.commit({(1, 0): image(2)})  # not yet notified
    assert pool.read(1, 0, newer) == image(2)
    assert pool.read(1, 0, lsn) == image(1)
    delayed.deliver()
    assert pool.read(1, 0, newer) == image(2)
    assert pool.read(1, 0, lsn) == image(1)


def test_versions_fetched_out_of_order_claim_only_what_notifications_prove() -> None:
    delayed = DelayedStore()
    first = delayed.commit({(1, 0): image(1)})
    delayed.deliver()
    pool = BufferPool(delayed, 64 * PAGE)
    changed = delayed.commit({(1, 0): image(2)})  # not yet notified
    later = delayed.commit({(1, 1): image(9)})  # not yet notified either
    assert pool.read(1, 0, later) == image(2)
    assert pool.read(1, 0, first) == image(1)
    assert pool.read(1, 0, changed) == image(2)  # not image 1 stretched up to `later`
    delayed.deliver()
    assert [pool.read(1, 0, s) for s in (first, changed, later)] == [image(1), image(2), image(2)]


def test_size_is_bounded_with_lru_eviction(store: RecordingStore) -> None:
    lsn = store.commit({(1, p): image(p) for p in range(20)})
    pool = BufferPool(store, 4 * PAGE)
    for p in range(20):
        assert pool.read(1, p, lsn) == image(p)
    stats = pool.stats()
    assert stats.bytes <= 4 * PAGE
    assert stats.evictions == 16
    pool.read(1, 16, lsn)  # touch: now the most recently used
    pool.read(1, 0, lsn)  # evicts 17, the least recently used
    reads = store.reads
    assert pool.read(1, 16, lsn) == image(16)
    assert store.reads == reads
    assert pool.read(1, 17, lsn) == image(17)
    assert store.reads == reads + 1


def test_concurrent_readers_and_commits_stay_consistent(store: RecordingStore) -> None:
    """Each page holds the commit's sequence number; a snapshot sees one commit's pages."""
    store.commit({(1, p): image(0) for p in range(8)})
    pool = BufferPool(store, 6 * PAGE)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                lsn = store.read_point()
                pool.begin_snapshot(1, lsn)
                tags = {pool.read(1, p, lsn)[0] for p in range(8)}  # type: ignore[index]
                pool.end_snapshot(lsn)
                assert len(tags) == 1, tags
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(1, 300):
        store.commit({(1, p): image(n) for p in range(8)})
    stop.set()
    for t in threads:
        t.join(10)
    assert errors == []


def test_the_memory_page_store_moves_its_read_point_once_per_batch() -> None:
    # It moved the read point page by page inside a commit, so a snapshot taken meanwhile
    # saw part of a batch (the readers above, once in a while: {226, 227}). Each page's
    # length is read inside the commit: look at the read point from there.
    store = MemoryPageStore(4)
    first = store.commit({(1, 0): b"aaaa"})
    seen: list[int] = []

    class Watched(bytes):
        def __len__(self) -> int:
            seen.append(store.read_point())
            return super().__len__()

    second = store.commit({(1, p): Watched(b"bbbb") for p in range(5)})
    assert seen == [first] * 5
    assert store.read_point() == second == first + 5
    assert [store.read_page(1, p, second) for p in range(5)] == [b"bbbb"] * 5
    assert store.read_page(1, 1, first) is None


def test_invalidate_starts_over_after_a_gap_in_notifications(store: RecordingStore) -> None:
    lsn = store.commit({(1, 0): image(1)})
    pool = BufferPool(store, 64 * PAGE)
    pool.read(1, 0, lsn)
    pool.begin_snapshot(1, lsn)
    assert pool.oldest_snapshot() == lsn
    pool.end_snapshot(lsn)
    assert pool.oldest_snapshot() is None
    pool.invalidate()
    assert pool.stats().pages == 0
    newer = store.commit({(1, 0): image(2)})
    assert pool.read(1, 0, newer) == image(2)
    assert pool.read(1, 0, lsn) == image(1)
