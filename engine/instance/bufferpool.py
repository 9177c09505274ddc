"""The buffer pool of an instance: page versions cached by the LSN range they are valid for.

A cached version of page (file, page) is ``[valid_from, valid_to, image]``: the image is the
newest version at or below every snapshot LSN S with ``valid_from <= S < valid_to``. A version
still current has ``valid_to == OPEN``; it is trusted for S up to the highest commit LSN the
pool has been told about (``known_lsn``), since a commit above that may not have arrived yet.
The pool learns every commit from :meth:`PageStore.subscribe` notifications and from its own
instance's commits (:meth:`BufferPool.install`), and closes a page's open version at the LSN
of the commit that changed it; closed versions no pinned snapshot needs are dropped at once.
Size is bounded in bytes with LRU eviction per page; counters feed the instance's metrics.

The pool of a writer instance (``sole_writer=True``) also holds commits that are submitted but
not yet durable (see :mod:`aurora.engine.instance.pipeline`): the writer makes every commit
of its volume, so an installed commit is known at once, its pages are kept until it is
durable (storage cannot serve them before), and a page missing from the pool is fetched as
of the durable point, which shows the same version as any later snapshot would.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aurora.engine.storage.pagestore import PageKey, PageStore

OPEN = 1 << 62
"""``valid_to`` of a version no known commit has replaced yet."""

# A version is a mutable list [valid_from, valid_to, image]: a list because valid_to is
# closed in place by notifications, and indexing a list is the cheapest access in CPython.
_Version = list


@dataclass(frozen=True)
class PoolStats:
    """Counters and occupancy of a buffer pool, for metrics."""

    hits: int
    misses: int
    evictions: int
    bytes: int
    capacity_bytes: int
    pages: int
    versions: int
    known_lsn: int


class BufferPool:
    """A thread-safe, size-bounded cache of page versions in front of a :class:`PageStore`."""

    def __init__(
        self,
        store: PageStore,
        capacity_bytes: int,
        *,
        change_log_limit: int | None = None,
        sole_writer: bool = False,
    ) -> None:
        if capacity_bytes < store.page_size:
            raise ValueError(f"a buffer pool needs at least one page ({store.page_size} bytes)")
        self._store = store
        self.capacity_bytes = capacity_bytes
        self._lock = threading.Lock()
        self._pages: OrderedDict[PageKey, list[_Version]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        # Latest known commit LSN per page, so that a version fetched at S is known to be
        # current (no commit after S changed it) or valid at S only. Bounded: entries at or
        # below _floor are forgotten, and below _floor nothing is known.
        self._last_change: dict[PageKey, int] = {}
        self._change_log_limit = change_log_limit or max(
            65536, 4 * (capacity_bytes // store.page_size)
        )
        self._file_last: dict[int, int] = {}
        self._pins: dict[int, int] = {}
        # Pins of idle sessions (see park): holder -> pinned LSN. The next commit takes them
        # back, since it makes those snapshots stale; a holder that resumes first pops its
        # entry and keeps its pin. One dict operation each side, atomic under the GIL: the
        # hot path of a session takes no lock.
        self.parked: dict[object, int] = {}
        self._closed = False
        self._sole_writer = sole_writer
        self._known = 0
        self._durable = 0
        self._floor = 0
        # Subscribe before reading the read point so no commit after it goes unseen.
        store.subscribe(self._on_commit)
        start = store.read_point()
        with self._lock:
            self._origin = start
            self._floor = max(self._floor, start)
            self._known = max(self._known, start)
            self._durable = max(self._durable, start)

    # --- reads ------------------------------------------------------------------------------

    def read(self, file: int, page: int, as_of: int) -> bytes | None:
        """The newest version of the page at or below ``as_of`` (None if never written)."""
        key = (file, page)
        with self._lock:
            versions = self._pages.get(key)
            if versions is not None:
                known = self._known
                for v in versions:
                    if v[0] <= as_of < v[1] and (as_of <= known or v[1] != OPEN or as_of == v[0]):
                        self.hits += 1
                        self._pages.move_to_end(key)
                        return v[2]
            self.misses += 1
            if self._sole_writer and as_of > self._durable:
                # Not pending here, so its version at the durable point is the one at as_of.
                as_of = self._durable
        image = self._store.read_page(file, page, as_of)
        if image is not None:
            self._insert_fetched(key, as_of, image)
        return image

    def _insert_fetched(self, key: PageKey, as_of: int, image: bytes) -> None:
        with self._lock:
            if self._closed:
                return
            known = self._known
            versions = self._pages.get(key)
            if versions is not None:
                for v in versions:
                    if v[0] <= as_of < v[1] and (as_of <= known or v[1] != OPEN or as_of == v[0]):
                        return  # another thread cached it meanwhile
            last = self._last_change.get(key)
            if (last is not None and last > as_of) or (last is None and as_of < self._floor):
                valid_to = as_of + 1  # changed after as_of at an LSN we cannot name
            else:
                valid_to = OPEN
            if versions is not None:
                # Every finite valid_to must be proven: a version is vouched for up to known
                # (all commits up to there were notified), not beyond, whatever comes later.
                vouched = max(known, as_of) + 1
                for v in versions:
                    if as_of < v[0] < valid_to:
                        valid_to = min(v[0], vouched)
                if valid_to == OPEN:
                    # An older open version did not match above, so as_of is past what it is
                    # vouched for; close it there so two versions never overlap.
                    for v in versions:
                        if v[1] == OPEN:
                            v[1] = max(known, v[0]) + 1
                versions.append([as_of, valid_to, image])
                self._pages.move_to_end(key)
            else:
                self._pages[key] = [[as_of, valid_to, image]]
            self._bytes += len(image)
            self._evict()

    # --- what the pool learns about commits ---------------------------------------------------

    def install(self, lsn: int, writes: Mapping[PageKey, bytes]) -> None:
        """Cache the pages of this instance's own commit ``lsn`` as versions current from it."""
        with self._lock:
            if self._closed:
                return
            if self.parked:
                self._unpark_all()
            pins = sorted(self._pins)
            pages = self._pages
            last_change = self._last_change
            known = self._known
            for key, image in writes.items():
                if last_change.get(key, 0) < lsn:
                    last_change[key] = lsn
                versions = pages.get(key)
                if versions is not None:
                    # Commits between known and lsn may not have arrived yet: an open version
                    # is only proven valid up to known (the writer instance has no such
                    # commits, as it makes them all, but the pool does not rely on that).
                    for v in versions:
                        if v[1] == OPEN and v[0] < lsn:
                            v[1] = min(lsn, max(known, v[0]) + 1)
                    self._close(versions, lsn, pins)
                    versions.append([lsn, OPEN, image])
                    pages.move_to_end(key)
                else:
                    pages[key] = [[lsn, OPEN, image]]
                self._bytes += len(image)
            self._note_files(lsn, writes)
            if self._sole_writer and lsn > self._known:
                self._known = lsn
            self._trim_change_log()
            self._evict()

    def _on_commit(self, lsn: int, pages: list[PageKey]) -> None:
        """Subscription listener: ``lsn`` changed ``pages``; close their open versions."""
        with self._lock:
            if self._closed:
                return
            if self.parked:
                self._unpark_all()
            pins = sorted(self._pins)
            cached = self._pages
            last_change = self._last_change
            for key in pages:
                if last_change.get(key, 0) < lsn:
                    last_change[key] = lsn
                versions = cached.get(key)
                if versions is not None:
                    self._close(versions, lsn, pins)
                    if not versions:
                        del cached[key]
            self._note_files(lsn, pages)
            # Known only after the versions are closed: a reader that sees the new known_lsn
            # must not find a version still open across this commit.
            if lsn > self._known:
                self._known = lsn
            if lsn > self._durable:
                self._durable = lsn
            self._trim_change_log()
            if self._bytes > self.capacity_bytes:
                # A big transaction's pages were kept until durable; now they may go.
                self._evict()

    def _close(self, versions: list[_Version], lsn: int, pins: list[int]) -> None:
        """Close the page's open version at ``lsn`` and drop the versions that ended there or
        before and that no pinned snapshot (``pins``, sorted) reads: one whose range holds no
        pin is garbage, whether or not older snapshots are pinned elsewhere (with sessions
        always in flight some pin is nearly always older than the newest commit, and a hot
        page kept every version it ever had)."""
        keep = []
        for v in versions:
            if v[1] == OPEN and v[0] < lsn:
                v[1] = lsn
            if v[1] <= lsn:
                i = bisect_left(pins, v[0])
                if i == len(pins) or pins[i] >= v[1]:
                    self._bytes -= len(v[2])
                    continue
            keep.append(v)
        if len(keep) != len(versions):
            versions[:] = keep

    def _note_files(self, lsn: int, keys: Iterable[PageKey]) -> None:
        file_last = self._file_last
        for file, _page in keys:
            if file_last.get(file, 0) < lsn:
                file_last[file] = lsn

    def _trim_change_log(self) -> None:
        log = self._last_change
        if len(log) <= self._change_log_limit:
            return
        lsns = sorted(log.values())
        cut = lsns[len(lsns) // 2]
        self._last_change = {k: v for k, v in log.items() if v > cut}
        self._floor = max(self._floor, cut)

    def _evict(self) -> None:
        pages = self._pages
        durable = self._durable
        last_change = self._last_change
        skipped = 0
        while self._bytes > self.capacity_bytes and len(pages) > 1 and skipped < len(pages):
            key, versions = pages.popitem(last=False)
            if last_change.get(key, 0) > durable:
                # Changed by a commit that is not durable yet: storage cannot serve it.
                pages[key] = versions
                skipped += 1
                continue
            self._bytes -= sum(len(v[2]) for v in versions)
            self.evictions += len(versions)

    # --- snapshots ------------------------------------------------------------------------

    def begin_snapshot(self, file: int, as_of: int) -> int:
        """Pin ``as_of`` and return an LSN whose state of ``file`` equals the state at ``as_of``.

        The returned LSN is the file's latest known commit when that is provably the last one
        at or below ``as_of``, else ``as_of`` itself: two snapshots of the same file state then
        share it (the VFS derives the page-1 change counter from it, so SQLite keeps its page
        cache across commits to other databases of the volume).
        """
        with self._lock:
            self._pins[as_of] = self._pins.get(as_of, 0) + 1
            last = self._file_last.get(file, self._origin)
            if last <= as_of <= self._known:
                return last
            return as_of

    def move_snapshot(self, old: int, new: int) -> None:
        with self._lock:
            self._unpin(old)
            self._pins[new] = self._pins.get(new, 0) + 1

    def end_snapshot(self, as_of: int) -> None:
        with self._lock:
            self._unpin(as_of)

    def park(self, holder: object, as_of: int) -> None:
        """``holder`` (an idle session's file) lets its pin of ``as_of`` go at the next
        commit, unless it takes it back first (:meth:`unpark`)."""
        self.parked[holder] = as_of

    def unpark(self, holder: object) -> bool:
        """Take a parked pin back: True when it was still held (no commit came since)."""
        return self.parked.pop(holder, None) is not None

    def _unpark_all(self) -> None:
        """(Under the lock, before a commit closes versions.) Idle snapshots pin nothing."""
        parked = self.parked
        for holder in list(parked):
            as_of = parked.pop(holder, None)
            if as_of is not None:
                self._unpin(as_of)

    def _unpin(self, as_of: int) -> None:
        count = self._pins.get(as_of, 0)
        if count <= 1:
            self._pins.pop(as_of, None)
        else:
            self._pins[as_of] = count - 1

    def oldest_snapshot(self) -> int | None:
        """The oldest LSN a transaction of this instance reads at (storage must keep it)."""
        with self._lock:
            return min(self._pins) if self._pins else None

    def file_last_commit(self, file: int) -> int:
        """The LSN of the latest commit known to have changed ``file`` (0 if none known)."""
        return self._file_last.get(file, 0)

    # --- metrics and lifecycle --------------------------------------------------------------

    @property
    def known_lsn(self) -> int:
        """The highest commit LSN this pool has been told about."""
        return self._known

    def stats(self, count_versions: bool = True) -> PoolStats:
        """The counters; ``count_versions=False`` leaves ``versions`` at -1 rather than walk
        every cached page (the status loop asks twice a second)."""
        with self._lock:
            return PoolStats(
                hits=self.hits,
                misses=self.misses,
                evictions=self.evictions,
                bytes=self._bytes,
                capacity_bytes=self.capacity_bytes,
                pages=len(self._pages),
                versions=sum(len(vs) for vs in self._pages.values()) if count_versions else -1,
                known_lsn=self._known,
            )

    def resize(self, capacity_bytes: int) -> None:
        """Change the pool's size now (a serverless instance's capacity moved): a smaller pool
        evicts its least recently used pages at once, a larger one fills as pages are read."""
        with self._lock:
            self.capacity_bytes = max(capacity_bytes, self._store.page_size)
            if self._bytes > self.capacity_bytes:
                self._evict()

    def invalidate(self) -> None:
        """Forget everything learned so far: for a notification stream that had a gap.

        Cached versions and per-page and per-file commit knowledge are dropped, and the pool
        starts over from the store's current read point as if just created.
        """
        start = self._store.read_point()
        with self._lock:
            self._pages.clear()
            self._bytes = 0
            self._last_change.clear()
            self._file_last.clear()
            self._origin = self._floor = max(self._known, start)
            self._known = self._durable = self._origin

    def close(self) -> None:
        """Drop every cached page and ignore later notifications (the store has no unsubscribe)."""
        with self._lock:
            self._closed = True
            self._pages.clear()
            self._bytes = 0
            self._last_change.clear()
