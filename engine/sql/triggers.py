"""CREATE / DROP TRIGGER: PostgreSQL's triggers, run by SQLite triggers that call Python.

A trigger is a row of ``_aurora_triggers`` (the database file). For each table and each
(timing, event) that has row triggers, one SQLite trigger passes the row's OLD and NEW
values to ``pg_tg_row``, which runs the PL/pgSQL functions of that table's triggers in
PostgreSQL's order (by name), each one seeing the NEW the one before returned:

- BEFORE: the row is skipped (``RAISE(IGNORE)``) when a function returns NULL. When one
  returns a changed NEW, the changed row is written by a statement of its own (the table's
  BEFORE triggers skipped for it, its constraints checked on it) and the original skipped:
  SQLite cannot change NEW. The statement's row count counts that row (``Session.tg_extra``).
- AFTER: the event is queued and the functions run when the statement ends, as
  PostgreSQL's AFTER triggers do, with the final row.
- INSTEAD OF (views): SQLite's own INSTEAD OF trigger; the row counts when the function
  returns non-NULL.

Statement-level triggers fire from the session around a write whose target has them. Every
write of a database with triggers runs in a savepoint (``Plan.guarded``): an error raised
by a trigger undoes the statement. Writes from every path reach the SQLite triggers (COPY,
ON CONFLICT DO UPDATE, UPDATE ... FROM, data-modifying WITH). Not kept: ``UPDATE OF cols``
fires when one of the columns changed value (PostgreSQL: when the UPDATE names one).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql import partitions, plpgsql, schemas, temp, types, userfuncs
from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

TABLE = "_aurora_triggers"
PREFIX = "_aurora_tg_"
MARKER = "_aurora_tgset_"
EVENTS = ("insert", "update", "delete", "truncate")


@dataclass
class Trigger:
    name: str
    table: str
    timing: str  # before | after | instead
    events: list[str]
    columns: list[str]
    level: str  # row | statement
    condition: str | None
    function: str
    args: list[str]
    enabled: bool


def _ensure(conn: apsw.Connection) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS main.{TABLE} (name TEXT NOT NULL, tbl TEXT NOT NULL, "
                 "timing TEXT NOT NULL, events TEXT NOT NULL, columns TEXT NOT NULL, level TEXT NOT NULL, "
                 "condition TEXT, function TEXT NOT NULL, args TEXT NOT NULL, enabled INTEGER NOT NULL, "
                 "PRIMARY KEY (tbl, name))")


def exists(conn: apsw.Connection) -> bool:
    return bool(conn.execute("SELECT 1 FROM main.sqlite_schema WHERE name=?", (TABLE,)).fetchall())


def _registries(conn: apsw.Connection) -> list[str]:
    """The schemas holding the trigger table: the database's, and the session's temp schema
    when its temp tables have triggers (temp.py; ``"main"`` is main there too)."""
    return [schema for schema in ('"main"', "temp") if conn.execute(
        f"SELECT 1 FROM {schema}.sqlite_schema WHERE name=?", (TABLE,)).fetchall()]


def all_triggers(conn: apsw.Connection) -> list[Trigger]:
    return [Trigger(n, t, ti, json.loads(ev), json.loads(co), lv, cond, fn, json.loads(a), bool(en))
            for schema in _registries(conn)
            for n, t, ti, ev, co, lv, cond, fn, a, en in conn.execute(
                f"SELECT name, tbl, timing, events, columns, level, condition, function, args, enabled "
                f"FROM {schema}.{TABLE} ORDER BY tbl, name")]


class Registry:
    """The session's triggers, read again when the schema moved."""

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self._version: int | None = None
        self.by_table: dict[str, list[Trigger]] = {}
        self._info: dict[str, tuple] = {}

    def load(self, version: int) -> dict[str, list[Trigger]]:
        if version != self._version:
            self.by_table = {}
            for t in all_triggers(self.conn):
                self.by_table.setdefault(t.table, []).append(t)
            self._info = {}
            self._version = version
        return self.by_table


# --- CREATE / DROP / ALTER -------------------------------------------------------------------

_NAME = r'(?:"(?:[^"]|"")+"|[\w$]+)'
_QNAME = rf"{_NAME}(?:\s*\.\s*{_NAME})?"
_CREATE = re.compile(
    rf"\s*create\s+(or\s+replace\s+)?(constraint\s+)?trigger\s+({_NAME})\s+"
    rf"(before|after|instead\s+of)\s+(.+?)\s+on\s+({_QNAME})(.*?)"
    rf"\s+execute\s+(?:function|procedure)\s+({_QNAME})\s*\((.*)\)\s*;?\s*$",
    re.I | re.S,
)


def _split_events(text: str) -> tuple[list[str], list[str]]:
    events, cols = [], []
    for part in re.split(r"\s+or\s+", text.strip(), flags=re.I):
        m = re.match(r"(insert|update|delete|truncate)(?:\s+of\s+(.+))?$", part.strip(), re.I | re.S)
        if not m:
            raise SqlError("42601", f'syntax error at or near "{part.strip()}"')
        if m.group(2) and m.group(1).lower() != "update":
            raise SqlError("42601", 'syntax error at or near "OF"')
        ev = m.group(1).lower()
        if ev in events:
            raise SqlError("42601", f'duplicate trigger events specified at or near "{part.strip()}"')
        events.append(ev)
        if m.group(2):
            for c in m.group(2).split(","):
                name = schemas.ident(c.strip())
                if name in cols:
                    raise SqlError("42701", f'column "{name}" specified more than once')
                cols.append(name)
    return events, cols


def create(s: Session, sql: str) -> StatementResult:
    m = _CREATE.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in CREATE TRIGGER")
    if m.group(2):
        raise SqlError("0A000", "CREATE CONSTRAINT TRIGGER is not supported")
    name = schemas.ident(m.group(3))
    timing = m.group(4).lower().split()[0]
    events, cols = _split_events(m.group(5))
    table = _table(m.group(6))
    rest = m.group(7)
    level = "statement"
    wh = re.search(r"\bwhen\s*\(", rest, re.I)
    head = rest[:wh.start()] if wh else rest
    lv = re.search(r"\bfor\s+(?:each\s+)?(row|statement)\b", head, re.I)
    if lv:
        level = lv.group(1).lower()
    if re.search(r"\breferencing\b", head, re.I):
        raise SqlError("0A000", "transition tables (REFERENCING) are not supported")
    if re.search(r"\bfrom\b|\bdeferrable\b|\binitially\b", head, re.I):
        raise SqlError("0A000", "constraint trigger options are not supported")
    condition = None
    if wh:
        close = userfuncs.close_paren(rest, wh.end(), "CREATE TRIGGER")
        condition = rest[wh.end():close].strip()
    func = _table(m.group(8))
    args = _trigger_args(m.group(9))
    kind = relkind(s.conn, table)
    if kind is None:
        raise SqlError("42P01", f'relation "{table}" does not exist')
    if (kind == "view" and level == "row"
            and (part := partitions.find(s.conn, table)) is not None and part.parent):
        raise SqlError("0A000", f'row-level triggers on partition "{table}" are not supported',
                       hint=f'Create the trigger on the partitioned table "{part.parent}".')
    if timing == "instead":
        if kind != "view":
            raise SqlError("42809", f'"{table}" is a table', detail="Tables cannot have INSTEAD OF triggers.")
        if level != "row":
            raise SqlError("0A000", "INSTEAD OF triggers must be FOR EACH ROW")
        if condition:
            raise SqlError("0A000", "INSTEAD OF triggers cannot have WHEN conditions")
        if cols:
            raise SqlError("0A000", "INSTEAD OF triggers cannot have column lists")
    elif kind == "view" and (level == "row" or "truncate" in events):
        raise SqlError("42809", f'"{table}" is a view',
                       detail="Views cannot have row-level BEFORE or AFTER triggers.")
    if "truncate" in events and level == "row":
        raise SqlError("0A000", "TRUNCATE FOR EACH ROW triggers are not supported")
    if condition and level == "statement" and re.search(r"\b(new|old)\s*\.", condition, re.I):
        raise SqlError("42P17", "statement trigger's WHEN condition cannot reference column values")
    if condition and "insert" in events and re.search(r"\bold\s*\.", condition, re.I):
        raise SqlError("42P17", "INSERT trigger's WHEN condition cannot reference OLD values")
    if condition and "delete" in events and re.search(r"\bnew\s*\.", condition, re.I):
        raise SqlError("42P17", "DELETE trigger's WHEN condition cannot reference NEW values")
    fn = s.plpgsql_function(func, 0)
    if fn is None and func in BUILT_IN:
        fn = ([], "trigger", "")
    if fn is None:
        raise SqlError("42883", f"function {func}() does not exist")
    if fn[1] != "trigger":
        raise SqlError("42P17", f'function {func} must return type trigger')
    _ensure(s.conn)
    have = s.conn.execute(f"SELECT 1 FROM main.{TABLE} WHERE tbl=? AND name=?", (table, name)).fetchall()
    if have and not m.group(1):
        raise SqlError("42710", f'trigger "{name}" for relation "{table}" already exists')
    s.conn.execute(f"INSERT OR REPLACE INTO main.{TABLE} VALUES (?,?,?,?,?,?,?,?,?,1)",
                   (name, table, timing, json.dumps(events), json.dumps(cols), level, condition, func,
                    json.dumps(args)))
    sync(s, table)
    return StatementResult("CREATE TRIGGER")


def _table(qualified: str) -> str:
    _schema, name = schemas.split_qualified(qualified)
    return name


def _trigger_args(text: str) -> list[str]:
    out = []
    for tok in plpgsql.tokenize(text):
        if tok.kind == "op" and tok.value == ",":
            continue
        out.append(plpgsql._unquote(tok.value) if tok.kind == "str" else tok.value)
    return out


def relkind(conn: apsw.Connection, name: str) -> str | None:
    found = temp.relation(conn, name)
    return found[1] if found else None


_DROP = re.compile(rf"\s*drop\s+trigger\s+(if\s+exists\s+)?({_NAME})\s+on\s+({_QNAME})\s*(cascade|restrict)?\s*;?\s*$",
                   re.I | re.S)


def drop(s: Session, sql: str) -> StatementResult:
    m = _DROP.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in DROP TRIGGER")
    name = schemas.ident(m.group(2))
    table = _table(m.group(3))
    if relkind(s.conn, table) is None:
        if m.group(1):
            s.notice(SqlError("00000", f'relation "{table}" does not exist, skipping', severity="NOTICE"))
            return StatementResult("DROP TRIGGER")
        raise SqlError("42P01", f'relation "{table}" does not exist')
    have = exists(s.conn) and s.conn.execute(
        f"SELECT 1 FROM main.{TABLE} WHERE tbl=? AND name=?", (table, name)).fetchall()
    if not have:
        if m.group(1):
            s.notice(SqlError("00000", f'trigger "{name}" for relation "{table}" does not exist, skipping',
                              severity="NOTICE"))
            return StatementResult("DROP TRIGGER")
        raise SqlError("42704", f'trigger "{name}" for table "{table}" does not exist')
    s.conn.execute(f"DELETE FROM main.{TABLE} WHERE tbl=? AND name=?", (table, name))
    sync(s, table)
    return StatementResult("DROP TRIGGER")


_ALTER = re.compile(rf"\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?({_QNAME})\s+(enable|disable)\s+"
                    rf"(?:(?:always|replica)\s+)?trigger\s+({_NAME})\s*;?\s*$", re.I | re.S)


def alter(s: Session, sql: str) -> StatementResult | None:
    """ALTER TABLE ... ENABLE / DISABLE TRIGGER name | ALL | USER; None for another ALTER."""
    m = _ALTER.match(sql)
    if not m:
        return None
    table = _table(m.group(1))
    if relkind(s.conn, table) is None:
        raise SqlError("42P01", f'relation "{table}" does not exist')
    which = schemas.ident(m.group(3))
    on = 1 if m.group(2).lower() == "enable" else 0
    if which.lower() in ("all", "user"):
        if exists(s.conn):
            s.conn.execute(f"UPDATE main.{TABLE} SET enabled=? WHERE tbl=?", (on, table))
    else:
        if not exists(s.conn) or not s.conn.execute(
                f"SELECT 1 FROM main.{TABLE} WHERE tbl=? AND name=?", (table, which)).fetchall():
            raise SqlError("42704", f'trigger "{which}" for table "{table}" does not exist')
        s.conn.execute(f"UPDATE main.{TABLE} SET enabled=? WHERE tbl=? AND name=?", (on, table, which))
    sync(s, table)
    return StatementResult("ALTER TABLE")


def exists_on(conn: apsw.Connection, name: str, table: str) -> None:
    """42704 unless trigger ``name`` exists on ``table`` (COMMENT ON TRIGGER)."""
    if relkind(conn, table) is None:
        raise SqlError("42P01", f'relation "{table}" does not exist')
    if not exists(conn) or not conn.execute(
            f"SELECT 1 FROM main.{TABLE} WHERE tbl=? AND name=?", (table, name)).fetchall():
        raise SqlError("42704", f'trigger "{name}" for table "{table}" does not exist')


def after_ddl(s: Session) -> None:
    """Forget the triggers of dropped tables; rebuild the SQLite triggers of tables whose
    columns may have changed."""
    if not exists(s.conn):
        return
    tables = {r[0] for r in s.conn.execute(f"SELECT DISTINCT tbl FROM main.{TABLE}")}
    for t in tables:
        if relkind(s.conn, t) is None:
            s.conn.execute(f"DELETE FROM main.{TABLE} WHERE tbl=?", (t,))
            s.conn.execute(f'DROP VIEW IF EXISTS main."{MARKER}{t}"')
        else:
            sync(s, t)


def sync(s: Session, table: str) -> None:
    """Make the SQLite triggers of ``table`` match its row triggers."""
    conn = s.conn
    s.catalog.refresh(force=True)
    cols = s.catalog.table_columns(table) or _view_columns(conn, table)
    rows = [t for t in all_triggers(conn) if t.table == table and t.level == "row"]
    want: dict[str, str] = {}
    for timing in ("before", "after", "instead"):
        for ev in ("insert", "update", "delete"):
            if not any(t.timing == timing and ev in t.events for t in rows):
                continue
            name = f"{PREFIX}{timing}_{ev}_{table}"
            old = [f'OLD."{c.name}"' if ev != "insert" else "NULL" for c in cols]
            new = [f'NEW."{c.name}"' if ev != "delete" else "NULL" for c in cols]
            rowid = "OLD.rowid" if ev != "insert" and timing != "instead" else "NULL"
            call = f"pg_tg_row('{_q(table)}', '{timing}', '{ev}', {rowid}, {', '.join([*old, *new])})"
            body = f"SELECT RAISE(IGNORE) WHERE {call} IS NULL" if timing == "before" else f"SELECT {call}"
            when = "INSTEAD OF" if timing == "instead" else timing.upper()
            want[name] = (f'CREATE TRIGGER main."{name}" {when} {ev.upper()} ON "{table}" '
                          f"FOR EACH ROW BEGIN {body}; END")
    have = {n: sql for n, sql in conn.execute(
        "SELECT name, sql FROM main.sqlite_schema WHERE type='trigger' AND name LIKE ? ESCAPE '\\'",
        (PREFIX.replace("_", "\\_") + "%",)) if _owner(n) == table}
    for n, sql in have.items():
        if want.get(n) != sql:
            conn.execute(f'DROP TRIGGER main."{n}"')
    for n, sql in want.items():
        if have.get(n) != sql:
            conn.execute(sql)
    _mark(conn, table)


def _mark(conn: apsw.Connection, table: str) -> None:
    """Keep a view whose text lists the table's triggers: a change of them (a statement
    trigger, ENABLE / DISABLE) moves SQLite's schema cookie, so every session and reader
    reads them again, as it does for the SQLite triggers."""
    name = f"{MARKER}{table}"
    listed = [(t.name, t.timing, t.events, t.level, t.enabled) for t in all_triggers(conn) if t.table == table]
    sql = f"CREATE VIEW main.\"{name}\" AS SELECT '{_q(json.dumps(listed))}' AS triggers"
    have = conn.execute("SELECT sql FROM main.sqlite_schema WHERE name=?", (name,)).fetchall()
    if have and (not listed or have[0][0] != sql):
        conn.execute(f'DROP VIEW main."{name}"')
    if listed and (not have or have[0][0] != sql):
        conn.execute(sql)


def _owner(trigger_name: str) -> str:
    rest = trigger_name[len(PREFIX):]
    return rest.split("_", 2)[2] if rest.count("_") >= 2 else ""


def _q(name: str) -> str:
    return name.replace("'", "''")


@dataclass
class _Col:
    name: str
    type_oid: int
    typmod: int = -1


def _view_columns(conn: apsw.Connection, view: str) -> list:
    cur = conn.execute(f'SELECT * FROM "{view}" LIMIT 0')
    try:
        desc = cur.getdescription()
    except apsw.ExecutionCompleteError:
        desc = ()
    return [_Col(d[0], types.TEXT) for d in desc]


# --- firing ---------------------------------------------------------------------------------


def _columns(s: Session, table: str) -> tuple[list, list]:
    """The table's columns and a decoder for each (storage form to Python values)."""
    reg = s.tg
    info = reg._info.get(table)
    if info is None:
        cols = s.catalog.table_columns(table) or s.view_columns(table) or _view_columns(s.conn, table)
        decs = [types.make_decoder(c.type_oid, c.typmod, s.tz) for c in cols]
        info = reg._info[table] = (cols, decs)
    return info


def _record(cols: list, values: list | None, table: str = "") -> plpgsql.Record:
    """NEW or OLD; when the event has none, a NULL record whose fields read NULL (as in
    PostgreSQL 11 on)."""
    return plpgsql.Record({c.name: v for c, v in zip(cols, values or [None] * len(cols), strict=True)},
                          {c.name: plpgsql.cast_name(c.type_oid) for c in cols}, values is None,
                          {"tableoid": rel_oid(table)} if table else {})


def row_event(s: Session, table: str, timing: str, event: str, rowid: object, *vals: object) -> object:
    """``pg_tg_row``: 1 to go on with the row, None to skip it."""
    if timing == "before" and s.tg_bypass == (table, event):
        s.tg_bypass = None
        return 1
    trigs = [t for t in s.triggers_of(table) if t.level == "row" and t.timing == timing
             and event in t.events and t.enabled]
    if not trigs:
        return 1
    cols, decs = _columns(s, table)
    n = len(cols)
    old = [v if d is None else d(v) for d, v in zip(decs, vals[:n], strict=True)] if event != "insert" else None
    new = [v if d is None else d(v) for d, v in zip(decs, vals[n:], strict=True)] if event != "delete" else None
    if timing == "after":
        s.tg_queue.append((trigs, table, event, old, new, s.tg_set_cols))
        return 1
    if timing == "instead":
        result = None
        for t in trigs:
            result = _run(s, t, table, event, old, new, cols)
            if result is None:
                return 1
        s.tg_extra += 1
        if isinstance(result, plpgsql.Record):
            s.tg_rowids.append(result)
        return 1
    current = new
    taken = None
    if event == "insert":
        current, taken = _with_next_id(s, table, cols, new)
    base = current
    for t in trigs:
        if not _wanted(s, t, event, old, current, cols, s.tg_set_cols, new):
            continue
        result = _run(s, t, table, event, old, current, cols)
        if result is None:
            s.tg_skipped += 1
            if taken is not None:  # PostgreSQL's serial value is used up
                _use_id(s, table, taken)
            return None
        if event != "delete":
            if not isinstance(result, plpgsql.Record):
                raise SqlError("42804", "returned row structure does not match the structure of the triggering table")
            current = [result.values.get(c.name) for c in cols]
    if event == "delete" or current == base:
        return 1
    changed = {c.name.lower() for c, a, b in zip(cols, current, new, strict=True) if a != b}
    if _rewrite(s, table, event, rowid, cols, current, changed):
        s.tg_extra += 1
    return None


def _with_next_id(s: Session, table: str, cols: list, new: list) -> tuple[list, int | None]:
    """NEW with the id SQLite will give a rowid key left out (PostgreSQL takes a serial's
    next value before its BEFORE triggers run), and that id (None when the row has one)."""
    key = s.catalog.rowid_key(table)
    if key is None:
        return new, None
    i = next(k for k, c in enumerate(cols) if c.name == key.name)
    if new[i] not in (None, -1):
        return new, None
    has_seq = bool(s.conn.execute("SELECT 1 FROM main.sqlite_schema WHERE name='sqlite_sequence'").fetchall())
    seq = f"coalesce((SELECT seq FROM main.sqlite_sequence WHERE name='{_q(table)}'), 0)" if has_seq else "0"
    nxt = s.conn.execute(f'SELECT max({seq}, coalesce((SELECT max(rowid) FROM main."{table}"), 0)) + 1').fetchall()[0][0]
    out = list(new)
    out[i] = nxt
    return out, nxt


def _use_id(s: Session, table: str, used: int) -> None:
    """A row a BEFORE trigger skipped used its id up, as it uses a serial's value up."""
    if not s.conn.execute("SELECT 1 FROM main.sqlite_schema WHERE name='sqlite_sequence'").fetchall():
        return  # no AUTOINCREMENT key: SQLite reuses ids anyway
    s.conn.execute("UPDATE main.sqlite_sequence SET seq=max(seq, ?) WHERE name=?", (used, table))
    if s.conn.changes() == 0:
        s.conn.execute("INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, ?)", (table, used))


def _rewrite(s: Session, table: str, event: str, rowid: object, cols: list, row: list,
             changed: set[str]) -> bool:
    """Write the row a BEFORE trigger changed, in place of the original (which is skipped)."""
    names, marks, params = [], [], []
    key = s.catalog.rowid_key(table)
    for c, v in zip(cols, row, strict=True):
        if event == "insert" and v is None and key is not None and c.name == key.name:
            continue  # the next id, as the original row would have had
        params.append(v)
        names.append(f'"{c.name}"')
        marks.append(f"${len(params)}::{plpgsql.cast_name(c.type_oid)}")
    s.tg_bypass = (table, event)
    set_cols = s.tg_set_cols
    if event == "update":  # AFTER UPDATE OF sees the columns the BEFORE triggers changed too
        s.tg_set_cols = set_cols | changed
    try:
        if event == "insert":
            if s.tg_conflict is None:
                raise SqlError("0A000", "INSERT ... ON CONFLICT with parameters into a table whose BEFORE "
                                        "trigger changes the row is not supported here")
            s.conn.set_last_insert_rowid(0)
            r = s.run_nested(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join(marks)}) '
                             f"{s.tg_conflict}", params)
            if r.tag == "INSERT 0 0":  # ON CONFLICT DO NOTHING
                return False
            if s.conn.last_insert_rowid() != 0:
                s.tg_rowids.append(s.conn.last_insert_rowid())
        else:
            s.tg_rowids.append(rowid)  # type: ignore[arg-type]
            params.append(rowid)
            sets = ", ".join(f"{n} = {m}" for n, m in zip(names, marks, strict=True))
            s.run_nested(f'UPDATE "{table}" SET {sets} WHERE rowid = ${len(params)}', params)
    finally:
        s.tg_bypass = None
        s.tg_set_cols = set_cols
    return True


def _wanted(s: Session, t: Trigger, event: str, old: list | None, new: list | None, cols: list,
            set_cols: frozenset[str], first_new: list | None) -> bool:
    """Whether ``t`` fires for this row: UPDATE OF when the UPDATE names one of its columns
    (or a BEFORE trigger before it changed one), then its WHEN condition."""
    if event == "update" and t.columns:
        listed = {x.lower() for x in t.columns}
        changed = {c.name.lower() for i, c in enumerate(cols)
                   if new is not None and first_new is not None and new[i] != first_new[i]}
        if not (listed & set_cols or listed & changed):
            return False
    if t.condition is None:
        return True
    extra = _vars(s, t, event, old, new, cols)
    cond = plpgsql.Parser(t.condition, {k: v.type for k, v in extra.items()}).expr_until(set())
    frame = plpgsql.Frame(s, t.function, "boolean")
    frame.scopes[0].update(extra)
    return frame.truth(cond)


def _vars(s: Session, t: Trigger, event: str, old: list | None, new: list | None, cols: list) -> dict:
    V = plpgsql.Var
    argv = "{" + ",".join('"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"' for a in t.args) + "}"
    return {
        "new": V("record", _record(cols, new, t.table) if cols else None),
        "old": V("record", _record(cols, old, t.table) if cols else None),
        "tg_op": V("text", event.upper()),
        "tg_name": V("name", t.name),
        "tg_when": V("text", {"instead": "INSTEAD OF"}.get(t.timing, t.timing.upper())),
        "tg_level": V("text", t.level.upper()),
        "tg_table_name": V("name", t.table),
        "tg_relname": V("name", t.table),
        "tg_table_schema": V("name", "public"),
        "tg_nargs": V("integer", len(t.args)),
        "tg_argv": V("text[]", f"[0:{len(t.args) - 1}]={argv}" if t.args else None),
        "tg_relid": V("oid", 0),
    }


def set_columns(tree: object) -> frozenset[str]:
    """The columns an UPDATE's (or ON CONFLICT DO UPDATE's) SET names."""
    from sqlglot import exp

    assert isinstance(tree, exp.Expression)
    sets: list = []
    if isinstance(tree, exp.Update):
        sets = list(tree.expressions)
    elif isinstance(tree, exp.Insert) and tree.args.get("conflict") is not None:
        sets = list(tree.args["conflict"].expressions or [])
    out = set()
    for e in sets:
        if isinstance(e, exp.EQ):
            for c in e.this.find_all(exp.Column):
                out.add(c.name.lower())
    return frozenset(out)


BUILT_IN = ("suppress_redundant_updates_trigger",)


def _run(s: Session, t: Trigger, table: str, event: str, old: list | None, new: list | None,
         cols: list) -> object:
    fn = s.plpgsql_function(t.function, 0)
    if fn is None and t.function == "suppress_redundant_updates_trigger":
        if event == "update" and old == new:
            return None
        return _record(cols, new)
    if fn is None:
        raise SqlError("42883", f"function {t.function}() does not exist")
    params, _returns, body = fn
    extra = _vars(s, t, event, old, new, cols)
    return plpgsql.call(s, t.function, params, "trigger", body, [], extra=extra)


def drain(s: Session, mark: int) -> None:
    """Run the AFTER row triggers the statement queued (from ``mark`` on)."""
    while len(s.tg_queue) > mark:
        events = s.tg_queue[mark:]
        del s.tg_queue[mark:]
        for trigs, table, event, old, new, set_cols in events:
            cols, _ = _columns(s, table)
            for t in trigs:
                if _wanted(s, t, event, old, new, cols, set_cols, new):
                    _run(s, t, table, event, old, new, cols)


def fire_statement(s: Session, table: str, timing: str, event: str) -> None:
    for t in s.triggers_of(table):
        if t.level == "statement" and t.timing == timing and event in t.events and t.enabled:
            if t.condition is not None:
                frame = plpgsql.Frame(s, t.function, "boolean")
                if not frame.truth(plpgsql.Parser(t.condition, {}).expr_until(set())):
                    continue
            cols, _ = _columns(s, table) if event != "truncate" else ([], [])
            _run(s, t, table, event, None, None, cols)
