"""Foreign keys, enforced as PostgreSQL enforces them: by triggers.

SQLite's own foreign keys cannot name the constraint a row violates, cannot switch a
deferrable constraint between IMMEDIATE and DEFERRED (SET CONSTRAINTS), and make a table
rebuild (DROP TABLE of a parent) fire every cascade. So, as PostgreSQL does with its RI
triggers, each constraint here is a row of ``_aurora_constraints`` (kind ``f``, the
definition as JSON) plus SQLite triggers made from it:

- on the referencing table, after INSERT and after an UPDATE that changes the key: when the
  key has no NULL and no referenced row exists, call ``_aurora_fk('c', ...)``;
- on the referenced table, after DELETE and after an UPDATE that changes the key: CASCADE,
  SET NULL and SET DEFAULT are SQL in the trigger (nested and recursive triggers carry them
  through every level), guarded by ``_aurora_fk_acts()`` (false while the checks are
  suspended); NO ACTION and RESTRICT call ``_aurora_fk('p', ...)`` when a referencing row
  exists.

``_aurora_fk`` (:class:`Enforcer`) raises 23503 at once, or, for a constraint that is deferred
in the current transaction block, remembers the key and checks it again at COMMIT or at
``SET CONSTRAINTS ... IMMEDIATE``: a key that violates the constraint then is always one that
was remembered, so checking those keys alone is enough. Outside a transaction block a
statement is its own transaction and every constraint is checked row by row.

Triggers are derived data: DDL that touches a table drops the triggers of every constraint
involving it and makes them again from the catalog (:func:`drop_triggers`,
:func:`install_triggers`).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql.tabledef import quote, touch_schema
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
_ACTION_CODES = {"NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True  # False after ADD CONSTRAINT ... NOT VALID

    def definition(self) -> str:
        """The text pg_get_constraintdef() gives."""
        text = (
            f"FOREIGN KEY ({', '.join(self.columns)}) REFERENCES "
            f"{self.ref_table}({', '.join(self.ref_columns)})"
        )
        if self.on_update != "NO ACTION":
            text += f" ON UPDATE {self.on_update}"
        if self.on_delete != "NO ACTION":
            text += f" ON DELETE {self.on_delete}"
        if self.deferrable:
            text += " DEFERRABLE"
            if self.initially_deferred:
                text += " INITIALLY DEFERRED"
        if not self.validated:
            text += " NOT VALID"
        return text

    @property
    def update_code(self) -> str:
        return _ACTION_CODES[self.on_update]

    @property
    def delete_code(self) -> str:
        return _ACTION_CODES[self.on_delete]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ForeignKey:
        d = json.loads(text)
        d["columns"] = tuple(d["columns"])
        d["ref_columns"] = tuple(d["ref_columns"])
        return cls(**d)

    def involves(self, table: str) -> bool:
        return table.lower() in (self.table.lower(), self.ref_table.lower())


# --- catalog ---------------------------------------------------------------------------------


def load(conn: apsw.Connection) -> list[ForeignKey]:
    """Every foreign key: the permanent ones, then the session's temp ones (:mod:`temp`)."""
    rows = []
    for schema in ('"main"', "temp"):
        try:
            rows += conn.execute(
                f"SELECT definition FROM {schema}._aurora_constraints WHERE kind='f' ORDER BY rowid"
            ).fetchall()
        except apsw.SQLError:
            pass
    out = []
    for (text,) in rows:
        try:
            out.append(ForeignKey.from_json(text))
        except (ValueError, TypeError, KeyError):
            continue  # a definition recorded before foreign keys were enforced
    return out


def involving(conn: apsw.Connection, table: str) -> list[ForeignKey]:
    return [fk for fk in load(conn) if fk.involves(table)]


def find(conn: apsw.Connection, table: str, name: str) -> ForeignKey | None:
    return next(
        (
            fk
            for fk in load(conn)
            if fk.table.lower() == table.lower() and fk.name.lower() == name.lower()
        ),
        None,
    )


def _record(conn: apsw.Connection, fk: ForeignKey) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO main._aurora_constraints VALUES (?,?,?,?,?)",
        (fk.table, fk.name, "f", fk.to_json(), None),
    )
    touch_schema(conn)


def _forget(conn: apsw.Connection, fk: ForeignKey) -> None:
    conn.execute(
        "DELETE FROM main._aurora_constraints WHERE kind='f' AND lower(table_name)=lower(?) "
        "AND lower(name)=lower(?)",
        (fk.table, fk.name),
    )


def rename_table(conn: apsw.Connection, old: str, new: str) -> None:
    """Follow ALTER TABLE old RENAME TO new in every constraint that names the table."""
    for fk in load(conn):
        if not fk.involves(old):
            continue
        _forget(conn, fk)
        _record(
            conn,
            replace(
                fk,
                table=new if fk.table.lower() == old.lower() else fk.table,
                ref_table=new if fk.ref_table.lower() == old.lower() else fk.ref_table,
            ),
        )


def rename_column(conn: apsw.Connection, table: str, old: str, new: str) -> None:
    def ren(cols: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if c.lower() == old.lower() else c for c in cols)

    for fk in load(conn):
        changed = fk
        if fk.table.lower() == table.lower():
            changed = replace(changed, columns=ren(fk.columns))
        if fk.ref_table.lower() == table.lower():
            changed = replace(changed, ref_columns=ren(fk.ref_columns))
        if changed != fk:
            _record(conn, changed)


def rename(conn: apsw.Connection, fk: ForeignKey, new_name: str) -> None:
    _forget(conn, fk)
    _record(conn, replace(fk, name=new_name))


# --- creating and dropping ------------------------------------------------------------------


def _table_name(conn: apsw.Connection, name: str) -> str | None:
    """The stored name of table ``name``: a temp table first, as SQLite resolves it."""
    for schema in ("temp", '"main"'):
        rows = conn.execute(
            f"SELECT name FROM {schema}.sqlite_schema WHERE type='table' AND lower(name)=lower(?)",
            (name,)).fetchall()
        if rows:
            if schema == "temp" and getattr(conn, "schema", "main") == "main":
                raise SqlError("42P16", "constraints on permanent tables may reference only "
                                        "permanent tables")
            return rows[0][0]
    return None


def _columns(conn: apsw.Connection, table: str) -> dict[str, str]:
    return {
        r[0].lower(): r[0]
        for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,)).fetchall()
    }


def _is_unique_key(conn: apsw.Connection, table: str, cols: tuple[str, ...]) -> bool:
    want = sorted(c.lower() for c in cols)
    pk = [
        r[0].lower()
        for r in sorted(
            conn.execute("SELECT name, pk FROM pragma_table_info(?) WHERE pk>0", (table,)),
            key=lambda r: r[1],
        )
    ]
    if sorted(pk) == want:
        return True
    for _seq, iname, unique, _origin, partial in conn.execute(
        "SELECT * FROM pragma_index_list(?)", (table,)
    ).fetchall():
        if not unique or partial:
            continue
        icols = [r[2] for r in conn.execute("SELECT * FROM pragma_index_info(?)", (iname,))]
        if None not in icols and sorted(c.lower() for c in icols) == want:
            return True
    return False


def resolve(
    conn: apsw.Connection,
    table: str,
    columns: list[str],
    ref_table: str,
    ref_columns: list[str],
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Check a new constraint's tables and columns as PostgreSQL does; return the referenced
    table's stored name and both column lists as the tables spell them."""
    real_ref = _table_name(conn, ref_table)
    if real_ref is None:
        raise SqlError("42P01", f'relation "{ref_table}" does not exist')
    mine = _columns(conn, table)
    theirs = _columns(conn, real_ref)
    for c in columns:
        if c.lower() not in mine:
            raise SqlError("42703", f'column "{c}" referenced in foreign key constraint does not exist')
    if not ref_columns:
        pk = [
            r[0]
            for r in sorted(
                conn.execute("SELECT name, pk FROM pragma_table_info(?) WHERE pk>0", (real_ref,)),
                key=lambda r: r[1],
            )
        ]
        if not pk:
            raise SqlError(
                "42830", f'there is no primary key for referenced table "{real_ref}"'
            )
        ref_columns = pk
    for c in ref_columns:
        if c.lower() not in theirs:
            raise SqlError("42703", f'column "{c}" referenced in foreign key constraint does not exist')
    if len(columns) != len(ref_columns):
        raise SqlError(
            "42830", "number of referencing and referenced columns for foreign key disagree"
        )
    cols = tuple(mine[c.lower()] for c in columns)
    refs = tuple(theirs[c.lower()] for c in ref_columns)
    if not _is_unique_key(conn, real_ref, refs):
        raise SqlError(
            "42830",
            f'there is no unique constraint matching given keys for referenced table "{real_ref}"',
        )
    return real_ref, cols, refs


def add(conn: apsw.Connection, fk: ForeignKey, validate: bool = True) -> None:
    """Record ``fk`` after checking the rows already there against it; the caller makes its
    triggers (:func:`refresh_triggers`) once its DDL is done."""
    if find(conn, fk.table, fk.name) is not None:
        raise SqlError(
            "42710", f'constraint "{fk.name}" for relation "{fk.table}" already exists'
        )
    if validate:
        check_rows(conn, fk)
    _record(conn, replace(fk, validated=validate))


def check_rows(conn: apsw.Connection, fk: ForeignKey) -> None:
    """Raise 23503 for the first row of the referencing table that violates ``fk``."""
    bad = conn.execute(
        f"SELECT {', '.join('c.' + quote(c) for c in fk.columns)} FROM {quote(fk.table)} c "
        f"WHERE {_not_null('c', fk.columns)} AND NOT EXISTS (SELECT 1 FROM "
        f"{quote(fk.ref_table)} p WHERE {_match('p', fk.ref_columns, 'c', fk.columns)}) LIMIT 1"
    ).fetchall()
    if bad:
        raise _child_error(fk, bad[0])


def validate(conn: apsw.Connection, fk: ForeignKey) -> None:
    """ALTER TABLE ... VALIDATE CONSTRAINT: check the rows a NOT VALID constraint skipped."""
    check_rows(conn, fk)
    if not fk.validated:
        _record(conn, replace(fk, validated=True))


def drop(conn: apsw.Connection, fk: ForeignKey) -> None:
    drop_triggers(conn, [fk])
    _forget(conn, fk)


# --- triggers --------------------------------------------------------------------------------


def _match(a: str, acols: Iterable[str], b: str, bcols: Iterable[str]) -> str:
    return " AND ".join(f"{a}.{quote(x)} = {b}.{quote(y)}" for x, y in zip(acols, bcols, strict=True))


def _not_null(alias: str, cols: Iterable[str]) -> str:
    return " AND ".join(f"{alias}.{quote(c)} IS NOT NULL" for c in cols)


def _changed(cols: Iterable[str]) -> str:
    return "(" + " OR ".join(f"OLD.{quote(c)} IS NOT NEW.{quote(c)}" for c in cols) + ")"


def _trigger_name(fk: ForeignKey, role: str) -> str:
    return quote(f"_aurora_fk_{fk.table}_{fk.name}_{role}")


_ROLES = ("ins", "upd", "del", "pupd")


def _call(side: str, fk: ForeignKey, alias: str, cols: Iterable[str]) -> str:
    args = ", ".join(f"{alias}.{quote(c)}" for c in cols)
    return f"SELECT _aurora_fk('{side}', {_lit(fk.table)}, {_lit(fk.name)}, {args});"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _defaults(conn: apsw.Connection, fk: ForeignKey) -> dict[str, str]:
    return {
        r[0].lower(): r[1]
        for r in conn.execute("SELECT name, dflt_value FROM pragma_table_info(?)", (fk.table,))
        if r[1] is not None
    }


def _action_sql(conn: apsw.Connection, fk: ForeignKey, action: str, event: str) -> str | None:
    child, parent = quote(fk.table), quote(fk.ref_table)
    where = " AND ".join(
        f"{quote(c)} = OLD.{quote(p)}" for c, p in zip(fk.columns, fk.ref_columns, strict=True)
    )
    if action == "CASCADE":
        if event == "delete":
            return f"DELETE FROM {child} WHERE {where};"
        sets = ", ".join(
            f"{quote(c)} = NEW.{quote(p)}" for c, p in zip(fk.columns, fk.ref_columns, strict=True)
        )
        return f"UPDATE {child} SET {sets} WHERE {where};"
    if action == "SET NULL":
        sets = ", ".join(f"{quote(c)} = NULL" for c in fk.columns)
        return f"UPDATE {child} SET {sets} WHERE {where};"
    if action == "SET DEFAULT":
        defaults = _defaults(conn, fk)
        sets = ", ".join(f"{quote(c)} = {defaults.get(c.lower(), 'NULL')}" for c in fk.columns)
        return f"UPDATE {child} SET {sets} WHERE {where};"
    del parent
    return None


def install_triggers(conn: apsw.Connection, fks: Iterable[ForeignKey]) -> None:
    for fk in fks:
        child, parent = quote(fk.table), quote(fk.ref_table)
        missing = (
            f"{_not_null('NEW', fk.columns)} AND NOT EXISTS (SELECT 1 FROM {parent} "
            f"WHERE {_match(parent, fk.ref_columns, 'NEW', fk.columns)})"
        )
        check = _call("c", fk, "NEW", fk.columns)
        conn.execute(
            f"CREATE TRIGGER {_trigger_name(fk, 'ins')} AFTER INSERT ON {child} "
            f"WHEN {missing} BEGIN {check} END"
        )
        conn.execute(
            f"CREATE TRIGGER {_trigger_name(fk, 'upd')} AFTER UPDATE OF "
            f"{', '.join(quote(c) for c in fk.columns)} ON {child} "
            f"WHEN {_changed(fk.columns)} AND {missing} BEGIN {check} END"
        )
        referenced = (
            f"EXISTS (SELECT 1 FROM {child} WHERE "
            f"{_match(child, fk.columns, 'OLD', fk.ref_columns)})"
        )
        for role, event, action in (
            ("del", "delete", fk.on_delete),
            ("pupd", "update", fk.on_update),
        ):
            body = _action_sql(conn, fk, action, event)
            when = f"WHEN {_changed(fk.ref_columns)}" if event == "update" else ""
            side = "pd" if event == "delete" else "pu"
            if body is None:  # NO ACTION, RESTRICT
                body = _call(side, fk, "OLD", fk.ref_columns)
                when = f"WHEN {_changed(fk.ref_columns) + ' AND ' if event == 'update' else ''}{referenced}"
            else:
                # CASCADE, SET NULL, SET DEFAULT: none while the checks are suspended
                when = f"{when} AND _aurora_fk_acts()" if when else "WHEN _aurora_fk_acts()"
            if action == "SET DEFAULT":
                # When the default is the key just removed, the rows set to it still point at
                # nothing: PostgreSQL runs its NO ACTION check after SET DEFAULT for that.
                body += (
                    f" SELECT _aurora_fk('{side}', {_lit(fk.table)}, {_lit(fk.name)}, "
                    + ", ".join(f"OLD.{quote(c)}" for c in fk.ref_columns)
                    + f") WHERE {referenced};"
                )
            of = f"OF {', '.join(quote(c) for c in fk.ref_columns)} " if event == "update" else ""
            conn.execute(
                f"CREATE TRIGGER {_trigger_name(fk, role)} AFTER {event.upper()} {of}ON {parent} "
                f"{when} BEGIN {body} END"
            )


def refresh_triggers(conn: apsw.Connection, *tables: str) -> None:
    """Make again the triggers of every constraint that involves one of ``tables``."""
    fks = [fk for fk in load(conn) if any(fk.involves(t) for t in tables)]
    drop_triggers(conn, fks)
    install_triggers(conn, fks)


def drop_triggers(conn: apsw.Connection, fks: Iterable[ForeignKey]) -> None:
    for fk in fks:
        for role in _ROLES:
            conn.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(fk, role)}")


# --- enforcement -----------------------------------------------------------------------------


def _key_text(cols: Iterable[str], values: Iterable[object]) -> str:
    shown = ", ".join("null" if v is None else str(v) for v in values)
    return f"Key ({', '.join(cols)})=({shown})"


def _rel(name: str) -> str:
    """A table as PostgreSQL's messages name it: without its schema (schemas.py)."""
    return name.rpartition(".")[2]


def _child_error(fk: ForeignKey, values: Iterable[object]) -> SqlError:
    return SqlError(
        "23503",
        f'insert or update on table "{_rel(fk.table)}" violates foreign key constraint '
        f'"{fk.name}"',
        detail=f'{_key_text(fk.columns, values)} is not present in table "{_rel(fk.ref_table)}".',
        table=fk.table,
        constraint=fk.name,
    )


def _parent_error(fk: ForeignKey, values: Iterable[object]) -> SqlError:
    return SqlError(
        "23503",
        f'update or delete on table "{_rel(fk.ref_table)}" violates foreign key constraint '
        f'"{fk.name}" on table "{_rel(fk.table)}"',
        detail=f"{_key_text(fk.ref_columns, values)} is still referenced from table "
        f'"{_rel(fk.table)}".',
        table=fk.table,
        constraint=fk.name,
    )


def _action(fk: ForeignKey, side: str) -> str:
    return fk.on_delete if side == "pd" else fk.on_update


class Enforcer:
    """One session's side of foreign keys: the ``_aurora_fk`` function its triggers call,
    SET CONSTRAINTS, and the keys of deferred constraints still to check."""

    def __init__(self, conn: apsw.Connection, in_block: Callable[[], bool]) -> None:
        self.conn = conn
        self._in_block = in_block
        self._version = -1
        self.temp = False  # the session has temp relations: their cookie counts too
        self._by_name: dict[tuple[str, str], ForeignKey] = {}
        self._any_version = -1
        self._any = False
        self.pending: dict[tuple[str, str, str, tuple], None] = {}
        self._all: bool | None = None  # SET CONSTRAINTS ALL: True deferred, False immediate
        self._named: dict[str, bool] = {}  # SET CONSTRAINTS name: deferred?
        self.suspended = False  # TRUNCATE of every table involved
        # InnoDB's NO ACTION is its RESTRICT: checked as each row is deleted or updated, not
        # at the end of the statement (the MySQL edition's sessions)
        self.no_action_restricts = False
        # While a statement runs under statement(), its immediate checks wait here for the end
        # of the statement; otherwise a failed immediate check raises at once.
        self._statement: dict[tuple[str, str, str, tuple], None] | None = None
        # SET CONSTRAINTS as it was at each open savepoint: ROLLBACK TO puts it back.
        self._savepoints: list[tuple[str, bool | None, dict[str, bool]]] = []
        conn.create_scalar_function("_aurora_fk", self._fired)
        conn.create_scalar_function("_aurora_fk_acts", self._acts, 0)

    def _constraints(self) -> dict[tuple[str, str], ForeignKey]:
        v = self.conn.execute("PRAGMA schema_version").fetchall()[0][0]
        if self.temp:
            v += self.conn.execute("PRAGMA temp.schema_version").fetchall()[0][0] << 32
        if v != self._version:
            self._by_name = {(fk.table.lower(), fk.name.lower()): fk for fk in load(self.conn)}
            self._version = v
        return self._by_name

    def any(self, schema_version: int) -> bool:
        """Whether the database has foreign keys at all, as of ``schema_version`` (the
        session's catalog's: no query on the write path while the schema stands still)."""
        if schema_version != self._any_version:
            self._any = bool(self._constraints())
            self._any_version = schema_version
        return self._any

    @contextlib.contextmanager
    def statement(self) -> Iterator[None]:
        """One statement's checks: those of immediate constraints run when it ends (23503 for
        the first violation). The caller runs it in a savepoint, which a violation undoes."""
        saved, self._statement = self._statement, {}  # a statement of a PL/pgSQL function nests
        try:
            yield
            queue = self._statement
            if queue:
                self._check(queue, None)
        finally:
            self._statement = saved

    def deferred(self, fk: ForeignKey) -> bool:
        if not fk.deferrable or not self._in_block():
            return False
        named = self._named.get(fk.name.lower())
        if named is not None:
            return named
        if self._all is not None:
            return self._all
        return fk.initially_deferred

    def _acts(self) -> int:
        """Whether the referential actions (CASCADE, SET NULL, SET DEFAULT) run: not while
        the checks are suspended (MySQL's ``foreign_key_checks = 0`` runs none of them)."""
        return 0 if self.suspended else 1

    def _fired(self, side: str, table: str, name: str, *values: object) -> None:
        if self.suspended:
            return None
        fk = self._constraints().get((table.lower(), name.lower()))
        if fk is None:
            return None
        key = (fk.table.lower(), fk.name.lower(), side, tuple(values))
        restrict = side != "c" and self._restricts(fk, side)
        if not restrict and self.deferred(fk):
            self.pending[key] = None
        elif self._statement is not None:
            self._statement[key] = None
        else:
            raise _child_error(fk, values) if side == "c" else _parent_error(fk, values)
        return None

    def _violated(self, fk: ForeignKey, side: str, values: tuple) -> bool:
        """Whether the key still breaks ``fk``: a referencing row has it and (unless the
        action is RESTRICT, which a new referenced row with the same key does not satisfy)
        no referenced row has it."""
        if not self._has(fk.table, fk.columns, values):
            return False
        if side != "c" and self._restricts(fk, side):
            return True
        return not self._has(fk.ref_table, fk.ref_columns, values)

    def _restricts(self, fk: ForeignKey, side: str) -> bool:
        action = _action(fk, side)
        return action == "RESTRICT" or (self.no_action_restricts and action == "NO ACTION")

    def _has(self, table: str, columns: tuple[str, ...], values: tuple) -> bool:
        where = " AND ".join(f"{quote(c)} = ?" for c in columns)
        return bool(
            self.conn.execute(f"SELECT 1 FROM {quote(table)} WHERE {where} LIMIT 1", values).fetchall()
        )

    def check_pending(self, only: set[str] | None = None) -> None:
        """Check the remembered keys (of the constraints named in ``only``, or all)."""
        self._check(self.pending, only)

    def _check(self, queue: dict, only: set[str] | None) -> None:
        by_name = self._constraints()
        for key in list(queue):
            table, name, side, values = key
            if only is not None and name not in only:
                continue
            fk = by_name.get((table, name))
            if fk is not None and self._violated(fk, side, values):
                raise _child_error(fk, values) if side == "c" else _parent_error(fk, values)
            del queue[key]

    def set_constraints(self, names: list[str] | None, deferred: bool) -> None:
        """SET CONSTRAINTS {ALL | name, ...} {DEFERRED | IMMEDIATE} inside a block."""
        by_name = self._constraints()
        if names is None:
            self._all = deferred
            self._named.clear()
            if not deferred:
                self.check_pending()
            return
        wanted = {n.split(".")[-1].strip('"').lower() for n in names}
        known = {name: fk for (_t, name), fk in by_name.items()}
        for n in wanted:
            fk = known.get(n)
            if fk is None:
                raise SqlError("42704", f'constraint "{n}" does not exist')
            if not fk.deferrable:
                raise SqlError("55000", f'constraint "{fk.name}" is not deferrable')
        for n in wanted:
            self._named[n] = deferred
        if not deferred:
            self.check_pending(wanted)

    def refuse_alter(self, table: str) -> None:
        """PostgreSQL refuses ALTER TABLE of a table with deferred checks still to run."""
        low = table.lower()
        by_name = self._constraints()
        for child, name, side, _values in self.pending:
            fk = by_name.get((child, name))
            if fk is not None and low == (child if side == "c" else fk.ref_table.lower()):
                raise SqlError(
                    "55006", f'cannot ALTER TABLE "{table}" because it has pending trigger events'
                )

    def savepoint(self, name: str) -> None:
        self._savepoints.append((name.lower(), self._all, dict(self._named)))

    def _find_savepoint(self, name: str) -> int | None:
        for i in range(len(self._savepoints) - 1, -1, -1):
            if self._savepoints[i][0] == name.lower():
                return i
        return None

    def rollback_to(self, name: str) -> None:
        i = self._find_savepoint(name)
        if i is not None:
            _n, self._all, named = self._savepoints[i]
            self._named = dict(named)
            del self._savepoints[i + 1 :]

    def release(self, name: str) -> None:
        i = self._find_savepoint(name)
        if i is not None:
            del self._savepoints[i:]

    def end_transaction(self) -> None:
        self.pending.clear()
        self._all = None
        self._named.clear()
        self._savepoints.clear()
        self.suspended = False
