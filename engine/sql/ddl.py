"""DDL: PostgreSQL CREATE / ALTER / DROP / TRUNCATE carried out on SQLite, with the catalog.

Every statement here runs inside a SAVEPOINT so the SQLite DDL, the rows of
``_aurora_columns`` and any sequence change commit or fail together.

ALTER TABLE ... ADD PRIMARY KEY rebuilds the table (SQLite cannot add a key to an existing
table): create a copy with the key, copy the rows (a duplicate raises 23505, a NULL 23502),
drop the original, rename, re-create its indexes. A single integer key becomes SQLite's
rowid alias, the fastest lookup it has. ADD CONSTRAINT ... UNIQUE creates a unique index
recorded in ``_aurora_constraints``. FOREIGN KEY constraints added later are recorded only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from aurora.engine.sql import types
from aurora.engine.sql.infer import datatype_ref, infer_select
from aurora.engine.sql.translate import Rewriter, generate, parse, to_sqlite
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

_SERIALS = {
    exp.DataType.Type.SERIAL: 23,
    exp.DataType.Type.BIGSERIAL: 20,
    exp.DataType.Type.SMALLSERIAL: 21,
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _exists(s: Session, name: str, kind: str | None = None) -> bool:
    sql = "SELECT 1 FROM main.sqlite_schema WHERE lower(name)=lower(?)"
    args: tuple = (name,)
    if kind:
        sql += " AND type=?"
        args = (name, kind)
    return bool(s.conn.execute(sql, args).fetchall())


def create(s: Session, sql: str) -> StatementResult:
    tree = parse(sql)
    kind = str(tree.args.get("kind") or "").upper()
    if kind == "TABLE":
        return _create_table(s, tree)
    if kind == "INDEX":
        return _create_index(s, tree)
    if kind == "SEQUENCE":
        return _create_sequence(s, tree)
    if kind == "VIEW":
        return _create_view(s, tree)
    if kind == "SCHEMA":
        name = tree.this.name.lower()
        if name == "public" and tree.args.get("exists"):
            return StatementResult("CREATE SCHEMA")
        raise SqlError("0A000", "CREATE SCHEMA is not supported (one schema, public, per database)")
    raise SqlError("0A000", f"CREATE {kind or '...'} is not supported")


def _create_table(s: Session, tree: exp.Expression) -> StatementResult:
    schema = tree.this
    if not isinstance(schema, exp.Schema):
        return _create_table_as(s, tree)
    table = schema.this.name
    if schema.this.db and schema.this.db.lower() != "public":
        raise SqlError("3F000", f'schema "{schema.this.db}" does not exist')
    schema.this.set("db", None)
    if _exists(s, table):
        if tree.args.get("exists"):
            return StatementResult("CREATE TABLE")
        raise SqlError("42P07", f'relation "{table}" already exists')
    table_pk: list[str] = []
    for c in schema.expressions:
        if isinstance(c, exp.PrimaryKey):
            table_pk = [x.name for x in c.expressions]
    rows = []
    sequences: list[tuple[str, int]] = []
    rw = Rewriter(s.catalog)
    position = 0
    for col in schema.expressions:
        if not isinstance(col, exp.ColumnDef):
            for sub in col.find_all(exp.Expression):
                if isinstance(sub, exp.Ordered):
                    sub.replace(sub.this)
            continue
        position += 1
        name = col.name
        dtype = col.args.get("kind")
        serial = False
        if isinstance(dtype, exp.DataType) and dtype.this in _SERIALS:
            oid, typmod = _SERIALS[dtype.this], -1
            serial = True
        elif isinstance(dtype, exp.DataType):
            oid, typmod = datatype_ref(dtype)
        else:
            oid, typmod = types.TEXT, -1
        identity = ""
        is_pk = table_pk == [name]
        default_pg: str | None = None
        for cons in list(col.args.get("constraints") or []):
            k = cons.args.get("kind")
            if isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
                identity = "a" if k.this else "d"
                cons.pop()
            elif isinstance(k, exp.PrimaryKeyColumnConstraint):
                is_pk = True
            elif isinstance(k, exp.DefaultColumnConstraint):
                default_pg = (
                    "now()" if isinstance(k.this, exp.CurrentTimestamp) else k.this.sql("postgres")
                )
                if not isinstance(
                    k.this, (exp.Literal, exp.Null, exp.Boolean, exp.Neg, exp.CurrentTimestamp)
                ):
                    value = rw.walk(k.this)
                    k.set("this", exp.Paren(this=value))
                elif isinstance(k.this, exp.Boolean):
                    k.set("this", exp.Literal.number(int(k.this.this)))
                elif isinstance(k.this, exp.Literal) and oid == types.NUMERIC:
                    k.set("this", exp.Literal.string(str(types.numeric_in(k.this.this))))
            elif isinstance(k, exp.CheckColumnConstraint):
                k.set("this", rw.walk(k.this))
        if serial or identity:
            seq = f"{table}_{name}_seq".lower()
            default_pg = f"nextval('{seq}'::regclass)" if serial else None
            if is_pk and oid in (20, 23, 21):
                pass  # a rowid alias assigns ids itself
            else:
                sequences.append((seq, oid))
                col.append(
                    "constraints",
                    exp.ColumnConstraint(
                        kind=exp.DefaultColumnConstraint(
                            this=exp.Paren(
                                this=exp.Anonymous(
                                    this="nextval", expressions=[exp.Literal.string(seq)]
                                )
                            )
                        )
                    ),
                )
            if serial:
                col.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        t = types.BY_OID.get(oid)
        affinity = t.affinity if t else "TEXT"
        col.set("kind", exp.DataType.build(affinity))
        for check in _domain_checks(name, oid, typmod):
            col.append("constraints", check)
        rows.append((table, name, position, oid, typmod, default_pg, identity))
    tree.set("properties", None)
    ddl = generate(tree)
    with s.atomic():
        s.conn.execute(ddl)
        s.conn.executemany(
            "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
            "type_oid, typmod, default_expr, identity) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        for seq, _oid in sequences:
            s.sequences.create(seq, owned_by=table.lower(), if_not_exists=True)
    return StatementResult("CREATE TABLE")


# Ranges SQLite does not enforce but PostgreSQL's types do. The constraint names carry what
# the error mapping needs (errors.py): "_aurora_range_int4" → 22003 "integer out of range",
# "_aurora_len_20" → 22001 "value too long for type character varying(20)".
_INT_RANGES = {21: ("int2", -32768, 32767), 23: ("int4", -2147483648, 2147483647)}


def _domain_checks(column: str, oid: int, typmod: int) -> list[exp.ColumnConstraint]:
    ref = exp.column(column, quoted=True)
    checks: list[tuple[str, exp.Expression]] = []
    if oid in _INT_RANGES:
        kind, low, high = _INT_RANGES[oid]
        checks.append((f"_aurora_range_{kind}", exp.Between(
            this=ref, low=exp.Literal.number(low), high=exp.Literal.number(high))))
    elif oid in (1042, 1043) and typmod > 4:
        n = typmod - 4
        checks.append((f"_aurora_len_{n}_{'bpchar' if oid == 1042 else 'varchar'}", exp.LTE(
            this=exp.Length(this=ref), expression=exp.Literal.number(n))))
    return [
        exp.ColumnConstraint(this=exp.to_identifier(name, quoted=True),
                             kind=exp.CheckColumnConstraint(this=cond))
        for name, cond in checks
    ]


def _create_table_as(s: Session, tree: exp.Expression) -> StatementResult:
    table = tree.this.name
    query = tree.expression
    if query is None:
        raise SqlError("42601", "syntax error in CREATE TABLE")
    cols = infer_select(query, s.catalog)
    sql, _ = to_sqlite(query, s.catalog)
    with s.atomic():
        s.conn.execute(f"CREATE TABLE {_q(table)} AS {sql}")
        s.conn.executemany(
            "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
            "type_oid, typmod) VALUES (?,?,?,?,?)",
            [
                (table, n, i + 1, t[0] if t else types.TEXT, t[1] if t else -1)
                for i, (n, t) in enumerate(cols)
            ],
        )
        n = s.conn.execute(f"SELECT count(*) FROM {_q(table)}").fetchall()[0][0]
    return StatementResult(f"SELECT {n}")


def _create_index(s: Session, tree: exp.Expression) -> StatementResult:
    tree.set("concurrently", False)
    index = tree.this
    params = index.args.get("params")
    if params is not None:
        params.set("using", None)
        params.set("include", None)
    table = index.args.get("table")
    if table is not None:
        table.set("db", None)
    name = index.name
    if name and _exists(s, name):
        if tree.args.get("exists"):
            return StatementResult("CREATE INDEX")
        raise SqlError("42P07", f'relation "{name}" already exists')
    if not name:
        cols = [
            c.this.name if isinstance(c, exp.Ordered) else c.name
            for c in params.args.get("columns") or []
        ]
        index.set("this", exp.to_identifier(f"{table.name}_{'_'.join(cols)}_idx"))
    ddl = generate(tree)
    s.conn.execute(ddl)
    return StatementResult("CREATE INDEX")


def _create_view(s: Session, tree: exp.Expression) -> StatementResult:
    name = tree.this.name
    sql, _ = to_sqlite(tree.expression, s.catalog)
    cols = infer_select(tree.expression, s.catalog)
    with s.atomic():
        if tree.args.get("replace"):
            s.conn.execute(f"DROP VIEW IF EXISTS {_q(name)}")
        s.conn.execute(f"CREATE VIEW {_q(name)} AS {sql}")
        s.conn.execute("DELETE FROM main._aurora_columns WHERE table_name=?", (name,))
        s.conn.executemany(
            "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
            "type_oid, typmod) VALUES (?,?,?,?,?)",
            [
                (name, n, i + 1, t[0] if t else types.TEXT, t[1] if t else -1)
                for i, (n, t) in enumerate(cols)
            ],
        )
    return StatementResult("CREATE VIEW")


def _create_sequence(s: Session, tree: exp.Expression) -> StatementResult:
    name = tree.this.name
    opts: dict[str, object] = {}
    for prop in (tree.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.SequenceProperties):
            for k in ("start", "increment", "minvalue", "maxvalue"):
                v = prop.args.get(k)
                if v is not None:
                    opts[k] = int(v.sql("postgres").replace(" ", ""))
            opts["cycle"] = bool(prop.args.get("cycle"))
    s.sequences.create(
        name,
        start=opts.get("start"),
        increment=int(opts.get("increment", 1)),  # type: ignore[arg-type]
        min_value=opts.get("minvalue"),
        max_value=opts.get("maxvalue"),  # type: ignore[arg-type]
        cycle=bool(opts.get("cycle")),
        if_not_exists=bool(tree.args.get("exists")),
    )
    return StatementResult("CREATE SEQUENCE")


_DROP = re.compile(
    r"\s*drop\s+(table|index|sequence|view)\s+(?:concurrently\s+)?(if\s+exists\s+)?(.*?)"
    r"(\s+(?:cascade|restrict))?\s*$",
    re.I | re.S,
)


def drop(s: Session, sql: str) -> StatementResult:
    m = _DROP.match(sql)
    if not m:
        raise SqlError("0A000", f"not supported: {sql.strip().split()[0:2]}")
    kind, if_exists, names = m.group(1).lower(), bool(m.group(2)), m.group(3)
    targets = [
        n.strip().split(".")[-1].strip('"')
        if not n.strip().startswith('"')
        else n.strip().strip('"')
        for n in names.split(",")
    ]
    with s.atomic():
        for name in targets:
            if kind == "sequence":
                s.sequences.drop(name, if_exists)
                continue
            sqlite_kind = {"table": "table", "index": "index", "view": "view"}[kind]
            if not _exists(s, name, sqlite_kind):
                if kind == "index" and _drop_constraint_index(s, name):
                    continue
                if if_exists:
                    continue
                what = "index" if kind == "index" else kind
                raise SqlError(
                    "42P01",
                    f'{what} "{name}" does not exist'
                    if kind != "table"
                    else f'table "{name}" does not exist',
                )
            s.conn.execute(f"DROP {kind.upper()} {_q(name)}")
            if kind in ("table", "view"):
                s.conn.execute(
                    "DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?)", (name,)
                )
                s.conn.execute(
                    "DELETE FROM main._aurora_constraints WHERE lower(table_name)=lower(?)", (name,)
                )
                s.sequences.drop_owned(name)
    return StatementResult(f"DROP {kind.upper()}")


def _drop_constraint_index(s: Session, name: str) -> bool:
    rows = s.conn.execute(
        "SELECT index_name FROM main._aurora_constraints WHERE name=?", (name,)
    ).fetchall()
    if not rows:
        return False
    s.conn.execute(f"DROP INDEX IF EXISTS {_q(rows[0][0])}")
    s.conn.execute("DELETE FROM main._aurora_constraints WHERE name=?", (name,))
    return True


_TRUNCATE = re.compile(
    r"\s*truncate\s+(?:table\s+)?(?:only\s+)?(.*?)(\s+(?:restart|continue)\s+identity)?"
    r"(\s+(?:cascade|restrict))?\s*$",
    re.I | re.S,
)


def truncate(s: Session, sql: str) -> StatementResult:
    m = _TRUNCATE.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in TRUNCATE")
    names = [n.strip().split(".")[-1].strip('"') for n in m.group(1).split(",")]
    restart = bool(m.group(2)) and "restart" in m.group(2).lower()
    with s.atomic():
        for name in names:
            if not _exists(s, name, "table"):
                raise SqlError("42P01", f'relation "{name}" does not exist')
            s.conn.execute(f"DELETE FROM {_q(name)}")
            if restart:
                for seq in s.sequences.owned_by(name):
                    s.sequences.restart(seq)
    return StatementResult("TRUNCATE TABLE")


def alter(s: Session, sql: str) -> StatementResult:
    low = sql.strip().lower()
    if low.startswith("alter sequence"):
        return _alter_sequence(s, sql)
    if not low.startswith("alter table"):
        raise SqlError("0A000", f"{' '.join(sql.split()[:2]).upper()} is not supported")
    tree = parse(sql)
    if not isinstance(tree, exp.Alter):
        raise SqlError("0A000", "this ALTER TABLE form is not supported")
    table = tree.this.name
    if not _exists(s, table, "table"):
        if tree.args.get("exists"):
            return StatementResult("ALTER TABLE")
        raise SqlError("42P01", f'relation "{table}" does not exist')
    with s.atomic():
        for action in tree.args.get("actions") or []:
            _alter_action(s, table, action)
    return StatementResult("ALTER TABLE")


def _alter_action(s: Session, table: str, action: exp.Expression) -> None:
    if isinstance(action, exp.AddConstraint):
        for c in action.expressions:
            name = None
            inner = c
            if isinstance(c, exp.Constraint):
                name = c.name
                inner = c.expressions[0] if c.expressions else c
            if isinstance(inner, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
                cols = [x.name for x in (inner.expressions or [])]
                if not cols and isinstance(inner, exp.PrimaryKeyColumnConstraint):
                    raise SqlError("42601", "PRIMARY KEY needs a column list")
                _add_primary_key(s, table, cols)
            elif isinstance(inner, exp.UniqueColumnConstraint):
                sch = inner.this
                cols = (
                    [x.name for x in sch.expressions]
                    if isinstance(sch, exp.Schema)
                    else [x.name for x in inner.expressions]
                )
                cname = name or f"{table}_{'_'.join(cols)}_key"
                iname = cname
                s.conn.execute(
                    f"CREATE UNIQUE INDEX {_q(iname)} ON {_q(table)} "
                    f"({', '.join(_q(c) for c in cols)})"
                )
                s.conn.execute(
                    "INSERT OR REPLACE INTO main._aurora_constraints VALUES (?,?,?,?,?)",
                    (table, cname, "u", None, iname),
                )
            elif (
                isinstance(inner, (exp.ForeignKey,))
                or "FOREIGN KEY" in inner.sql("postgres").upper()
            ):
                cname = name or f"{table}_fkey"
                s.conn.execute(
                    "INSERT OR REPLACE INTO main._aurora_constraints VALUES (?,?,?,?,?)",
                    (table, cname, "f", inner.sql("postgres"), None),
                )
            else:
                raise SqlError("0A000", f"ALTER TABLE ADD {inner.key.upper()} is not supported")
        return
    if isinstance(action, exp.ColumnDef):
        _add_column(s, table, action)
        return
    if isinstance(action, exp.Drop) or action.key == "drop":
        col = action.this.name
        s.conn.execute(f"ALTER TABLE {_q(table)} DROP COLUMN {_q(col)}")
        s.conn.execute(
            "DELETE FROM main._aurora_columns WHERE table_name=? AND column_name=?", (table, col)
        )
        return
    if isinstance(action, exp.RenameColumn):
        old, new = action.this.name, action.args["to"].name
        s.conn.execute(f"ALTER TABLE {_q(table)} RENAME COLUMN {_q(old)} TO {_q(new)}")
        s.conn.execute(
            "UPDATE main._aurora_columns SET column_name=? WHERE table_name=? AND column_name=?",
            (new, table, old),
        )
        return
    if isinstance(action, exp.AlterRename):
        new = action.this.name
        s.conn.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(new)}")
        s.conn.execute(
            "UPDATE main._aurora_columns SET table_name=? WHERE table_name=?", (new, table)
        )
        return
    if isinstance(action, exp.AlterColumn):
        col = action.this.name
        dtype = action.args.get("dtype")
        if dtype is not None:
            oid, typmod = datatype_ref(dtype)
            s.conn.execute(
                "UPDATE main._aurora_columns SET type_oid=?, typmod=? WHERE table_name=? "
                "AND column_name=?",
                (oid, typmod, table, col),
            )
            return
        default = action.args.get("default")
        if default is not None or action.args.get("drop"):
            s.conn.execute(
                "UPDATE main._aurora_columns SET default_expr=? WHERE table_name=? "
                "AND column_name=?",
                (default.sql("postgres") if default is not None else None, table, col),
            )
            return
        raise SqlError("0A000", "this ALTER COLUMN form is not supported")
    raise SqlError("0A000", f"ALTER TABLE {action.key.upper()} is not supported")


def _add_column(s: Session, table: str, col: exp.ColumnDef) -> None:
    dtype = col.args.get("kind")
    oid, typmod = datatype_ref(dtype) if isinstance(dtype, exp.DataType) else (types.TEXT, -1)
    if isinstance(dtype, exp.DataType) and dtype.this in _SERIALS:
        raise SqlError("0A000", "adding a SERIAL column to an existing table is not supported")
    t = types.BY_OID.get(oid)
    col.set("kind", exp.DataType.build(t.affinity if t else "TEXT"))
    default_pg = None
    for cons in col.args.get("constraints") or []:
        k = cons.args.get("kind")
        if isinstance(k, exp.DefaultColumnConstraint):
            default_pg = k.this.sql("postgres")
            if isinstance(k.this, exp.Boolean):
                k.set("this", exp.Literal.number(int(k.this.this)))
    pos = s.conn.execute("SELECT count(*) FROM pragma_table_info(?)", (table,)).fetchall()[0][0] + 1
    s.conn.execute(f"ALTER TABLE {_q(table)} ADD COLUMN {generate(col)}")
    s.conn.execute(
        "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
        "type_oid, typmod, default_expr) VALUES (?,?,?,?,?,?)",
        (table, col.name, pos, oid, typmod, default_pg),
    )


def _add_primary_key(s: Session, table: str, cols: list[str]) -> None:
    info = s.conn.execute("SELECT * FROM pragma_table_info(?)", (table,)).fetchall()
    if any(r[5] for r in info):
        raise SqlError("42P16", f'multiple primary keys for table "{table}" are not allowed')
    names = {r[1].lower(): r[1] for r in info}
    for c in cols:
        if c.lower() not in names:
            raise SqlError("42703", f'column "{c}" of relation "{table}" does not exist')
    where = " OR ".join(f"{_q(c)} IS NULL" for c in cols)
    if s.conn.execute(f"SELECT 1 FROM {_q(table)} WHERE {where} LIMIT 1").fetchall():
        raise SqlError("23502", f'column "{cols[0]}" of relation "{table}" contains null values')
    create_sql = s.conn.execute(
        "SELECT sql FROM main.sqlite_schema WHERE type='table' AND name=?", (table,)
    ).fetchall()[0][0]
    index_sqls = [
        r[0]
        for r in s.conn.execute(
            "SELECT sql FROM main.sqlite_schema WHERE type='index' AND tbl_name=? AND sql IS NOT NULL",
            (table,),
        ).fetchall()
    ]
    body_end = create_sql.rstrip().rfind(")")
    tmp = f"_aurora_rebuild_{table}"
    head = re.sub(
        r'^\s*CREATE\s+TABLE\s+(?:"[^"]+"|\S+?)\s*\(',
        f"CREATE TABLE {_q(tmp)} (",
        create_sql,
        count=1,
        flags=re.I,
    )
    body_end = head.rstrip().rfind(")")
    new_sql = (
        head[:body_end] + f", PRIMARY KEY ({', '.join(_q(c) for c in cols)})" + head[body_end:]
    )
    s.conn.execute(new_sql)
    try:
        s.conn.execute(f"INSERT INTO {_q(tmp)} SELECT * FROM {_q(table)}")
    except Exception as e:
        if "UNIQUE" in str(e) or "PRIMARY" in str(e):
            raise SqlError(
                "23505",
                f'could not create unique index "{table}_pkey"',
                detail=f"Key ({', '.join(cols)}) is duplicated.",
            ) from None
        raise
    s.conn.execute(f"DROP TABLE {_q(table)}")
    s.conn.execute(f"ALTER TABLE {_q(tmp)} RENAME TO {_q(table)}")
    for isql in index_sqls:
        s.conn.execute(isql)


_ALTER_SEQ = re.compile(r"\s*alter\s+sequence\s+(?:if\s+exists\s+)?(\S+)\s+(.*)$", re.I | re.S)


def _alter_sequence(s: Session, sql: str) -> StatementResult:
    m = _ALTER_SEQ.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in ALTER SEQUENCE")
    name = m.group(1).split(".")[-1].strip('"')
    rest = m.group(2)
    r = re.search(r"restart(?:\s+with)?\s+(-?\d+)", rest, re.I)
    if r:
        s.sequences.setval(name, int(r.group(1)), False)
    elif re.search(r"\brestart\b", rest, re.I):
        s.sequences.restart(name)
    inc = re.search(r"increment(?:\s+by)?\s+(-?\d+)", rest, re.I)
    if inc:
        s.conn.execute(
            "UPDATE main._aurora_sequences SET increment=? WHERE name=?",
            (int(inc.group(1)), name.lower()),
        )
    return StatementResult("ALTER SEQUENCE")
