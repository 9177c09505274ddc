"""Which file of the volume holds which database.

The registry is itself a small SQLite database in file 0 of the volume, so every instance
on the volume (the writer, its readers, a clone) sees the same databases. File numbers are
never reused: a dropped database's pages simply stop being read.
"""

from __future__ import annotations

import threading

import apsw

from aurora.engine.sqlapi import SqlError

REGISTRY = "_aurora"
REGISTRY_FILE = 0


class Databases:
    """The name → file-number registry, read through a connection on the instance's VFS."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {REGISTRY: REGISTRY_FILE}
        self._conn: apsw.Connection | None = None
        self._lock = threading.Lock()

    def attach(self, conn: apsw.Connection, read_only: bool, initial: list[str]) -> None:
        """Use ``conn`` (on file 0); a writer creates the registry and the initial databases."""
        self._conn = conn
        if not read_only:
            # Write only what is missing: a writer that opens a volume (a failover, a global
            # database's promotion) must not commit anything of its own just by starting.
            with self._lock:
                present = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'databases'").fetchone()
                if not present:
                    # AUTOINCREMENT: a file number is never handed out twice
                    conn.execute("CREATE TABLE databases "
                                 "(file INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL)")
                known = {r[0] for r in conn.execute("SELECT name FROM databases")}
                for name in initial:
                    if name not in known:
                        conn.execute("INSERT INTO databases (name) VALUES (?)", (name,))
        self.refresh()

    def refresh(self) -> dict[str, int]:
        assert self._conn is not None
        with self._lock:
            try:
                rows = self._conn.execute("SELECT name, file FROM databases").fetchall()
            except apsw.SQLError:  # a reader opened before the writer made the registry
                rows = []
            self._cache = {REGISTRY: REGISTRY_FILE, **{name: file for name, file in rows}}
            return dict(self._cache)

    def file_of(self, name: str) -> int | None:
        """The resolver the VFS calls with a file name: the cache only, never a query (it is
        called from inside SQLite, also for names such as a journal's, which are not ours)."""
        return self._cache.get(name)

    def lookup(self, name: str) -> int | None:
        """A database's file number, asking the registry when the cache does not know it."""
        found = self._cache.get(name)
        return found if found is not None else self.refresh().get(name)

    def names(self) -> list[str]:
        return sorted(n for n in self.refresh() if n != REGISTRY)

    def create(self, name: str) -> None:
        assert self._conn is not None
        if name == REGISTRY or not name:
            raise SqlError("42939", f'database name "{name}" is reserved')
        with self._lock:
            try:
                self._conn.execute("INSERT INTO databases (name) VALUES (?)", (name,))
            except apsw.ConstraintError:
                raise SqlError("42P04", f'database "{name}" already exists') from None
        self.refresh()

    def drop(self, name: str) -> None:
        assert self._conn is not None
        with self._lock:
            self._conn.execute("DELETE FROM databases WHERE name = ?", (name,))
            gone = self._conn.changes() == 0
        if gone:
            raise SqlError("3D000", f'database "{name}" does not exist')
        self.refresh()
