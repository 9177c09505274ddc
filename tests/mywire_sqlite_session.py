"""A small real MySqlSession for the MySQL wire-protocol tests: SQL goes to SQLite (APSW).

This is a test fixture, not the product's SQL engine (that is aurora.engine.sql.mysql). It
keeps just enough MySQL behaviour for real clients: string literals with backslash escapes
and ``_binary X'..'``, ``?`` parameters, ``@@variables``, SET/USE/autocommit, types from
declared column types (as PostgreSQL OIDs and modifiers, which is what the front end gets),
MySQL errno for common SQLite errors, ``SLEEP(n)`` and ``CONNECTION_ID()``, and cancel.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

import apsw

from aurora.engine.sqlapi import Column, Prepared, SqlError, StatementResult, TransactionStatus

DATABASES = ("app", "test", "information_schema")
VARIABLES = {
    "version_comment": "aurora-local", "version": "8.0.32", "max_allowed_packet": 67108864,
    "sql_mode": "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES", "transaction_isolation":
    "REPEATABLE-READ", "tx_isolation": "REPEATABLE-READ", "lower_case_table_names": 0,
    "character_set_client": "utf8mb4", "character_set_connection": "utf8mb4",
    "character_set_results": "utf8mb4", "collation_connection": "utf8mb4_0900_ai_ci",
    "time_zone": "+00:00", "system_time_zone": "UTC", "wait_timeout": 28800,
    "interactive_timeout": 28800, "license": "GPL", "performance_schema": 0,
}  # fmt: skip

_TYPES = {
    "bool": 16, "boolean": 16, "tinyint(1)": 16, "tinyint": 21, "smallint": 21, "int": 23,
    "integer": 23, "mediumint": 23, "bigint": 20, "float": 700, "double": 701, "real": 701,
    "decimal": 1700, "numeric": 1700, "varchar": 1043, "char": 1042, "text": 25,
    "blob": 17, "varbinary": 17, "binary": 17, "longblob": 17, "date": 1082,
    "datetime": 1114, "timestamp": 1184, "time": 1083, "json": 114, "uuid": 2950,
}  # fmt: skip
_TYPE_RE = re.compile(r"^\s*([a-z ]+?)\s*(?:\((\d+)\s*(?:,\s*(\d+))?\))?\s*(unsigned)?\s*$", re.I)
_TOKEN_RE = re.compile(
    r"(?P<str>(?:_binary\s*|_utf8mb4\s*)?'(?:[^'\\]|\\.|'')*')"
    r"|(?P<ident>`(?:[^`]|``)*`)"
    r"|(?P<dq>\"(?:[^\"\\]|\\.|\"\")*\")"
    r"|(?P<hex>_binary\s*X'[0-9a-fA-F]*')"
    r"|(?P<var>@@(?:session\.|global\.|local\.)?\w+)"
    r"|(?P<comment>--[^\n]*|/\*.*?\*/|\#[^\n]*)",
    re.S | re.I,
)
_ESCAPES = {"0": "\0", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "b": "\b"}
_SET_RE = re.compile(r"^\s*set\s+(?:session\s+|@@session\.|@@)?(\w+)\s*=\s*(.+?)\s*$", re.I | re.S)
_USE_RE = re.compile(r"^\s*use\s+`?(\w+)`?\s*$", re.I)


class Interrupted(Exception):
    """Raised inside SLEEP() when the statement is cancelled."""


def type_of(decltype: str | None) -> tuple[int, int]:
    """(PostgreSQL OID, type modifier) for a declared SQLite column type in MySQL spelling."""
    if not decltype:
        return 25, -1
    key = decltype.lower().strip()
    if key in _TYPES:
        return _TYPES[key], -1
    m = _TYPE_RE.match(key)
    if not m:
        return 25, -1
    base, n, scale = m.group(1).strip(), m.group(2), m.group(3)
    oid = _TYPES.get(base, 25)
    if n is None:
        return oid, -1
    if oid == 1700:
        return oid, ((int(n) << 16) | int(scale or 0)) + 4
    if oid in (1043, 1042):
        return oid, int(n) + 4
    if oid in (1114, 1184, 1083):
        return oid, int(n)
    return oid, -1


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        elif c == "'" and body.startswith("''", i):
            out.append("'")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def translate(sql: str, variables: dict[str, object] = VARIABLES) -> str:
    """MySQL literals and @@variables into SQLite's spelling; ``?`` stays as it is."""

    def repl(m: re.Match[str]) -> str:
        text = m.group(0)
        if m.group("str"):
            body = text[text.index("'") + 1 : -1]
            value = _unescape(body)
            if text.lower().startswith("_binary"):
                return "X'" + value.encode("utf-8", "surrogateescape").hex() + "'"
            return "'" + value.replace("'", "''") + "'"
        if m.group("dq"):
            return "'" + _unescape(text[1:-1]).replace("'", "''") + "'"
        if m.group("hex"):
            return text[text.index("X") :]
        if m.group("var"):
            name = text[2:].split(".")[-1].lower()
            return _literal(variables.get(name))
        if m.group("comment"):
            return " "
        return text

    return _TOKEN_RE.sub(repl, sql)


def split_sql(text: str) -> list[str]:
    """Split on semicolons outside quotes and comments."""
    out, start, pos = [], 0, 0
    pattern = re.compile(
        r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--[^\n]*|/\*.*?\*/|;", re.S
    )
    for m in pattern.finditer(text):
        if m.group(0) == ";":
            out.append(text[start : m.start()])
            start = m.end()
        pos = m.end()
    del pos
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def _from_sqlite(value: object, oid: int, typmod: int) -> object:
    if value is None:
        return None
    try:
        if oid == 16:
            return bool(int(value))  # type: ignore[call-overload]
        if oid == 1700:
            d = Decimal(str(value))
            if typmod >= 4:
                d = d.quantize(Decimal(1).scaleb(-((typmod - 4) & 0xFFFF)))
            return d
        if oid in (700, 701):
            return float(value)  # type: ignore[arg-type]
        if isinstance(value, str):
            if oid == 1082:
                return dt.date.fromisoformat(value)
            if oid in (1114, 1184):
                return dt.datetime.fromisoformat(value)
            if oid == 1083:
                h, m, s = value.split(":")
                return dt.timedelta(hours=int(h), minutes=int(m), seconds=float(s))
            if oid == 2950:
                return uuid.UUID(value)
            if oid == 114:
                return json.loads(value)
        if oid == 17 and isinstance(value, str):
            return value.encode()
    except (ValueError, ArithmeticError):
        return value
    return value


def _to_sqlite(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        h, rest = divmod(abs(seconds), 3600)
        m, s = divmod(rest, 60)
        return f"{'-' if seconds < 0 else ''}{int(h):02d}:{int(m):02d}:{s:09.6f}".rstrip(
            "0"
        ).rstrip(".")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _map_error(exc: Exception, database: str | None) -> SqlError:
    msg = str(exc).removeprefix(f"{type(exc).__name__}: ")
    if isinstance(exc, apsw.InterruptError | Interrupted):
        return SqlError("70100", "Query execution was interrupted", errno=1317)
    if isinstance(exc, apsw.ConstraintError):
        if "UNIQUE" in msg or "PRIMARY KEY" in msg:
            return SqlError("23000", f"Duplicate entry for key ({msg})", errno=1062)
        if "NOT NULL" in msg:
            column = msg.rsplit(".", 1)[-1]
            return SqlError("23000", f"Column '{column}' cannot be null", errno=1048)
        return SqlError("HY000", msg, errno=3819)
    if "no such table" in msg:
        table = msg.rsplit(":", 1)[-1].strip()
        return SqlError("42S02", f"Table '{database or 'app'}.{table}' doesn't exist", errno=1146)
    if "no such column" in msg:
        return SqlError("42S22", f"Unknown column ({msg})", errno=1054)
    if "syntax error" in msg or "incomplete input" in msg:
        return SqlError("42000", f"You have an error in your SQL syntax ({msg})", errno=1064)
    if "already exists" in msg:
        return SqlError("42P07", msg)  # no errno: the front end's fallback map answers 1050
    return SqlError("HY000", msg, errno=1105)


class SqliteMySession:
    """One MySQL connection's SQLite state; created per client by :func:`factory`."""

    def __init__(self, path: str, user: str, database: str | None, connection_id: int) -> None:
        if database is not None and database not in DATABASES:
            raise SqlError("42000", f"Unknown database '{database}'", errno=1049)
        self.db = apsw.Connection(path)
        self.db.set_busy_timeout(5000)
        self.user = user
        self.connection_id = connection_id
        self._database = database
        self._autocommit = True
        self._variables: dict[str, object] = {}
        self._cancelled = False
        self._lock = threading.Lock()
        self.db.set_progress_handler(lambda: self._cancelled, 10000)
        self.db.create_scalar_function("sleep", self._sleep, 1)
        self.db.create_scalar_function("connection_id", lambda: self.connection_id, 0)
        self.db.create_scalar_function("database", lambda: self._database, 0)
        self.db.create_scalar_function("version", lambda: "8.0.32", 0)
        self.db.create_scalar_function("boom", self._boom, 0)

    def _sleep(self, seconds: float) -> int:
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline:
            if self._cancelled:
                raise Interrupted
            time.sleep(0.01)
        return 0

    @staticmethod
    def _boom() -> int:
        raise RuntimeError("boom from a session bug\nsecond line never shown")

    # --- MySqlSession -----------------------------------------------------------------------

    @property
    def transaction_status(self) -> TransactionStatus:
        return "T" if self.db.in_transaction else "I"

    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @property
    def database(self) -> str | None:
        return self._database

    def split(self, text: str) -> list[str]:
        return split_sql(text)

    def prepare(self, sql: str) -> Prepared:
        sqlite_sql = translate(sql)
        info: dict = {"desc": (), "count": 0}

        def tracer(cursor: apsw.Cursor, _sql: str, _bindings: object) -> bool:
            info["desc"] = cursor.get_description()
            info["count"] = cursor.bindings_count
            return False

        if re.match(r"\s*(set|use|begin|commit|rollback|start|kill)\b", sql, re.I):
            return Prepared([25] * sqlite_sql.count("?"), None)
        cur = self.db.cursor()
        cur.exec_trace = tracer
        try:
            cur.execute(sqlite_sql, [None] * sqlite_sql.count("?"))
        except apsw.ExecTraceAbort:
            pass
        except apsw.Error as exc:
            raise _map_error(exc, self._database) from None
        columns = [self._column(name, decl, None) for name, decl in info["desc"]]
        return Prepared([25] * info["count"], columns or None)

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        try:
            return self._execute(sql, params)
        except (apsw.Error, Interrupted) as exc:
            raise _map_error(exc, self._database) from None
        finally:
            self._cancelled = False

    def use(self, database: str) -> None:
        if database not in DATABASES:
            raise SqlError("42000", f"Unknown database '{database}'", errno=1049)
        self._database = database

    def field_list(self, table: str, wildcard: str | None = None) -> list[Column]:
        rows = list(self.db.execute(f'PRAGMA table_info("{table}")'))
        if not rows:
            raise SqlError("42S02", f"Table '{self._database}.{table}' doesn't exist", errno=1146)
        return [Column(row[1], *type_of(row[2])) for row in rows]

    def reset(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self._variables.clear()
        self._autocommit = True

    def cancel(self) -> None:
        self._cancelled = True
        self.db.interrupt()

    def close(self) -> None:
        self.db.close()

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _column(name: str, decltype: str | None, sample: object) -> Column:
        if decltype:
            oid, typmod = type_of(decltype)
            return Column(name, oid, type_modifier=typmod)
        if isinstance(sample, int):
            return Column(name, 20)
        if isinstance(sample, float):
            return Column(name, 701)
        if isinstance(sample, bytes):
            return Column(name, 17)
        return Column(name, 25)

    def _execute(self, sql: str, params: Sequence[object]) -> StatementResult:
        if len(split_sql(sql)) > 1:  # MySQL without CLIENT_MULTI_STATEMENTS
            raise SqlError("42000", "You have an error in your SQL syntax near ';'", errno=1064)
        verb = (sql.split(None, 1) or [""])[0].lower()
        if verb in ("begin", "start"):
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
            return StatementResult("BEGIN")
        if verb in ("commit", "rollback"):
            if self.db.in_transaction:
                self.db.execute(verb.upper())
            return StatementResult(verb.upper())
        if verb == "set":
            m = _SET_RE.match(sql)
            if m and m.group(1).lower() == "autocommit":
                value = m.group(2).strip("'\"").lower() in ("1", "on", "true")
                if value and self.db.in_transaction:
                    self.db.execute("COMMIT")
                self._autocommit = value
            return StatementResult("SET")  # SET NAMES, sql_mode...: accepted and ignored
        if verb == "use":
            m = _USE_RE.match(sql)
            if not m:
                raise SqlError("42000", "You have an error in your SQL syntax", errno=1064)
            self.use(m.group(1))
            return StatementResult("USE")
        if verb == "show" and re.match(r"\s*show\s+warnings", sql, re.I):
            return StatementResult(
                "SHOW", [Column("Level", 25), Column("Code", 20), Column("Message", 25)], []
            )
        if (
            not self._autocommit
            and not self.db.in_transaction
            and verb in ("insert", "update", "delete", "replace", "select")
        ):
            self.db.execute("BEGIN IMMEDIATE")
        desc: list = []

        def tracer(cursor: apsw.Cursor, _sql: str, _bindings: object) -> bool:
            desc[:] = cursor.get_description()
            return True

        cur = self.db.cursor()
        cur.exec_trace = tracer
        variables = {**VARIABLES, "autocommit": int(self._autocommit)}
        rows = cur.execute(translate(sql, variables), [_to_sqlite(v) for v in params]).fetchall()
        if desc:
            columns = [
                self._column(name, decl, rows[0][i] if rows else None)
                for i, (name, decl) in enumerate(desc)
            ]
            converted = [
                tuple(
                    _from_sqlite(v, c.type_oid, c.type_modifier)
                    for v, c in zip(row, columns, strict=True)
                )
                for row in rows
            ]
            return StatementResult(f"SELECT {len(rows)}", columns, converted)
        changes = self.db.changes() if verb in ("insert", "update", "delete", "replace") else 0
        insert_id = 0
        if verb in ("insert", "replace") and changes:
            insert_id = self.db.last_insert_rowid() - changes + 1
        return StatementResult(verb.upper(), affected_rows=changes, insert_id=insert_id)


def factory(path: str) -> Callable[..., SqliteMySession]:
    """A session_factory for MyServer: every connection opens the same SQLite file."""

    def make(user: str, database: str | None, *, connection_id: int,
             found_rows: bool = False) -> SqliteMySession:
        return SqliteMySession(path, user, database, connection_id)

    return make
