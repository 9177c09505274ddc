"""Sequences kept in ``_aurora_sequences`` inside the database file.

Unlike PostgreSQL, nextval here is transactional (it is an UPDATE of that table), so a
rolled-back transaction gives its numbers back; ids stay unique, which is what matters.
SERIAL and IDENTITY columns that are not a rowid alias draw from a sequence named
``<table>_<column>_seq``, as PostgreSQL names it. A rowid-alias key assigns ids itself, as
``INTEGER PRIMARY KEY AUTOINCREMENT``: one more than the largest id the table ever had, so
that an id is never given twice, also after the row that had it was deleted (tables made by
older versions, without AUTOINCREMENT, give the largest id present plus one). Its sequence
is implied: pg_get_serial_sequence names it, pg_class lists it, and setval moves the
table's counter in ``sqlite_sequence`` (Django resets sequences that way).
"""

from __future__ import annotations

import contextlib

import apsw

from aurora.engine.sqlapi import SqlError


class Sequences:
    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.current: dict[str, int] = {}
        self.last: int | None = None

    def exists(self, name: str) -> bool:
        try:
            return bool(
                self.conn.execute(
                    "SELECT 1 FROM main._aurora_sequences WHERE name=?", (name.lower(),)
                ).fetchall()
            )
        except apsw.SQLError:
            return False

    def create(
        self,
        name: str,
        start: int | None = None,
        increment: int = 1,
        min_value: int | None = None,
        max_value: int | None = None,
        cycle: bool = False,
        owned_by: str | None = None,
        if_not_exists: bool = False,
    ) -> None:
        name = name.lower()
        if self.exists(name):
            if if_not_exists:
                return
            raise SqlError("42P07", f'relation "{name}" already exists')
        if min_value is None:
            min_value = 1 if increment > 0 else -(2**63) + 1
        if max_value is None:
            max_value = 2**63 - 1 if increment > 0 else -1
        if start is None:
            start = min_value if increment > 0 else max_value
        self.conn.execute(
            "INSERT INTO main._aurora_sequences(name, last_value, start_value, increment, "
            "min_value, max_value, cycle, is_called, owned_by) VALUES (?,?,?,?,?,?,?,0,?)",
            (name, start, start, increment, min_value, max_value, int(cycle), owned_by),
        )

    def drop(self, name: str, if_exists: bool = False) -> None:
        name = name.lower()
        if not self.exists(name):
            if if_exists:
                return
            raise SqlError("42P01", f'sequence "{name}" does not exist')
        self.conn.execute("DELETE FROM main._aurora_sequences WHERE name=?", (name,))

    def drop_owned(self, table: str) -> None:
        try:
            self.conn.execute(
                "DELETE FROM main._aurora_sequences WHERE owned_by=?", (table.lower(),)
            )
        except apsw.SQLError:
            pass

    def nextval(self, name: str) -> int:
        name = name.lower()
        rows = self.conn.execute(
            "SELECT last_value, increment, min_value, max_value, cycle, is_called, start_value "
            "FROM main._aurora_sequences WHERE name=?",
            (name,),
        ).fetchall()
        if not rows:
            raise SqlError("42P01", f'relation "{name}" does not exist')
        last, inc, mn, mx, cycle, called, _start = rows[0]
        value = last + inc if called else last
        if value > mx or value < mn:
            if not cycle:
                raise SqlError(
                    "2200H", f'nextval: reached maximum value of sequence "{name}" ({mx})'
                )
            value = mn if inc > 0 else mx
        self.conn.execute(
            "UPDATE main._aurora_sequences SET last_value=?, is_called=1 WHERE name=?",
            (value, name),
        )
        self.current[name] = value
        self.last = value
        return value

    def currval(self, name: str) -> int:
        name = name.lower()
        if name not in self.current:
            raise SqlError(
                "55000", f'currval of sequence "{name}" is not yet defined in this session'
            )
        return self.current[name]

    def lastval(self) -> int:
        if self.last is None:
            raise SqlError("55000", "lastval is not yet defined in this session")
        return self.last

    def setval(self, name: str, value: int, called: bool = True) -> int:
        name = name.lower()
        if not self.exists(name):
            implied = self.implied()
            if value is not None and name in implied:
                self.set_rowid_counter(implied[name][0], int(value) if called else int(value) - 1)
                return int(value)
            raise SqlError("42P01", f'relation "{name}" does not exist')
        self.conn.execute(
            "UPDATE main._aurora_sequences SET last_value=?, is_called=? WHERE name=?",
            (int(value), int(called), name),
        )
        return int(value)

    def set_rowid_counter(self, table: str, last: int) -> None:
        """The next id of an AUTOINCREMENT table is ``last + 1`` (or one more than its largest
        id, when that is larger: SQLite never gives an id that is taken)."""
        try:
            updated = self.conn.execute(
                "UPDATE main.sqlite_sequence SET seq=? WHERE name=? RETURNING 1", (last, table)
            ).fetchall()
            if not updated:
                self.conn.execute("INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, ?)", (table, last))
        except apsw.SQLError:
            pass  # a table made without AUTOINCREMENT (older versions): it has no counter

    def restart_rowid_counter(self, table: str) -> None:
        """TRUNCATE ... RESTART IDENTITY of a table whose key counts itself (emptied first)."""
        with contextlib.suppress(apsw.SQLError):  # no AUTOINCREMENT table yet: no counters
            self.conn.execute("DELETE FROM main.sqlite_sequence WHERE name=?", (table,))

    def restart(self, name: str) -> None:
        self.conn.execute(
            "UPDATE main._aurora_sequences SET last_value=start_value, is_called=0 WHERE name=?",
            (name.lower(),),
        )

    def owned_by(self, table: str) -> list[str]:
        try:
            return [
                r[0]
                for r in self.conn.execute(
                    "SELECT name FROM main._aurora_sequences WHERE owned_by=?", (table.lower(),)
                )
            ]
        except apsw.SQLError:
            return []

    def serial_sequence(self, table: str, column: str) -> str | None:
        name = f"{table}_{column}_seq".lower()
        return f"public.{name}" if self.exists(name) or name in self.implied() else None

    def implied(self) -> dict[str, tuple[str, str]]:
        """Sequence name -> (table, column) of the SERIAL / IDENTITY rowid-alias keys, which
        have no row here."""
        try:
            rows = self.conn.execute(
                "SELECT table_name, column_name FROM main._aurora_columns "
                "WHERE identity != '' OR default_expr LIKE 'nextval(%'"
            ).fetchall()
        except apsw.SQLError:
            return {}
        out = {f"{t}_{c}_seq".lower(): (t, c) for t, c in rows}
        return {n: tc for n, tc in out.items() if not self.exists(n)}
