"""MySQL's user-level locks: GET_LOCK, RELEASE_LOCK, IS_FREE_LOCK, IS_USED_LOCK,
RELEASE_ALL_LOCKS.

A lock is a name (case-insensitive, at most 64 characters) held by one session of the
instance at a time; the session that holds it may take it again (each GET_LOCK needs its
RELEASE_LOCK), and every lock a session holds is released when it ends. Locks belong to
the instance process, as they belong to the server in MySQL: a failover or a restart
releases them all, and a reader's locks are its own. Frameworks take them around schema
migrations (Rails, Flyway, Laravel) and jobs that must not run twice.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from aurora.engine.sqlapi import SqlError

MAX_NAME = 64
_SLICE = 0.05  # a waiting GET_LOCK looks at its statement's cancel this often


def _key(name: object) -> str:
    text = name.decode() if isinstance(name, bytes) else str(name)
    if not text or len(text) > MAX_NAME:
        raise SqlError("42000", f"Incorrect user-level lock name '{text}'.", errno=3057)
    return text.lower()


_owners = itertools.count(1)


def new_owner() -> int:
    """A session's own number as a holder of locks (connection ids may repeat across the
    servers of one process)."""
    return next(_owners)


class UserLocks:
    """The instance's user-level locks: name -> (holder, its connection id, times taken)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[int, int, int]] = {}
        self._changed = threading.Condition()

    def get(self, session: int, connection_id: int, name: object, timeout: object,
            check: Callable[[], None]) -> int | None:
        """GET_LOCK: 1 once taken, 0 when ``timeout`` seconds passed first (a negative one
        waits for ever). ``check`` raises when the statement was cancelled or timed out."""
        if name is None:
            return None
        key = _key(name)
        try:
            wait = float(timeout) if timeout is not None else 0.0  # type: ignore[arg-type]
        except ValueError:
            wait = 0.0  # MySQL reads a string that is no number as 0
        deadline = None if wait < 0 else time.monotonic() + wait
        with self._changed:
            while True:
                holder, _, times = self._held.get(key, (session, connection_id, 0))
                if holder == session:
                    self._held[key] = (session, connection_id, times + 1)
                    return 1
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return 0
                check()
                self._changed.wait(_SLICE if left is None else min(left, _SLICE))

    def release(self, session: int, name: object) -> int | None:
        """RELEASE_LOCK: 1 when this session held it (once less now), 0 when another one
        holds it, NULL when nobody does."""
        if name is None:
            return None
        key = _key(name)
        with self._changed:
            got = self._held.get(key)
            if got is None:
                return None
            holder, connection_id, times = got
            if holder != session:
                return 0
            if times > 1:
                self._held[key] = (session, connection_id, times - 1)
            else:
                del self._held[key]
                self._changed.notify_all()
            return 1

    def release_all(self, session: int) -> int:
        """RELEASE_ALL_LOCKS (and the end of a session): how many times they were taken."""
        with self._changed:
            mine = [k for k, (holder, _, _) in self._held.items() if holder == session]
            released = sum(self._held.pop(k)[2] for k in mine)
            if mine:
                self._changed.notify_all()
            return released

    def holder(self, name: object) -> int | None:
        """IS_USED_LOCK: the connection id holding the lock, or NULL."""
        if name is None:
            return None
        with self._changed:
            got = self._held.get(_key(name))
        return got[1] if got is not None else None

    def is_free(self, name: object) -> int | None:
        """IS_FREE_LOCK: 1 when nobody holds the lock."""
        if name is None:
            return None
        return int(self.holder(name) is None)


INSTANCE = UserLocks()
"""The locks of this process's instance (one instance runs in a process)."""
