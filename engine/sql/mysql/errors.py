"""PostgreSQL session errors as MySQL's: errno, SQLSTATE and MySQL's wording.

:func:`to_mysql` takes the SqlError of the wrapped session (or anything else, which becomes
1105 with a one-line message) and what the statement was about (its target table, the
database, the INSERT's values) to fill in MySQL's message: ``Duplicate entry 'v' for key
't.PRIMARY'``, ``Table 'db.t' doesn't exist``, ``Unknown column 'c' in 'field list'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aurora.engine.sqlapi import SqlError


@dataclass
class Where:
    """What the failed statement was about, for the message."""

    database: str | None = None
    table: str | None = None
    sql: str = ""
    key_value: str | None = None  # the duplicate value, when the statement shows it


_INSERT_COLUMNS = re.compile(
    r"\s*(?:insert|replace)\s+(?:ignore\s+)?(?:into\s+)?[`\w.$]+\s*\(([^)]*)\)\s*(?:values?|select)\b",
    re.I)


_ALTERED_COLUMN = re.compile(r"\b(modify|change)\s+(?:column\s+)?`?([\w$]+)`?(?:\s+`?([\w$]+)`?)?", re.I)


def err(errno: int, sqlstate: str, message: str) -> SqlError:
    return SqlError(sqlstate, message, errno=errno)


def syntax(near: str) -> SqlError:
    return err(
        1064,
        "42000",
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL "
        f"server version for the right syntax to use near '{near[:80]}' at line 1",
    )


def to_mysql(e: BaseException, where: Where, read_only: bool) -> SqlError:
    if isinstance(e, SqlError) and e.errno is not None:
        return e
    if not isinstance(e, SqlError):
        line = (str(e).splitlines() or [""])[0]
        return err(1105, "HY000", f"Unknown error: {type(e).__name__}: {line}"[:300])
    st = e.sqlstate
    msg = e.message
    if st == "23505":
        key = e.constraint or "PRIMARY"
        table = e.table or where.table or ""
        if key.lower().endswith("_pkey") or key.lower().startswith("sqlite_autoindex"):
            key = "PRIMARY"
        elif table and key.lower().startswith(table.lower() + "_"):
            key = key[len(table) + 1 :]
        value = where.key_value if where.key_value is not None else _detail_value(e.detail)
        return err(1062, "23000", f"Duplicate entry '{value}' for key '{table}.{key}'")
    if st == "42P01":
        m = re.search(r'relation "([^"]+)"', msg)
        name = m.group(1) if m else (where.table or "?")
        return err(1146, "42S02", f"Table '{where.database or ''}.{name}' doesn't exist")
    if st == "42703":
        m = re.search(r'column "+([^"]+)"+', msg)
        name = m.group(1) if m else "?"
        return err(1054, "42S22", f"Unknown column '{name}' in '{_clause(where.sql, name)}'")
    if st == "42601" and msg.startswith("INSERT has more"):
        # (also an INSERT ... SELECT * or UNION of the wrong width: read by position, see
        # dml.by_position, SQLite says "N values for M columns")
        return err(1136, "21S01", "Column count doesn't match value count at row 1")
    if st in ("42601", "42000"):
        m = re.search(r'at or near "([^"]*)"', msg)
        near = where.sql
        if m:
            pos = where.sql.find(m.group(1))
            if pos >= 0:
                near = where.sql[pos:]
        return syntax(near)
    if st == "40001" or st == "40P01":
        return err(1213, "40001", "Deadlock found when trying to get lock; try restarting transaction")
    if st == "55P03" or ("lock" in msg.lower() and "timeout" in msg.lower()):
        return err(1205, "HY000", "Lock wait timeout exceeded; try restarting transaction")
    if st == "25006":
        if read_only:
            return err(1290, "HY000", "The MySQL server is running with the --read-only option "
                       "so it cannot execute this statement")
        return err(1792, "25006", "Cannot execute statement in a READ ONLY transaction.")
    if st == "21000":
        return err(1242, "21000", "Subquery returns more than 1 row")
    if st == "22001":
        if re.match(r"\s*alter\b", where.sql, re.I):  # a column made shorter than its data
            m = _ALTERED_COLUMN.search(where.sql)
            column = e.column or (m and (m.group(3) if m.group(1).lower() == "change" else m.group(2)))
            return err(1265, "01000", f"Data truncated for column '{column or '?'}' at row 1")
        return err(1406, "22001", f"Data too long for column '{e.column or '?'}' at row 1")
    if st == "22003":
        if e.column:
            return err(1264, "22003", f"Out of range value for column '{e.column}' at row 1")
        # no column: a value computed out of its type's range (SELECT 9223372036854775807 + 1)
        kind = "DECIMAL" if msg.startswith("numeric") else "BIGINT"
        return err(1690, "22003", f"{kind} value is out of range")
    if st == "23514":
        name = e.constraint or ""
        if not name and (m := re.search(r'constraint "([^"]+)"', msg)):
            name = m.group(1)  # a CHECK added to rows that break it (ALTER TABLE)
        if name.startswith("_my_range_"):
            return err(1264, "22003", f"Out of range value for column '{name[10:]}' at row 1")
        if name.startswith("_my_enum_"):
            return err(1265, "01000", f"Data truncated for column '{name[9:]}' at row 1")
        if name.startswith("_my_long_"):
            return err(1406, "22001", f"Data too long for column '{name[9:]}' at row 1")
        if name.startswith("_my_ts_"):
            return err(1292, "22007", f"Incorrect datetime value for column '{name[7:]}' at row 1")
        return err(3819, "HY000", f"Check constraint '{name}' is violated.")
    if st == "23502":
        m = re.search(r'column "([^"]+)"', msg)
        column = m.group(1) if m else e.column or "?"
        listed = _INSERT_COLUMNS.match(where.sql)
        if listed and column.lower() not in {
                c.strip().strip("`\"").lower() for c in listed.group(1).split(",")}:
            # left out of the INSERT's columns, and NOT NULL without a default
            return err(1364, "HY000", f"Field '{column}' doesn't have a default value")
        return err(1048, "23000", f"Column '{column}' cannot be null")
    if st == "23503":
        child = e.table or where.table or ""
        cons = e.constraint or ""
        if "update or delete" in msg:
            return err(1451, "23000", "Cannot delete or update a parent row: a foreign key "
                       f"constraint fails (`{where.database}`.`{child}`, CONSTRAINT `{cons}`)")
        return err(1452, "23000", "Cannot add or update a child row: a foreign key constraint "
                   f"fails (`{where.database}`.`{child}`, CONSTRAINT `{cons}`)")
    if st == "42P07":
        m = re.search(r'"([^"]+)"', msg)
        return err(1050, "42S01", f"Table '{m.group(1) if m else '?'}' already exists")
    if st == "42702":  # SQLite's "ambiguous column name: id"
        m = re.search(r"ambiguous column name: (?:\w+\.)?(\S+)", msg)
        name = m.group(1) if m else "?"
        return err(1052, "23000", f"Column '{name}' in {_clause(where.sql, name)} is ambiguous")
    if st == "42809" and "parameterless aggregate" in msg:  # COUNT()
        return syntax(where.sql)
    if st == "42701":  # INSERT INTO t (id, id) ...
        m = re.search(r'"([^"]+)"', msg)
        return err(1110, "42000", f"Column '{m.group(1) if m else '?'}' specified twice")
    if st == "3D000":
        m = re.search(r'"([^"]+)"', msg)
        return err(1049, "42000", f"Unknown database '{m.group(1) if m else '?'}'")
    if st == "57014" and "statement timeout" in msg:  # max_execution_time (the session's statement_timeout)
        return err(3024, "HY000", "Query execution was interrupted, maximum statement execution time exceeded")
    if st == "57014":
        return err(1317, "70100", "Query execution was interrupted")
    if st == "53200":  # ER_OUT_OF_RESOURCES; the detail says by how much the statement grew
        return err(1041, "HY000", f"Out of memory. {e.detail or ''}".strip())
    if st == "22012":
        return err(1365, "22012", "Division by 0")
    if st == "22P02" and msg.startswith("invalid input syntax for type json"):
        return err(3140, "22032", 'Invalid JSON text: "The document is not valid JSON."')
    if st in ("22P02", "22007", "22008"):
        return err(1292, "22007", f"Incorrect value: {msg}")
    if st == "0A000":
        return err(1235, "42000", f"This version of MySQL doesn't yet support '{msg}'")
    if st == "42883":
        m = re.search(r"function (\w+)", msg)
        return err(1305, "42000", f"FUNCTION {where.database or ''}.{m.group(1) if m else '?'} does not exist")
    if st == "42704":
        return err(1091, "42000", msg)
    if st == "XX000":
        return err(1105, "HY000", msg.splitlines()[0] if msg else "internal error")
    return err(1105, "HY000", (msg.splitlines() or [""])[0])


def _clause(sql: str, column: str) -> str:
    """Where MySQL says an unknown column was: the clause of its first mention."""
    bare = column.split(".")[-1]
    m = re.search(r"(?<![\w`.])`?" + re.escape(bare) + r"`?(?![\w`])", sql, re.I)
    if m is None:
        return "field list"
    before = sql[: m.start()].lower()
    marks = {
        "where clause": before.rfind(" where "),
        "order clause": before.rfind(" order by "),
        "group statement": before.rfind(" group by "),
        "having clause": before.rfind(" having "),
        "on clause": before.rfind(" on "),
    }
    best = max(marks.items(), key=lambda kv: kv[1])
    return best[0] if best[1] >= 0 else "field list"


def _detail_value(detail: str | None) -> str:
    if detail:
        m = re.search(r"\)=\((.*)\) already exists", detail)
        if m:
            return m.group(1)
    return "?"
