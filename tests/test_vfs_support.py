"""Test doubles shared by the VFS tests: a page store that records and can fail commits.

Wraps the real :class:`MemoryPageStore`; tests count commit batches and inject
``WriteQuorumLost`` / ``StaleEpoch`` / ``PageUnavailable`` the way the volume client raises them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from aurora.engine.errors import PageUnavailable, WriteQuorumLost
from aurora.engine.storage.pagestore import ChangeListener, MemoryPageStore, PageKey


class RecordingStore:
    """A PageStore that records each commit batch and fails on request."""

    def __init__(self, inner: MemoryPageStore | None = None) -> None:
        self.inner = inner or MemoryPageStore()
        self.page_size = self.inner.page_size
        self.batches: list[dict[PageKey, bytes]] = []
        self.fail_commits: Exception | None = None
        self.fail_reads: Exception | None = None
        self.reads = 0
        self._lock = threading.Lock()

    def read_point(self) -> int:
        return self.inner.read_point()

    def read_page(self, file: int, page: int, as_of: int) -> bytes | None:
        if self.fail_reads is not None:
            raise self.fail_reads
        with self._lock:
            self.reads += 1
        return self.inner.read_page(file, page, as_of)

    def commit(self, writes: Mapping[PageKey, bytes]) -> int:
        if self.fail_commits is not None:
            raise self.fail_commits
        lsn = self.inner.commit(writes)
        with self._lock:
            self.batches.append(dict(writes))
        return lsn

    def submit(self, writes: Mapping[PageKey, bytes]) -> tuple[int, None]:
        return self.commit(writes), None

    def subscribe(self, listener: ChangeListener) -> None:
        self.inner.subscribe(listener)


def quorum_lost() -> WriteQuorumLost:
    return WriteQuorumLost("only 3 of 6 copies acknowledged", hint="retry when nodes are back")


def page_unavailable() -> PageUnavailable:
    return PageUnavailable("no storage node could serve the page")
