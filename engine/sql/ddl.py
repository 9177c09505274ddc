"""DDL: PostgreSQL CREATE / ALTER / DROP / TRUNCATE carried out on SQLite, with the catalog.

Every statement here runs inside a SAVEPOINT so the SQLite DDL, the rows of
``_aurora_columns`` and any sequence change commit or fail together.

ALTER TABLE ... ADD PRIMARY KEY rebuilds the table (SQLite cannot add a key to an existing
table): create a copy with the key, copy the rows (a duplicate raises 23505, a NULL 23502),
drop the original, rename, re-create its indexes. A single integer key becomes SQLite's
rowid alias, the fastest lookup it has. UNIQUE constraints are named unique indexes
recorded in ``_aurora_constraints``; foreign keys are triggers (:mod:`fkeys`); the other
ALTER TABLE forms edit the table's SQLite text in place (:mod:`tabledef`) once the rows
were checked against the new rule.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql import (
    composite,
    enums,
    fkeys,
    inherits,
    partitions,
    schemas,
    tabledef,
    types,
)
from aurora.engine.sql.functions import viewdef_comment
from aurora.engine.sql.infer import datatype_ref, infer_select
from aurora.engine.sql.numeric_rewrite import stored_literal
from aurora.engine.sql.tabledef import quote as _q
from aurora.engine.sql.translate import (
    Rewriter,
    bit_width,
    datetime_write,
    generate,
    parse,
    to_sqlite,
)
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

# PostgreSQL's collations that order by bytes, as SQLite's BINARY does
_BYTE_ORDER = ("c", "posix", "default", "ucs_basic")
_BPCHAR_OID = 1042
# char(n) compares, sorts, groups and keys without its trailing spaces, as PostgreSQL's
# bpchar does: SQLite's RTRIM collation on the column (so its indexes keep working)
_BPCHAR_COLLATION = exp.ColumnConstraint(kind=exp.CollateColumnConstraint(this=exp.Var(this="RTRIM")))

_SERIALS = {
    exp.DataType.Type.SERIAL: 23,
    exp.DataType.Type.BIGSERIAL: 20,
    exp.DataType.Type.SMALLSERIAL: 21,
}


def _exists(s: Session, name: str, kind: str | None = None) -> bool:
    sql = "SELECT 1 FROM main.sqlite_schema WHERE lower(name)=lower(?)"
    args: tuple = (name,)
    if kind:
        sql += " AND type=?"
        args = (name, kind)
    return bool(s.conn.execute(sql, args).fetchall())


_CHECK_OPTION = re.compile(r"\s+with\s+(?:(cascaded|local)\s+)?check\s+option\s*;?\s*$", re.I)


def create(s: Session, sql: str) -> StatementResult:
    check = None
    m = _CHECK_OPTION.search(sql)
    if m and re.match(r"\s*create\s+(or\s+replace\s+)?((temp|temporary|recursive)\s+)*view\b",
                      sql, re.I):
        check = (m.group(1) or "cascaded").lower()
        sql = sql[: m.start()]
    tree = parse(recursive_view(_ctas_columns(sql)))
    if check is not None:
        tree.meta["check_option"] = check
    kind = str(tree.args.get("kind") or "").upper()
    if kind == "INDEX":
        _index_in_schema(tree)
    schemas.qualify_tables(tree, s.conn)
    if kind == "TABLE":
        return _create_table(s, tree)
    if kind == "INDEX":
        return _create_index(s, tree)
    if kind == "SEQUENCE":
        return _create_sequence(s, tree, sql)
    if kind == "VIEW":
        return _create_view(s, tree)
    raise SqlError("0A000", f"CREATE {kind or '...'} is not supported")


_CTAS_COLUMNS = re.compile(
    r'(\s*create\s+table\s+(?:if\s+not\s+exists\s+)?(?:"(?:[^"]|"")+"|[\w$.]+)\s*)'
    r'\(((?:\s*(?:"(?:[^"]|"")+"|[\w$]+)\s*,)*\s*(?:"(?:[^"]|"")+"|[\w$]+)\s*)\)\s*as\s+(.*?);?\s*$',
    re.I | re.S)


def _ctas_columns(sql: str) -> str:
    """CREATE TABLE t (a, b) AS query: the query's columns renamed by a FROM alias list."""
    m = _CTAS_COLUMNS.match(sql)
    if not m:
        return sql
    return f"{m.group(1)} AS SELECT * FROM ({m.group(3)}) AS _aurora_ctas({m.group(2)})"


class SelectInto(Exception):
    """A SELECT ... INTO table, which is CREATE TABLE ... AS (:func:`select_into`)."""


def select_into(sql: str) -> str:
    """SELECT ... INTO [TEMP | UNLOGGED] [TABLE] t ... as the CREATE TABLE t AS it means."""
    tree = parse(sql)
    into = tree.args["into"]
    tree.set("into", None)
    kind = "TEMP " if into.args.get("temporary") else ""
    return f"CREATE {kind}TABLE {into.this.sql('postgres')} AS {tree.sql('postgres')}"


def _serial_alias(dtype: object) -> int | None:
    """The integer type of a serial column spelled serial2, serial4 or serial8."""
    if not isinstance(dtype, exp.DataType) or dtype.this != exp.DataType.Type.USERDEFINED:
        return None
    kind = dtype.args.get("kind")
    name = kind.name.lower() if isinstance(kind, exp.Identifier) else ""
    return types.SERIAL_NAMES.get(name) if name in ("serial2", "serial4", "serial8") else None


def _create_table(s: Session, tree: exp.Expression) -> StatementResult:
    if tree.find(exp.PartitionedOfProperty) is not None:
        with s.atomic():
            partitions.create_partition(s, tree)
        return StatementResult("CREATE TABLE")
    schema = tree.this
    if not isinstance(schema, exp.Schema):
        return _create_table_as(s, tree)
    table = schema.this.name
    schema.this.set("db", None)
    if _exists(s, table):
        if tree.args.get("exists"):
            return StatementResult("CREATE TABLE")
        raise SqlError("42P07", f'relation "{table}" already exists')
    if (inherit := tree.find(exp.InheritsProperty)) is not None:
        _inherit_columns(s, schema, inherit)
    if any(isinstance(c, exp.LikeProperty) for c in schema.expressions):
        _like_columns(s, schema)
    table_pk: list[str] = []
    pk_name: str | None = None
    for c in schema.expressions:
        name, inner = _unwrap(c)
        if isinstance(inner, exp.PrimaryKey):
            table_pk = [x.name for x in inner.expressions]
            pk_name = name
    pk_columns = {c.lower() for c in table_pk}
    declared = {c.name.lower() for c in schema.expressions if isinstance(c, exp.ColumnDef)}
    for c in schema.expressions:
        key = _unwrap(c)[1]
        if isinstance(key, exp.UniqueColumnConstraint) and isinstance(key.this, exp.Schema):
            key = key.this
        elif not isinstance(key, exp.PrimaryKey):
            continue
        for col in key.expressions:
            if col.name.lower() not in declared:
                raise SqlError("42703", f'column "{col.name}" named in key does not exist')
    rows = []
    rowid_start: int | None = None
    sequences: list[tuple[str, dict[str, int]]] = []
    rw = Rewriter(s.catalog)
    later = _Later(table)
    position = 0
    table_items: list[exp.Expression] = []
    for item in list(schema.expressions):
        if not isinstance(item, exp.ColumnDef):
            if item.parent is None:
                continue  # a PRIMARY KEY (col) moved onto its column
            for sub in item.find_all(exp.Expression):
                if isinstance(sub, exp.Ordered):
                    sub.replace(sub.this)
            kept = later.table_constraint(item, rw)
            if kept is not None:
                table_items.append(kept)
            continue
        col = item
        position += 1
        name = col.name
        dtype = col.args.get("kind")
        serial = False
        spelled = _serial_alias(dtype)
        if isinstance(dtype, exp.DataType) and dtype.this in _SERIALS:
            oid, typmod = _SERIALS[dtype.this], -1
            serial = True
        elif spelled is not None:  # serial2 / serial4 / serial8, which sqlglot does not know
            oid, typmod = spelled, -1
            serial = True
            col.set("kind", exp.DataType.build(types.BY_OID[oid].name))
        elif isinstance(dtype, exp.DataType):
            # a domain column: its base type, with its NOT NULL and CHECK on the column
            dtype = composite.column_type(s.conn, col, dtype)
            oid, typmod = datatype_ref(dtype)
            if oid == 1042 and typmod < 0 and dtype.this == exp.DataType.Type.CHAR:
                typmod = 5  # a char column without a length is char(1)
        else:
            oid, typmod = types.TEXT, -1
        identity = ""
        seq_opts: dict[str, int] = {}
        is_pk = table_pk == [name]
        default_pg: str | None = None
        for cons in list(col.args.get("constraints") or []):
            k = cons.args.get("kind")
            if isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
                identity = "a" if k.this else "d"
                for opt in ("start", "increment"):  # GENERATED ... AS IDENTITY (START WITH 44)
                    if k.args.get(opt) is not None:
                        seq_opts[opt] = int(k.args[opt].sql("postgres").replace(" ", ""))
                cons.pop()
            elif isinstance(k, exp.PrimaryKeyColumnConstraint):
                is_pk = True
                pk_name = cons.name or pk_name
            elif isinstance(k, exp.Reference):
                later.fks.append((cons.name or None, [name], k, None))
                cons.pop()
            elif isinstance(k, exp.UniqueColumnConstraint):
                later.uniques.append((cons.name or None, [name]))
                cons.pop()
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
                    k.set("this", stored_literal(k.this.this))
                elif isinstance(k.this, exp.CurrentTimestamp) and oid in (1114, 1184):
                    # now() to the microsecond, the statement's (SQLite's CURRENT_TIMESTAMP
                    # has whole seconds), in the column's storage form
                    k.set("this", exp.Paren(this=datetime_write(
                        exp.Anonymous(this="pg_now", expressions=[]), oid, typmod, False)))
            elif isinstance(k, exp.CollateColumnConstraint) and k.name.lower() in _BYTE_ORDER:
                cons.pop()  # SQLite's BINARY, the order every comparison here already has
            elif isinstance(k, exp.CheckColumnConstraint):
                cname = cons.name or later.check_name(k.this, [name])
                later.taken.add(cname.lower())
                k.set("this", rw.walk(k.this))
                cons.set("this", exp.to_identifier(cname, quoted=True))
        if serial or identity:
            seq = f"{table}_{name}_seq".lower()
            default_pg = f"nextval('{seq}'::regclass)" if serial else None
            if is_pk and oid in (20, 23, 21):
                # a rowid alias assigns ids itself; AUTOINCREMENT makes it never give an id
                # again, even the largest after it was deleted (a sequence never goes back)
                _autoincrement(col, schema, table_pk == [name])
                if seq_opts.get("start", 1) != 1:  # IDENTITY (START WITH n): the counter's
                    rowid_start = seq_opts["start"]   # next id is n
            else:
                sequences.append((seq, dict(seq_opts)))
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
        if (is_pk or name.lower() in pk_columns) and not any(
            isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
            for c in col.args.get("constraints") or []
        ):
            # a key column is NOT NULL in PostgreSQL; SQLite would take NULL in one
            col.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        t = types.BY_OID.get(oid)
        affinity = t.affinity if t else "TEXT"
        col.set("kind", exp.DataType.build(affinity))
        for check in _domain_checks(name, oid, typmod, dtype):
            col.append("constraints", check)
        if oid == _BPCHAR_OID and not any(
                isinstance(c.args.get("kind"), exp.CollateColumnConstraint)
                for c in col.args.get("constraints") or []):
            col.append("constraints", _BPCHAR_COLLATION.copy())
        rows.append((table, name, position, oid, typmod, default_pg, identity))
    # SQLite wants every column before the table constraints; PostgreSQL takes any order.
    schema.set(
        "expressions", [e for e in schema.expressions if isinstance(e, exp.ColumnDef)] + table_items
    )
    partition_by = partitions.partition_by(tree)
    tree.set("properties", None)
    ddl = generate(tree)
    with s.atomic():
        s.conn.execute(ddl)
        if rowid_start is not None:
            s.sequences.set_rowid_counter(table, rowid_start - 1)

        s.conn.executemany(
            "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
            "type_oid, typmod, default_expr, identity) VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        for seq, opts in sequences:
            s.sequences.create(
                seq, start=opts.get("start"), increment=opts.get("increment", 1),
                owned_by=table.lower(), if_not_exists=True,
            )
        if pk_name:
            _record_constraint(s, table, pk_name, "p", None)
        for cname, cols in later.uniques:
            _add_unique(s, table, cname, cols)
        for cname, cols, ref, node in later.fks:
            _add_foreign_key(s, table, cname, cols, ref, node)
        if later.fks:
            fkeys.refresh_triggers(s.conn, table)
        if partition_by is not None:
            s.catalog.refresh(force=True)
            partitions.created_partitioned(s, table, partition_by)
        if inherit is not None:
            inherits.record(s, table, [p.name for p in inherit.expressions])
    return StatementResult("CREATE TABLE")


def _inherit_columns(s: Session, schema: exp.Schema, parents: exp.InheritsProperty) -> None:
    """INHERITS (parent): the parent's columns come first, as in PostgreSQL (a query of the
    parent reads the child's rows: :mod:`inherits`)."""
    own = {c.name.lower() for c in schema.expressions if isinstance(c, exp.ColumnDef)}
    inherited: list[exp.Expression] = []
    for parent in parents.expressions:
        cols = s.catalog.table_columns(parent.name)
        if cols is None:
            raise SqlError("42P01", f'relation "{parent.name}" does not exist')
        for c in cols:
            if c.name.lower() in own:
                continue
            own.add(c.name.lower())
            kind = exp.DataType.build(types.format_type(c.type_oid, c.typmod) or "text",
                                      dialect="postgres")
            inherited.append(exp.ColumnDef(this=exp.to_identifier(c.name), kind=kind))
    schema.set("expressions", inherited + list(schema.expressions))


def _like_columns(s: Session, schema: exp.Schema) -> None:
    """``LIKE source [INCLUDING DEFAULTS | ALL]``: the source's columns, types and NOT NULL
    constraints in its place (and its defaults when asked for), as in PostgreSQL."""
    items: list[exp.Expression] = []
    for item in schema.expressions:
        if not isinstance(item, exp.LikeProperty):
            items.append(item)
            continue
        source = item.this.name
        cols = s.catalog.table_columns(source)
        if cols is None:
            raise SqlError("42P01", f'relation "{source}" does not exist')
        options = {}
        for opt in item.expressions:
            what = opt.args.get("value")
            if what is not None:
                options[what.name.upper()] = str(opt.this).upper() == "INCLUDING"
        defaults = options.get("DEFAULTS", options.get("ALL", False))
        for c in cols:
            kind = exp.DataType.build(types.format_type(c.type_oid, c.typmod) or "text",
                                      dialect="postgres")
            cons = []
            if c.not_null or c.pk:
                cons.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
            if defaults and c.default_expr and "nextval(" not in c.default_expr.lower():
                value = parse(f"SELECT {c.default_expr}").expressions[0]
                cons.append(exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=value)))
            items.append(exp.ColumnDef(this=exp.to_identifier(c.name), kind=kind,
                                       constraints=cons))
    schema.set("expressions", items)


def _unwrap(item: exp.Expression) -> tuple[str | None, exp.Expression]:
    """A table constraint's name (None when it has none) and the constraint itself."""
    if isinstance(item, exp.Constraint):
        return item.name or None, item.expressions[0] if item.expressions else item
    return None, item


class _Later:
    """What CREATE TABLE sets up once the table exists (unique constraints become named
    indexes, foreign keys become triggers), and the constraint names already taken."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.uniques: list[tuple[str | None, list[str]]] = []
        self.fks: list[tuple[str | None, list[str], exp.Expression, exp.Expression | None]] = []
        self.taken: set[str] = set()

    def check_name(self, expr: exp.Expression, cols: list[str] | None = None) -> str:
        refs = cols or sorted({c.name for c in expr.find_all(exp.Column)})
        return choose_name(self.table, refs if len(refs) == 1 else [], "check", self.taken)

    def table_constraint(self, item: exp.Expression, rw: Rewriter) -> exp.Expression | None:
        """Take a table-level constraint: unique and foreign keys leave the SQLite text (None),
        checks are named as PostgreSQL names them; return what the SQLite text keeps."""
        name, inner = _unwrap(item)
        if isinstance(inner, exp.UniqueColumnConstraint):
            sch = inner.this
            cols = [x.name for x in (sch.expressions if isinstance(sch, exp.Schema) else [])]
            self.uniques.append((name, cols))
            return None
        if isinstance(inner, exp.ForeignKey):
            cols = [x.name for x in inner.expressions]
            self.fks.append((name, cols, inner.args.get("reference"), inner))
            return None
        if isinstance(inner, exp.CheckColumnConstraint):
            cname = name or self.check_name(inner.this)
            self.taken.add(cname.lower())
            inner.set("this", rw.walk(inner.this))
            return exp.Constraint(this=exp.to_identifier(cname, quoted=True), expressions=[inner])
        return item


def _autoincrement(col: exp.ColumnDef, schema: exp.Schema, table_level: bool) -> None:
    """Make the rowid-alias key ``col`` ``PRIMARY KEY AUTOINCREMENT``: SQLite takes the
    keyword only right after a column's own PRIMARY KEY, so a table-level ``PRIMARY KEY (col)``
    moves onto the column (with its name)."""
    constraints = list(col.args.get("constraints") or [])
    at = next((i for i, c in enumerate(constraints)
               if isinstance(c.args.get("kind"), exp.PrimaryKeyColumnConstraint)), None)
    if at is None:
        if not table_level:
            return
        item = next(c for c in schema.expressions if isinstance(_unwrap(c)[1], exp.PrimaryKey))
        name = _unwrap(item)[0]
        item.pop()
        constraints.insert(0, exp.ColumnConstraint(
            this=exp.to_identifier(name, quoted=True) if name else None,
            kind=exp.PrimaryKeyColumnConstraint()))
        at = 0
    constraints.insert(at + 1, exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint()))
    col.set("constraints", constraints)


def choose_name(table: str, cols: list[str], suffix: str, taken: set[str] | None = None) -> str:
    """PostgreSQL's name for an unnamed constraint: table, columns, suffix, then a number
    when that name is taken (``t_a_check``, ``t_check1``, ``t_a_b_key``, ``t_pid_fkey``)."""
    base = "_".join([table.rpartition(".")[2] if "." in table else table, *cols, suffix])[:63]
    taken = taken or set()
    name, n = base, 0
    while name.lower() in taken:
        n += 1
        name = f"{base}{n}"
    return name


def _constraint_names(s: Session, table: str) -> set[str]:
    """Names of the constraints a table has (a new one may not reuse them)."""
    names = {
        r[0].lower()
        for r in s.conn.execute(
            "SELECT name FROM main._aurora_constraints WHERE lower(table_name)=lower(?)", (table,)
        )
    }
    names.update((n or "").lower() for n, _e, _c in tabledef.TableText(s.conn, table).checks())
    names.add(f"{table}_pkey".lower())
    return names


def _record_constraint(
    s: Session, table: str, name: str, kind: str, index_name: str | None
) -> None:
    s.conn.execute(
        "INSERT OR REPLACE INTO main._aurora_constraints VALUES (?,?,?,?,?)",
        (table, name, kind, None, index_name),
    )
    tabledef.touch_schema(s.conn)


def _add_unique(s: Session, table: str, name: str | None, cols: list[str]) -> None:
    name = name or choose_name(table, cols, "key", _constraint_names(s, table))
    # The index lives in the table's schema (schemas.py): "x.name" for a table "x.t".
    index = f"{table.rpartition('.')[0]}.{name}" if "." in table else name
    if _exists(s, index):
        raise SqlError("42P07", f'relation "{name}" already exists')
    s.conn.execute(
        f"CREATE UNIQUE INDEX {_q(index)} ON {_q(table)} ({', '.join(_q(c) for c in cols)})"
    )
    _record_constraint(s, table, name, "u", index)


_REFERENCE_OPTION = re.compile(
    r"^on\s+(delete|update)\s+(no\s+action|restrict|cascade|set\s+null|set\s+default)", re.I
)


def _add_foreign_key(
    s: Session,
    table: str,
    name: str | None,
    cols: list[str],
    ref: exp.Expression,
    node: exp.Expression | None,
    validate: bool = True,
) -> None:
    """A FOREIGN KEY (or REFERENCES) constraint from its sqlglot nodes."""
    target = ref.this
    if isinstance(target, exp.Schema):
        ref_table = target.this.name
        ref_cols = [x.name for x in target.expressions]
    else:
        ref_table, ref_cols = target.name, []
    actions = {"delete": "NO ACTION", "update": "NO ACTION"}
    deferrable = initially_deferred = False
    options = [str(o) for o in ref.args.get("options") or []]
    if node is not None:
        options += [str(o) for o in node.args.get("options") or []]
        for event in ("delete", "update"):
            if node.args.get(event):
                options.append(f"ON {event} {node.args[event]}")
    for option in options:
        low = " ".join(option.lower().split())
        if m := _REFERENCE_OPTION.match(low):
            actions[m.group(1)] = " ".join(m.group(2).upper().split())
        elif low == "deferrable":
            deferrable = True
        elif low == "not deferrable":
            deferrable = False
        elif low == "initially deferred":
            initially_deferred = deferrable = True
        elif low.startswith("match") and low != "match simple":
            raise SqlError("0A000", f"foreign keys with {option.upper()} are not supported")
    real_ref, cols_t, refs_t = fkeys.resolve(s.conn, table, cols, ref_table, ref_cols)
    name = name or choose_name(table, list(cols_t), "fkey", _constraint_names(s, table))
    fk = fkeys.ForeignKey(
        name,
        table,
        cols_t,
        real_ref,
        refs_t,
        on_delete=actions["delete"],
        on_update=actions["update"],
        deferrable=deferrable,
        initially_deferred=initially_deferred,
    )
    fkeys.add(s.conn, fk, validate=validate)


# Ranges SQLite does not enforce but PostgreSQL's types do. The constraint names carry what
# the error mapping needs (errors.py): "_aurora_range_int4" → 22003 "integer out of range",
# "_aurora_len_20" → 22001 "value too long for type character varying(20)".
_INT_RANGES = {21: ("int2", -32768, 32767), 23: ("int4", -2147483648, 2147483647)}
_INT_NAMES = {20: "bigint", 21: "smallint", 23: "integer"}


def _domain_checks(column: str, oid: int, typmod: int,
                   dtype: exp.Expression | None = None) -> list[exp.ColumnConstraint]:
    ref = exp.column(column, quoted=True)
    checks: list[tuple[str, exp.Expression]] = []
    bits = bit_width(dtype) if dtype is not None else None
    if bits is not None:
        # bit(n) / varbit(n), held as text: bit_in's digits and the type's length, refused
        # with PostgreSQL's own errors (22P02, 22026, 22001) by the function the check calls
        n, varying = bits
        checks.append(("_aurora_bits", exp.Anonymous(this="pg_bit_check", expressions=[
            ref.copy(), exp.Literal.number(n), exp.Literal.number(int(varying))])))
        oid = -1  # no varchar length check besides
    if oid in (20, 21, 23):
        # '34.5' or 'abc' stays REAL or TEXT under INTEGER affinity: no integer's input.
        # (Checked before the range, which text would fail too: 22P02, not 22003.)
        checks.append((f"_aurora_int_{_INT_NAMES[oid]}", exp.In(
            this=exp.Anonymous(this="typeof", expressions=[ref.copy()]),
            expressions=[exp.Literal.string("integer"), exp.Literal.string("null")])))
    if oid in _INT_RANGES:
        kind, low, high = _INT_RANGES[oid]
        checks.append((f"_aurora_range_{kind}", exp.Between(
            this=ref, low=exp.Literal.number(low), high=exp.Literal.number(high))))
    if oid in (700, 701):
        # '' or 'abc' stays TEXT under REAL affinity: no float's input (NaN and the
        # infinities are kept as their text).
        checks.append((f"_aurora_float_{'real' if oid == 700 else 'double'}", exp.or_(
            exp.In(this=exp.Anonymous(this="typeof", expressions=[ref.copy()]),
                   expressions=[exp.Literal.string(k) for k in ("real", "integer", "null")]),
            exp.In(this=exp.Anonymous(this="lower", expressions=[exp.Trim(this=ref.copy())]),
                   expressions=[exp.Literal.string(k) for k in (
                       "nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf")]))))
    if oid == 700:  # real: what single precision holds (and its infinities)
        checks.append(("_aurora_range_float4", exp.or_(
            exp.LTE(this=exp.Abs(this=ref), expression=exp.Literal.number("3.4028234663852886e38")),
            exp.EQ(this=exp.Abs(this=ref), expression=exp.Literal.number("9e999")))))
        # ... and not a non-zero double that single precision rounds to zero (underflow)
        checks.append(("_aurora_underflow_float4", exp.or_(
            exp.NEQ(this=exp.Anonymous(this="typeof", expressions=[ref.copy()]),
                    expression=exp.Literal.string("real")),
            exp.EQ(this=ref.copy(), expression=exp.Literal.number(0)),
            exp.GT(this=exp.Abs(this=ref.copy()),
                   expression=exp.Literal.number("7.006492321624085e-46")))))
    elif oid in (1042, 1043) and typmod > 4:
        n = typmod - 4
        # Trailing spaces past n are cut, not refused, as PostgreSQL does (types.py's decoder).
        trimmed = exp.Anonymous(this="rtrim", expressions=[ref.copy(), exp.Literal.string(" ")])
        checks.append((f"_aurora_len_{n}_{'bpchar' if oid == 1042 else 'varchar'}", exp.LTE(
            this=exp.Length(this=trimmed), expression=exp.Literal.number(n))))
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


def _index_in_schema(tree: exp.Expression) -> None:
    """An index lives in its table's schema: ``CREATE INDEX i ON x.t`` makes ``x.i``."""
    index = tree.this
    table = index.args.get("table") if isinstance(index, exp.Index) else None
    if table is None or not table.db or table.db.lower() in schemas.BUILT_IN or not index.name:
        return
    ident = index.this
    name = ident.this if getattr(ident, "quoted", False) else index.name.lower()
    schema = table.args["db"].this if table.args["db"].quoted else table.db.lower()
    index.set("this", exp.to_identifier(schemas.stored(schema, name), quoted=True))


def _create_index(s: Session, tree: exp.Expression) -> StatementResult:
    tree.set("concurrently", False)
    index = tree.this
    params = index.args.get("params")
    if params is not None:
        params.set("using", None)
        params.set("include", None)
        _index_expressions(s, params)
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


_NAME = r'("(?:[^"]|"")*"|[\w$.]+)'
_ALTER_INDEX_RENAME = re.compile(
    rf"\s*alter\s+index\s+(if\s+exists\s+)?{_NAME}\s+rename\s+to\s+{_NAME}\s*;?\s*$", re.I
)
_ALTER_INDEX_STORAGE = re.compile(
    r"\s*alter\s+index\s+.*\s(set|reset)\s*(\(|tablespace\b)", re.I | re.S
)


def _alter_index(s: Session, sql: str) -> StatementResult:
    """ALTER INDEX ... RENAME TO (Django's RenameIndex): SQLite cannot rename an index, so it
    is dropped and created again from its stored statement under the new name. Storage
    parameters and tablespaces (SET / RESET) mean nothing here and are accepted."""
    m = _ALTER_INDEX_RENAME.match(sql)
    if m is None:
        if _ALTER_INDEX_STORAGE.match(sql):
            return StatementResult("ALTER INDEX")
        raise SqlError("0A000", "this ALTER INDEX form is not supported")
    old = schemas.stored_name(s.conn, m.group(2))
    new = schemas.stored(schemas.split_qualified(m.group(2))[0], _unquote_name(m.group(3)))
    rows = s.conn.execute(
        "SELECT name, sql FROM main.sqlite_schema WHERE type='index' AND lower(name)=lower(?)",
        (old,),
    ).fetchall()
    if not rows or rows[0][1] is None:
        if m.group(1):
            return StatementResult("ALTER INDEX")
        raise SqlError("42P01", f'relation "{old}" does not exist')
    if _exists(s, new):
        raise SqlError("42P07", f'relation "{new}" already exists')
    name, create = rows[0]
    create = re.sub(
        r'^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?)("(?:[^"]|"")*"|\S+?)(?=\s|\()',
        lambda x: x.group(1) + _q(new),
        create,
        count=1,
        flags=re.I,
    )
    with s.atomic():
        s.conn.execute(f"DROP INDEX main.{_q(name)}")
        s.conn.execute(create)
        # A constraint's index: PostgreSQL renames the constraint with it.
        s.conn.execute(
            "UPDATE main._aurora_constraints SET name=? WHERE name=? AND index_name=?",
            (new, name, name),
        )
        s.conn.execute(
            "UPDATE main._aurora_constraints SET index_name=? WHERE index_name=?", (new, name)
        )
    return StatementResult("ALTER INDEX")


def _index_expressions(s: Session, params: exp.Expression) -> None:
    """Index keys and a partial index's WHERE in SQLite's terms: an operator class
    (``varchar_pattern_ops``, Django's LIKE index) only serves PostgreSQL's planner, so the
    key is the bare column; an expression key (``UPPER("name")``) goes through the query rules."""
    for key in params.args.get("columns") or []:
        target = key.this if isinstance(key, exp.Ordered) else key
        if isinstance(target, exp.Opclass):
            target = target.replace(target.this)
        if not isinstance(target, exp.Column):
            target.replace(Rewriter(s.catalog).walk(target))
    where = params.args.get("where")
    if where is not None:
        where.set("this", Rewriter(s.catalog).walk(where.this))


_RECURSIVE_VIEW = re.compile(
    r"\s*create\s+(or\s+replace\s+)?((?:temp|temporary)\s+)?recursive\s+view\s+"
    r"(\"[^\"]+\"|[\w.]+)\s*\(([^)]*)\)\s+as\s+(.*?);?\s*$",
    re.I | re.S,
)
_VIEW_OPTIONS = ("security_barrier", "security_invoker")


def recursive_view(sql: str) -> str:
    """``CREATE RECURSIVE VIEW v (cols) AS q`` is, by PostgreSQL's definition,
    ``CREATE VIEW v AS WITH RECURSIVE v (cols) AS (q) SELECT cols FROM v``."""
    m = _RECURSIVE_VIEW.match(sql)
    if m is None:
        return sql
    replace, temp, name, cols, query = m.groups()
    return (
        f"CREATE {replace or ''}{temp or ''}VIEW {name} AS WITH RECURSIVE {name} ({cols}) AS "
        f"({query}) SELECT {cols} FROM {name}"
    )


def _view_options(tree: exp.Expression) -> None:
    """Check ``WITH (security_barrier=..., ...)`` as PostgreSQL does (22023). TEMP is taken
    as CREATE TEMP TABLE is: the view is an ordinary one."""
    for prop in (tree.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if type(prop) is exp.Property:
            key = prop.name.lower()
            if key not in _VIEW_OPTIONS:
                raise SqlError("22023", f'unrecognized parameter "{key}"')
            value = prop.args.get("value")
            text = value.sql().strip("'").lower() if value is not None else "true"
            if text not in ("true", "false", "on", "off", "1", "0", "yes", "no", "t", "f"):
                raise SqlError("22023", f'invalid value for boolean option "{key}": {text}')


def _stars_expanded(query: exp.Expression, s: Session) -> exp.Expression:
    """The view's SELECT with ``*`` / ``t.*`` spelled out when it reads plain tables (no USING
    or NATURAL join), so that inference gives each column its declared type."""
    if not isinstance(query, exp.Select) or query.args.get("from_") is None:
        return query
    joins = query.args.get("joins") or []
    if any(j.args.get("using") or j.args.get("method") for j in joins):
        return query
    tables: list[tuple[str, list[str]]] = []
    for item in [query.args["from_"].this] + [j.this for j in joins]:
        if not isinstance(item, exp.Table) or item.args.get("db"):
            return query
        cols = s.catalog.table_columns(item.name)
        if cols is None:
            return query
        tables.append((item.alias_or_name, [c.name for c in cols]))
    out: list[exp.Expression] = []
    for e in query.expressions:
        if isinstance(e, exp.Star):
            out += [exp.column(c, a, quoted=True) for a, cs in tables for c in cs]
        elif isinstance(e, exp.Column) and isinstance(e.this, exp.Star):
            out += [exp.column(c, a, quoted=True) for a, cs in tables
                    if a.lower() == e.table.lower() for c in cs]
        else:
            out.append(e)
    query.set("expressions", out)
    return query


def _replaceable(view: str, old: list, names: list[str], cols: list | None) -> None:
    """CREATE OR REPLACE VIEW keeps the view's columns (names, types) and may only add
    columns at the end, as PostgreSQL requires (42P16)."""
    if len(names) < len(old):
        raise SqlError("42P16", "cannot drop columns from view")
    for i, info in enumerate(old):
        if names[i] != info.name:
            raise SqlError(
                "42P16", f'cannot change name of view column "{info.name}" to "{names[i]}"',
                hint="Use ALTER VIEW ... RENAME COLUMN ... to change name of view column "
                "instead.",
            )
        new = cols[i][1] if cols is not None else None
        if new is not None and (new[0], new[1]) != (info.type_oid, info.typmod):
            raise SqlError(
                "42P16",
                f'cannot change data type of view column "{info.name}" from '
                f"{types.format_type(info.type_oid, info.typmod)} to "
                f"{types.format_type(new[0], new[1])}",
            )


def _create_view(s: Session, tree: exp.Expression) -> StatementResult:
    target = tree.this
    given: list[str] = []
    if isinstance(target, exp.Schema):
        given = [c.name for c in target.expressions]
        target = target.this
    name = target.name
    _view_options(tree)
    definition = viewdef_comment(tree.expression.sql("postgres", pretty=True))
    if tree.meta.get("check_option"):  # WITH CHECK OPTION, enforced by dml.through_views
        definition += f" /*check_option={tree.meta['check_option']}*/"
    query = tree.expression.copy()
    sql, _ = to_sqlite(tree.expression, s.catalog)
    ctes = {c.alias_or_name.lower() for c in query.find_all(exp.CTE)}
    if not any(isinstance(t.this, exp.Identifier) and t.name.lower() not in ctes
               for t in query.find_all(exp.Table)):
        # A statement reading no table never checks the schema cookie, so SQLite would keep
        # running a cached SELECT of this view after it is replaced: reading sqlite_schema
        # makes every statement over the view check it.
        sql = f"SELECT * FROM ({sql}) WHERE EXISTS (SELECT 1 FROM main.sqlite_schema)"
    cols = infer_select(_stars_expanded(query, s), s.catalog)
    if _exists(s, name, "table") or _exists(s, name, "index"):
        if tree.args.get("replace"):
            raise SqlError("42809", f'"{name}" is not a view')
        raise SqlError("42P07", f'relation "{name}" already exists')
    if _exists(s, name, "view") and not tree.args.get("replace"):
        raise SqlError("42P07", f'relation "{name}" already exists')
    old = s.catalog.table_columns(name) if tree.args.get("replace") else None
    with s.atomic():
        if tree.args.get("replace"):
            s.conn.execute(f"DROP VIEW IF EXISTS {_q(name)}")
        s.conn.execute(f"CREATE VIEW {_q(name)} AS {definition} {sql}")
        # SQLite takes a view of a missing relation and fails on every later schema read:
        # PostgreSQL refuses it at once (42P01 from SQLite's "no such table").
        s.conn.execute(f"SELECT 1 FROM {_q(name)} LIMIT 0").fetchall()
        # The columns are named as PostgreSQL names them (SQLite would name `b::numeric`
        # after its translation): the names given, then the query's own for the rest.
        own = [r[0] for r in s.conn.execute(
            "SELECT name FROM pragma_table_info(?)", (name,)).fetchall()]
        if len(given) > len(own):
            raise SqlError("42601", "CREATE VIEW specifies more column names than columns")
        known = len(cols) == len(own)
        names = given + ([c[0] for c in cols] if known else own)[len(given):]
        for i, n in enumerate(names):
            if n in names[:i]:
                raise SqlError("42701", f'column "{n}" specified more than once')
        cols = list(zip(names, [t for _, t in cols] if known else [None] * len(own), strict=True))
        if names != own:
            s.conn.execute(f"DROP VIEW {_q(name)}")
            listed = ", ".join(_q(n) for n in names)
            s.conn.execute(f"CREATE VIEW {_q(name)}({listed}) AS {definition} {sql}")
        if old:
            _replaceable(name, old, names, cols if known else None)
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


def _sequence_owner(s: Session, col: exp.Column) -> str:
    """OWNED BY table.column: the table's name, after PostgreSQL's checks of it."""
    from aurora.engine.sql.pgcatalog import CATALOG_TABLES

    if not col.table:
        raise SqlError("42601", "invalid OWNED BY option",
                       hint="Specify OWNED BY table.column or OWNED BY NONE.")
    table = col.table
    if table.lower() in CATALOG_TABLES:
        raise SqlError("55000", "sequence must be in same schema as table it is linked to")
    cols = s.catalog.table_columns(table)
    if cols is None:
        if _exists(s, table, "index"):
            raise SqlError("42809", f'sequence cannot be owned by relation "{table}"')
        raise SqlError("42P01", f'relation "{table}" does not exist')
    if col.name.lower() not in {c.name.lower() for c in cols}:
        raise SqlError("42703", f'column "{col.name}" of relation "{table}" does not exist')
    return table.lower()


def _create_sequence(s: Session, tree: exp.Expression, sql: str) -> StatementResult:
    m = _CREATE_SEQ.match(sql)
    if m:
        _sequence_numbers_given(sql[m.end():])
    name = tree.this.name
    opts: dict[str, object] = {}
    for prop in (tree.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.SequenceProperties):
            for k in ("start", "increment", "minvalue", "maxvalue", "cache"):
                v = prop.args.get(k)
                if not isinstance(v, (exp.Expression, type(None))):  # CACHE with no number
                    raise SqlError("42601", f"syntax error: {k.upper()} takes a number")
                if v is not None:
                    opts[k] = int(v.sql("postgres").replace(" ", ""))
            words = [str(o.name).upper() for o in prop.args.get("options") or []]
            opts["cycle"] = bool(prop.args.get("cycle")) or "CYCLE" in words
            owner = prop.args.get("owned")
            if isinstance(owner, exp.Column):
                opts["owned_by"] = _sequence_owner(s, owner)
    dtype = tree.args.get("expression")
    s.sequences.create(
        name,
        start=opts.get("start"),  # type: ignore[arg-type]
        increment=int(opts.get("increment", 1)),  # type: ignore[call-overload]
        min_value=opts.get("minvalue"),  # type: ignore[arg-type]
        max_value=opts.get("maxvalue"),  # type: ignore[arg-type]
        cycle=bool(opts.get("cycle")),
        if_not_exists=bool(tree.args.get("exists")),
        data_type=dtype.sql("postgres").lower() if isinstance(dtype, exp.DataType) else None,
        cache=int(opts.get("cache", 1)),  # type: ignore[call-overload]
        owned_by=opts.get("owned_by"),  # type: ignore[arg-type]
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
    targets = []
    for n in names.split(","):
        try:
            targets.append(schemas.stored_name(s.conn, n))
        except SqlError:
            if not if_exists:
                raise  # DROP ... IF EXISTS of a relation in no schema: nothing to drop
    cascade = bool(m.group(4)) and "cascade" in m.group(4).lower()
    with s.atomic():
        gone: set[str] = set()
        if kind == "table":
            targets = inherits.drop_set(s, targets, cascade)
            _drop_foreign_keys(s, targets, cascade)
        for name in targets:
            if kind == "sequence":
                used = s.sequences.dependents(name) if not cascade else []
                if used:
                    table, column = used[0]
                    raise SqlError(
                        "2BP01",
                        f"cannot drop sequence {name.lower()} because other objects depend "
                        f"on it\nDETAIL:  default value for column {column} of table {table} "
                        f"depends on sequence {name.lower()}",
                        hint="Use DROP ... CASCADE to drop the dependent objects too.")
                s.sequences.drop(name, if_exists)
                continue
            sqlite_kind = {"table": "table", "index": "index", "view": "view"}[kind]
            if kind == "table" and name.lower() in gone:
                continue  # a partition of a table dropped before it in this statement
            if kind == "table" and (under := partitions.drop(s, name)):
                gone.update(under)
                if not _exists(s, name, "table"):
                    continue  # a partition: its view, its rows and the partitions under it
            if kind == "view" and (part := partitions.find(s.conn, name)) and part.parent:
                raise SqlError("42809", f'"{name}" is not a view',
                               hint="Use DROP TABLE to remove a table.")
            if not _exists(s, name, sqlite_kind):
                if if_exists:
                    continue
                what = "index" if kind == "index" else kind
                raise SqlError(
                    "42P01",
                    f'{what} "{name}" does not exist'
                    if kind != "table"
                    else f'table "{name}" does not exist',
                )
            if kind == "index":
                _refuse_constraint_index(s, name)
            was_broken = _broken_views(s) if kind in ("table", "view") else set()
            s.conn.execute(f"DROP {kind.upper()} main.{_q(name)}")  # temp.py: the temp one there
            if kind in ("table", "view"):
                s.conn.execute(
                    "DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?)", (name,)
                )
                s.conn.execute(
                    "DELETE FROM main._aurora_constraints WHERE lower(table_name)=lower(?)", (name,)
                )
                s.sequences.drop_owned(name)
                if kind == "table":
                    inherits.forget(s.conn, name)
                _drop_dependent_views(s, kind, name, cascade, was_broken)
    return StatementResult(f"DROP {kind.upper()}")


def _broken_views(s: Session) -> set[str]:
    """Views that no longer compile (a relation they read is gone)."""
    broken = set()
    for (view,) in s.conn.execute(
        "SELECT name FROM main.sqlite_schema WHERE type = 'view'"
    ).fetchall():
        try:
            s.conn.execute("SELECT 1 FROM pragma_table_xinfo(?)", (view,)).fetchall()
        except apsw.SQLError:
            broken.add(view)
    return broken


def _drop_dependent_views(
    s: Session, kind: str, name: str, cascade: bool, was_broken: set[str]
) -> None:
    """Views that read a dropped relation go with it under CASCADE; without it the DROP is
    refused (2BP01), as PostgreSQL's dependencies do. SQLite would keep a view that no
    longer compiles, and every later look at the schema would fail on it."""
    while True:
        broken = sorted(_broken_views(s) - was_broken)
        if not broken:
            return
        if not cascade:
            raise SqlError(
                "2BP01",
                f"cannot drop {kind} {name} because other objects depend on it",
                detail=f"view {broken[0]} depends on {kind} {name}",
                hint="Use DROP ... CASCADE to drop the dependent objects too.",
            )
        for view in broken:
            s.conn.execute(f"DROP VIEW {_q(view)}")
            s.conn.execute(
                "DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?)", (view,)
            )


def _drop_foreign_keys(s: Session, tables: list[str], cascade: bool) -> None:
    """Before DROP TABLE: the foreign keys of the tables go with them; one that another table
    has on them needs CASCADE (which drops that constraint, not the other table)."""
    dropping = {t.lower() for t in tables}
    for fk in fkeys.load(s.conn):
        if fk.table.lower() in dropping:
            fkeys.drop(s.conn, fk)
        elif fk.ref_table.lower() in dropping:
            if not cascade:
                raise SqlError(
                    "2BP01",
                    f"cannot drop table {fk.ref_table} because other objects depend on it",
                    detail=f"constraint {fk.name} on table {fk.table} depends on table "
                    f"{fk.ref_table}",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.",
                )
            fkeys.drop(s.conn, fk)


def _refuse_constraint_index(s: Session, index: str) -> None:
    rows = s.conn.execute(
        "SELECT name, table_name FROM main._aurora_constraints WHERE kind='u' AND "
        "lower(index_name)=lower(?)",
        (index,),
    ).fetchall()
    if rows:
        name, table = rows[0]
        raise SqlError(
            "2BP01",
            f"cannot drop index {index} because constraint {name} on table {table} requires it",
            hint=f"You can drop constraint {name} on table {table} instead.",
        )


_TRUNCATE = re.compile(
    r"\s*truncate\s+(?:table\s+)?(.*?)(\s+(?:restart|continue)\s+identity)?"
    r"(\s+(?:cascade|restrict))?\s*$",
    re.I | re.S,
)
_ONLY = re.compile(r"\s*only\s+(?=\S)", re.I)


def truncate(s: Session, sql: str) -> StatementResult:
    m = _TRUNCATE.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in TRUNCATE")
    only: set[str] = set()
    names = []
    for n in m.group(1).split(","):
        if (o := _ONLY.match(n)) is not None:
            n = n[o.end():]
        names.append(schemas.stored_name(s.conn, n))
        if o is not None:
            only.add(names[-1].lower())
    restart = bool(m.group(2)) and "restart" in m.group(2).lower()
    cascade = bool(m.group(3)) and "cascade" in m.group(3).lower()
    tree = partitions.load(s.conn)
    for name in names:
        if not _exists(s, name, "table") and name.lower() not in tree:
            raise SqlError("42P01", f'relation "{name}" does not exist')
        if name.lower() in only and (rel := tree.get(name.lower())) and rel.strategy:
            partitions.truncate(s, name, True)  # 42809
    names = inherits.truncate_set(s.conn, names, only)
    # Suspended checks (the MySQL edition's foreign_key_checks = 0) empty the tables named alone.
    suspended = s.fk.suspended
    if not suspended:
        names = _truncate_set(s, names, cascade)
    with s.atomic():
        # Every table that references one being emptied is emptied too: no row can be left
        # violating a foreign key, so the per-row checks are skipped.
        s.fk.suspended = True
        try:
            for name in names:
                if partitions.truncate(s, name, name.lower() in only):
                    continue
                s.conn.execute(f"DELETE FROM main.{_q(name)}")
                if restart:
                    for seq in s.sequences.owned_by(name):
                        s.sequences.restart(seq)
                    s.sequences.restart_rowid_counter(name)
        finally:
            s.fk.suspended = suspended
    return StatementResult("TRUNCATE TABLE")


def _truncate_set(s: Session, names: list[str], cascade: bool) -> list[str]:
    """The tables TRUNCATE empties: PostgreSQL refuses to empty a referenced table alone."""
    out = list(names)
    fks = fkeys.load(s.conn)
    tree = partitions.load(s.conn) if fks else {}
    grew = True
    while grew:
        grew = False
        chosen = {n.lower() for n in out}
        # a partition's rows are its root table's: a key referencing the root refers to them
        chosen |= {partitions.root_of(tree, n).name.lower() for n in chosen if n in tree}
        for fk in fks:
            if fk.ref_table.lower() in chosen and fk.table.lower() not in chosen:
                if not cascade:
                    raise SqlError(
                        "0A000",
                        "cannot truncate a table referenced in a foreign key constraint",
                        detail=f'Table "{fk.table}" references "{fk.ref_table}".',
                        hint=f'Truncate table "{fk.table}" at the same time, or use '
                        "TRUNCATE ... CASCADE.",
                    )
                out.append(fk.table)
                grew = True
    return out


_INHERIT = re.compile(
    r"\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(\S+)\s+(no\s+)?inherit\s+(\S+?)\s*;?\s*$",
    re.I | re.S,
)
_PARTITION = re.compile(
    r"\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(\S+)\s+(attach|detach)\s+partition\s+"
    r"(\S+?)(?:\s+(for\s+values\s.*|default))?(?:\s+(?:concurrently|finalize))?\s*;?\s*$",
    re.I | re.S,
)
_RENAME_CONSTRAINT = re.compile(
    r"\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(\S+)\s+rename\s+constraint\s+(\S+)\s+to\s+(\S+)\s*;?\s*$",
    re.I | re.S,
)


def alter(s: Session, sql: str) -> StatementResult:
    low = sql.strip().lower()
    if low.startswith("alter sequence"):
        return _alter_sequence(s, sql)
    if low.startswith("alter index"):
        return _alter_index(s, sql)
    if not low.startswith("alter table"):
        raise SqlError("0A000", f"{' '.join(sql.split()[:2]).upper()} is not supported")
    if (result := _alter_misc(s, sql)) is not None:
        return result
    if m := _INHERIT.match(sql):
        child, parent = schemas.stored_name(s.conn, m.group(1)), schemas.stored_name(s.conn, m.group(3))
        with s.atomic():
            inherits.alter(s, child, parent, not m.group(2))
        return StatementResult("ALTER TABLE")
    if m := _PARTITION.match(sql):
        parent, table = schemas.stored_name(s.conn, m.group(1)), schemas.stored_name(s.conn, m.group(3))
        with s.atomic():
            if m.group(2).lower() == "attach":
                partitions.attach(s, parent, table, m.group(4) or "")
            else:
                partitions.detach(s, parent, table)
            # the row triggers made again for the table's new kind, in the same step: one
            # that cannot be made undoes the statement instead of staying behind in the
            # catalog, where every later DDL would fail on it
            from aurora.engine.sql import triggers

            if triggers.exists(s.conn):
                triggers.after_ddl(s)
        return StatementResult("ALTER TABLE")
    if m := _RENAME_CONSTRAINT.match(sql):
        table = schemas.stored_name(s.conn, m.group(1))
        old, new = _unquote_name(m.group(2)), _unquote_name(m.group(3))
        with s.atomic():
            _rename_constraint(s, _table_or_error(s, table), old, new)
        return StatementResult("ALTER TABLE")
    tree = parse(sql)
    if not isinstance(tree, exp.Alter):
        raise SqlError("0A000", "this ALTER TABLE form is not supported")
    if not isinstance(tree.this, exp.Table):  # ALTER TABLE now() / ARRAY[1]: no table name
        raise SqlError("42601", f'syntax error at or near "{tree.this.sql(dialect="postgres")}"')
    renamed = [a for a in tree.args.get("actions") or [] if isinstance(a, exp.AlterRename)]
    if tree.this.db and tree.this.db.lower() not in schemas.BUILT_IN:
        for action in renamed:  # RENAME TO keeps the table in its schema
            action.this.set("db", tree.this.args["db"].copy())
    try:
        schemas.qualify_tables(tree, s.conn)
    except SqlError:
        if tree.args.get("exists"):
            return StatementResult("ALTER TABLE")
        raise
    table = tree.this.name
    if (part := partitions.find(s.conn, table)) is not None and part.parent:
        raise SqlError("0A000", "ALTER TABLE of a partition is not supported",
                       hint="Alter the partitioned table, or DETACH the partition first.")
    actions = tree.args.get("actions") or []
    if (s.sequences.exists(table) and len(actions) == 1
            and isinstance(actions[0], exp.AlterRename)):
        _rename_sequence(s, table, actions[0].this.name)
        return StatementResult("ALTER TABLE")
    if not _exists(s, table, "table"):
        if tree.args.get("exists"):
            return StatementResult("ALTER TABLE")
        raise SqlError("42P01", f'relation "{table}" does not exist')
    table = _table_or_error(s, table)
    s.fk.refuse_alter(table)
    with s.atomic():
        # Triggers are made again from the catalog once every action is done.
        touched = {table}
        fkeys.drop_triggers(s.conn, fkeys.involving(s.conn, table))
        parted, before = partitions.before_alter(s, table), table
        for action in tree.args.get("actions") or []:
            table = _alter_action(s, table, action, bool(tree.args.get("not_valid")))
            touched.add(table)
        if parted:
            partitions.after_alter(s, before, table)
        fkeys.refresh_triggers(s.conn, *touched)
    return StatementResult("ALTER TABLE")


_ALTER_HEAD = r"\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(\S+?)\s+"
_NO_EFFECT = re.compile(
    _ALTER_HEAD + r"(?:owner\s+to\s+\S+|set\s*\(.*\)|reset\s*\(.*\)|"
    r"alter\s+(?:column\s+)?\S+\s+set\s+(?:statistics\s+-?\d+|storage\s+\w+|"
    r"compression\s+\w+)|set\s+(?:logged|unlogged|without\s+cluster)|"
    r"(?:enable|disable)\s+(?:row\s+level\s+security|trigger\s+all))\s*;?\s*$",
    re.I | re.S,
)
_VALIDATE = re.compile(_ALTER_HEAD + r"validate\s+constraint\s+(\S+?)\s*;?\s*$", re.I | re.S)
_IDENTITY = re.compile(
    _ALTER_HEAD + r"alter\s+(?:column\s+)?(\S+?)\s+(?:(drop\s+identity(?:\s+if\s+exists)?)|"
    r"add\s+generated\s+(always|by\s+default)\s+as\s+identity(?:\s*\(.*\))?)\s*;?\s*$",
    re.I | re.S,
)


def _alter_misc(s: Session, sql: str) -> StatementResult | None:
    """ALTER TABLE forms sqlglot does not parse: those with nothing to do here (owner,
    storage parameters, statistics targets), VALIDATE CONSTRAINT and identity changes."""
    if m := _NO_EFFECT.match(sql):
        _table_or_error(s, schemas.stored_name(s.conn, m.group(1)))
        return StatementResult("ALTER TABLE")
    if m := _VALIDATE.match(sql):
        table = _table_or_error(s, schemas.stored_name(s.conn, m.group(1)))
        name = _unquote_name(m.group(2))
        fk = fkeys.find(s.conn, table, name)
        if fk is None:
            if _find_constraint(s, table, name) is None:
                raise SqlError("42704", f'constraint "{name}" of relation "{table}" does not exist')
            return StatementResult("ALTER TABLE")
        with s.atomic():
            fkeys.validate(s.conn, fk)
        return StatementResult("ALTER TABLE")
    if m := _IDENTITY.match(sql):
        table = _table_or_error(s, schemas.stored_name(s.conn, m.group(1)))
        column = _column_info(s, table, _unquote_name(m.group(2)))[0]
        current = s.catalog.column(table, column)
        with s.atomic():
            if m.group(3):  # DROP IDENTITY
                if current is None or not current.identity:
                    if "exists" in m.group(3).lower():
                        return StatementResult("ALTER TABLE")
                    raise SqlError(
                        "55000", f'column "{column}" of relation "{table}" is not an identity column'
                    )
                kind = ""
            else:
                if current is not None and current.identity:
                    raise SqlError(
                        "55000",
                        f'column "{column}" of relation "{table}" is already an identity column',
                    )
                kind = "a" if m.group(4).lower() == "always" else "d"
            s.conn.execute(
                "UPDATE main._aurora_columns SET identity=? WHERE lower(table_name)=lower(?) "
                "AND lower(column_name)=lower(?)",
                (kind, table, column),
            )
            tabledef.touch_schema(s.conn)
        return StatementResult("ALTER TABLE")
    return None


def _unquote_name(name: str) -> str:
    name = name.split(".")[-1] if not name.startswith('"') else name
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _table_or_error(s: Session, name: str) -> str:
    rows = s.conn.execute(
        "SELECT name FROM main.sqlite_schema WHERE type='table' AND lower(name)=lower(?)", (name,)
    ).fetchall()
    if not rows:
        raise SqlError("42P01", f'relation "{name}" does not exist')
    return rows[0][0]


def _alter_action(s: Session, table: str, action: exp.Expression, not_valid: bool) -> str:
    """Carry out one ALTER TABLE action; return the table's name afterwards."""
    if isinstance(action, exp.AddConstraint):
        for c in action.expressions:
            name, inner = _unwrap(c)
            _add_constraint(s, table, name, inner, validate=not not_valid)
        return table
    if isinstance(action, exp.ColumnDef):
        inherits.add_column_below(s, table, action, lambda t, c: _add_column(s, t, c))
        _add_column(s, table, action)
        return table
    if isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        targets = action.args.get("tables") or ([action.this] if action.this else [])
        for target in targets:
            if kind == "CONSTRAINT":
                _drop_constraint(s, table, target.name, bool(action.args.get("exists")))
            else:
                _drop_column(
                    s, table, target.name, bool(action.args.get("exists")),
                    bool(action.args.get("cascade")),
                )
        return table
    if isinstance(action, exp.RenameColumn):
        old, new = action.this.name, action.args["to"].name
        s.conn.execute(f"ALTER TABLE {_q(table)} RENAME COLUMN {_q(old)} TO {_q(new)}")
        s.conn.execute(
            "UPDATE main._aurora_columns SET column_name=? WHERE lower(table_name)=lower(?) "
            "AND lower(column_name)=lower(?)",
            (new, table, old),
        )
        fkeys.rename_column(s.conn, table, old, new)
        return table
    if isinstance(action, exp.AlterRename):
        new = action.this.name
        if _exists(s, new):
            raise SqlError("42P07", f'relation "{new}" already exists')
        s.conn.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(new)}")
        for catalog_table in ("_aurora_columns", "_aurora_constraints"):
            s.conn.execute(
                f"UPDATE main.{catalog_table} SET table_name=? WHERE lower(table_name)=lower(?)",
                (new, table),
            )
        fkeys.rename_table(s.conn, table, new)
        return new
    if isinstance(action, exp.AlterColumn):
        _alter_column(s, table, action)
        return table
    raise SqlError("0A000", f"ALTER TABLE {action.key.upper()} is not supported")


# --- constraints -----------------------------------------------------------------------------


def _add_constraint(
    s: Session, table: str, name: str | None, inner: exp.Expression, validate: bool
) -> None:
    if isinstance(inner, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
        cols = [x.name for x in (inner.expressions or [])]
        if not cols:
            raise SqlError("42601", "PRIMARY KEY needs a column list")
        _add_primary_key(s, table, cols)
        if name and name.lower() != f"{table}_pkey".lower():
            _record_constraint(s, table, name, "p", None)
    elif isinstance(inner, exp.UniqueColumnConstraint):
        sch = inner.this
        cols = (
            [x.name for x in sch.expressions]
            if isinstance(sch, exp.Schema)
            else [x.name for x in inner.expressions]
        )
        _check_name_free(s, table, name)
        _add_unique(s, table, name, cols)
    elif isinstance(inner, exp.ForeignKey):
        _check_name_free(s, table, name)
        cols = [x.name for x in inner.expressions]
        _add_foreign_key(s, table, name, cols, inner.args["reference"], inner, validate)
    elif isinstance(inner, exp.CheckColumnConstraint):
        _check_name_free(s, table, name)
        _add_check(s, table, name, inner.this, validate)
    else:
        raise SqlError("0A000", f"ALTER TABLE ADD {inner.key.upper()} is not supported")


def _check_name_free(s: Session, table: str, name: str | None) -> None:
    if name and name.lower() in _constraint_names(s, table):
        raise SqlError("42710", f'constraint "{name}" for relation "{table}" already exists')


def _add_check(
    s: Session, table: str, name: str | None, expr: exp.Expression, validate: bool = True
) -> None:
    refs = sorted({c.name for c in expr.find_all(exp.Column)})
    name = name or choose_name(
        table, refs if len(refs) == 1 else [], "check", _constraint_names(s, table)
    )
    cond = generate(Rewriter(s.catalog).walk(expr.copy()))
    if validate and s.conn.execute(
        f"SELECT 1 FROM {_q(table)} WHERE NOT ({cond}) LIMIT 1"
    ).fetchall():
        raise SqlError(
            "23514", f'check constraint "{name}" of relation "{table}" is violated by some row'
        )
    text = tabledef.TableText(s.conn, table)
    text.add_check(name, cond)
    tabledef.write(s.conn, text)


def _find_constraint(s: Session, table: str, name: str) -> tuple[str, str | None] | None:
    """(kind, index name) of the constraint ``name`` of ``table``: p, u, f or c."""
    rows = s.conn.execute(
        "SELECT kind, index_name, name FROM main._aurora_constraints "
        "WHERE lower(table_name)=lower(?) AND lower(name)=lower(?)",
        (table, name),
    ).fetchall()
    if rows:
        return rows[0][0], rows[0][1]
    if any(
        (n or "").lower() == name.lower() and not n.startswith("_aurora_")
        for n, _e, _c in tabledef.TableText(s.conn, table).checks()
    ):
        return "c", None
    has_pk = s.conn.execute(
        "SELECT 1 FROM pragma_table_info(?) WHERE pk>0", (table,)
    ).fetchall()
    if has_pk and name.lower() == f"{table}_pkey".lower():
        return "p", None
    return None


def _drop_constraint(s: Session, table: str, name: str, if_exists: bool) -> None:
    found = _find_constraint(s, table, name)
    if found is None:
        if if_exists:
            return
        raise SqlError("42704", f'constraint "{name}" of relation "{table}" does not exist')
    kind, index_name = found
    if kind == "f":
        fk = fkeys.find(s.conn, table, name)
        if fk is not None:
            fkeys.drop(s.conn, fk)
        return
    if kind == "u":
        _refuse_if_referenced(s, table, index_name or name)
        s.conn.execute(f"DROP INDEX IF EXISTS {_q(index_name or name)}")
    elif kind == "c":
        text = tabledef.TableText(s.conn, table)
        text.drop_check(name)
        tabledef.write(s.conn, text)
    else:
        raise SqlError("0A000", "dropping a primary key is not supported")
    s.conn.execute(
        "DELETE FROM main._aurora_constraints WHERE lower(table_name)=lower(?) "
        "AND lower(name)=lower(?)",
        (table, name),
    )


def _refuse_if_referenced(s: Session, table: str, index: str) -> None:
    cols = sorted(
        r[2].lower() for r in s.conn.execute("SELECT * FROM pragma_index_info(?)", (index,))
    )
    for fk in fkeys.load(s.conn):
        if fk.ref_table.lower() == table.lower() and sorted(c.lower() for c in fk.ref_columns) == cols:
            raise SqlError(
                "2BP01",
                f"cannot drop constraint {index} on table {table} because other objects depend on it",
                detail=f"constraint {fk.name} on table {fk.table} depends on index {index}",
            )


def _rename_constraint(s: Session, table: str, old: str, new: str) -> None:
    found = _find_constraint(s, table, old)
    if found is None:
        raise SqlError("42704", f'constraint "{old}" for table "{table}" does not exist')
    _check_name_free(s, table, new)
    kind, index_name = found
    if kind == "f":
        fk = fkeys.find(s.conn, table, old)
        if fk is not None:
            fkeys.drop_triggers(s.conn, [fk])
            fkeys.rename(s.conn, fk, new)
            fkeys.refresh_triggers(s.conn, table)
        return
    if kind == "c":
        text = tabledef.TableText(s.conn, table)
        body = next(e for n, e, _c in text.checks() if (n or "").lower() == old.lower())
        text.drop_check(old)
        text.add_check(new, body)
        tabledef.write(s.conn, text)
        return
    if kind == "u" and index_name:
        sql = s.conn.execute(
            "SELECT sql FROM main.sqlite_schema WHERE type='index' AND name=?", (index_name,)
        ).fetchall()[0][0]
        s.conn.execute(f"DROP INDEX {_q(index_name)}")
        s.conn.execute(sql.replace(_q(index_name), _q(new), 1))
        index_name = new
    s.conn.execute(
        "DELETE FROM main._aurora_constraints WHERE lower(table_name)=lower(?) "
        "AND lower(name)=lower(?)",
        (table, old),
    )
    _record_constraint(s, table, new, kind, index_name)


# --- columns ---------------------------------------------------------------------------------


def _default_sql(s: Session, expr: exp.Expression, oid: int) -> str:
    """A PostgreSQL default as SQLite takes it in a column definition."""
    if isinstance(expr, exp.Boolean):
        return str(int(expr.this))
    if isinstance(expr, exp.Literal) and oid == types.NUMERIC:
        return generate(stored_literal(expr.this))
    if isinstance(expr, (exp.Literal, exp.Null, exp.Neg)) and not (
        isinstance(expr, exp.Neg) and not isinstance(expr.this, exp.Literal)
    ):
        return generate(expr)
    if isinstance(expr, exp.CurrentTimestamp):
        return generate(exp.Paren(this=Rewriter(s.catalog).walk(expr.copy())))
    return generate(exp.Paren(this=Rewriter(s.catalog).walk(expr.copy())))


def _pg_default(expr: exp.Expression) -> str:
    return "now()" if isinstance(expr, exp.CurrentTimestamp) else expr.sql("postgres")


def _column_info(s: Session, table: str, column: str) -> tuple[str, int, int, bool, bool]:
    """(stored name, type OID, typmod, NOT NULL, part of the primary key) of a column."""
    info = s.catalog.column(table, column)
    rows = s.conn.execute(
        "SELECT name, \"notnull\", pk FROM pragma_table_info(?) WHERE lower(name)=lower(?)",
        (table, column),
    ).fetchall()
    if not rows:
        raise SqlError("42703", f'column "{column}" of relation "{table}" does not exist')
    name, notnull, pk = rows[0]
    oid, typmod = (info.type_oid, info.typmod) if info is not None else (types.TEXT, -1)
    return name, oid, typmod, bool(notnull), pk > 0


def _alter_column(s: Session, table: str, action: exp.AlterColumn) -> None:
    column, oid, _typmod, _notnull, is_pk = _column_info(s, table, action.this.name)
    if action.args.get("dtype") is not None:
        using = action.args.get("using")
        _alter_type(
            s, table, column, action.args["dtype"], using if isinstance(using, exp.Expression) else None
        )
        return
    allow_null = action.args.get("allow_null")
    if allow_null is not None:
        text = tabledef.TableText(s.conn, table)
        item = text.column(column)
        if allow_null:  # DROP NOT NULL
            if is_pk:
                raise SqlError("42P16", f'column "{column}" is in a primary key')
            item.drop("notnull")
        else:  # SET NOT NULL
            if s.conn.execute(
                f"SELECT 1 FROM {_q(table)} WHERE {_q(column)} IS NULL LIMIT 1"
            ).fetchall():
                raise SqlError(
                    "23502", f'column "{column}" of relation "{table}" contains null values'
                )
            if item.find("notnull") is None:
                item.clauses.insert(0, tabledef.Clause("notnull", None, "NOT NULL"))
        tabledef.write(s.conn, text)
        return
    default = action.args.get("default")
    if default is not None or action.args.get("drop"):
        text = tabledef.TableText(s.conn, table)
        item = text.column(column)
        if item.find("default") is not None:
            # Rows older than an ADD COLUMN ... DEFAULT hold no value of their own: SQLite
            # reads the table's default for them. Write it into them before it changes.
            s.conn.execute(f"UPDATE {_q(table)} SET {_q(column)} = {_q(column)}")
        item.drop("default")
        if default is not None:
            item.clauses.append(
                tabledef.Clause("default", None, "DEFAULT " + _default_sql(s, default, oid))
            )
        tabledef.write(s.conn, text)
        s.conn.execute(
            "UPDATE main._aurora_columns SET default_expr=? WHERE lower(table_name)=lower(?) "
            "AND lower(column_name)=lower(?)",
            (_pg_default(default) if default is not None else None, table, column),
        )
        return
    raise SqlError("0A000", "this ALTER COLUMN form is not supported")


def _domain_clauses(column: str, oid: int, typmod: int,
                    dtype: exp.Expression | None = None) -> list[tabledef.Clause]:
    return [
        tabledef.Clause("check", c.name, generate(c))
        for c in _domain_checks(column, oid, typmod, dtype)
    ]


def _alter_type(
    s: Session, table: str, column: str, dtype: exp.DataType, using: exp.Expression | None
) -> None:
    if dtype.this in _SERIALS:
        raise SqlError("42704", f'type "{dtype.sql("postgres").lower()}" does not exist')
    kind = dtype.args.get("kind") if dtype.this == exp.DataType.Type.USERDEFINED else None
    if isinstance(kind, exp.Identifier):
        name = kind.name if kind.quoted else kind.name.lower()
        if enums.labels(s.conn, name) is not None or composite.domain(s.conn, name) is not None:
            # the column would keep no check and no order of the new type
            raise SqlError("0A000", f'ALTER COLUMN ... TYPE "{name}" (an enum or a domain) '
                                    "is not supported")
        composite.known_or_42704(s.conn, kind)
    oid, typmod = datatype_ref(dtype)
    t = types.BY_OID.get(oid)
    affinity = t.affinity if t else "TEXT"
    text = tabledef.TableText(s.conn, table)
    item = text.column(column)
    old_affinity = _affinity_of(item.type)
    is_pk = bool(
        s.conn.execute(
            "SELECT pk FROM pragma_table_info(?) WHERE name=?", (table, column)
        ).fetchall()[0][0]
    )
    retype = old_affinity != _affinity_of(affinity)
    if retype and is_pk:
        raise SqlError(
            "0A000", "changing the storage class of a primary key column is not supported"
        )
    for clause in [c for c in item.clauses if c.kind == "check" and (c.name or "").startswith("_aurora_")]:
        item.clauses.remove(clause)
    item.clauses.extend(_domain_clauses(column, oid, typmod, dtype))
    if retype:
        item.type = affinity
    tabledef.write(s.conn, text, retype={column} if retype else None)
    if using is not None or retype:
        value = using if using is not None else exp.column(column, quoted=True)
        update = exp.Update(
            this=exp.to_table(table, quoted=True),
            expressions=[exp.EQ(this=exp.column(column, quoted=True), expression=value)],
        )
        sql, _ = to_sqlite(update, s.catalog)
        s.conn.execute(sql)
    _check_stored_type(s, table, column, oid, affinity)
    for check in _domain_checks(column, oid, typmod, dtype):
        cond = generate(check.args["kind"].this)
        if s.conn.execute(f"SELECT 1 FROM {_q(table)} WHERE NOT ({cond}) LIMIT 1").fetchall():
            from aurora.engine.sql.errors import domain_error

            raise domain_error(check.name)
    s.conn.execute(
        "UPDATE main._aurora_columns SET type_oid=?, typmod=? WHERE lower(table_name)=lower(?) "
        "AND lower(column_name)=lower(?)",
        (oid, typmod, table, column),
    )
    tabledef.touch_schema(s.conn)


def _affinity_of(decl: str) -> str:
    """SQLite's affinity rules for a declared type."""
    d = decl.upper()
    if "INT" in d:
        return "INTEGER"
    if any(x in d for x in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not d or "BLOB" in d:
        return "BLOB"
    if any(x in d for x in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _check_stored_type(s: Session, table: str, column: str, oid: int, affinity: str) -> None:
    """After a change of storage class: every value must have become one of the new type."""
    allowed = {"INTEGER": ("integer",), "REAL": ("integer", "real")}.get(affinity)
    if allowed is None:
        return
    bad = s.conn.execute(
        f"SELECT {_q(column)} FROM {_q(table)} WHERE {_q(column)} IS NOT NULL AND "
        f"typeof({_q(column)}) NOT IN ({', '.join(repr(a) for a in allowed)}) LIMIT 1"
    ).fetchall()
    if bad:
        name = {20: "bigint", 21: "smallint", 23: "integer", 16: "boolean"}.get(
            oid, "double precision" if affinity == "REAL" else "integer"
        )
        raise SqlError("22P02", f'invalid input syntax for type {name}: "{bad[0][0]}"')


def _add_column(s: Session, table: str, col: exp.ColumnDef) -> None:
    name = col.name
    if s.conn.execute(
        "SELECT 1 FROM pragma_table_info(?) WHERE lower(name)=lower(?)", (table, name)
    ).fetchall():
        if col.args.get("exists"):
            return
        raise SqlError("42701", f'column "{name}" of relation "{table}" already exists')
    dtype = col.args.get("kind")
    default: exp.Expression | None = None
    if isinstance(dtype, exp.DataType) and dtype.this in _SERIALS:
        oid, typmod = _SERIALS[dtype.this], -1
        seq = f"{table}_{name}_seq".lower()
        s.sequences.create(seq, owned_by=table.lower(), if_not_exists=True)
        default = exp.Anonymous(this="nextval", expressions=[exp.Literal.string(seq)])
        not_null = True
    else:
        if isinstance(dtype, exp.DataType):
            dtype = composite.column_type(s.conn, col, dtype)
        oid, typmod = datatype_ref(dtype) if isinstance(dtype, exp.DataType) else (types.TEXT, -1)
        not_null = False
    t = types.BY_OID.get(oid)
    uniques: list[str | None] = []
    refs: list[tuple[str | None, exp.Expression]] = []
    checks: list[tuple[str | None, exp.Expression]] = []
    collation = ""
    for cons in col.args.get("constraints") or []:
        k = cons.args.get("kind")
        if isinstance(k, exp.CollateColumnConstraint) and k.name.lower() in ("nocase", "rtrim"):
            # SQLite's own (the MySQL edition's case-insensitive strings): as CREATE TABLE
            # keeps them; the added column compared bytewise before
            collation = f" COLLATE {k.name.upper()}"
        if isinstance(k, exp.DefaultColumnConstraint):
            default = k.this
        elif isinstance(k, exp.NotNullColumnConstraint):
            not_null = not k.args.get("allow_null")
        elif isinstance(k, exp.UniqueColumnConstraint):
            uniques.append(cons.name or None)
        elif isinstance(k, exp.Reference):
            refs.append((cons.name or None, k))
        elif isinstance(k, exp.CheckColumnConstraint):
            checks.append((cons.name or None, k.this))
        elif isinstance(k, (exp.PrimaryKeyColumnConstraint, exp.GeneratedAsIdentityColumnConstraint)):
            raise SqlError(
                "0A000", "adding a primary key or identity column to an existing table is not supported"
            )
    domain = " ".join(c.text for c in _domain_clauses(
        name, oid, typmod, dtype if isinstance(dtype, exp.DataType) else None))
    affinity = t.affinity if t else "TEXT"
    if collation:
        affinity += collation
    elif oid == _BPCHAR_OID and not s.mysql_rules:
        affinity += " COLLATE RTRIM"  # as CREATE TABLE gives a char(n) column
    constant = isinstance(default, (exp.Literal, exp.Boolean, exp.Null)) or (
        isinstance(default, exp.Neg) and isinstance(default.this, exp.Literal)
    )
    if constant and default is not None:
        # A constant default: SQLite gives the existing rows the value without a rewrite.
        dsql = _default_sql(s, default, oid)
        nn = " NOT NULL" if not_null and not isinstance(default, exp.Null) else ""
        s.conn.execute(
            f"ALTER TABLE {_q(table)} ADD COLUMN {_q(name)} {affinity}{nn} DEFAULT {dsql} {domain}"
        )
    else:
        s.conn.execute(f"ALTER TABLE {_q(table)} ADD COLUMN {_q(name)} {affinity} {domain}")
        text = tabledef.TableText(s.conn, table)
        item = text.column(name)
        if default is not None:
            dsql = _default_sql(s, default, oid)
            # A volatile default (nextval, random) gets a value per row, as in PostgreSQL.
            s.conn.execute(f"UPDATE {_q(table)} SET {_q(name)} = {dsql}")
            item.clauses.append(tabledef.Clause("default", None, f"DEFAULT {dsql}"))
        if not_null:
            if s.conn.execute(f"SELECT 1 FROM {_q(table)} WHERE {_q(name)} IS NULL LIMIT 1").fetchall():
                raise SqlError(
                    "23502", f'column "{name}" of relation "{table}" contains null values'
                )
            item.clauses.insert(0, tabledef.Clause("notnull", None, "NOT NULL"))
        tabledef.write(s.conn, text)
    pos = s.conn.execute("SELECT count(*) FROM pragma_table_info(?)", (table,)).fetchall()[0][0]
    s.conn.execute(
        "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
        "type_oid, typmod, default_expr) VALUES (?,?,?,?,?,?)",
        (table, name, pos, oid, typmod, _pg_default(default) if default is not None else None),
    )
    s.catalog.refresh(force=True)
    for cname in uniques:
        _add_unique(s, table, cname, [name])
    for cname, ref in refs:
        _add_foreign_key(s, table, cname, [name], ref, None)
    for cname, cond in checks:
        _add_check(s, table, cname, cond)


def _drop_column(s: Session, table: str, column: str, if_exists: bool, cascade: bool) -> None:
    rows = s.conn.execute(
        "SELECT name, pk FROM pragma_table_info(?) WHERE lower(name)=lower(?)", (table, column)
    ).fetchall()
    if not rows:
        if if_exists:
            return
        raise SqlError("42703", f'column "{column}" of relation "{table}" does not exist')
    column, pk = rows[0]
    if pk:
        raise SqlError("0A000", "dropping a primary key column is not supported")
    partitions.drop_column(s, table, column)
    low = column.lower()
    for fk in fkeys.load(s.conn):
        if fk.table.lower() == table.lower() and low in (c.lower() for c in fk.columns):
            fkeys.drop(s.conn, fk)
        elif fk.ref_table.lower() == table.lower() and low in (c.lower() for c in fk.ref_columns):
            if not cascade:
                raise SqlError(
                    "2BP01",
                    f"cannot drop column {column} of table {table} because other objects "
                    "depend on it",
                    detail=f"constraint {fk.name} on table {fk.table} depends on column "
                    f"{column} of table {table}",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.",
                )
            fkeys.drop(s.conn, fk)
    # PostgreSQL drops the indexes and constraints that use the column with it.
    for _seq, iname, _u, origin, _p in s.conn.execute(
        "SELECT * FROM pragma_index_list(?)", (table,)
    ).fetchall():
        icols = [r[2] for r in s.conn.execute("SELECT * FROM pragma_index_info(?)", (iname,))]
        if origin == "c" and (None in icols or low in (c.lower() for c in icols if c)):
            sql = s.conn.execute(
                "SELECT sql FROM main.sqlite_schema WHERE name=?", (iname,)
            ).fetchall()
            if None in icols and sql and not re.search(rf'\b"?{re.escape(column)}"?\b', sql[0][0], re.I):
                continue
            s.conn.execute(f"DROP INDEX {_q(iname)}")
            s.conn.execute(
                "DELETE FROM main._aurora_constraints WHERE index_name=?", (iname,)
            )
    text = tabledef.TableText(s.conn, table)
    mention = re.compile(rf'(?<![\w"]){re.escape(column)}(?![\w"])|"{re.escape(column)}"', re.I)
    for name, body, on_column in text.checks():
        if on_column is None and name and mention.search(body):
            text.drop_check(name)
    tabledef.write(s.conn, text)
    s.conn.execute(f"ALTER TABLE {_q(table)} DROP COLUMN {_q(column)}")
    s.conn.execute(
        "DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?) "
        "AND lower(column_name)=lower(?)",
        (table, column),
    )
    s.conn.execute(
        "UPDATE main._aurora_columns SET position=position-1 WHERE lower(table_name)=lower(?) "
        "AND position > (SELECT count(*) FROM pragma_table_info(?))",
        (table, table),
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
    text = tabledef.TableText(s.conn, table)
    text.items.append(tabledef.ConstraintItem("primary", None, f"PRIMARY KEY ({', '.join(_q(c) for c in cols)})"))
    try:
        rebuild_table(s.conn, text, [r[1] for r in info])
    except apsw.ConstraintError as e:
        if "UNIQUE" in str(e) or "PRIMARY" in str(e):
            raise SqlError(
                "23505",
                f'could not create unique index "{table}_pkey"',
                detail=f"Key ({', '.join(cols)}) is duplicated.",
            ) from None
        raise
    # the key's columns are NOT NULL from now on, as in PostgreSQL (none holds a NULL: checked)
    text = tabledef.TableText(s.conn, table)
    for c in cols:
        item = text.column(names[c.lower()])
        if item.find("notnull") is None:
            item.clauses.insert(0, tabledef.Clause("notnull", None, "NOT NULL"))
    tabledef.write(s.conn, text)


_ALTER_SEQ = re.compile(
    r"\s*alter\s+sequence\s+(if\s+exists\s+)?(\S+)\s+(.*?)\s*;?\s*$", re.I | re.S
)
_SEQ_NUMBERS = {
    "increment": r"\bincrement(?:\s+by)?\s+(-?\d+)",
    "start": r"(?<!re)\bstart(?:\s+with)?\s+(-?\d+)",
    "cache": r"\bcache\s+(-?\d+)",
}


_SEQ_NO_NUMBER = re.compile(
    r"(?<!\.)\b(?:(no\s+)?(?:minvalue|maxvalue)|increment(?:\s+by)?|(?<!re)start(?:\s+with)?|cache"
    r"|restart\s+with)\b(?!\s*(?:(?:by|with)\s+)?[-+]?\d)", re.I)
_CREATE_SEQ = re.compile(
    r"\s*create\s+(?:(?:temp|temporary|unlogged)\s+)?sequence\s+(?:if\s+not\s+exists\s+)?"
    r"(?:\"[^\"]*\"|[^\s\"])+", re.I)


def _sequence_numbers_given(options: str) -> None:
    """INCREMENT, START, CACHE, MINVALUE, MAXVALUE and RESTART WITH take a number."""
    for m in _SEQ_NO_NUMBER.finditer(options):
        if not m.group(1):  # NO MINVALUE takes none
            word = m.group(0).split()[0].upper()
            raise SqlError("42601", f"syntax error: {word} takes a number")


def _rename_sequence(s: Session, old: str, new: str) -> None:
    if _exists(s, new) or s.sequences.exists(new):
        raise SqlError("42P07", f'relation "{new}" already exists')
    with s.atomic():
        s.sequences.rename(old, new)


def _alter_sequence(s: Session, sql: str) -> StatementResult:
    m = _ALTER_SEQ.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in ALTER SEQUENCE")
    name = schemas.stored_name(s.conn, m.group(2))
    rest = m.group(3)
    if not s.sequences.exists(name):
        if s.catalog.table_columns(name) is not None:
            raise SqlError("42809", f'"{name.lower()}" is not a sequence')
        if m.group(1):  # IF EXISTS: PostgreSQL notes the missing sequence and goes on
            return StatementResult("ALTER SEQUENCE")
    renamed = re.fullmatch(r"rename\s+to\s+(\S+)", rest.strip(), re.I)
    if renamed:
        if not s.sequences.exists(name):
            raise SqlError("42P01", f'relation "{name.lower()}" does not exist')
        _rename_sequence(s, name, _unquote_name(renamed.group(1)))
        return StatementResult("ALTER SEQUENCE")
    _sequence_numbers_given(rest)
    opts: dict[str, object] = {}
    for key, pattern in _SEQ_NUMBERS.items():
        found = re.search(pattern, rest, re.I)
        if found:
            opts[key] = int(found.group(1))
    for key in ("minvalue", "maxvalue"):
        found = re.search(rf"\b(no\s+)?{key}(?:\s+(-?\d+))?", rest, re.I)
        if found and (found.group(1) or found.group(2)):
            opts[key] = None if found.group(1) else int(found.group(2))
    r = re.search(r"\brestart(?:\s+(?:with\s+)?(-?\d+))?", rest, re.I)
    if r:
        opts["restart"] = int(r.group(1)) if r.group(1) else True
    c = re.search(r"\b(no\s+)?cycle\b", rest, re.I)
    if c:
        opts["cycle"] = not c.group(1)
    t = re.search(r"\bas\s+(\w+)", rest, re.I)
    if t:
        opts["as"] = t.group(1)
    owner = re.search(r"owned\s+by\s+(none|[\w\"]+)(?:\.[\w\"]+)?", rest, re.I)
    if owner:  # the sequence goes with the table (DROP TABLE, TRUNCATE ... RESTART IDENTITY)
        table = owner.group(1).strip('"').lower()
        s.conn.execute(
            "UPDATE main._aurora_sequences SET owned_by=? WHERE name=?",
            (None if table == "none" else table, name.lower()),
        )
    s.sequences.alter(name, opts)
    return StatementResult("ALTER SEQUENCE")


def rebuild_table(conn: apsw.Connection, text: tabledef.TableText, columns: list[str]) -> None:
    """Make ``text.table`` again from its edited CREATE TABLE text, in the caller's transaction,
    for what SQLite cannot change in place (a primary key added, the order of the columns): a
    new table of that text, the rows copied by the names ``columns`` (generated columns are
    computed, not copied), the old table dropped and the new one renamed, then its indexes and
    triggers made again from their text and its AUTOINCREMENT counter kept."""
    table = text.table
    stored = {n.lower() for (n,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
    copied = ", ".join(_q(c) for c in columns if c.lower() in stored)
    schema = conn.execute(
        "SELECT type, sql FROM main.sqlite_schema WHERE type IN ('index', 'trigger') AND tbl_name=?"
        " AND sql IS NOT NULL", (table,)).fetchall()
    counter = conn.execute("SELECT seq FROM main.sqlite_sequence WHERE name=?", (table,)).fetchall() \
        if "AUTOINCREMENT" in text.original.upper() else []
    tmp = f"_aurora_rebuild_{table}"
    conn.execute(re.sub(r'^\s*CREATE\s+TABLE\s+(?:"(?:[^"]|"")*"|\S+?)\s*\(',
                        lambda _: f"CREATE TABLE {_q(tmp)} (", text.sql(), count=1, flags=re.I))
    conn.execute(f"INSERT INTO {_q(tmp)} ({copied}) SELECT {copied} FROM {_q(table)}")
    conn.execute(f"DROP TABLE {_q(table)}")
    # Legacy renaming leaves views and other tables' triggers naming the table alone: they
    # name the rebuilt table again once it has the old name.
    conn.execute("PRAGMA legacy_alter_table=ON")
    try:
        conn.execute(f"ALTER TABLE {_q(tmp)} RENAME TO {_q(table)}")
    finally:
        conn.execute("PRAGMA legacy_alter_table=OFF")
    for kind in ("index", "trigger"):
        for k, sql in schema:
            if k == kind:
                conn.execute(sql)
    if counter:
        conn.execute("UPDATE main.sqlite_sequence SET seq=? WHERE name=?", (counter[0][0], table))
        if conn.changes() == 0:
            conn.execute("INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, ?)", (table, counter[0][0]))


def move_column(conn: apsw.Connection, table: str, column: str, after: str | None) -> None:
    """Put ``column`` of ``table`` first (``after`` None) or right after the column ``after``:
    MySQL's ``FIRST`` / ``AFTER`` of ADD, MODIFY and CHANGE COLUMN. SQLite keeps a table's
    columns in the order of its CREATE TABLE text and each row's values in that order, so
    the table is rebuilt with the columns in the new order (:func:`rebuild_table`; its
    triggers, foreign keys' among them, are made again) and the catalog's column positions
    renumbered. ``SELECT *`` and an INSERT without
    a column list then see the order MySQL would."""
    if conn.execute("SELECT 1 FROM temp.sqlite_schema WHERE type='table' AND lower(name)=lower(?)",
                    (table,)).fetchall():
        raise SqlError("0A000", "FIRST and AFTER are not supported for temporary tables", errno=1235)
    text = tabledef.TableText(conn, table)
    table = text.table
    columns = text.columns()
    moving = next((c for c in columns if c.name.lower() == column.lower()), None)
    target = None if after is None else next((c for c in columns if c.name.lower() == after.lower()), None)
    if moving is None or (after is not None and (target is None or target is moving)):
        missing = column if moving is None else after
        raise SqlError("42S22", f"Unknown column '{missing}' in '{table}'", errno=1054)
    order = [c for c in columns if c is not moving]
    order.insert(0 if target is None else order.index(target) + 1, moving)
    if order == columns:
        return
    text.items = [*order, *text.constraints()]
    rebuild_table(conn, text, [c.name for c in columns])
    for position, item in enumerate(order, 1):
        conn.execute("UPDATE main._aurora_columns SET position=? WHERE lower(table_name)=lower(?) "
                     "AND lower(column_name)=lower(?)", (position, table, item.name))
