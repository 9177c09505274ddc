"""A small real SqlSession for the wire-protocol tests: SQL passes unchanged to SQLite (APSW).

This is a test fixture, not the product's SQL engine (that is aurora.engine.sql). It keeps
just enough PostgreSQL behaviour for real clients: SQLSTATEs for common SQLite errors, types
from declared column types, ``$n`` parameters, ``::type`` casts (stripped, used as type
hints), an aborted-transaction state, SET/SHOW, COPY both ways, and a notice for
``DROP TABLE IF EXISTS`` of a missing table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import apsw

from aurora.engine.pgwire.types import interval_text, parse_interval
from aurora.engine.sqlapi import (
    Column,
    CopyIn,
    CopyOut,
    Prepared,
    SqlError,
    StatementResult,
    TransactionStatus,
)

TYPE_OIDS = {
    "bool": 16, "boolean": 16, "bytea": 17, "blob": 17, "bigint": 20, "int8": 20,
    "smallint": 21, "int2": 21, "int": 23, "integer": 23, "int4": 23, "text": 25, "oid": 26,
    "json": 114, "real": 700, "float4": 700, "float8": 701, "double precision": 701,
    "double": 701, "float": 701, "varchar": 1043, "character varying": 1043, "char": 1042,
    "bpchar": 1042, "date": 1082, "time": 1083, "timestamp": 1114, "timestamptz": 1184,
    "interval": 1186, "numeric": 1700, "decimal": 1700, "uuid": 2950, "jsonb": 3802,
    "int[]": 1007, "integer[]": 1007, "text[]": 1009,
}  # fmt: skip
_BIND_RE = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(\d+)(?:::([a-z_ ]+?\b(?:\[\])?))?|::[a-z_]+(?:\[\])?",
    re.I,
)
_COPY_RE = re.compile(
    r"^\s*copy\s+(?P<table>\w+)\s*(?:\((?P<cols>[^)]*)\))?\s+from\s+stdin\b(?P<opts>.*)$"
    r"|^\s*copy\s+(?:(?P<totable>\w+)(?:\s*\((?P<tocols>[^)]*)\))?|\((?P<query>.*)\))\s+to\s+stdout\b(?P<toopts>.*)$",
    re.I | re.S,
)
_SET_RE = re.compile(r"^\s*set\s+(?:session\s+)?(\w+)\s*(?:=|\bto\b)\s*(.+?)\s*$", re.I | re.S)


def _type_oid(decltype: str | None) -> int:
    if not decltype:
        return 25
    key = decltype.lower().strip()
    if key in TYPE_OIDS:
        return TYPE_OIDS[key]
    base = re.sub(r"\(.*\)", "", key).strip()
    return TYPE_OIDS.get(base, 25)


def _guess_expression_oid(name: str) -> int:
    if re.fullmatch(r"-?\d+", name):
        return 23
    if re.fullmatch(r"-?\d+\.\d*", name):
        return 701
    if re.fullmatch(r"count\(.*\)", name, re.I):
        return 20
    return 25


def _from_sqlite(value: object, oid: int) -> object:
    if value is None:
        return None
    try:
        if oid == 16:
            return value not in (0, "f", "false", "0")
        if oid == 1082 and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if oid == 1114 and isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        if oid == 1184 and isinstance(value, str):
            ts = dt.datetime.fromisoformat(value)
            return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)
        if oid == 1083 and isinstance(value, str):
            return dt.time.fromisoformat(value)
        if oid == 1186 and isinstance(value, str):
            return parse_interval(value)
        if oid == 1700:
            return Decimal(str(value))
        if oid == 2950 and isinstance(value, str):
            return uuid.UUID(value)
        if oid in (114, 3802) and isinstance(value, str):
            return json.loads(value)
        if oid in (1007, 1009) and isinstance(value, str):
            return json.loads(value)
        if oid in (700, 701) and isinstance(value, int):
            return float(value)
    except ValueError:
        return value
    return value


def _to_sqlite(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, dt.timedelta):
        return interval_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _map_error(exc: Exception) -> SqlError:
    msg = str(exc).removeprefix(f"{type(exc).__name__}: ")
    if isinstance(exc, apsw.InterruptError):
        return SqlError("57014", "canceling statement due to user request")
    if isinstance(exc, apsw.ConstraintError):
        if "UNIQUE" in msg or "PRIMARY KEY" in msg:
            return SqlError("23505", "duplicate key value violates unique constraint", detail=msg)
        if "NOT NULL" in msg:
            return SqlError("23502", f"null value violates not-null constraint ({msg})")
        return SqlError("23514", msg)
    if "no such table" in msg:
        table = msg.rsplit(":", 1)[-1].strip()
        return SqlError("42P01", f'relation "{table}" does not exist')
    if "no such column" in msg:
        return SqlError("42703", msg)
    if "syntax error" in msg or "incomplete input" in msg:
        return SqlError("42601", msg)
    if "already exists" in msg:
        return SqlError("42P07", msg)
    return SqlError("42000", msg)


def split_sql(text: str) -> list[str]:
    """Naive split on semicolons outside quotes and comments."""
    out, buf, i, n = [], [], 0, len(text)
    quote = None
    while i < n:
        c = text[i]
        if quote:
            buf.append(c)
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            buf.append(c)
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c == ";":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip()]


def _copy_options(text: str) -> dict[str, str]:
    opts: dict[str, str] = {}
    text = text.strip().rstrip(";").strip()
    text = re.sub(r"^with\b", "", text, flags=re.I).strip()
    if text.startswith("("):
        for part in text.strip("()").split(","):
            words = part.strip().split(None, 1)
            if words:
                opts[words[0].lower()] = words[1].strip().strip("'") if len(words) > 1 else "true"
    else:  # legacy: CSV HEADER DELIMITER ',' NULL ''
        for m in re.finditer(r"(\w+)(?:\s+(?:as\s+)?'((?:[^']|'')*)')?", text):
            key = m.group(1).lower()
            if key in ("csv", "binary"):
                opts["format"] = key
            else:
                opts[key] = m.group(2) if m.group(2) is not None else "true"
    return opts


class SqliteSession:
    """One connection's SQLite state; created per client by :func:`factory`."""

    def __init__(self, path: str, user: str = "test") -> None:
        self.db = apsw.Connection(path)
        self.db.set_busy_timeout(5000)
        self.user = user
        self._failed = False
        self._params = {"TimeZone": "UTC"}
        self._notice: Callable[[SqlError], None] | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self.db.set_progress_handler(lambda: self._cancelled, 20000)

    # --- SqlSession -------------------------------------------------------------------------

    @property
    def transaction_status(self) -> TransactionStatus:
        if not self.db.in_transaction:
            return "I"
        return "E" if self._failed else "T"

    def parameter_status(self) -> dict[str, str]:
        return dict(self._params)

    def set_notice_handler(self, handler: Callable[[SqlError], None]) -> None:
        self._notice = handler

    def split(self, text: str) -> list[str]:
        return split_sql(text)

    def prepare(self, sql: str, param_oids: Sequence[int]) -> Prepared:
        sqlite_sql, hints = self._translate(sql)
        if re.match(r"\s*(copy|set|show|begin|commit|rollback|start|end)\b", sql, re.I):
            return Prepared([o or hints.get(i + 1, 25) for i, o in enumerate(param_oids)], None)
        info = self._describe(sqlite_sql)
        count = info["count"]
        oids = [
            (param_oids[i] if i < len(param_oids) and param_oids[i] else 0)
            or hints.get(i + 1)
            or self._guess_param(sqlite_sql, i + 1)
            for i in range(count)
        ]
        return Prepared(oids, self._columns(info["desc"]) if info["desc"] else None)

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        try:
            return self._execute_statement(sql, params)
        finally:
            self._cancelled = False

    def _execute_statement(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        verb = (re.match(r"\s*(\w+)", sql) or re.match("", "")).group(0).strip().lower()
        if self._failed and verb not in ("rollback", "abort", "commit", "end"):
            raise SqlError(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        try:
            return self._execute(verb, sql, params)
        except SqlError:
            if self.db.in_transaction:
                self._failed = True
            raise
        except apsw.Error as exc:
            if self.db.in_transaction:
                self._failed = True
            raise _map_error(exc) from None

    def copy_rows(self, copy: CopyIn, rows: Iterable[Sequence[str | None]]) -> int:
        columns = copy.columns or self._table_columns(copy.table)
        types = self._table_types(copy.table)
        booleans = [types.get(c.lower()) == 16 for c in columns]
        marks = ", ".join("?" * len(columns))
        insert = f"INSERT INTO {copy.table} ({', '.join(columns)}) VALUES ({marks})"
        own = not self.db.in_transaction
        self.db.execute("BEGIN" if own else "SAVEPOINT copy_in")
        count = 0
        try:
            cur = self.db.cursor()
            for row in rows:
                values = [
                    (v in ("t", "true", "1") if b and v is not None else v)
                    for v, b in zip(row, booleans, strict=False)
                ]
                cur.execute(insert, values)
                count += 1
        except BaseException as exc:
            self.db.execute("ROLLBACK" if own else "ROLLBACK TO copy_in")
            if not own:
                self._failed = True
            if isinstance(exc, apsw.Error):
                raise _map_error(exc) from None
            raise
        self.db.execute("COMMIT" if own else "RELEASE copy_in")
        return count

    def cancel(self) -> None:
        # interrupt() alone misses a statement that had not quite started: the flag, polled
        # by a progress handler, catches that one too (cleared when the statement ends).
        self._cancelled = True
        self.db.interrupt()

    def close(self) -> None:
        self.db.close()

    # --- helpers ----------------------------------------------------------------------------

    def _translate(self, sql: str) -> tuple[str, dict[int, int]]:
        hints: dict[int, int] = {}

        def repl(m: re.Match[str]) -> str:
            text = m.group(0)
            if text[0] in "'\"":
                return text
            if m.group(1):
                if m.group(2):
                    hints[int(m.group(1))] = _type_oid(m.group(2))
                return "?" + m.group(1)
            return ""  # a ::cast on anything else is dropped

        return _BIND_RE.sub(repl, sql), hints

    def _describe(self, sqlite_sql: str) -> dict:
        info: dict = {"desc": (), "count": 0}

        def tracer(cursor: apsw.Cursor, _sql: str, _bindings: object) -> bool:
            info["desc"] = cursor.get_description()
            info["count"] = cursor.bindings_count
            return False

        marks = {int(n) for n in re.findall(r"\?(\d+)", sqlite_sql)}
        cur = self.db.cursor()
        cur.exec_trace = tracer
        try:
            cur.execute(sqlite_sql, [None] * max(marks, default=0))
        except apsw.ExecTraceAbort:
            pass
        except apsw.Error as exc:
            raise _map_error(exc) from None
        return info

    def _guess_param(self, sqlite_sql: str, n: int) -> int:
        m = re.search(rf"(\w+)\s*(?:=|<|>|<=|>=|<>|!=)\s*\?{n}\b", sqlite_sql)
        if m:
            return self._any_column_type(m.group(1))
        m = re.search(
            r"insert\s+into\s+(\w+)\s*(?:\(([^)]*)\))?\s*values\s*\(([^)]*)\)", sqlite_sql, re.I
        )
        if m:
            names = m.group(2).split(",") if m.group(2) else self._table_columns(m.group(1))
            cols = [c.strip() for c in names]
            vals = [v.strip() for v in m.group(3).split(",")]
            if f"?{n}" in vals and len(cols) == len(vals):
                return self._table_types(m.group(1)).get(cols[vals.index(f"?{n}")].lower(), 25)
        return 25

    def _any_column_type(self, column: str) -> int:
        for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            oid = self._table_types(table).get(column.lower())
            if oid:
                return oid
        return 25

    def _table_types(self, table: str) -> dict[str, int]:
        return {
            row[1].lower(): _type_oid(row[2])
            for row in self.db.execute(f"PRAGMA table_info({table})")
        }

    def _table_columns(self, table: str) -> list[str]:
        cols = [row[1] for row in self.db.execute(f"PRAGMA table_info({table})")]
        if not cols:
            raise SqlError("42P01", f'relation "{table}" does not exist')
        return cols

    @staticmethod
    def _columns(desc: Sequence[tuple[str, str | None]]) -> list[Column]:
        return [
            Column(name, _type_oid(decl) if decl else _guess_expression_oid(name))
            for name, decl in desc
        ]

    def _execute(self, verb: str, sql: str, params: Sequence[object]) -> StatementResult:
        if verb in ("begin", "start"):
            if self.db.in_transaction:
                return StatementResult("BEGIN")
            # IMMEDIATE: two SQLite readers that both upgrade to writers would deadlock.
            self.db.execute("BEGIN IMMEDIATE")
            return StatementResult("BEGIN")
        if verb in ("commit", "end", "rollback", "abort"):
            failed, self._failed = self._failed, False
            if self.db.in_transaction:
                self.db.execute("ROLLBACK" if failed or verb in ("rollback", "abort") else "COMMIT")
            return StatementResult(
                "ROLLBACK" if failed or verb in ("rollback", "abort") else "COMMIT"
            )
        if verb == "set":
            m = _SET_RE.match(sql)
            if not m:
                raise SqlError("42601", "syntax error in SET")
            self._params[m.group(1)] = m.group(2).strip("'")
            return StatementResult("SET")
        if verb == "show":
            name = sql.split()[1]
            return StatementResult("SHOW", [Column(name, 25)], [(self._params.get(name, ""),)])
        if verb == "copy":
            return self._copy(sql)
        if verb == "drop":
            m = re.match(r"\s*drop\s+table\s+if\s+exists\s+(\w+)", sql, re.I)
            if (
                m
                and self._notice
                and not self.db.execute(
                    "SELECT 1 FROM sqlite_master WHERE name=?", (m.group(1),)
                ).fetchall()
            ):
                self._notice(
                    SqlError(
                        "00000", f'table "{m.group(1)}" does not exist, skipping', severity="NOTICE"
                    )
                )
        sqlite_sql, _ = self._translate(sql)
        desc: list = []

        def tracer(cursor: apsw.Cursor, _sql: str, _bindings: object) -> bool:
            desc[:] = cursor.get_description()
            return True

        cur = self.db.cursor()
        cur.exec_trace = tracer
        rows = cur.execute(sqlite_sql, [_to_sqlite(p) for p in params]).fetchall()
        if desc:
            columns = self._columns(desc)
            for i, col in enumerate(columns):
                if col.type_oid == 25 and not desc[i][1] and rows and isinstance(rows[0][i], int):
                    columns[i] = Column(col.name, 23 if abs(rows[0][i]) < 2**31 else 20)
                elif (
                    col.type_oid == 25 and not desc[i][1] and rows and isinstance(rows[0][i], float)
                ):
                    columns[i] = Column(col.name, 701)
            oids = [c.type_oid for c in columns]
            converted = [
                tuple(_from_sqlite(v, o) for v, o in zip(r, oids, strict=True)) for r in rows
            ]
            return StatementResult(self._tag(verb, len(rows)), columns, converted)
        return StatementResult(self._tag(verb, self.db.changes()))

    def _tag(self, verb: str, count: int) -> str:
        if verb in ("select", "with", "values"):
            return f"SELECT {count}"
        if verb == "insert":
            return f"INSERT 0 {count}"
        if verb in ("update", "delete"):
            return f"{verb.upper()} {count}"
        return {"create": "CREATE TABLE", "drop": "DROP TABLE"}.get(verb, verb.upper())

    def _copy(self, sql: str) -> StatementResult:
        m = _COPY_RE.match(sql)
        if not m:
            raise SqlError("42601", "unsupported COPY syntax in the test session")
        opts = _copy_options(m.group("opts") if m.group("table") else m.group("toopts"))
        fmt = opts.get("format", "text").lower()
        kwargs = {
            "format": fmt,
            "delimiter": opts.get("delimiter", "," if fmt == "csv" else "\t"),
            "null": opts.get("null", "" if fmt == "csv" else "\\N"),
            "header": opts.get("header", "false").lower() in ("true", "on", "1"),
            "quote": opts.get("quote", '"'),
            "escape": opts.get("escape", opts.get("quote", '"')),
        }
        if m.group("table"):
            cols = [c.strip() for c in (m.group("cols") or "").split(",") if c.strip()]
            table = m.group("table")
            return StatementResult(
                "COPY 0", copy=CopyIn(table, cols or self._table_columns(table), **kwargs)
            )
        if m.group("query"):
            query = m.group("query")
        else:
            cols = m.group("tocols") or "*"
            query = f"SELECT {cols} FROM {m.group('totable')}"
        result = self._execute("select", query, ())
        copy = CopyOut(result.columns or [], result.rows, **kwargs)
        return StatementResult(f"COPY {len(result.rows)}", copy=copy)


def factory(path: str) -> Callable[[str, str], SqliteSession]:
    """A session_factory for PgServer: every connection opens the same SQLite file."""
    return lambda user, database: SqliteSession(path, user)
