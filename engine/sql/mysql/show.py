"""SHOW and DESCRIBE, answered from the MySQL catalog and the session's variables.

Each SHOW builds its rows in Python with MySQL's column names; ``LIKE`` filters the first
column (case-insensitive, as MySQL compares names), ``WHERE`` runs on SQLite over a TEMP
table of those rows, so any condition on the shown columns works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aurora.engine.sql import types as pgtypes
from aurora.engine.sql.mysql import catalog, lexer, variables
from aurora.engine.sql.mysql.ddl import Tokens
from aurora.engine.sql.mysql.errors import err, syntax
from aurora.engine.sqlapi import Column, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.mysql.session import MySqlSession

TEXT, INT8 = pgtypes.TEXT, pgtypes.INT8

ENGINES = [
    ("InnoDB", "DEFAULT", "Supports transactions, row-level locking, and foreign keys", "YES",
     "YES", "YES"),
    ("MRG_MYISAM", "YES", "Collection of identical MyISAM tables", "NO", "NO", "NO"),
    ("MEMORY", "YES", "Hash based, stored in memory, useful for temporary tables", "NO", "NO",
     "NO"),
    ("BLACKHOLE", "YES", "/dev/null storage engine (anything you write to it disappears)", "NO",
     "NO", "NO"),
    ("MyISAM", "YES", "MyISAM storage engine", "NO", "NO", "NO"),
    ("CSV", "YES", "CSV storage engine", "NO", "NO", "NO"),
    ("ARCHIVE", "YES", "Archive storage engine", "NO", "NO", "NO"),
    ("PERFORMANCE_SCHEMA", "YES", "Performance Schema", "NO", "NO", "NO"),
]
CHARSETS = [
    ("ascii", "US ASCII", "ascii_general_ci", 1),
    ("binary", "Binary pseudo charset", "binary", 1),
    ("latin1", "cp1252 West European", "latin1_swedish_ci", 1),
    ("utf8mb3", "UTF-8 Unicode", "utf8mb3_general_ci", 3),
    ("utf8mb4", "UTF-8 Unicode", "utf8mb4_0900_ai_ci", 4),
]
COLLATIONS = [
    ("ascii_bin", "ascii", 65, "", "Yes", 1, "PAD SPACE"),
    ("ascii_general_ci", "ascii", 11, "Yes", "Yes", 1, "PAD SPACE"),
    ("binary", "binary", 63, "Yes", "Yes", 1, "NO PAD"),
    ("latin1_bin", "latin1", 47, "", "Yes", 1, "PAD SPACE"),
    ("latin1_swedish_ci", "latin1", 8, "Yes", "Yes", 1, "PAD SPACE"),
    ("utf8mb3_bin", "utf8mb3", 83, "", "Yes", 1, "PAD SPACE"),
    ("utf8mb3_general_ci", "utf8mb3", 33, "Yes", "Yes", 1, "PAD SPACE"),
    ("utf8mb4_0900_ai_ci", "utf8mb4", 255, "Yes", "Yes", 0, "NO PAD"),
    ("utf8mb4_0900_as_cs", "utf8mb4", 278, "", "Yes", 0, "NO PAD"),
    ("utf8mb4_bin", "utf8mb4", 46, "", "Yes", 1, "PAD SPACE"),
    ("utf8mb4_general_ci", "utf8mb4", 45, "", "Yes", 1, "PAD SPACE"),
    ("utf8mb4_unicode_ci", "utf8mb4", 224, "", "Yes", 8, "PAD SPACE"),
]


def result(names: list[str], rows: list[tuple], ints: tuple[str, ...] = ()) -> StatementResult:
    cols = [Column(n, INT8 if n in ints else TEXT) for n in names]
    return StatementResult(f"SELECT {len(rows)}", cols, rows)


def _filtered(
    s: MySqlSession, names: list[str], rows: list[tuple], toks: Tokens, ints: tuple[str, ...] = ()
) -> StatementResult:
    if toks.accept("like"):
        pattern = toks.next() if not toks.at_end() else ""
        if pattern[:1] not in ("'", '"'):  # LIKE takes a quoted pattern
            raise syntax(f"LIKE {pattern}".strip())
        pat = lexer.like_regex(lexer.string_value(pattern))
        rows = [r for r in rows if pat.match(str(r[0]))]
    elif toks.accept("where"):
        rows = _where(s, names, rows, toks.rest_text())
    elif not toks.at_end():
        raise syntax(toks.rest_text())
    return result(names, rows, ints)


def _where(s: MySqlSession, names: list[str], rows: list[tuple], cond: str) -> list[tuple]:
    conn = s.pg.conn
    cols = ", ".join(f'"{n}"' for n in names)
    conn.execute("DROP TABLE IF EXISTS temp._my_show")
    conn.execute(f"CREATE TEMP TABLE _my_show ({cols})")
    marks = ", ".join("?" for _ in names)
    conn.executemany(f"INSERT INTO temp._my_show VALUES ({marks})", rows)
    known = {n.lower() for n in names}
    parts = []
    for kind, tok in lexer.tokens(cond):
        if kind == "str":
            parts.append(lexer.pg_string(lexer.string_value(tok)))
        elif kind == "ident" or (kind == "word" and tok.lower() in known):
            parts.append('"' + lexer.unquote(tok) + '"')
        else:
            parts.append(tok)
    where = " ".join(parts)
    out = [tuple(r) for r in conn.execute(f"SELECT * FROM temp._my_show WHERE {where}")]
    conn.execute("DROP TABLE temp._my_show")
    return out


def _db_clause(toks: Tokens) -> str | None:
    if toks.accept("from") or toks.accept("in"):
        return lexer.unquote(toks.next())
    return None


def _table_ref(s: MySqlSession, toks: Tokens) -> tuple[str | None, str]:
    db, table = toks.qualified()
    other = _db_clause(toks)
    return other or db, table


def _describe_table(s: MySqlSession, db: str | None, table: str) -> catalog.TableDesc:
    conn = s.conn_for(db)
    desc = catalog.describe(conn, table)
    if desc is None:
        raise err(1146, "42S02", f"Table '{db or s.database}.{table}' doesn't exist")
    return desc


def show(s: MySqlSession, sql: str) -> StatementResult:
    toks = Tokens(lexer.strip_comments(sql))
    toks.expect("show")
    full = toks.accept("full")
    scope = "session"
    if toks.peek_word() in ("global", "session", "local"):
        scope = toks.next().lower()
    w = toks.peek_word()
    if w in ("databases", "schemas"):
        toks.next()
        rows = [("information_schema",)] + [(d,) for d in sorted(s.list_databases())]
        return _filtered(s, ["Database"], rows, toks)
    if w == "tables":
        toks.next()
        db = _db_clause(toks) or s.database
        conn = s.conn_for(db)
        label = f"Tables_in_{db}"
        if full:
            rows = [(n, k) for n, k in catalog.table_names(conn)]
            return _filtered(s, [label, "Table_type"], rows, toks)
        return _filtered(s, [label], [(n,) for n, _k in catalog.table_names(conn)], toks)
    if w in ("columns", "fields"):
        toks.next()
        if not (toks.accept("from") or toks.accept("in")):
            raise syntax(sql)
        db, table = _table_ref(s, toks)
        desc = _describe_table(s, db, table)
        return _filtered(s, *_columns_rows(desc, full), toks)
    if w == "create":
        toks.next()
        what = toks.next().lower()
        if what in ("database", "schema"):
            toks.accept("if", "not", "exists")
            name = lexer.unquote(toks.next())
            s.conn_for(name) if name.lower() != (s.database or "").lower() else None
            text = (f"CREATE DATABASE `{name}` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE "
                    "utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */")
            return result(["Database", "Create Database"], [(name, text)])
        db, table = toks.qualified()
        desc = _describe_table(s, db, table)
        if what == "view" or desc.kind == "VIEW":
            return result(
                ["View", "Create View", "character_set_client", "collation_connection"],
                [(desc.name, catalog.show_create(desc), "utf8mb4", "utf8mb4_0900_ai_ci")],
            )
        return result(["Table", "Create Table"], [(desc.name, catalog.show_create(desc))])
    if w in ("index", "indexes", "keys"):
        toks.next()
        if not (toks.accept("from") or toks.accept("in")):
            raise syntax(sql)
        db, table = _table_ref(s, toks)
        desc = _describe_table(s, db, table)
        names, rows = _index_rows(desc)
        return _filtered(s, names, rows, toks, ("Non_unique", "Seq_in_index", "Cardinality"))
    if w == "variables":
        toks.next()
        values = dict(variables.GLOBALS) if scope == "global" else dict(s.vars)
        values["autocommit"] = int(s.autocommit) if scope != "global" else values["autocommit"]
        for k in ("version", "aurora_server_id", "read_only", "innodb_read_only", "hostname"):
            values[k] = s.vars[k]
        return _filtered(s, ["Variable_name", "Value"], variables.show_variables(values), toks)
    if w == "status":
        toks.next()
        rows = [
            ("Aborted_clients", "0"), ("Aborted_connects", "0"), ("Bytes_received", "0"),
            ("Bytes_sent", "0"), ("Com_select", "0"), ("Connections", str(s.connection_id)),
            ("Innodb_buffer_pool_pages_total", "8192"), ("Queries", "0"), ("Questions", "0"),
            ("Ssl_cipher", ""), ("Ssl_version", ""), ("Threads_connected", "1"),
            ("Threads_running", "1"), ("Uptime", "1"),
        ]
        return _filtered(s, ["Variable_name", "Value"], rows, toks)
    if w in ("warnings", "errors"):
        toks.next()
        rows = list(s.warnings)
        if w == "errors":
            rows = [r for r in rows if r[0] == "Error"]
        return result(["Level", "Code", "Message"], rows, ("Code",))
    if w == "count":
        # SHOW COUNT(*) WARNINGS
        n = len(s.warnings)
        return result(["@@session.warning_count"], [(n,)], ("@@session.warning_count",))
    if w in ("engines", "storage"):
        toks.next()
        toks.accept("engines")
        return result(["Engine", "Support", "Comment", "Transactions", "XA", "Savepoints"],
                      list(ENGINES))
    if w in ("collation",):
        toks.next()
        return _filtered(s, ["Collation", "Charset", "Id", "Default", "Compiled", "Sortlen",
                             "Pad_attribute"], list(COLLATIONS), toks, ("Id", "Sortlen"))
    if w in ("character", "charset"):
        toks.next()
        toks.accept("set")
        return _filtered(s, ["Charset", "Description", "Default collation", "Maxlen"],
                         list(CHARSETS), toks, ("Maxlen",))
    if w == "processlist":
        rows = [(s.connection_id, s.user, "localhost", s.database, "Query", 0, "init",
                 "SHOW PROCESSLIST")]
        return result(["Id", "User", "Host", "db", "Command", "Time", "State", "Info"], rows,
                      ("Id", "Time"))
    if w == "table":
        toks.next()
        toks.expect("status")
        db = _db_clause(toks) or s.database
        conn = s.conn_for(db)
        rows = []
        for name, kind in catalog.table_names(conn):
            d = catalog.describe(conn, name)
            rows.append((name, d.engine if d and kind != "VIEW" else None, 10, "Dynamic", 0, 0,
                         16384, 0, 0, 0, d.auto_increment() if d else None, None, None, None,
                         d.collation if d else None, None, "", d.comment if d else ""))
        names = ["Name", "Engine", "Version", "Row_format", "Rows", "Avg_row_length",
                 "Data_length", "Max_data_length", "Index_length", "Data_free", "Auto_increment",
                 "Create_time", "Update_time", "Check_time", "Collation", "Checksum",
                 "Create_options", "Comment"]
        return _filtered(s, names, rows, toks, ("Version", "Rows", "Avg_row_length",
                                                  "Data_length", "Max_data_length",
                                                  "Index_length", "Data_free"))
    if w == "engine":
        return result(["Type", "Name", "Status"], [("InnoDB", "", "")])
    if w == "grants":
        return result([f"Grants for {s.user}@%"],
                      [(f"GRANT ALL PRIVILEGES ON *.* TO `{s.user}`@`%` WITH GRANT OPTION",)])
    if w in ("triggers", "events", "plugins", "open", "profiles"):
        return result(["Name"], [])
    if w in ("procedure", "function"):
        return result(["Db", "Name", "Type", "Definer", "Modified", "Created", "Security_type",
                       "Comment"], [])
    if w in ("master", "binary", "replica", "slave"):
        return result(["File", "Position"], [])
    raise syntax(toks.rest_text() or sql)


def describe(s: MySqlSession, sql: str) -> StatementResult:
    toks = Tokens(lexer.strip_comments(sql))
    toks.next()
    db, table = toks.qualified()
    desc = _describe_table(s, db, table)
    names, rows = _columns_rows(desc, False)
    if not toks.at_end():
        pat = lexer.like_regex(lexer.unquote(toks.next()))
        rows = [r for r in rows if pat.match(r[0])]
    return result(names, rows)


def column_key(desc: catalog.TableDesc, col: str) -> str:
    low = col.lower()
    if any(c.lower() == low for c in desc.primary):
        return "PRI"
    for i in desc.indexes:
        if i.unique and len(i.columns) == 1 and (i.columns[0] or "").lower() == low:
            return "UNI"
    for i in desc.indexes:
        if i.columns and (i.columns[0] or "").lower() == low:
            return "MUL"
    for fk in desc.foreign_keys:
        if fk.columns and fk.columns[0].lower() == low:
            return "MUL"
    return ""


def default_value(c: catalog.ColumnDesc) -> str | None:
    d = c.default_sql
    if d is None or d.upper() == "NULL":
        return None
    if d.startswith("'") and d.endswith("'"):
        return d[1:-1].replace("''", "'")
    return d


def _columns_rows(desc: catalog.TableDesc, full: bool) -> tuple[list[str], list[tuple]]:
    rows = []
    for c in desc.columns:
        key = column_key(desc, c.name)
        extra = c.extra
        if extra == "DEFAULT_GENERATED" and not full:
            extra = "DEFAULT_GENERATED"
        if full:
            coll = catalog.column_collation(desc, c)
            rows.append((c.name, c.mysql_type, coll, "YES" if c.nullable else "NO", key,
                         default_value(c), extra, "select,insert,update,references", c.comment))
        else:
            rows.append((c.name, c.mysql_type, "YES" if c.nullable else "NO", key,
                         default_value(c), extra))
    if full:
        return ["Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges",
                "Comment"], rows
    return ["Field", "Type", "Null", "Key", "Default", "Extra"], rows


def _index_rows(desc: catalog.TableDesc) -> tuple[list[str], list[tuple]]:
    names = ["Table", "Non_unique", "Key_name", "Seq_in_index", "Column_name", "Collation",
             "Cardinality", "Sub_part", "Packed", "Null", "Index_type", "Comment",
             "Index_comment", "Visible", "Expression"]
    nullable = {c.name.lower(): c.nullable for c in desc.columns}
    rows = []
    keys = [("PRIMARY", True, [(c, None) for c in desc.primary])] if desc.primary else []
    keys += [(i.name, i.unique, catalog.key_parts(i)) for i in desc.indexes]
    for name, unique, parts in keys:
        for n, (col, expression) in enumerate(parts, 1):
            rows.append((desc.name, 0 if unique else 1, name, n, col, "A", 0, None, None,
                         "YES" if col is not None and nullable.get(col.lower()) else "", "BTREE",
                         "", "", "YES", expression))
    return names, rows
