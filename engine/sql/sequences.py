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
import re

import apsw

from aurora.engine.sql import types
from aurora.engine.sqlapi import SqlError

# The data types a sequence may have, with their ranges (sequence.c).
TYPE_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
_TYPE_NAMES = {"int2": "smallint", "int4": "integer", "int": "integer", "int8": "bigint"}


def type_range(name: str | None) -> tuple[str, tuple[int, int]]:
    """A sequence's data type and its range; 22023 for any other type."""
    t = _TYPE_NAMES.get((name or "bigint").lower(), (name or "bigint").lower())
    if t not in TYPE_RANGES:
        if t != "text" and types.oid_of(t) == types.TEXT and t not in types.ALIASES:
            raise SqlError("42704", f'type "{t}" does not exist')
        raise SqlError("22023", "sequence type must be smallint, integer, or bigint")
    return t, TYPE_RANGES[t]


def check(
    typ: str, increment: int, min_value: int, max_value: int, start: int,
    restart: int | None = None, cache: int = 1,
) -> None:
    """PostgreSQL's checks of a sequence's parameters (init_params), in its order."""
    lo, hi = TYPE_RANGES[typ]
    if increment == 0:
        raise SqlError("22023", "INCREMENT must not be zero")
    if not lo <= max_value <= hi:
        raise SqlError("22023", f"MAXVALUE ({max_value}) is out of range for sequence data "
                                f"type {typ}")
    if not lo <= min_value <= hi:
        raise SqlError("22023", f"MINVALUE ({min_value}) is out of range for sequence data "
                                f"type {typ}")
    if min_value >= max_value:
        raise SqlError("22023", f"MINVALUE ({min_value}) must be less than MAXVALUE "
                                f"({max_value})")
    for what, v in (("START value", start), ("RESTART value", restart)):
        if v is not None and v < min_value:
            raise SqlError("22023", f"{what} ({v}) cannot be less than MINVALUE ({min_value})")
        if v is not None and v > max_value:
            raise SqlError("22023", f"{what} ({v}) cannot be greater than MAXVALUE "
                                    f"({max_value})")
    if cache < 1:
        raise SqlError("22023", f"CACHE ({cache}) must be greater than zero")


class Sequences:
    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.current: dict[str, int] = {}
        self.last: int | None = None
        self.last_name: str | None = None
        self.temp = False  # the session has temp sequences (temp.py): look there first

    def _at(self, name: str) -> str:
        """The schema whose ``_aurora_sequences`` holds sequence ``name``: a temp one first."""
        if self.temp and self.conn.execute(
                "SELECT 1 FROM temp._aurora_sequences WHERE name=?", (name.lower(),)).fetchall():
            return "temp"
        return "main"

    def exists(self, name: str) -> bool:
        try:
            return bool(
                self.conn.execute(
                    f"SELECT 1 FROM {self._at(name)}._aurora_sequences WHERE name=?", (name.lower(),)
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
        data_type: str | None = None,
        cache: int = 1,
    ) -> None:
        name = name.lower()
        typ, (lo, hi) = type_range(data_type)
        if min_value is None:
            min_value = 1 if increment > 0 else lo
        if max_value is None:
            max_value = hi if increment > 0 else -1
        if start is None:
            start = min_value if increment > 0 else max_value
        check(typ, increment, min_value, max_value, start, cache=cache)
        if self.exists(name):
            if if_not_exists:
                return
            raise SqlError("42P07", f'relation "{name}" already exists')
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
        self.conn.execute(f"DELETE FROM {self._at(name)}._aurora_sequences WHERE name=?", (name,))
        self.current.pop(name, None)
        if self.last_name == name:
            self.last, self.last_name = None, None

    def discard(self) -> None:
        """DISCARD SEQUENCES: forget currval and lastval."""
        self.current.clear()
        self.last, self.last_name = None, None

    def alter(self, name: str, opts: dict[str, object]) -> None:
        """ALTER SEQUENCE: the given parameters over the current ones, checked as CREATE's."""
        name = name.lower()
        rows = self.conn.execute(
            "SELECT increment, min_value, max_value, start_value, cycle FROM "
            f"{self._at(name)}._aurora_sequences WHERE name=?", (name,)).fetchall()
        if not rows:
            raise SqlError("42P01", f'relation "{name}" does not exist')
        inc, mn, mx, start, cycle = rows[0]
        typ = "bigint"
        if "as" in opts:
            typ, (lo, hi) = type_range(str(opts["as"]))
            # a bound at some type's limit was that type's default: it follows the new type
            if mx in (r[1] for r in TYPE_RANGES.values()):
                mx = hi
            if mn in (r[0] for r in TYPE_RANGES.values()):
                mn = lo
        else:
            typ = next(t for t, (lo, hi) in TYPE_RANGES.items() if lo <= mn and mx <= hi)
        lo, hi = TYPE_RANGES[typ]
        inc = int(opts.get("increment", inc))  # type: ignore[call-overload]
        if "minvalue" in opts:
            mn = opts["minvalue"] if opts["minvalue"] is not None else (1 if inc > 0 else lo)
        if "maxvalue" in opts:
            mx = opts["maxvalue"] if opts["maxvalue"] is not None else (hi if inc > 0 else -1)
        start = int(opts.get("start", start))  # type: ignore[call-overload]
        restart = opts.get("restart")
        if restart is True:
            restart = start
        check(typ, inc, mn, mx, start, restart, int(opts.get("cache", 1)))  # type: ignore[arg-type, call-overload]
        self.conn.execute(
            f"UPDATE {self._at(name)}._aurora_sequences SET increment=?, min_value=?, max_value=?, "
            "start_value=?, cycle=? WHERE name=?",
            (inc, mn, mx, start, int(opts.get("cycle", cycle)), name),  # type: ignore[call-overload]
        )
        if restart is not None:
            self.conn.execute(
                f"UPDATE {self._at(name)}._aurora_sequences SET last_value=?, is_called=0 WHERE name=?",
                (restart, name))

    def drop_owned(self, table: str) -> None:
        try:
            self.conn.execute(
                "DELETE FROM main._aurora_sequences WHERE owned_by=?", (table.lower(),)
            )
        except apsw.SQLError:
            pass

    def nextval(self, name: str) -> int:
        name = name.lower()
        at = self._at(name) if self.temp else "main"
        rows = self.conn.execute(
            "SELECT last_value, increment, min_value, max_value, cycle, is_called, start_value "
            f"FROM {at}._aurora_sequences WHERE name=?",
            (name,),
        ).fetchall()
        if not rows:
            implied = self.implied()
            if name in implied:
                return self._next_rowid(name, *implied[name])
            raise SqlError("42P01", f'relation "{name}" does not exist')
        last, inc, mn, mx, cycle, called, _start = rows[0]
        value = last + inc if called else last
        if value > mx or value < mn:
            if not cycle:
                end = f"maximum value of sequence \"{name}\" ({mx})" if value > mx else (
                    f"minimum value of sequence \"{name}\" ({mn})")
                raise SqlError("2200H", f"nextval: reached {end}")
            value = mn if inc > 0 else mx
        self.conn.execute(
            f"UPDATE {at}._aurora_sequences SET last_value=?, is_called=1 WHERE name=?",
            (value, name),
        )
        self.current[name] = value
        self.last, self.last_name = value, name
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
        mn, mx = self.conn.execute(
            f"SELECT min_value, max_value FROM {self._at(name)}._aurora_sequences WHERE name=?", (name,)
        ).fetchall()[0]
        if not mn <= int(value) <= mx:
            raise SqlError("22003", f'setval: value {int(value)} is out of bounds for sequence '
                                    f'"{name}" ({mn}..{mx})')
        self.conn.execute(
            f"UPDATE {self._at(name)}._aurora_sequences SET last_value=?, is_called=? WHERE name=?",
            (int(value), int(called), name),
        )
        if called:
            self.current[name] = int(value)
            self.last, self.last_name = int(value), name
        return int(value)

    def _next_rowid(self, name: str, table: str, column: str) -> int:
        """nextval of a SERIAL / IDENTITY key that is SQLite's rowid: the id its next row would
        take, which no row will take after this (the counter moves past it)."""
        try:
            got = self.conn.execute("SELECT seq FROM main.sqlite_sequence WHERE name=?", (table,)).fetchall()
        except apsw.SQLError:
            got = []
        def quoted(x: str) -> str:
            return '"' + x.replace('"', '""') + '"'

        top = self.conn.execute(f"SELECT max({quoted(column)}) FROM {quoted(table)}").fetchall()[0][0]
        value = max(got[0][0] if got else 0, top or 0) + 1
        self.set_rowid_counter(table, value)
        self.current[name] = value
        self.last, self.last_name = value, name
        return value

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
            f"UPDATE {self._at(name)}._aurora_sequences SET last_value=start_value, is_called=0 WHERE name=?",
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

    def dependents(self, name: str) -> list[tuple[str, str]]:
        """(table, column) of each default that draws from the sequence: nextval('s') or
        nextval('s'::regclass). A text argument (nextval('s'::text)) is looked up at each
        call and makes no dependency, as in PostgreSQL."""
        uses = re.compile(
            rf"nextval\(\s*'(?:public\.)?\"?{re.escape(name.lower())}\"?'(?:::regclass)?\s*\)",
            re.I)
        rows = []
        for schema in ('"main"', "temp") if self.temp else ('"main"',):  # temp tables' too
            with contextlib.suppress(apsw.SQLError):
                rows += self.conn.execute(
                    f"SELECT table_name, column_name, default_expr FROM {schema}._aurora_columns "
                    "WHERE default_expr LIKE '%nextval%'").fetchall()
        return [(t, c) for t, c, d in rows if uses.search(d)]

    def rename(self, old: str, new: str) -> None:
        """ALTER SEQUENCE / ALTER TABLE ... RENAME TO, of a sequence no default uses (a
        default names its sequence in its text here, not by OID)."""
        old, new = old.lower(), new.lower()
        if self.dependents(old):
            raise SqlError("0A000", "renaming a sequence that a column default uses is not "
                                    "supported")
        self.conn.execute(f"UPDATE {self._at(old)}._aurora_sequences SET name=? WHERE name=?", (new, old))
        if old in self.current:
            self.current[new] = self.current.pop(old)
        if self.last_name == old:
            self.last_name = new

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
