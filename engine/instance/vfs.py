"""The SQLite VFS of an instance: database files are page versions on the shared volume.

:class:`VolumeVFS` is an ``apsw.VFS`` whose main-database files read pages from a
:class:`~aurora.engine.storage.pagestore.PageStore` through a :class:`BufferPool` and buffer a
transaction's page writes in memory; the rollback journal is in memory too
(``journal_mode=MEMORY``) and temporary files use the default VFS. Conventions:

- SQLite page N (1-based) is store page N-1 of the database's file number.
- A read transaction (SQLite's SHARED lock taken from no lock) pins ``store.read_point()``;
  every read of the transaction is as of that LSN (snapshot isolation, as in mvSQLite). The
  page-1 change counter and version-valid-for (bytes 24-27 and 92-95) are rewritten on the
  way out of xRead from the pinned state (an LSN of that state; after the connection's own
  commit, the counter SQLite itself wrote), so SQLite drops its page cache whenever the
  snapshot shows a different database and keeps it while it shows the same one.
- Commit submits the transaction's dirty pages as ONE batch at ``SQLITE_FCNTL_SYNC``
  (measured: it arrives on every commit, also with ``synchronous=OFF``, followed by xSync
  unless synchronous is OFF, then ``SQLITE_FCNTL_COMMIT_PHASETWO``) through a
  :class:`~aurora.engine.instance.pipeline.CommitPipeline`: the batch is numbered, sent and
  installed in the buffer pool, and at ``COMMIT_PHASETWO`` the write lock is released
  *before* waiting until the batch is durable, so the next transaction runs while this one's
  storage round trip is under way. The committing statement returns only once its batch is
  durable. Other transactions of the writer may read a batch between its submission and its
  durability (its pages come from the pool); any commit of theirs is numbered after it, so
  it is never acknowledged before the batch it read is durable. A read transaction that
  wrote nothing waits, when it ends, until the batches it saw are durable: an autocommit
  SELECT never returns rows that a crash could still undo (inside a transaction block, it
  is the block's COMMIT that waits, not each statement).
  A batch that cannot be sent raises ``apsw.IOError`` at SYNC (its ``__cause__`` is the
  storage error) and ships nothing; SQLite rolls the transaction back: the commit failed.
  One that was sent but cannot be confirmed durable (no storage progress for the volume's
  timeout, or the writer fenced) raises ``apsw.IOError`` at PHASETWO whose ``__cause__`` is
  :class:`~aurora.engine.errors.CommitOutcomeUnknown`: the volume resends the batch (and
  refuses later commits until it is durable), so it may still commit. The SQL layer must not
  report that as a failure; the wire front end closes the session with 08006 instead.
- A session may keep an autocommit query's read transaction open for its next queries (no
  lock, header check or unlock per query): :meth:`VolumeVFS.read_snapshot` gives its
  handle on the connection's snapshot, whose ``park`` (after a query: wait until what it
  read is durable, then leave the pin for the next commit to take back) and ``resume``
  (take the pin back; False when a commit came since, and the session must begin a new
  transaction) keep that exact.
- One write transaction at a time per database: RESERVED waits for a per-database lock, at
  most ``busy_timeout`` seconds; when the connection's session asks to be told (the
  handle's ``stop_waiting``), for as long as it says (a cancel, its statement_timeout, its
  lock_timeout, else ``busy_timeout``).
  A connection whose snapshot is older than the database's latest commit is refused RESERVED
  with SQLITE_BUSY_SNAPSHOT (a lost update otherwise); :func:`is_busy_snapshot` tells.
  Connections opened by :meth:`VolumeVFS.connect` retry that refusal on a fresh snapshot
  through their busy handler whenever SQLite can (no read transaction open yet: autocommit
  statements, BEGIN IMMEDIATE, a write as a transaction's first statement); do not replace
  that handler (``set_busy_timeout`` would, and would sleep between retries).
- Read-only VFSs (reader instances) refuse every write with SQLITE_READONLY and follow the
  store's read point as the writer's commits arrive.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import apsw

from aurora.engine.errors import CommitOutcomeUnknown
from aurora.engine.instance.bufferpool import BufferPool, PoolStats
from aurora.engine.instance.pipeline import CommitPipeline, Durability
from aurora.engine.sqlapi import RENEW_SNAPSHOT_FCNTL, SETTLE_READ_FCNTL
from aurora.engine.storage.pagestore import PageStore

_NONE, _SHARED, _RESERVED = 0, 1, 2
_FCNTL_SYNC = apsw.SQLITE_FCNTL_SYNC
_FCNTL_COMMIT_PHASETWO = apsw.SQLITE_FCNTL_COMMIT_PHASETWO
_MAIN_DB = apsw.SQLITE_OPEN_MAIN_DB
_JOURNALS = apsw.SQLITE_OPEN_MAIN_JOURNAL | apsw.SQLITE_OPEN_WAL | apsw.SQLITE_OPEN_SUPER_JOURNAL

DEFAULT_POOL_BYTES = 64 * 1024 * 1024
DEFAULT_BUSY_TIMEOUT = 30.0
_NEVER = float("inf")
_STOP_CHECK_EVERY = 0.05
"""Seconds between two questions to a waiting writer's session whether to give up."""

DatabaseMap = Mapping[str, int] | Callable[[str], int | None]
"""Database name -> file number on the volume (a mapping, or a callable returning None)."""

_vfs_ids = itertools.count(1)


class BusySnapshot(apsw.BusyError):
    """RESERVED refused: the connection's snapshot is older than the database's last commit.

    Raised inside xLock. APSW does not pass the object through: the caller sees
    ``apsw.BusyError`` with ``extendedresult == apsw.SQLITE_BUSY_SNAPSHOT`` when the statement
    ran inside an open read transaction (report SQLSTATE 40001), while a statement that opened
    the transaction is retried on a fresh snapshot by the busy handler of :meth:`VolumeVFS.connect`.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extendedresult = apsw.SQLITE_BUSY_SNAPSHOT


def is_busy_snapshot(exc: BaseException) -> bool:
    """True if ``exc`` is SQLite refusing a write because the transaction's snapshot is stale."""
    return isinstance(exc, apsw.BusyError) and (
        isinstance(exc, BusySnapshot)
        or getattr(exc, "extendedresult", None) == apsw.SQLITE_BUSY_SNAPSHOT
    )


@dataclass(frozen=True)
class VfsStats:
    """Counters of a VFS since it was registered, with its buffer pool's, for metrics."""

    commits: int
    commit_failures: int
    snapshot_refusals: int
    pool: PoolStats


class _Database:
    """What all connections of one VFS share about one database (file number).

    The write lock is a flag under a condition rather than a plain Lock: a waiting writer is
    woken when the lock is released but does not take it over. Its snapshot is almost surely
    stale by then, so it must go back for a fresh one first; meanwhile the releasing thread,
    which still holds the GIL, may start its next transaction at once. Handing the lock to a
    waiter that can only give it back cost several thread switches per commit.
    """

    __slots__ = ("file", "locked", "name", "released")

    def __init__(self, name: str, file: int) -> None:
        self.name = name
        self.file = file
        self.locked = False
        self.released = threading.Condition(threading.Lock())

    def release_write(self) -> None:
        with self.released:
            self.locked = False
            self.released.notify()


class VolumeVFS(apsw.VFS):
    """An SQLite VFS over a page store; registered under :attr:`vfs_name` until :meth:`close`.

    ``databases`` maps database names (what :meth:`connect` is given) to file numbers.
    ``pool_bytes`` bounds the buffer pool; ``busy_timeout`` bounds a writer's wait for the
    database's write lock (seconds). One writer VFS per volume: the write lock and the
    lost-update check only see this VFS's connections plus the store's notifications.
    """

    def __init__(
        self,
        store: PageStore,
        databases: DatabaseMap,
        *,
        read_only: bool = False,
        pool_bytes: int = DEFAULT_POOL_BYTES,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        name: str | None = None,
    ) -> None:
        self.vfs_name = name or f"aurora-volume-{next(_vfs_ids)}"
        self.store = store
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.pool = BufferPool(store, pool_bytes, sole_writer=not read_only)
        self.pipeline = CommitPipeline(store)
        self._databases = databases
        self._opened: dict[int, _Database] = {}
        self._opened_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._files: weakref.WeakKeyDictionary[apsw.Connection, VolumeFile] = weakref.WeakKeyDictionary()
        self.commits = 0
        self.commit_failures = 0
        self.snapshot_refusals = 0
        super().__init__(self.vfs_name, base="")

    # --- the instance's view ----------------------------------------------------------------

    def connect(self, database: str, *, cache_kib: int | None = None) -> apsw.Connection:
        """Open an ``apsw.Connection`` on ``database`` with the pragmas this VFS relies on.

        ``cache_kib`` sets SQLite's own page cache of the connection (default 2 MiB); pages
        it lacks come from the shared buffer pool.
        """
        if self._file_number(database) is None:
            raise apsw.CantOpenError(f"no database {database!r} on this volume")
        if self.read_only:
            flags = apsw.SQLITE_OPEN_READONLY
        else:
            flags = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
        _opening.file = None
        conn = apsw.Connection(database, flags=flags, vfs=self.vfs_name)
        opened, _opening.file = _opening.file, None
        if opened is not None:  # SQLite opens the database file as the connection opens
            self._files[conn] = opened
        conn.set_busy_handler(_RetryOnBusy(self.busy_timeout))
        # MEMORY journal: a Python VFS cannot do WAL. synchronous=OFF only drops the xSync
        # call; the commit ships at SQLITE_FCNTL_SYNC, which arrives regardless. (One execute
        # per pragma: an APSW cursor stops at the first statement that returns a row.)
        for pragma in ("journal_mode=MEMORY", "synchronous=OFF", "temp_store=MEMORY"):
            conn.execute(f"PRAGMA {pragma}").fetchall()
        if not self.read_only:
            # Only takes effect on an empty database: pages must match the volume's.
            conn.execute(f"PRAGMA page_size={self.store.page_size}")
        if cache_kib is not None:
            conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        return conn

    def read_snapshot(self, conn: apsw.Connection) -> VolumeFile | None:
        """The handle on the read snapshot of a connection :meth:`connect` opened (an
        :class:`~aurora.engine.sqlapi.ReadSnapshot`), for a session that keeps an autocommit
        read's transaction open between statements."""
        return self._files.get(conn)

    def read_lsn(self) -> int:
        """The LSN a transaction starting now reads at: the store's read point, and on a
        writer its latest submitted commit (the pool knows it at once)."""
        if self.read_only:
            return self.store.read_point()
        return max(self.store.read_point(), self.pool.known_lsn)

    def pool_stats(self) -> PoolStats:
        return self.pool.stats()

    def stats(self) -> VfsStats:
        with self._stats_lock:
            return VfsStats(
                self.commits, self.commit_failures, self.snapshot_refusals, self.pool.stats()
            )

    def _count(self, counter: str) -> None:
        with self._stats_lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def close(self) -> None:
        """Unregister the VFS; close its connections first."""
        self.unregister()
        self.pool.close()

    # --- apsw.VFS ---------------------------------------------------------------------------

    def _file_number(self, name: str) -> int | None:
        databases = self._databases
        if callable(databases):
            return databases(name)
        return databases.get(name)

    def _database(self, name: str) -> _Database | None:
        file = self._file_number(name)
        if file is None:
            return None
        with self._opened_lock:
            db = self._opened.get(file)
            if db is None:
                db = self._opened[file] = _Database(name, file)
            return db

    def xOpen(self, name: str | apsw.URIFilename | None, flags: list[int]) -> object:
        if flags[0] & _MAIN_DB and name is not None:
            filename = name.filename() if isinstance(name, apsw.URIFilename) else name
            db = self._database(filename)
            if db is None:
                raise apsw.CantOpenError(f"no database {filename!r} on this volume")
            if self.read_only:
                flags[1] = (
                    flags[0] & ~(apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
                ) | apsw.SQLITE_OPEN_READONLY
            else:
                flags[1] = flags[0]
            file = VolumeFile(self, db)
            _opening.file = file
            return file
        if flags[0] & _JOURNALS:
            # A journal file here would be a local file nobody else sees: refuse loudly.
            raise apsw.CantOpenError(
                "journals of volume databases live in memory (journal_mode=MEMORY)"
            )
        # Temporary databases, sorters and the like: local scratch on the default VFS.
        return apsw.VFSFile("", name, flags)

    def xAccess(self, pathname: str, flags: int) -> bool:
        # Journals and WAL files never exist (the journal is in memory); SQLite asks for both
        # at every transaction start.
        if pathname.endswith(("-journal", "-wal")):
            return False
        return self._file_number(pathname) is not None

    def xDelete(self, filename: str, syncdir: bool) -> None:
        pass

    def xFullPathname(self, name: str) -> str:
        return name


_opening = threading.local()
"""Per thread: the main-database file the last xOpen made (connect() keeps it)."""

_lock_wait = threading.local()
"""Per thread: did the last BUSY come from a write-lock wait that timed out? SQLite calls the
busy handler on the thread whose xLock refused, so a thread-local carries the cause."""


class _RetryOnBusy:
    """Busy handler: retry at once, until the deadline, unless xLock already waited it out.

    xLock waits for the write lock itself, so a BUSY that reaches here is either a stale
    snapshot (a retry takes a fresh one and goes on) or a lock wait that timed out (give up).
    """

    __slots__ = ("_deadline", "_timeout")

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._deadline = 0.0

    def __call__(self, count: int) -> bool:
        if getattr(_lock_wait, "timed_out", False):
            _lock_wait.timed_out = False
            return False
        now = time.monotonic()
        if count == 0:
            self._deadline = now + self._timeout
        return now < self._deadline


def _same_but_counter(a: bytes, b: bytes | None) -> bool:
    """Page-1 images equal but for the change counter and version-valid-for (24-27, 92-95)."""
    return b is not None and a[:24] == b[:24] and a[28:92] == b[28:92] and a[96:] == b[96:]


def _read_error(page: int, exc: Exception) -> apsw.IOError:
    # An IOERR (not the storage error itself) so that SQLite runs its I/O-error handling;
    # APSW raises this object to the caller with the storage error as its __cause__.
    return apsw.IOError(f"reading page {page + 1} failed: {exc}")


class VolumeFile:
    """One connection's handle on a database: its snapshot, locks and dirty pages.

    Used by one SQLite connection, hence from one thread at a time: no lock of its own.
    """

    __slots__ = (
        "_db",
        "_dirty",
        "_file",
        "_header",
        "_level",
        "_own_counter",
        "_own_lsn",
        "_page_size",
        "_parked",
        "_pending",
        "_pool",
        "_read_only",
        "_renewing",
        "_snap_pages",
        "_snapshot",
        "_store",
        "_txn_pages",
        "_undurable",
        "_unpinned",
        "_vfs",
        "_writing",
        "_wrote",
        "stop_waiting",
    )

    def __init__(self, vfs: VolumeVFS, db: _Database) -> None:
        self._vfs = vfs
        self._db = db
        self._file = db.file
        self._store = vfs.store
        self._pool = vfs.pool
        self._page_size = vfs.store.page_size
        self._read_only = vfs.read_only
        self._level = _NONE
        # SQLite reads the header once without a lock, at open: show it the current state.
        self._snapshot = vfs.read_lsn()
        self._pending: Durability | None = None
        self._header = b"\0\0\0\0"
        self._dirty: dict[int, bytes] = {}
        self._writing = False
        self._txn_pages: int | None = None  # database size in pages while writing
        self._snap_pages: int | None = None  # database size at the snapshot, once computed
        # The commit this connection made last and the change counter SQLite wrote in it:
        # while that is still the database's state, SQLite's cache is valid, so keep it.
        self._own_lsn = -1
        self._own_counter = 0
        # The read transaction's state holds a commit not yet durable (its LSN, else 0), and
        # whether the transaction wrote: see xUnlock.
        self._undurable = 0
        self._wrote = False
        # RENEW_SNAPSHOT_FCNTL came: the next unlock does not wait (the next snapshot's end will)
        self._renewing = False
        # park(): a read transaction stays open while its session is idle; the next commit
        # takes its snapshot's pin back meanwhile (BufferPool.park)
        self._parked = False
        self._unpinned = False  # a commit took the parked pin: nothing to unpin at the end
        # Set by the session (sqlapi.ReadSnapshot.stop_waiting): asked while a write waits
        # for the write lock whether to give up (a cancel, statement_timeout, lock_timeout)
        self.stop_waiting: Callable[[float], bool] | None = None

    # --- reads ------------------------------------------------------------------------------

    def xRead(self, amount: int, offset: int) -> bytes:
        page_size = self._page_size
        page, within = divmod(offset, page_size)
        if amount == page_size and not within:
            image = self._dirty.get(page) if self._dirty else None
            if image is None:
                try:
                    image = self._pool.read(self._file, page, self._snapshot)
                except Exception as exc:
                    raise _read_error(page, exc) from exc
                if image is None:
                    return b""  # APSW zero-fills and reports a short read
                if page == 0:
                    image = self._patch_header(image)
            return image
        return self._read_span(amount, offset)

    def _read_span(self, amount: int, offset: int) -> bytes:
        """Reads not aligned to one page (the 16-byte header check at offset 24, mostly)."""
        page_size = self._page_size
        if offset + amount <= page_size and 0 not in self._dirty:
            # Within page 1: splice the snapshot's counter into the slice, not into a copy
            # of the whole page (SQLite reads bytes 24-39 at every transaction start).
            image = self._stored_page(0)
            if image is None:
                return b""
            if self._snap_pages is None:
                # xFileSize comes next: the size in this same page needs no second lookup
                self._snap_pages = max(1, int.from_bytes(image[28:32], "big"))
            if offset == 24 and 4 <= amount <= 68:  # the change counter first, nothing from 92
                return self._header + image[28 : 24 + amount]
            out = bytearray(image[offset : offset + amount])
            header = self._header
            for start in (24, 92):
                lo, hi = max(start, offset), min(start + 4, offset + amount)
                if lo < hi:
                    out[lo - offset : hi - offset] = header[lo - start : hi - start]
            return bytes(out)
        out = bytearray()
        while len(out) < amount:
            page, within = divmod(offset + len(out), page_size)
            image = self._current_page(page)
            if image is None:
                break
            out += image[within : within + amount - len(out)]
        return bytes(out)

    def _current_page(self, page: int) -> bytes | None:
        """The page as this connection's SQLite sees it: its own writes, else its snapshot."""
        image = self._dirty.get(page)
        if image is not None:
            return image
        return self._snapshot_page(page)

    def _snapshot_page(self, page: int) -> bytes | None:
        image = self._stored_page(page)
        if image is not None and page == 0:
            image = self._patch_header(image)
        return image

    def _stored_page(self, page: int) -> bytes | None:
        try:
            return self._pool.read(self._file, page, self._snapshot)
        except Exception as exc:
            raise _read_error(page, exc) from exc

    def _patch_header(self, image: bytes) -> bytes:
        header = self._header
        if image[24:28] == header and image[92:96] == header:
            return image
        patched = bytearray(image)
        patched[24:28] = header
        patched[92:96] = header
        return bytes(patched)

    def xFileSize(self) -> int:
        if self._txn_pages is not None:
            return self._txn_pages * self._page_size
        return self._pages_at_snapshot() * self._page_size

    def _pages_at_snapshot(self) -> int:
        pages = self._snap_pages
        if pages is None:
            page1 = self._stored_page(0)
            # The in-header size is valid: the rewritten version-valid-for always matches.
            pages = 0 if page1 is None else max(1, int.from_bytes(page1[28:32], "big"))
            self._snap_pages = pages
        return pages

    # --- locks and snapshots ----------------------------------------------------------------

    def xLock(self, level: int) -> None:
        if self._level == _NONE:
            self._begin_snapshot()
            self._level = _SHARED
        if level >= _RESERVED and not self._writing:
            self._begin_write()
        if level > self._level:
            self._level = level

    def xUnlock(self, level: int) -> None:
        if level < _RESERVED and self._writing:
            self._end_write()
        if self._pending is not None:
            # A commit that skipped COMMIT_PHASETWO: still not reported before it is durable.
            try:
                self._await_durable()
            except apsw.IOError:
                pass
        if level == _NONE and self._level != _NONE:
            if self._parked:  # (closed while idle) the pin is the pool's or still ours
                self._parked = False
                if self._pool.unpark(self):
                    self._pool.end_snapshot(self._snapshot)
            elif self._unpinned:
                self._unpinned = False
            else:
                self._pool.end_snapshot(self._snapshot)
            self._snap_pages = None
            if self._renewing:  # the block goes on in a new transaction: wait at its end
                self._renewing = False
                self._undurable = 0
            elif self._undurable:
                self._settle_read()
        self._level = level

    # --- a read transaction kept open between statements (sqlapi.ReadSnapshot) ----------

    def park(self) -> None:
        """The session's statement ended and its read transaction stays open: wait until
        what it read is durable (as that transaction's end would), then park the snapshot's
        pin in the pool, which the next commit takes back (that commit makes the snapshot
        stale): an idle session holds no replaced page version back."""
        if self._level == _NONE or self._parked or self._writing:
            return
        if self._undurable:
            self._settle_read()
        self._parked = True
        self._pool.park(self, self._snapshot)

    def resume(self) -> bool:
        """Before the session's next statement: take the parked pin back. True when the
        snapshot still shows the volume's newest state (no commit since it was taken), so
        that reading on is reading what is committed now; else the session must end the
        transaction (it reads nothing more in it) and begin another. A commit that came
        while the session was idle took the pin: stale. One that comes after the pin is
        back keeps the versions this snapshot reads."""
        if self._level == _NONE:
            return False
        if self._parked:
            self._parked = False
            if not self._pool.unpark(self):
                self._unpinned = True  # (the transaction's end has no pin to let go of)
                return False
        return max(self._store.read_point(), self._pool.known_lsn) <= self._snapshot

    @property
    def busy_timeout(self) -> float:
        """The VFS's own limit on a wait for the write lock (sqlapi.ReadSnapshot)."""
        return self._vfs.busy_timeout

    def xCheckReservedLock(self) -> bool:
        return self._db.locked

    def _settle_read(self) -> None:
        """A transaction ends whose snapshot held a commit of another connection that was
        submitted and not yet durable: unless this transaction committed a change of its own
        (numbered later, acknowledged only once that one is durable), wait until it is, so
        that what was read reaches the client only once it cannot be lost. Holding the write
        lock is not enough: a block that took it and changed nothing has no commit to wait
        for. SQLite has stepped the statement to its end by now (an autocommit statement's
        rows are all read), and the write lock is released. A read-only block is settled
        after each statement (the session's ``SETTLE_READ_FCNTL``): the first statement that
        saw such a commit waits, and the rest of the block reads the same, now durable,
        snapshot."""
        lsn, self._undurable = self._undurable, 0
        if self._wrote:
            return
        if lsn > self._store.read_point():
            self._vfs.pipeline.wait_durable(lsn)

    def _begin_snapshot(self) -> None:
        snapshot = self._vfs.read_lsn()
        state = self._pool.begin_snapshot(self._file, snapshot)
        # The database's state as of the snapshot: a commit submitted and still in flight?
        # (On a reader the read point is durable by definition.)
        seen = state if state <= snapshot else snapshot
        self._undurable = seen if seen > self._store.read_point() else 0
        self._wrote = False
        self._snapshot = snapshot
        self._snap_pages = None
        counter = self._own_counter if state == self._own_lsn else state & 0xFFFFFFFF
        self._header = counter.to_bytes(4, "big")

    def _begin_write(self) -> None:
        if self._read_only:
            raise apsw.ReadOnlyError("this instance is a reader: the volume is read-only here")
        pool = self._pool
        file = self._file
        if pool.file_last_commit(file) > self._snapshot:
            raise self._stale()
        db = self._db
        deadline = started = 0.0
        stop = self.stop_waiting
        while True:
            with db.released:
                if not db.locked:
                    db.locked = True
                    break
                now = time.monotonic()
                if not deadline:  # (the session, when it asks, decides how long: see stop)
                    started = now
                    deadline = now + self._vfs.busy_timeout if stop is None else _NEVER
                wait = deadline - now
                db.released.wait(wait if stop is None else min(wait, _STOP_CHECK_EVERY))
            if pool.file_last_commit(file) > self._snapshot:
                raise self._stale()
            now = time.monotonic()
            if now >= deadline:
                _lock_wait.timed_out = True
                raise apsw.BusyError("timed out waiting for the write lock")
            if stop is not None and stop(now - started):
                _lock_wait.timed_out = True
                raise apsw.BusyError("stopped waiting for the write lock")
        if pool.file_last_commit(file) > self._snapshot:
            # A commit slipped in between the check above and taking the lock.
            db.release_write()
            raise self._stale()
        self._writing = True
        self._txn_pages = None

    def _stale(self) -> BusySnapshot:
        self._vfs._count("snapshot_refusals")
        return BusySnapshot(f"snapshot at LSN {self._snapshot} is older than the last commit")

    def _end_write(self) -> None:
        # Whatever was not shipped by now belongs to a rolled-back transaction.
        self._dirty.clear()
        self._txn_pages = None
        self._writing = False
        self._db.release_write()

    # --- writes and commit ------------------------------------------------------------------

    def xWrite(self, data: bytes, offset: int) -> None:
        if not self._writing:
            if self._read_only:
                raise apsw.ReadOnlyError("this instance is a reader: the volume is read-only here")
            raise apsw.IOError("write without the write lock")
        page_size = self._page_size
        page, within = divmod(offset, page_size)
        if within or len(data) != page_size:
            self._write_span(data, offset)
            return
        self._dirty[page] = data
        pages = self._txn_pages
        if pages is None:
            pages = self._txn_pages = self._pages_at_snapshot()
        if page >= pages:
            self._txn_pages = page + 1

    def _write_span(self, data: bytes, offset: int) -> None:
        """Partial-page writes (SQLite does not make them to a rollback-mode database file)."""
        page_size = self._page_size
        done = 0
        while done < len(data):
            page, within = divmod(offset + done, page_size)
            chunk = data[done : done + page_size - within]
            image = bytearray(self._current_page(page) or bytes(page_size))
            image[within : within + len(chunk)] = chunk
            self.xWrite(bytes(image), page * page_size)
            done += len(chunk)

    def xTruncate(self, newsize: int) -> None:
        if not self._writing:
            if self._read_only:
                raise apsw.ReadOnlyError("this instance is a reader: the volume is read-only here")
            return
        pages = -(-newsize // self._page_size)
        self._txn_pages = pages
        for page in [p for p in self._dirty if p >= pages]:
            del self._dirty[page]

    def xSync(self, flags: int) -> None:
        self._ship()

    def xFileControl(self, op: int, ptr: int) -> bool:
        if op == _FCNTL_SYNC:
            self._ship()
            return True
        if op == _FCNTL_COMMIT_PHASETWO:
            # SYNC shipped already; this only catches a path that wrote pages without syncing.
            self._ship()
            if self._writing:
                # The batch is numbered and installed: the next writer may go on top of it.
                self._end_write()
            self._await_durable()
            return True
        if op == RENEW_SNAPSHOT_FCNTL:
            self._renewing = self._level != _NONE
            return True
        if op == SETTLE_READ_FCNTL:
            # A statement inside a transaction block has run. A read-only block's rows go
            # out only once durable. A block holding the write lock does not wait here (it
            # would stall every writer behind it): its end does, if it commits no change.
            if self._undurable and not self._writing:
                self._settle_read()
            return True
        return False

    def _await_durable(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            pending.wait()
        except Exception as exc:
            self._vfs._count("commit_failures")
            unknown = CommitOutcomeUnknown(
                f"the outcome of commit {pending.lsn} is unknown: it was sent to storage but "
                f"not confirmed durable ({exc}); it may or may not be committed",
                hint="reconnect and check whether the transaction's changes are there",
            )
            unknown.__cause__ = exc
            raise apsw.IOError(str(unknown)) from unknown

    def _ship(self) -> None:
        """Submit the transaction's dirty pages as one commit batch (durable later: see
        :meth:`_await_durable`)."""
        dirty = self._dirty
        if not dirty:
            return
        page1 = dirty.get(0)
        real_commit = page1 is not None and page1 != self._snapshot_page(0)
        if not real_commit:
            # Every real commit bumps the change counter on page 1. Without that, this is
            # SQLite playing a rollback back into pages it had spilled: ship what differs
            # (normally nothing).
            changed = {p: img for p, img in dirty.items() if img != self._snapshot_page(p)}
            if not changed:
                dirty.clear()
                return
        else:
            changed = dirty
            if _same_but_counter(page1, self._snapshot_page(0)):
                # Only the change counter moved, and readers never see the stored counter
                # (xRead rewrites it from the snapshot): page 1 need not travel. That is one
                # page in five of a small transaction, six times over.
                changed = {p: img for p, img in dirty.items() if p != 0}
                if not changed:
                    dirty.clear()
                    self._own_lsn = -1
                    return
        file = self._file
        writes = {(file, page): image for page, image in changed.items()}
        self._dirty = {}
        pool = self._pool
        try:
            pending = self._vfs.pipeline.submit(writes, pool.install)
        except Exception as exc:
            self._vfs._count("commit_failures")
            raise apsw.IOError(f"commit of {len(writes)} pages failed: {exc}") from exc
        self._vfs._count("commits")
        self._pending = pending
        self._wrote = True
        lsn = pending.lsn
        pool.move_snapshot(self._snapshot, lsn)
        self._snapshot = lsn
        self._snap_pages = None
        self._txn_pages = None
        if real_commit:
            assert page1 is not None
            self._own_lsn = lsn
            self._own_counter = int.from_bytes(page1[24:28], "big")
            self._header = page1[24:28]
        else:
            self._own_lsn = -1

    # --- the rest of the file interface ----------------------------------------------------

    def xClose(self) -> None:
        if self._level != _NONE:
            self.xUnlock(_NONE)

    def xSectorSize(self) -> int:
        return 512

    def xDeviceCharacteristics(self) -> int:
        return 0
