"""SQLite, APSW and sqlglot errors as PostgreSQL errors with a SQLSTATE.

One function, :func:`to_sql_error`, serves every caller: whatever escapes a statement becomes
an :class:`~aurora.engine.sqlapi.SqlError` with a one-line message, never a traceback.
"""

from __future__ import annotations

import re

import apsw
import sqlglot.errors

from aurora.engine.errors import CommitOutcomeUnknown
from aurora.engine.sqlapi import SqlError

_NO_TABLE = re.compile(r"no such table: (?:\w+\.)?(\S+)")
_NO_COLUMN = re.compile(r"no such column: (\S+)")
_HAS_TABLE = re.compile(r"table (\S+) already exists")
_HAS_INDEX = re.compile(r"index (\S+) already exists")
_UNIQUE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
_UNIQUE = re.compile(r"UNIQUE constraint failed: (\S+?)\.(\S+?)(?:,|$)")
_UNIQUE_ALL = re.compile(r"(?:UNIQUE|PRIMARY KEY) constraint failed: (.+)$")
_NOT_NULL = re.compile(r"NOT NULL constraint failed: (\S+?)\.(\S+)")
_CHECK = re.compile(r"CHECK constraint failed: (.+)")
_NO_FUNC = re.compile(r"no such function: (\S+)")


def to_sql_error(
    exc: BaseException,
    serialization: tuple[type[BaseException], ...] = (),
    conn: apsw.Connection | None = None,
) -> SqlError:
    """Map any exception raised while running a statement to a SqlError (``conn``, when
    given, is asked for the names of unique constraints)."""
    if isinstance(exc, SqlError):
        return exc
    if (unknown := _outcome_unknown(exc)) is not None:
        return unknown
    if conn is not None and isinstance(exc, apsw.ConstraintError):
        text = str(exc)
        if (m := _CHECK.search(text)) and m.group(1).strip('"').startswith("_aurora_own:"):
            table, name = m.group(1).strip('"').split(":", 2)[1:]
            return SqlError("23514",
                            f'new row for relation "{table}" violates check constraint "{name}"',
                            table=table, constraint=name)
        if (m := _CHECK.search(text)) and m.group(1).strip('"').startswith("_aurora_partition:"):
            table = m.group(1).strip('"').split(":", 1)[1]
            return SqlError("23514", f'no partition of relation "{table}" found for row',
                            table=table)
        if (m := _CHECK.search(text)) and not m.group(1).strip('"').startswith("_aurora_"):
            name = m.group(1).strip('"')
            rows = conn.execute(
                "SELECT name FROM main.sqlite_schema WHERE type='table' AND instr(sql, ?) > 0",
                (f'CONSTRAINT "{name}"',),
            ).fetchall()
            if len(rows) == 1:
                return SqlError(
                    "23514",
                    f'new row for relation "{rows[0][0]}" violates check constraint "{name}"',
                    table=rows[0][0],
                    constraint=name,
                )
        if m := _UNIQUE_ALL.search(text):
            pairs = [p.strip().rsplit(".", 1) for p in m.group(1).split(",")]
            if all(len(p) == 2 for p in pairs):
                table = pairs[0][0]
                cols = [p[1] for p in pairs]
                name = unique_name(conn, table, cols)
                if name:
                    return SqlError(
                        "23505",
                        f'duplicate key value violates unique constraint "{name}"',
                        detail=f"Key ({', '.join(cols)}) already exists.",
                        table=table,
                        constraint=name,
                    )
        if m := _UNIQUE_INDEX.search(text):  # a unique index on expressions
            rows = conn.execute(
                "SELECT tbl_name FROM main.sqlite_schema WHERE type='index' AND name=?", (m.group(1),)
            ).fetchall()
            if rows:
                return SqlError(
                    "23505", f'duplicate key value violates unique constraint "{m.group(1)}"',
                    table=rows[0][0], constraint=m.group(1))
    if serialization and isinstance(exc, serialization):
        return SqlError("40001", "could not serialize access due to concurrent update")
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, apsw.Error):
        return _from_apsw(exc, msg)
    if isinstance(exc, sqlglot.errors.ParseError):
        return SqlError("42601", f"syntax error: {_first_line(msg)}")
    if isinstance(exc, sqlglot.errors.UnsupportedError):
        return SqlError("0A000", f"feature not supported: {msg}")
    if isinstance(exc, ZeroDivisionError):
        return SqlError("22012", "division by zero")
    if isinstance(exc, RecursionError):
        return SqlError("54001", "statement is too complex")
    if isinstance(exc, OverflowError):
        return SqlError("22003", "numeric value out of range")
    if isinstance(exc, UnicodeError):
        return SqlError("22021", f"invalid byte sequence: {msg}")
    if isinstance(exc, ValueError):
        return _value_error(msg)
    if isinstance(exc, TypeError) and "positional argument" in msg:
        # a SQL function called with a number of arguments it has no form for
        return SqlError("42883", f"function does not exist: {msg}")
    return SqlError("XX000", f"internal error: {type(exc).__name__}: {msg}")


# A ValueError out of a SQL function is about the value it was given (Python's int(),
# float(), datetime and decimal reject input this way): a data exception, class 22.
_VALUE_ERRORS = (
    (re.compile(r"could not convert|invalid literal|Invalid isoformat|does not match format"),
     "22P02", "invalid input syntax: {}"),
    (re.compile(r"out of range|must be in \d+\.\.\d+"), "22008",
     "date/time field value out of range: {}"),
)


def _value_error(msg: str) -> SqlError:
    for pattern, code, text in _VALUE_ERRORS:
        if pattern.search(msg):
            return SqlError(code, text.format(msg))
    return SqlError("22023", f"invalid parameter value: {msg}")


def _outcome_unknown(exc: BaseException) -> SqlError | None:
    """A COMMIT (explicit or a statement's own) whose batch was sent to storage but not
    confirmed durable: it may still commit, so it is no failure. PostgreSQL's client sees the
    connection lost during COMMIT; likewise a FATAL 08006 here, and the front end closes the
    session. SQLite raises an IOError whose cause chain holds the storage's verdict."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, CommitOutcomeUnknown):
            return SqlError(
                "08006", f"{seen.message}; closing the connection", severity="FATAL", hint=seen.hint
            )
        seen = seen.__cause__ or seen.__context__
    return None


def domain_error(name: str) -> SqlError:
    """The error of a type's own range or length check (named by ddl._domain_checks)."""
    if name.startswith("_aurora_float_"):
        kind = "real" if name.endswith("real") else "double precision"
        return SqlError("22P02", f"invalid input syntax for type {kind}")
    if name.startswith("_aurora_int_"):
        kind = name.removeprefix("_aurora_int_")
        return SqlError("22P02", f"invalid input syntax for type {kind}")
    if name == "_aurora_range_float4":
        return SqlError("22003", "value out of range: overflow")
    if name == "_aurora_underflow_float4":
        return SqlError("22003", "value out of range: underflow")
    if name.startswith("_aurora_range_"):
        kind = {"int2": "smallint", "int4": "integer"}.get(name.rsplit("_", 1)[-1], "integer")
        return SqlError("22003", f"{kind} out of range")
    n, kind = name.removeprefix("_aurora_len_").split("_", 1)
    type_name = "character varying" if kind == "varchar" else "character"
    return SqlError("22001", f"value too long for type {type_name}({n})")


def unique_name(conn: apsw.Connection, table: str, columns: list[str]) -> str | None:
    """The name of the unique constraint (or unique index) of ``table`` on ``columns``: what
    PostgreSQL names in a 23505 error. SQLite's message names only the columns."""
    want = [c.lower() for c in columns]
    try:
        named = {
            r[1]: r[0]
            for r in conn.execute(
                "SELECT name, index_name FROM main._aurora_constraints "
                "WHERE lower(table_name)=lower(?)",
                (table,),
            )
        }
        for _seq, iname, unique, origin, _p in conn.execute(
            "SELECT * FROM pragma_index_list(?)", (table,)
        ).fetchall():
            if not unique:
                continue
            cols = [(r[2] or "").lower() for r in conn.execute("SELECT * FROM pragma_index_info(?)", (iname,))]
            if cols == want:
                if origin == "pk":
                    break
                if origin == "u":
                    return f"{table}_{'_'.join(columns)}_key"
                return named.get(iname, iname)
        pk = [
            r[0].lower()
            for r in sorted(
                conn.execute("SELECT name, pk FROM pragma_table_info(?) WHERE pk>0", (table,)),
                key=lambda r: r[1],
            )
        ]
        if pk == want or (want == ["rowid"] and pk):
            rows = conn.execute(
                "SELECT name FROM main._aurora_constraints WHERE lower(table_name)=lower(?) "
                "AND kind='p'",
                (table,),
            ).fetchall()
            return rows[0][0] if rows else f"{table}_pkey"
    except apsw.Error:
        return None
    return None


def _first_line(msg: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", msg).split("\n")[0]


def _from_apsw(exc: apsw.Error, msg: str) -> SqlError:
    # APSW prefixes messages with the error class name ("SQLError: no such table: t").
    text = re.sub(r"^\w+Error: ", "", msg)
    if isinstance(exc, apsw.ConstraintError):
        if m := _UNIQUE.search(text):
            table, col = m.group(1), m.group(2)
            return SqlError(
                "23505",
                f'duplicate key value violates unique constraint "{table}_{col}_key"',
                detail=f"Key ({col}) already exists.",
            )
        if "PRIMARY KEY" in text or "UNIQUE" in text:
            return SqlError("23505", "duplicate key value violates unique constraint")
        if m := _NOT_NULL.search(text):
            return SqlError(
                "23502",
                f'null value in column "{m.group(2)}" of relation "{m.group(1)}" '
                "violates not-null constraint",
                table=m.group(1),
                column=m.group(2),
            )
        if "FOREIGN KEY" in text:
            return SqlError("23503", "insert or update on table violates foreign key constraint")
        if m := _CHECK.search(text):
            name = m.group(1).strip('"')
            if name.startswith("_aurora_"):
                return domain_error(name)
            return SqlError(
                "23514", f'new row violates check constraint "{name}"', constraint=name
            )
        return SqlError("23000", text)
    if isinstance(exc, apsw.InterruptError):
        return SqlError("57014", "canceling statement due to user request")
    if isinstance(exc, (apsw.BusyError, apsw.LockedError)):
        return SqlError("40001", "could not serialize access due to concurrent update")
    if isinstance(exc, apsw.ReadOnlyError):
        return SqlError("25006", "cannot execute statement in a read-only transaction")
    if isinstance(exc, apsw.TooBigError):
        return SqlError("54000", text)
    if isinstance(exc, apsw.FullError):
        return SqlError("53100", text)
    if isinstance(exc, (apsw.CorruptError, apsw.NotADBError)):
        return SqlError("XX001", text)
    if isinstance(exc, apsw.IOError):
        return SqlError("58030", text)
    if isinstance(exc, apsw.ExecTraceAbort):
        return SqlError("XX000", text)
    if m := _NO_TABLE.search(text):
        return SqlError("42P01", f'relation "{m.group(1)}" does not exist')
    if m := _NO_COLUMN.search(text):
        return SqlError("42703", f'column "{m.group(1)}" does not exist')
    if m := _HAS_TABLE.search(text):
        return SqlError("42P07", f'relation "{m.group(1).strip(chr(34))}" already exists')
    if m := _HAS_INDEX.search(text):
        return SqlError("42P07", f'relation "{m.group(1).strip(chr(34))}" already exists')
    if m := _NO_FUNC.search(text):
        return SqlError("42883", f"function {m.group(1)} does not exist")
    if "syntax error" in text or "incomplete input" in text or "unrecognized token" in text:
        return SqlError("42601", text)
    if "datatype mismatch" in text:
        return SqlError("42804", text)
    if "too many terms" in text or "misuse of aggregate" in text:
        return SqlError("42803", text)
    if "ambiguous column" in text:
        return SqlError("42702", text)
    arms = re.search(r"SELECTs to the left and right of (\w+)", text)
    if arms:
        return SqlError("42601", f"each {arms.group(1)} query must have the same number of columns")
    for pattern, code, message in _SQLITE_ERRORS:
        if pattern.search(text):
            return SqlError(code, message or text)
    if isinstance(exc, apsw.SQLError):
        # SQLite refused the translated statement for a reason not named above: a construct
        # this engine does not carry over, not a fault of the engine's own.
        return SqlError("0A000", f"feature not supported: {text}")
    return SqlError("XX000", text)


# SQLite's own refusals, as PostgreSQL names the same condition.
_SQLITE_ERRORS = (
    (re.compile(r"frame (starting|ending) offset must be a non-negative number"), "22013",
     "invalid preceding or following size in window function"),
    (re.compile(r"ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE"), "42P10",
     "there is no unique or exclusion constraint matching the ON CONFLICT specification"),
    (re.compile(r"table \S+ has \d+ columns but \d+ values were supplied|"
                r"\d+ values for \d+ columns"), "42601",
     "INSERT has more expressions than target columns"),
    (re.compile(r"circular reference"), "42P19", None),
    # a recursive term PostgreSQL refuses too: a second reference, an aggregate of it
    (re.compile(r"multiple recursive references|recursive aggregate queries not supported"),
     "42P19", None),
    (re.compile(r"misuse of window function"), "42P20", None),
    (re.compile(r"argument of ntile must be a positive integer"), "22014",
     "argument of ntile must be greater than zero"),
    (re.compile(r"second argument to nth_value must be a positive integer"), "22016",
     "argument of nth_value must be greater than zero"),
    (re.compile(r"RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY"), "42P20",
     "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"),
    (re.compile(r"malformed JSON|bad JSON path"), "22P02", None),
    (re.compile(r"integer overflow"), "22003", "bigint out of range"),
    # A cursor's statement that a ROLLBACK TO SAVEPOINT aborted under it.
    (re.compile(r"abort due to ROLLBACK"), "34000", "cursor does not exist"),
)
