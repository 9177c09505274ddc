"""SQL cursors of a session: DECLARE, FETCH, MOVE, CLOSE and the pg_cursors view.

Rows are numbered from 1, as in PostgreSQL's portals: position 0 is before the first row,
``count + 1`` after the last. Inside a transaction a cursor steps its query's SQLite statement
only as far as FETCH asks, so FETCH 100 of a million rows reads about a hundred rows. Going
back reads a short window of recent rows, else re-runs the query from the start (same
transaction, same data); a NO SCROLL cursor refuses it, as PostgreSQL does. At COMMIT a WITH
HOLD cursor keeps its rows in memory (all of them if it may scroll, the rest if NO SCROLL);
the others close. ROLLBACK closes every cursor the transaction declared.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql import types
from aurora.engine.sqlapi import Column, Prepared, SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

VERBS = frozenset(("declare", "fetch", "move", "close"))
_WINDOW = 256  # recent rows a cursor keeps for PRIOR / RELATIVE -n without re-running

_LEAD = r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*"
_NAME = r'("(?:[^"]|"")+"|(?!(?:from|in)\b)[^\W\d][\w$]*)'
_DECLARE = re.compile(
    _LEAD + r"declare\s+" + _NAME + r"\s+((?:(?:binary|insensitive|asensitive|no\s+scroll|"
    r"scroll)\s+)*)cursor\s+(?:(with|without)\s+hold\s+)?for\s+(.*?)[\s;]*\Z",
    re.I | re.S,
)
_MOTION = re.compile(
    _LEAD
    + r"""(fetch|move)
    (?:\s+(?:(?P<next>next)|(?P<prior>prior)|(?P<first>first)|(?P<last>last)
      | (?P<abs>absolute)\s+(?P<abs_n>[+-]?\d+) | (?P<rel>relative)\s+(?P<rel_n>[+-]?\d+)
      | (?P<fwd>forward)(?:\s+(?P<fwd_n>[+-]?\d+|all))? | (?P<bwd>backward)(?:\s+(?P<bwd_n>[+-]?\d+|all))?
      | (?P<all>all) | (?P<count>[+-]?\d+))(?=[\s"]|\Z))?
    (?:\s+(?:from|in))?\s*"""
    + _NAME
    + r"[\s;]*\Z",
    re.I | re.S | re.X,
)
_CLOSE = re.compile(_LEAD + r"close\s+(?:(?P<all>all)|" + _NAME + r")[\s;]*\Z", re.I | re.S)


def _name(token: str) -> str:
    if token.startswith('"'):
        return token[1:-1].replace('""', '"')
    return token.lower()


def _backward() -> SqlError:
    return SqlError(
        "55000",
        "cursor can only scan forward",
        hint="Declare it with SCROLL option to enable backward scan.",
    )


class _Rows:
    """A query's rows by number, stepped only as far as asked; re-run to go back."""

    def __init__(self, open_query: Callable[[], apsw.Cursor]) -> None:
        self._open = open_query
        self._cur: apsw.Cursor | None = None
        self._taken = 0  # rows read from the statement
        self._recent: deque[tuple] = deque(maxlen=_WINDOW)  # rows taken-len+1 .. taken
        self._held: list[tuple] | None = None  # after COMMIT: the rows kept in memory
        self._held_from = 0  # how many rows come before _held[0]
        self.total: int | None = None  # known once the end was reached

    def get(self, k: int) -> tuple | None:
        """Row ``k`` (from 1), or None past the last row."""
        if self.total is not None and k > self.total:
            return None
        if self._held is not None and k > self._held_from:
            return self._held[k - self._held_from - 1]
        if k <= self._taken:
            back = self._taken - k
            if back < len(self._recent):
                return self._recent[-1 - back]
            if self._held is not None:
                raise _backward()  # the rows before the held ones are gone
            self._close()
            self._taken = 0
            self._recent.clear()
        if self._cur is None:
            if self._taken:  # the statement ran to its end before
                self.total = self._taken
                return None
            self._cur = self._open()
        while self._taken < k:
            row = next(self._cur, None)
            if row is None:
                self.total = self._taken
                self._close()
                return None
            self._taken += 1
            self._recent.append(row)
        return self._recent[-1]

    def count(self) -> int:
        """The number of rows, reading to the end if need be."""
        while self.total is None:
            self.get(self._taken + 1)
        return self.total

    def hold(self, from_start: bool) -> None:
        """Keep the rows in memory so that they outlive the transaction."""
        if self._held is not None:
            return
        if from_start and self._taken > len(self._recent):
            # Rows before the window are gone: run the query again (same transaction).
            self._close()
            self._taken, self.total = 0, None
            self._recent.clear()
        if self._cur is None and self.total is None:
            self._cur = self._open()
        self._held = list(self._cur) if self._cur is not None else []
        self._held_from = self._taken
        self.total = self._held_from + len(self._held)
        self._close()

    def _close(self) -> None:
        if self._cur is not None:
            self._cur.close()
            self._cur = None

    close = _close


@dataclass
class Cursor:
    """One DECLAREd cursor and its position."""

    name: str
    statement: str
    holdable: bool
    binary: bool
    scroll: bool | None  # None: neither SCROLL nor NO SCROLL (it may scroll here)
    columns: list[Column]
    decoders: list | None
    rows: _Rows
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    in_txn: bool = True  # declared by the open transaction
    pos: int = 0

    def decode(self, rows: list[tuple]) -> list[tuple]:
        decs = self.decoders
        if not decs or not any(d is not None for d in decs):
            return rows
        return [
            tuple(v if d is None else d(v) for d, v in zip(decs, r, strict=False)) for r in rows
        ]


class Cursors:
    """The cursors of one :class:`~aurora.engine.sql.session.Session`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.open: dict[str, Cursor] = {}
        self._txn_changed = False

    # --- statements --------------------------------------------------------------------------

    def prepare(self, sql: str, param_oids: Sequence[int]) -> Prepared:
        """Describe DECLARE (its query's parameters) and FETCH (its cursor's columns)."""
        m = _DECLARE.match(sql)
        if m:
            plan, _ = self.session._plan(m.group(4), given=param_oids)
            return Prepared(list(plan.param_oids), None)
        m = _MOTION.match(sql)
        if m and m.group(1).lower() == "fetch":
            cursor = self.open.get(_name(m.group(_MOTION.groups)))
            return Prepared([], cursor.columns if cursor is not None else None)
        return Prepared([], None)

    def declare(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        m = _DECLARE.match(sql)
        if not m:
            raise SqlError("42601", "syntax error in DECLARE")
        name, options, hold, query = _name(m.group(1)), m.group(2).lower(), m.group(3), m.group(4)
        holdable = bool(hold) and hold.lower() == "with"
        status = self.session.transaction_status
        if status == "I" and not holdable:
            raise SqlError("25P01", "DECLARE CURSOR can only be used in transaction blocks")
        if name in self.open:
            raise SqlError("42P03", f'cursor "{name}" already exists')
        s = self.session
        plan, lits = s._plan(query)
        if plan.kind != "select":
            word = query.split(None, 1)[0] if query.strip() else query
            raise SqlError("42601", f'syntax error at or near "{word}"')
        text, bind = s._bindings(plan, params, lits)
        desc: list = []

        def open_query() -> apsw.Cursor:
            if plan.touches_catalog:
                s._refresh_pg()
            cur = s.conn.cursor()
            if plan.columns is None:
                cur.exec_trace = lambda c, _sql, _b: desc.append(c.description_full) or True
            return cur.execute(text, bind)

        rows = _Rows(open_query)
        if plan.columns is None:
            # Columns whose type nothing tells are typed by their first value, as a SELECT's
            # are (session._settle): read the first row now; FETCH gets it from the window.
            first = rows.get(1)
            s._settle(plan, desc[0] if desc else None, [first] if first is not None else [])

        scroll = None
        if "no" in options.split():
            scroll = False
        elif "scroll" in options.split():
            scroll = True
        cursor = Cursor(
            name,
            sql.strip().rstrip(";").strip(),
            holdable,
            "binary" in options.split(),
            scroll,
            list(plan.columns or []),
            plan.decoders,
            rows,
        )
        if status == "I":
            # Outside a block the statement's own transaction commits at once: hold now.
            cursor.rows.hold(scroll is not False)
            cursor.in_txn = False
        self.open[name] = cursor
        self._changed()
        return StatementResult("DECLARE CURSOR")

    def fetch(self, sql: str) -> StatementResult:
        cursor, rows, _ = self._motion(sql, keep=True)
        return StatementResult(f"FETCH {len(rows)}", cursor.columns, cursor.decode(rows))

    def move(self, sql: str) -> StatementResult:
        _, _, count = self._motion(sql, keep=False)
        return StatementResult(f"MOVE {count}")

    def close(self, sql: str) -> StatementResult:
        m = _CLOSE.match(sql)
        if not m:
            raise SqlError("42601", "syntax error in CLOSE")
        if m.group("all"):
            for cursor in self.open.values():
                cursor.rows.close()
            self.open.clear()
        else:
            name = _name(m.group(2))
            cursor = self.open.pop(name, None)
            if cursor is None:
                raise SqlError("34000", f'cursor "{name}" does not exist')
            cursor.rows.close()
        self._changed()
        return StatementResult("CLOSE CURSOR")

    def columns(self, name: str) -> list[Column] | None:
        """A cursor's result columns (the front end's Describe of a portal by that name)."""
        cursor = self.open.get(name)
        return cursor.columns if cursor is not None else None

    # --- transaction ends ----------------------------------------------------------------------

    def at_commit(self) -> None:
        """Before SQLite's COMMIT: WITH HOLD cursors keep their rows, the others close."""
        for name, cursor in list(self.open.items()):
            if cursor.holdable:
                cursor.rows.hold(cursor.scroll is not False)
                cursor.in_txn = False
            else:
                cursor.rows.close()
                del self.open[name]
                self._changed()
        self._txn_changed = False

    def at_rollback(self) -> None:
        """Before SQLite's ROLLBACK: the cursors this transaction declared close."""
        for name, cursor in list(self.open.items()):
            if cursor.in_txn or not cursor.holdable:
                cursor.rows.close()
                del self.open[name]
                self._txn_changed = True  # pg_cursors is rewritten after the ROLLBACK

    def at_end(self) -> None:
        """After the transaction: what remains is WITH HOLD; pg_cursors shows it again
        (a ROLLBACK also undid the view's own rows)."""
        for name, cursor in list(self.open.items()):
            if not cursor.holdable:
                cursor.rows.close()
                del self.open[name]
                self._txn_changed = True
        if self._txn_changed:
            self._txn_changed = False
            self._publish()

    def close_all(self) -> None:
        for cursor in self.open.values():
            cursor.rows.close()
        self.open.clear()

    # --- helpers --------------------------------------------------------------------------------

    def _changed(self) -> None:
        if self.session.transaction_status != "I":
            self._txn_changed = True
        self._publish()

    def _publish(self) -> None:
        """Rewrite the TEMP table behind pg_cursors (see pgcatalog)."""
        conn = self.session.conn
        conn.execute('DELETE FROM temp."pg_cursors"')
        if self.open:
            conn.executemany(
                'INSERT INTO temp."pg_cursors" VALUES (?, ?, ?, ?, ?, ?)',
                [
                    (
                        c.name,
                        c.statement,
                        int(c.holdable),
                        int(c.binary),
                        int(c.scroll is not False),
                        types.to_sqlite(c.created),
                    )
                    for c in self.open.values()
                ],
            )

    def _motion(self, sql: str, keep: bool) -> tuple[Cursor, list[tuple], int]:
        """Run a FETCH or MOVE: (cursor, rows when ``keep``, rows passed)."""
        m = _MOTION.match(sql)
        if not m:
            raise SqlError("42601", f"syntax error in {sql.split(None, 1)[0].upper()}")
        name = _name(m.group(_MOTION.groups))
        cursor = self.open.get(name)
        if cursor is None:
            raise SqlError("34000", f'cursor "{name}" does not exist')
        kind, count = _direction(m)
        if cursor.scroll is False:
            _check_forward(cursor, kind, count)
        if kind in ("forward", "backward"):
            return cursor, *_step(cursor, kind == "forward", count, keep)
        return cursor, *_jump(cursor, kind, count)


def _direction(m: re.Match) -> tuple[str, int | None]:
    """(forward | backward | absolute | relative, count; None for ALL)."""
    if m.group("prior"):
        return "backward", 1
    if m.group("first"):
        return "absolute", 1
    if m.group("last"):
        return "absolute", -1
    if m.group("abs"):
        return "absolute", int(m.group("abs_n"))
    if m.group("rel"):
        return "relative", int(m.group("rel_n"))
    if m.group("all"):
        return "forward", None
    n = m.group("count") or m.group("fwd_n") or m.group("bwd_n")
    backward = bool(m.group("bwd"))
    if n is None:
        return ("backward" if backward else "forward"), 1
    if n.lower() == "all":
        return ("backward" if backward else "forward"), None
    count = int(n)
    if count == 0:
        return "relative", 0  # FORWARD 0 / BACKWARD 0 fetch the current row again
    if count < 0:
        backward, count = not backward, -count
    return ("backward" if backward else "forward"), count


def _check_forward(cursor: Cursor, kind: str, count: int | None) -> None:
    """A NO SCROLL cursor refuses every motion that needs a step back, as PostgreSQL does."""
    pos = cursor.pos
    on_row = pos > 0 and (cursor.rows.total is None or pos <= cursor.rows.total)
    if (
        kind == "backward"
        or (kind == "absolute" and count is not None and (count < 0 or (count <= pos and pos)))
        or (kind == "relative" and count is not None and (count < 0 or (count == 0 and on_row)))
    ):
        raise _backward()


def _step(cursor: Cursor, forward: bool, count: int | None, keep: bool) -> tuple[list[tuple], int]:
    out: list[tuple] = []
    passed = 0
    rows = cursor.rows
    while count is None or passed < count:
        if forward:
            row = rows.get(cursor.pos + 1)
            if row is None:
                cursor.pos = rows.count() + 1
                break
            cursor.pos += 1
        else:
            if cursor.pos <= 1:
                cursor.pos = 0
                break
            row = rows.get(cursor.pos - 1)
            cursor.pos -= 1
        passed += 1
        if keep:
            out.append(row)  # type: ignore[arg-type]
    return out, passed


def _jump(cursor: Cursor, kind: str, count: int | None) -> tuple[list[tuple], int]:
    rows = cursor.rows
    assert count is not None
    if kind == "relative":
        if count == 0:
            row = rows.get(cursor.pos) if cursor.pos > 0 else None
            return ([row], 1) if row is not None else ([], 0)
        target = cursor.pos + count
    elif count >= 0:
        target = count
    else:
        target = rows.count() + 1 + count
    if target < 1:
        cursor.pos = 0
        return [], 0
    row = rows.get(target)
    if row is None:
        cursor.pos = rows.count() + 1
        return [], 0
    cursor.pos = target
    return [row], 1
