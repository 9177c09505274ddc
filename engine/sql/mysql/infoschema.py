"""information_schema as TEMP tables ``_my_is_<name>`` of the connection, filled on use.

A query naming ``information_schema.x`` is run by SQLite itself over these tables (they are
MySQL's shape, not PostgreSQL's); each use refills the tables it names from the MySQL catalog
of every database of the instance (:func:`.catalog.describe`), so they are never stale.
``replica_host_status`` comes from the instance's ``replica_status()``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql.mysql import catalog, show

if TYPE_CHECKING:
    from aurora.engine.sql.mysql.session import MySqlSession

COLUMNS = {
    "schemata": ["CATALOG_NAME", "SCHEMA_NAME", "DEFAULT_CHARACTER_SET_NAME",
                 "DEFAULT_COLLATION_NAME", "SQL_PATH", "DEFAULT_ENCRYPTION"],
    "tables": ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE", "ENGINE", "VERSION",
               "ROW_FORMAT", "TABLE_ROWS", "AVG_ROW_LENGTH", "DATA_LENGTH", "MAX_DATA_LENGTH",
               "INDEX_LENGTH", "DATA_FREE", "AUTO_INCREMENT", "CREATE_TIME", "UPDATE_TIME",
               "CHECK_TIME", "TABLE_COLLATION", "CHECKSUM", "CREATE_OPTIONS", "TABLE_COMMENT"],
    "columns": ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION",
                "COLUMN_DEFAULT", "IS_NULLABLE", "DATA_TYPE", "CHARACTER_MAXIMUM_LENGTH",
                "CHARACTER_OCTET_LENGTH", "NUMERIC_PRECISION", "NUMERIC_SCALE",
                "DATETIME_PRECISION", "CHARACTER_SET_NAME", "COLLATION_NAME", "COLUMN_TYPE",
                "COLUMN_KEY", "EXTRA", "PRIVILEGES", "COLUMN_COMMENT", "GENERATION_EXPRESSION",
                "SRS_ID"],
    "statistics": ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "NON_UNIQUE", "INDEX_SCHEMA",
                   "INDEX_NAME", "SEQ_IN_INDEX", "COLUMN_NAME", "COLLATION", "CARDINALITY",
                   "SUB_PART", "PACKED", "NULLABLE", "INDEX_TYPE", "COMMENT", "INDEX_COMMENT",
                   "IS_VISIBLE", "EXPRESSION"],
    "key_column_usage": ["CONSTRAINT_CATALOG", "CONSTRAINT_SCHEMA", "CONSTRAINT_NAME",
                         "TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME",
                         "ORDINAL_POSITION", "POSITION_IN_UNIQUE_CONSTRAINT",
                         "REFERENCED_TABLE_SCHEMA", "REFERENCED_TABLE_NAME",
                         "REFERENCED_COLUMN_NAME"],
    "table_constraints": ["CONSTRAINT_CATALOG", "CONSTRAINT_SCHEMA", "CONSTRAINT_NAME",
                          "TABLE_SCHEMA", "TABLE_NAME", "CONSTRAINT_TYPE", "ENFORCED"],
    "check_constraints": ["CONSTRAINT_CATALOG", "CONSTRAINT_SCHEMA", "CONSTRAINT_NAME",
                          "CHECK_CLAUSE"],
    "referential_constraints": ["CONSTRAINT_CATALOG", "CONSTRAINT_SCHEMA", "CONSTRAINT_NAME",
                                "UNIQUE_CONSTRAINT_CATALOG", "UNIQUE_CONSTRAINT_SCHEMA",
                                "UNIQUE_CONSTRAINT_NAME", "MATCH_OPTION", "UPDATE_RULE",
                                "DELETE_RULE", "TABLE_NAME", "REFERENCED_TABLE_NAME"],
    "views": ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "VIEW_DEFINITION", "CHECK_OPTION",
              "IS_UPDATABLE", "DEFINER", "SECURITY_TYPE", "CHARACTER_SET_CLIENT",
              "COLLATION_CONNECTION"],
    "engines": ["ENGINE", "SUPPORT", "COMMENT", "TRANSACTIONS", "XA", "SAVEPOINTS"],
    "character_sets": ["CHARACTER_SET_NAME", "DEFAULT_COLLATE_NAME", "DESCRIPTION", "MAXLEN"],
    "collations": ["COLLATION_NAME", "CHARACTER_SET_NAME", "ID", "IS_DEFAULT", "IS_COMPILED",
                   "SORTLEN", "PAD_ATTRIBUTE"],
    "processlist": ["ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "INFO"],
    "routines": ["SPECIFIC_NAME", "ROUTINE_CATALOG", "ROUTINE_SCHEMA", "ROUTINE_NAME",
                 "ROUTINE_TYPE"],
    "triggers": ["TRIGGER_CATALOG", "TRIGGER_SCHEMA", "TRIGGER_NAME", "EVENT_MANIPULATION",
                 "EVENT_OBJECT_SCHEMA", "EVENT_OBJECT_TABLE"],
    "replica_host_status": ["SERVER_ID", "SESSION_ID", "DURABLE_LSN", "CURRENT_READ_POINT",
                            "REPLICA_LAG_IN_MILLISECONDS", "LAST_UPDATE_TIMESTAMP",
                            "AVAILABILITY_ZONE", "IS_CURRENT"],
}


def refresh(s: MySqlSession, conn: apsw.Connection, names: list[str]) -> None:
    per_db: list[tuple[str, list[catalog.TableDesc]]] | None = None
    for name in dict.fromkeys(names):
        cols = COLUMNS.get(name)
        if cols is None:
            continue  # the query then fails with 1109 Unknown table
        if name in ("tables", "columns", "statistics", "key_column_usage", "table_constraints",
                    "check_constraints", "referential_constraints", "views") and per_db is None:
            per_db = _all_tables(s)
        rows = _rows(s, name, per_db or [])
        conn.execute(f"DROP TABLE IF EXISTS temp._my_is_{name}")
        conn.execute(
            f"CREATE TEMP TABLE _my_is_{name} ({', '.join(c + ' COLLATE NOCASE' for c in cols)})"
        )
        marks = ", ".join("?" for _ in cols)
        conn.executemany(f"INSERT INTO temp._my_is_{name} VALUES ({marks})", rows)


def _all_tables(s: MySqlSession) -> list[tuple[str, list[catalog.TableDesc]]]:
    out = []
    for db in sorted(s.list_databases()):
        conn = s.conn_for(db) if db.lower() != (s.database or "").lower() else s.pg.conn
        descs = []
        for tname, _kind in catalog.table_names(conn):
            d = catalog.describe(conn, tname)
            if d is not None:
                descs.append(d)
        out.append((db, descs))
    return out


def _data_type(mysql_type: str) -> tuple[str, int | None, int | None, int | None]:
    """DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE."""
    m = re.match(r"(\w+)(?:\(([^)]*)\))?", mysql_type)
    base = m.group(1) if m else mysql_type
    args = (m.group(2) or "") if m else ""
    char_len = None
    prec = scale = None
    if base in ("char", "varchar", "binary", "varbinary") and args:
        char_len = int(args)
    elif base in ("tinytext", "tinyblob"):
        char_len = 255
    elif base in ("text", "blob"):
        char_len = 65535
    elif base in ("mediumtext", "mediumblob"):
        char_len = 16777215
    elif base in ("longtext", "longblob", "json"):
        char_len = 4294967295
    elif base == "decimal":
        p, _, sc = args.partition(",")
        prec, scale = int(p or 10), int(sc or 0)
    elif base in ("tinyint", "smallint", "mediumint", "int", "bigint"):
        prec = {"tinyint": 3, "smallint": 5, "mediumint": 7, "int": 10, "bigint": 19}[base]
        if "unsigned" in mysql_type and base == "bigint":
            prec = 20
        scale = 0
    elif base == "float":
        prec = 12
    elif base == "double":
        prec = 22
    return base, char_len, prec, scale


def _rows(s: MySqlSession, name: str, per_db: list[tuple[str, list[catalog.TableDesc]]]) -> list[tuple]:
    if name == "schemata":
        dbs = ["information_schema", *sorted(s.list_databases())]
        return [("def", d, "utf8mb4", "utf8mb4_0900_ai_ci", None, "NO") for d in dbs]
    if name == "engines":
        return list(show.ENGINES)
    if name == "character_sets":
        return [(c[0], c[2], c[1], c[3]) for c in show.CHARSETS]
    if name == "collations":
        return list(show.COLLATIONS)
    if name == "processlist":
        return [(s.connection_id, s.user, "localhost", s.database, "Query", 0, "executing", None)]
    if name in ("routines", "triggers"):
        return []
    if name == "replica_host_status":
        if s.replica_status is None:
            return []
        out = []
        for r in s.replica_status():
            r = tuple(r) + (None,) * (7 - len(tuple(r)))
            out.append((*r[:7], 1 if r[0] == s.instance_id else 0))
        return out
    rows: list[tuple] = []
    for db, descs in per_db:
        for d in descs:
            rows.extend(_table_rows(name, db, d))
    return rows


def _table_rows(name: str, db: str, d: catalog.TableDesc) -> list[tuple]:
    view = d.kind == "VIEW"
    if name == "tables":
        return [("def", db, d.name, "VIEW" if view else "BASE TABLE",
                 None if view else d.engine, None if view else 10,
                 None if view else "Dynamic", None if view else 0, 0, 16384, 0, 0, 0, d.auto_increment(),
                 None, None, None, None if view else d.collation, None, "",
                 "VIEW" if view else d.comment)]
    if name == "columns":
        out = []
        for pos, c in enumerate(d.columns, 1):
            base, clen, prec, scale = _data_type(c.mysql_type)
            is_str = c.is_string
            out.append(("def", db, d.name, c.name, pos, show.default_value(c),
                        "YES" if c.nullable else "NO", base, clen,
                        clen * 4 if clen and is_str and clen < 1 << 30 else clen, prec, scale,
                        0 if base in ("datetime", "timestamp", "time") else None,
                        "utf8mb4" if is_str else None,
                        catalog.column_collation(d, c), c.mysql_type,
                        show.column_key(d, c.name), c.extra, "select,insert,update,references",
                        c.comment, "", None))
        return out
    if view:
        if name == "views":
            return [("def", db, d.name, catalog._view_select(d.view_sql or ""), "NONE", "YES",
                     "admin@%", "DEFINER", "utf8mb4", "utf8mb4_0900_ai_ci")]
        return []
    if name == "views":
        return []
    nullable = {c.name.lower(): c.nullable for c in d.columns}
    parted = [("PRIMARY", True, [(c, None) for c in d.primary])] if d.primary else []
    parted += [(i.name, i.unique, catalog.key_parts(i)) for i in d.indexes]
    if name == "statistics":
        return [("def", db, d.name, 0 if u else 1, db, k, n, col, "A", 0, None, None,
                 "YES" if col is not None and nullable.get(col.lower()) else "", "BTREE", "", "",
                 "YES", expression)
                for k, u, parts in parted for n, (col, expression) in enumerate(parts, 1)]
    keys = [(k, u, [c for c, _e in parts if c is not None]) for k, u, parts in parted]
    if name == "key_column_usage":
        out = [("def", db, k, "def", db, d.name, col, n, None, None, None, None)
               for k, u, cols in keys if u for n, col in enumerate(cols, 1)]
        for fk in d.foreign_keys:
            for n, (col, ref) in enumerate(zip(fk.columns, fk.ref_columns, strict=False), 1):
                out.append(("def", db, fk.name, "def", db, d.name, col, n, n, db, fk.ref_table,
                            ref))
        return out
    if name == "table_constraints":
        out = [("def", db, k, db, d.name, "PRIMARY KEY" if k == "PRIMARY" else "UNIQUE", "YES")
               for k, u, _cols in keys if u]
        out += [("def", db, fk.name, db, d.name, "FOREIGN KEY", "YES") for fk in d.foreign_keys]
        out += [("def", db, c, db, d.name, "CHECK", "YES") for c, _text in d.checks]
        return out
    if name == "check_constraints":
        return [("def", db, c, f"({text})") for c, text in d.checks]
    if name == "referential_constraints":
        return [("def", db, fk.name, "def", db, "PRIMARY", "NONE",
                 _rule(fk.on_update), _rule(fk.on_delete), d.name, fk.ref_table)
                for fk in d.foreign_keys]
    return []


def _rule(action: str) -> str:
    a = (action or "NO ACTION").upper()
    return a
