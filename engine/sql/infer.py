"""Static typing of PostgreSQL expressions: result column names and types, parameter types.

Works on the sqlglot AST of the PostgreSQL statement (before the SQLite rewrite), with the
declared column types of :mod:`aurora.engine.sql.catalog`. What it cannot tell stays None
and is settled at run time from SQLite's column origin or from the values.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from sqlglot import exp

from aurora.engine.sql import interval, types
from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.pgcatalog import CATALOG_COLUMNS

TypeRef = tuple[int, int]  # (oid, typmod)

_FUNC_TYPES: dict[str, int] = {
    **dict.fromkeys(("regr_sxx", "regr_syy", "regr_sxy", "regr_avgx", "regr_avgy", "regr_r2",
                     "regr_slope", "regr_intercept", "covar_pop", "covar_samp", "corr"), 701),
    "regr_count": 20,
    "now": 1184,
    "clock_timestamp": 1184,
    "statement_timestamp": 1184,
    "transaction_timestamp": 1184,
    "pg_postmaster_start_time": 1184,
    "to_timestamp": 1184,
    "version": 25,
    "current_database": 19,
    "current_user": 19,
    "session_user": 19,
    "current_schema": 19,
    "format_type": 25,
    "pg_get_userbyid": 19,
    "pg_get_expr": 25,
    "pg_get_indexdef": 25,
    "pg_get_constraintdef": 25,
    "pg_encoding_to_char": 19,
    "obj_description": 25,
    "col_description": 25,
    "shobj_description": 25,
    "pg_backend_pid": 23,
    "txid_current": 20,
    "nextval": 20,
    "currval": 20,
    "setval": 20,
    "lastval": 20,
    "length": 23,
    "char_length": 23,
    "octet_length": 23,
    "strpos": 23,
    "upper": 25,
    "lower": 25,
    "substr": 25,
    "substring": 25,
    "trim": 25,
    "btrim": 25,
    "ltrim": 25,
    "rtrim": 25,
    "replace": 25,
    "concat": 25,
    "concat_ws": 25,
    "md5": 25,
    "to_char": 25,
    "to_number": 1700,
    **dict.fromkeys(("sin", "cos", "tan", "cot", "asin", "acos", "atan", "atan2", "sinh", "cosh",
                     "tanh", "asinh", "acosh", "atanh", "cbrt", "degrees", "radians", "sind",
                     "cosd", "tand", "cotd", "asind", "acosd", "atand", "atan2d"), 701),
    "float4send": 17,
    "float8send": 17,
    "lpad": 25,
    "rpad": 25,
    "left": 25,
    "right": 25,
    "repeat": 25,
    "initcap": 25,
    "split_part": 25,
    "string_agg": 25,
    "array_to_string": 25,
    "regexp_match": 1009,
    "regexp_split_to_array": 1009,
    "regexp_count": 23,
    "regexp_instr": 23,
    "regexp_substr": 25,
    "regexp_like": 16,
    "string_to_array": 1009,
    "width_bucket": 23,
    "justify_hours": 1186,
    "justify_days": 1186,
    "justify_interval": 1186,
    "scale": 23,
    "min_scale": 23,
    "trim_scale": 1700,
    "factorial": 1700,
    "numeric_inc": 1700,
    "booland_statefunc": 16,
    "boolor_statefunc": 16,
    **dict.fromkeys(("float8_accum", "float8_regr_accum", "float8_combine",
                     "float8_regr_combine"), 1022),
    "row": 2249,
    "json_strip_nulls": 114,
    "jsonb_strip_nulls": 3802,
    "jsonb_contains": 16,
    "jsonb_contained": 16,
    "array_positions": 1007,
    "pg_to_timestamp": 1184,
    "row_to_json": 114,
    "make_date": 1082,
    "make_time": 1083,
    "make_timestamp": 1114,
    "make_timestamptz": 1184,
    "random": 701,
    "pi": 701,
    "json_build_object": 114,
    "jsonb_build_object": 3802,
    "json_build_array": 114,
    "jsonb_build_array": 3802,
    "to_json": 114,
    "to_jsonb": 3802,
    "array_to_json": 114,
    "pg_record_json": 114,
    "json_agg": 114,
    "jsonb_agg": 3802,
    "json_object_agg": 114,
    "jsonb_object_agg": 3802,
    "json_object": 114,
    "jsonb_object": 3802,
    "json_array_length": 23,
    "jsonb_array_length": 23,
    "pg_json_extract_path": 114,
    "pg_json_extract_path_text": 25,
    "jsonb_extract_path": 3802,
    "jsonb_extract_path_text": 25,
    "jsonb_exists": 16,
    "jsonb_exists_any": 16,
    "jsonb_exists_all": 16,
    "jsonb_concat": 3802,
    "jsonb_delete": 3802,
    "jsonb_delete_path": 3802,
    "jsonb_set": 3802,
    "jsonb_set_lax": 3802,
    "jsonb_insert": 3802,
    "jsonb_pretty": 25,
    "jsonb_path_exists": 16,
    "jsonb_path_match": 16,
    "jsonb_path_query": 3802,
    "jsonb_path_query_array": 3802,
    "jsonb_path_query_first": 3802,
    "json_each": 2249,
    "jsonb_each": 2249,
    "json_each_text": 2249,
    "jsonb_each_text": 2249,
    "json_array_elements": 114,
    "jsonb_array_elements": 3802,
    "json_array_elements_text": 25,
    "jsonb_array_elements_text": 25,
    "json_object_keys": 25,
    "jsonb_object_keys": 25,
    "row_number": 20,
    "rank": 20,
    "dense_rank": 20,
    "ntile": 23,
    "pg_table_is_visible": 16,
    "pg_type_is_visible": 16,
    "pg_function_is_visible": 16,
    "has_table_privilege": 16,
    "has_schema_privilege": 16,
    "has_database_privilege": 16,
    "has_column_privilege": 16,
    "has_sequence_privilege": 16,
    "has_function_privilege": 16,
    "pg_is_in_recovery": 16,
    "current_setting": 25,
    "set_config": 25,
    "pg_get_serial_sequence": 25,
    "to_regclass": 2205,
    "to_regtype": 2206,
    "pg_relation_size": 20,
    "pg_total_relation_size": 20,
    "pg_database_size": 20,
    "pg_size_pretty": 25,
    "gen_random_uuid": 2950,
    "uuid_generate_v4": 2950,
    "age": 1186,
    "inet_server_addr": 869,
    "inet_server_port": 23,
    "current_schemas": 1003,
    "array_position": 23,
    "array_length": 23,
    "array_upper": 23,
    "array_lower": 23,
    "cardinality": 23,
    "pg_bytea_trim": 17,
    "booleq": 16,
    "boolne": 16,
    "encode": 25,
    "decode": 17,
    "sha224": 17,
    "getbit": 23,
    "get_bit": 23,
    "set_bit": 17,
    "get_byte": 23,
    "set_byte": 17,
    "bit_count": 20,
    "translate": 25,
    "ascii": 23,
    "reverse": 25,
    "regexp_matches": 1009,
    "pg_regexp_matches": 1009,
    "string_to_table": 25,
    "regexp_split_to_table": 25,
    "pg_similar_substring": 25,
    "array_ndims": 23,
    "array_dims": 25,
    "pg_my_temp_schema": 26,
    "aurora_db_instance_identifier": 25,
    "date_part": 701,
    "generate_series": 23,
    "quote_ident": 25,
    "quote_literal": 25,
    "quote_nullable": 25,
    "format": 25,
    "pg_typeof": 2206,
    "regexp_replace": 25,
    "json_typeof": 25,
    **dict.fromkeys(("to_tsvector", "json_to_tsvector", "jsonb_to_tsvector", "tsvector",
                     "pg_json_to_tsvector"), 3614),
    **dict.fromkeys(("to_tsquery", "plainto_tsquery", "phraseto_tsquery", "tsquery"), 3615),
    "numnode": 23,
    "pg_tsvector_length": 23,
    "strip": 3614,
    "pg_json_headline": 114,
    "pg_jsonb_headline": 3802,
    "jsonb_typeof": 25,
    "date": 1082,
    "current_time": 1266,
    "isfinite": 16,
    "pg_sleep": 2278,
    "pg_get_viewdef": 25,
    "pg_get_triggerdef": 25,
    "pg_get_functiondef": 25,
    "array_agg": 1009,
    "bool_and": 16,
    "bool_or": 16,
    "every": 16,
}
_BOOL_NODES = (
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.And,
    exp.Or,
    exp.Not,
    exp.In,
    exp.Like,
    exp.ILike,
    exp.Glob,
    exp.Is,
    exp.Exists,
    exp.Between,
    exp.RegexpLike,
    exp.RegexpILike,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.Boolean,
    exp.SimilarTo,
    exp.Escape,
    exp.ArrayContainsAll,
    exp.ArrayContainedBy,
    exp.ArrayOverlaps,
    exp.LogicalAnd,
    exp.LogicalOr,
)
_VARIANCES = (exp.Variance, exp.VariancePop, exp.Stddev, exp.StddevPop, exp.StddevSamp)
_NUMERIC_RANK = {21: 1, 23: 2, 20: 3, 1700: 4, 700: 5, 701: 6}


def _is_quoted(e: exp.Expression) -> bool:
    """A string literal (or the placeholder the normaliser put for one: typed unknown)."""
    return (isinstance(e, exp.Literal) and e.is_string) or isinstance(e, exp.Parameter)


def datatype_ref(dt: exp.DataType) -> TypeRef:
    """(oid, typmod) of a sqlglot DataType written in PostgreSQL syntax."""
    if dt.this == exp.DataType.Type.INTERVAL and dt.expressions:  # interval(p), or a typmod
        return 1186, types.typmod_of(f"({dt.expressions[0].name})", 1186)
    if isinstance(dt.this, exp.Interval) and dt.this.args.get("unit") is not None:
        unit = dt.this.args["unit"]  # interval day to minute, as sqlglot reads one
        first, last = (unit.this, unit.expression) if isinstance(unit, exp.IntervalSpan) else (
            unit, unit)
        return 1186, interval.typmod(first.name.lower(), last.name.lower(), None)
    text = dt.sql("postgres").lower()
    if dt.this == exp.DataType.Type.USERDEFINED:
        kind = dt.args.get("kind")
        if isinstance(kind, exp.Identifier) and kind.quoted and kind.name == "char":
            return 18, -1  # "char", the one-byte type (char unquoted is character(1))
        text = (kind.name if isinstance(kind, exp.Dot) else kind.sql("postgres")).lower()
        text = text.strip('"')
        if text.endswith("__array"):
            text = text[: -len("__array")] + "[]"
    oid = types.oid_of(text)
    return oid, types.typmod_of(text, oid)


class Scope:
    """The relations a SELECT reads: alias (lower-cased) to table name or derived columns."""

    def __init__(
        self, catalog: Catalog, node: exp.Expression | None, inferer: Inferer | None = None
    ) -> None:
        self.catalog = catalog
        self.inferer = inferer  # the statement's: derived tables see its parameter types
        self.tables: dict[str, str] = {}
        self.derived: dict[str, dict[str, TypeRef | None]] = {}
        if node is not None:
            self._collect(node)

    def _collect(self, node: exp.Expression) -> None:
        sources: list[exp.Expression] = []
        frm = node.args.get("from_") or node.args.get("from")
        if frm is not None:
            sources.append(frm.this)
        for j in node.args.get("joins") or []:
            sources.append(j.this)
        if isinstance(node, (exp.Update, exp.Delete, exp.Insert)):
            t = node.this
            if isinstance(t, exp.Schema):
                t = t.this
            sources.append(t)
        for src in sources:
            if isinstance(src, exp.Table) and isinstance(src.this, exp.Identifier):
                name = src.name.lower()
                alias = (src.alias or src.name).lower()
                cte = None if src.db else visible_cte(node, name)
                query = cte.this if cte is not None else None
                if cte is None and not src.db:
                    cte = recursive_self(node, name)
                    query = cte.this.this if cte is not None else None
                renamed = src.args["alias"].columns if src.args.get("alias") else []
                if cte is not None:  # WITH name AS (...): a derived table by another name
                    cols = _derived(query, cte.args["alias"], self)
                    if renamed:  # FROM cte AS x(a, b): its leading columns renamed
                        cols = {(renamed[i].name.lower() if i < len(renamed) else n): t
                                for i, (n, t) in enumerate(cols.items())}
                    self.derived[alias] = cols
                    continue
                if src.db.lower() == "information_schema":
                    name = "_is_" + name
                info = self.catalog.table_columns(name) if renamed else None
                if info:  # t AS x(a, b): the leading columns by their new names
                    self.derived[alias] = {
                        (renamed[i].name if i < len(renamed) else c.name).lower():
                        (c.type_oid, c.typmod) for i, c in enumerate(info)
                    }
                    continue
                self.tables[alias] = name
            elif isinstance(src, exp.Subquery) and src.alias and src.args["alias"].columns:
                self.derived[src.alias.lower()] = _derived(src.this, src.args["alias"], self)
            elif isinstance(src, exp.Subquery) and src.alias:
                inner = src.this
                if isinstance(inner, (exp.Select, exp.SetOperation)):
                    cols = infer_select(inner, self.catalog, self.inferer)
                    self.derived[src.alias.lower()] = {n.lower(): t for n, t in cols}
            elif (
                isinstance(src, exp.Lateral)
                and isinstance(src.this, exp.Subquery)
                and src.args.get("alias") is not None
            ):
                self.derived[src.alias.lower()] = _derived(src.this.this, src.args["alias"], self)
            elif isinstance(src, exp.Values) and src.alias:  # (VALUES ...) AS t(a, b)
                self.derived[src.alias.lower()] = _derived(src, src.args["alias"], self)

    def column_type(self, col: exp.Column) -> TypeRef | None:
        name = col.name.lower()
        qual = col.table.lower()
        if qual:
            if qual in self.derived:
                return self.derived[qual].get(name)
            table = self.tables.get(qual, qual)
            return self._table_col(table, name)
        for table in self.tables.values():
            t = self._table_col(table, name)
            if t is not None:
                return t
        for cols in self.derived.values():
            if name in cols:
                return cols[name]
        return None

    def _table_col(self, table: str, name: str) -> TypeRef | None:
        info = self.catalog.column(table, name)
        if info is not None:
            return info.type_oid, info.typmod
        cat = CATALOG_COLUMNS.get(table)
        if cat is not None and name in cat:
            return cat[name], -1
        return None


def is_extract(e: exp.Extract) -> bool:
    """Whether a parsed Extract is EXTRACT (numeric) rather than date_part (float8): sqlglot
    reads both as one node; EXTRACT's unit is a word or a string (``EXTRACT('day' FROM d)``,
    maybe a normalised ``$n``), date_part's is parenthesised before parsing (translate.py's
    _DATE_PART_UNIT) or an expression of its own (a subquery)."""
    unit = e.this
    return isinstance(unit, (exp.Var, exp.Identifier, exp.Parameter, exp.RawString)) or (
        isinstance(unit, exp.Literal) and unit.is_string)


def column_name(e: exp.Expression) -> str:
    """The name PostgreSQL gives a result column."""
    if isinstance(e, exp.Alias):
        return e.alias
    if isinstance(e, exp.Column):
        return e.name
    while isinstance(e, (exp.Cast, exp.Paren)):
        if isinstance(e, exp.Cast) and not isinstance(e.this, (exp.Column, exp.Cast, exp.Paren)):
            return datatype_ref(e.to) and _type_colname(e.to)
        e = e.this
        if isinstance(e, exp.Column):
            return e.name
    if isinstance(e, exp.Dot) and isinstance(e.expression, exp.Func):
        return column_name(e.expression)
    if isinstance(e, exp.Anonymous):
        return str(e.this).lower()
    if isinstance(e, exp.ExplodingGenerateSeries):
        return "generate_series"
    if isinstance(e, exp.CurrentTimestamp):
        return "now"
    if isinstance(e, (exp.CurrentUser,)):
        return "current_user"
    if isinstance(e, exp.SessionUser):
        return "session_user"
    if isinstance(e, exp.CurrentSchema):
        return "current_schema"
    if isinstance(e, exp.CurrentDate):
        return "current_date"
    if isinstance(e, exp.CurrentVersion):
        return "version"
    if isinstance(e, exp.Extract):
        return "extract" if is_extract(e) else "date_part"
    if isinstance(e, (exp.TimestampTrunc, exp.DateTrunc)):
        return "date_trunc"
    if isinstance(e, exp.Case):
        return "case"
    if isinstance(e, exp.Exists):
        return "exists"
    if isinstance(e, exp.Array):
        return "array"
    if isinstance(e, exp.Subquery):
        inner = e.this
        if isinstance(inner, exp.Select) and inner.expressions:
            return column_name(inner.expressions[0])
    if isinstance(e, (exp.Filter, exp.WithinGroup)):
        return column_name(e.this)
    if isinstance(e, _JSON_OPERATORS):
        return "?column?"  # -> ->> #> #>> ? ?| ?& are operators, not functions
    if isinstance(e, exp.AtTimeZone):
        return "timezone"
    if isinstance(e, exp.Window):
        return column_name(e.this)  # row_number() OVER (...) is "row_number"
    if isinstance(e, exp.Pad):
        return "lpad" if e.args.get("is_left") else "rpad"
    if isinstance(e, exp.Trim):
        where = str(e.args.get("position") or "").upper()
        return {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(where, "btrim")
    named = _FUNC_NAMES.get(type(e))
    if named is not None:
        return named
    if isinstance(e, exp.SHA2Digest):
        return f"sha{e.args.get('length') or 256}"
    if isinstance(e, exp.Func):
        name = e.sql_name().lower()
        return {
            "getbit": "get_bit",
            "explode": "unnest",
            "arrayagg": "array_agg",
            "logicaland": "bool_and",
            "bitwise_and_agg": "bit_and",
            "bitwise_or_agg": "bit_or",
            "bitwise_xor_agg": "bit_xor",
            "logicalor": "bool_or",
            "groupconcat": "string_agg",
            "explodinggenerateseries": "generate_series",
            "exploding_generate_series": "generate_series",
        }.get(name, name)
    return "?column?"


# PostgreSQL's names of functions sqlglot reads as its own kinds (which it names otherwise)
_FUNC_NAMES: dict[type, str] = {
    exp.JSONArrayAgg: "json_agg", exp.JSONObjectAgg: "json_object_agg",
    exp.JSONBObjectAgg: "jsonb_object_agg", exp.GroupConcat: "string_agg",
    exp.StrPosition: "position", exp.TimeToStr: "to_char", exp.LogicalAnd: "bool_and",
    exp.LogicalOr: "bool_or", exp.ArraySize: "array_length", exp.UnixToTime: "to_timestamp",
    exp.Rand: "random", exp.Uuid: "gen_random_uuid", exp.Hex: "to_hex",
}

_JSON_OPERATORS = (
    exp.JSONExtract,
    exp.JSONExtractScalar,
    exp.JSONBExtract,
    exp.JSONBExtractScalar,
    exp.JSONBContainsTopKey,
    exp.JSONBContainsAnyTopKeys,
    exp.JSONBContainsAllTopKeys,
)


_JSON_KEY_ARRAYS = (
    exp.JSONBExtract,
    exp.JSONBExtractScalar,
    exp.JSONBContainsAnyTopKeys,
    exp.JSONBContainsAllTopKeys,
)
_JSON_PREDICATES = (
    exp.JSONBContainsTopKey,
    exp.JSONBContainsAnyTopKeys,
    exp.JSONBContainsAllTopKeys,
    exp.ArrayContainedBy,
    exp.ArrayContainsAll,
)


def _type_colname(dt: exp.DataType) -> str:
    oid, _ = datatype_ref(dt)
    t = types.BY_OID.get(oid)
    return t.typname if t else "?column?"


def _integer_constant_type(v: int) -> int:
    """An integer constant's type, by its (signed) value: integer, bigint, else numeric."""
    return types.INT4 if -(2**31) <= v < 2**31 else types.INT8 if -(2**63) <= v < 2**63 else types.NUMERIC


def negated_constant(e: exp.Expression) -> int | None:
    """The value of ``-2147483648`` or ``-(-5)``: PostgreSQL's parser takes a minus sign
    into the integer constant it stands before (so -2147483648 is an integer, not bigint);
    None for other expressions."""
    sign = 1
    while isinstance(e, (exp.Neg, exp.Paren)):
        sign = -sign if isinstance(e, exp.Neg) else sign
        e = e.this
    if isinstance(e, exp.Literal) and e.is_int:
        return sign * int(e.this)
    return None


class Inferer:
    """Expression typing within one scope; user parameter types feed into it and out of it."""

    def __init__(self, catalog: Catalog, params: dict[int, int], lit_kinds: dict[int, str]) -> None:
        self.catalog = catalog
        self.params = params
        self.lit_kinds = lit_kinds

    def arms_type(self, arms: list[exp.Expression], scope: Scope) -> TypeRef | None:
        """CASE, COALESCE... with a numeric arm whose arms differ in type or modifier: numeric
        with none (each value shows its own scale); None when that rule does not apply."""
        typed = {self.type_of(a, scope) for a in arms if not isinstance(a, exp.Null)}
        oids = {t[0] for t in typed if t is not None}
        if types.NUMERIC in oids and len(typed) > 1 and not oids & {700, 701}:
            return types.NUMERIC, -1
        return None

    def type_of(self, e: exp.Expression, scope: Scope) -> TypeRef | None:
        if isinstance(e, exp.Alias):
            return self.type_of(e.this, scope)
        if isinstance(e, exp.Column):
            return scope.column_type(e)
        if isinstance(e, exp.Literal):
            if e.is_string:
                return types.TEXT, -1
            s = e.this
            if "." in s or "e" in s.lower():
                return types.NUMERIC, -1
            return _integer_constant_type(int(s)), -1
        if isinstance(e, exp.Parameter):
            n = int(e.name)
            if n in self.lit_kinds:
                k = self.lit_kinds[n]
                return {"s": (types.TEXT, -1), "i": (types.INT4, -1), "l": (types.INT8, -1),
                        "n": (types.NUMERIC, -1)}[k]
            oid = self.params.get(n)
            return (oid, -1) if oid else None
        if isinstance(e, exp.Cast):
            ref = datatype_ref(e.to)
            if ref[0] in (2205, 2206, 4089) and not isinstance(
                e.this, (exp.Literal, exp.Parameter)
            ):
                # Shown as a name, so described as text (a binary regclass is an OID).
                return types.TEXT, -1
            return ref
        if isinstance(e, exp.Interval):
            return 1186, -1
        if isinstance(e, exp.ParseJSON):
            return 114, -1  # json '...'
        if isinstance(e, (exp.JSONBPathExists, exp.MatchAgainst)):
            return types.BOOL, -1  # jsonb @? and @@
        if isinstance(e, (exp.JSONObjectAgg, exp.JSONArrayAgg)):
            return 114, -1
        if isinstance(e, exp.JSONBObjectAgg):
            return 3802, -1

        if isinstance(e, exp.Null):
            return types.TEXT, -1
        if isinstance(e, _BOOL_NODES):
            return types.BOOL, -1
        if isinstance(e, exp.Neg):
            v = negated_constant(e)
            if v is not None:
                return _integer_constant_type(v), -1
        if isinstance(e, (exp.Paren, exp.Neg, exp.Filter, exp.Window, exp.Nullif)):
            return self.type_of(e.this, scope)
        if isinstance(e, exp.Distinct) and e.expressions:  # sum(DISTINCT x)
            return self.type_of(e.expressions[0], scope)
        if isinstance(e, exp.Count):
            return types.INT8, -1
        if isinstance(e, exp.Sum):
            t = self.type_of(e.this, scope)
            if t is None:
                return None
            if t[0] in (21, 23):
                return types.INT8, -1
            if t[0] == 20:
                return types.NUMERIC, -1
            return t[0], -1
        if isinstance(e, (exp.Avg, *_VARIANCES)):
            t = self.type_of(e.this, scope)
            return (types.FLOAT8, -1) if t and t[0] in (700, 701) else (types.NUMERIC, -1)
        if isinstance(
            e,
            (
                exp.Min,
                exp.Max,
                exp.Abs,
                exp.AnyValue,
            ),
        ):
            return self.type_of(e.this, scope)
        if isinstance(e, exp.JSONBDeleteAtPath):
            return 3802, -1
        if isinstance(e, (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot,
                          exp.BitwiseLeftShift, exp.BitwiseRightShift)):
            # on integers: the wider operand's type (a shift, ~: its left operand's)
            a = self.type_of(e.this, scope)
            b = None if isinstance(e, (exp.BitwiseNot, exp.BitwiseLeftShift,
                                       exp.BitwiseRightShift)) else self.type_of(e.expression, scope)
            ints = (types.INT2, types.INT4, types.INT8)
            if a is not None and a[0] in ints and (b is None or b[0] in ints):
                return (a if b is None or _NUMERIC_RANK[a[0]] >= _NUMERIC_RANK[b[0]] else b)[0], -1
        if isinstance(e, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
            a = self.type_of(e.this, scope)
            if a == (3802, -1) and isinstance(e, exp.Sub):
                return a  # jsonb - key
            b = self.type_of(e.expression, scope)
            if (1186, -1) in (a, b):
                if isinstance(e, (exp.Mul, exp.Div)):
                    return 1186, -1  # interval * number
                other = b if a == (1186, -1) else a
                if other is not None and other[0] == 1082:
                    return 1114, -1  # date +/- interval: a timestamp
                if other is not None:
                    return other
            if a is None or b is None:
                return a or b
            if a[0] == b[0] == 1082 and isinstance(e, exp.Sub):
                return types.INT4, -1  # date - date: days
            if a[0] in (1114, 1184) and b[0] in (1114, 1184) and isinstance(e, exp.Sub):
                return 1186, -1  # timestamp - timestamp: an interval
            if a[0] in (1082, 1114, 1184) or b[0] in (1082, 1114, 1184):
                return (a if a[0] in (1082, 1114, 1184) else b)[0], -1
            if 700 in (a[0], b[0]):
                # real with real, or with a quoted value, is real; with anything else double
                other = b if a[0] == 700 else a
                quoted = other[0] in (types.TEXT, 705) and _is_quoted(
                    e.expression if a[0] == 700 else e.this)
                return (700 if other[0] == 700 or quoted else types.FLOAT8), -1
            ra, rb = _NUMERIC_RANK.get(a[0], 0), _NUMERIC_RANK.get(b[0], 0)
            if ra == 0 or rb == 0:
                # a number with a quoted value: the value is read as the number's type
                if ra and b[0] in (types.TEXT, 705) and _is_quoted(e.expression):
                    return a[0], -1
                if rb and a[0] in (types.TEXT, 705) and _is_quoted(e.this):
                    return b[0], -1
                return None
            return (a if ra >= rb else b)[0], -1
        if isinstance(e, (exp.Round, exp.Trunc, exp.Ceil, exp.Floor, exp.Sqrt)):
            # numeric in, numeric out (scale per value); round(int, n) is numeric too
            t = self.type_of(e.this, scope)
            if t is not None and (
                t[0] == types.NUMERIC
                or (t[0] in types.INTEGER_OIDS and e.args.get("decimals") is not None)
            ):
                return types.NUMERIC, -1
            if t is not None and (t[0] in (types.INT2, types.INT4, types.INT8, 700)):
                return types.FLOAT8, -1  # round(integer) and round(real) are double precision's
            return (types.FLOAT8, -1) if isinstance(e, exp.Sqrt) else t
        if isinstance(e, (exp.Ln, exp.Exp, exp.Log)):  # numeric in, numeric out; else float8
            args = (e.this, e.args.get("expression"))
            oids = {t[0] for t in (self.type_of(x, scope) for x in args if x) if t}
            return (types.NUMERIC if types.NUMERIC in oids else types.FLOAT8), -1
        if isinstance(e, exp.Pow):
            oids = {t[0] for t in (self.type_of(e.this, scope), self.type_of(e.expression, scope)) if t}
            exact = types.NUMERIC in oids and not oids & {700, 701}
            return (types.NUMERIC if exact else types.FLOAT8), -1
        if isinstance(e, exp.DPipe):
            for side in (e.this, e.expression):  # array || x, x || array: the array's type
                ts = self.type_of(side, scope)
                if ts is not None and ts[0] == 3802:
                    return ts  # jsonb || jsonb
                info = types.BY_OID.get(ts[0]) if ts is not None else None
                if info is not None and info.category == "A":
                    return ts
            return types.TEXT, -1
        if isinstance(e, (exp.Case, exp.Coalesce, exp.Greatest, exp.Least)):
            common = self.arms_type(arms_of(e), scope)
            if common is not None:
                return common
            if not isinstance(e, exp.Case):
                # the first arm that is not a bare NULL (NULL has no type of its own)
                first = next((a for a in arms_of(e) if not isinstance(a, exp.Null)), e.this)
                return self.type_of(first, scope)
        if isinstance(e, exp.Case):
            for w in e.args.get("ifs") or []:
                t = self.type_of(w.args["true"], scope)
                if t is not None and t != (types.TEXT, -1):
                    return t
            d = e.args.get("default")
            if d is not None:
                return self.type_of(d, scope)
            ifs = e.args.get("ifs") or []
            return self.type_of(ifs[0].args["true"], scope) if ifs else None
        if isinstance(e, exp.Subquery) and isinstance(e.this, exp.Select):
            cols = infer_select(e.this, self.catalog, self)
            return cols[0][1] if cols else None
        if isinstance(e, (exp.CurrentTimestamp,)):
            return 1184, -1
        if isinstance(e, exp.Localtimestamp):
            return 1114, -1
        if isinstance(e, exp.CurrentDate):
            return 1082, -1
        if isinstance(e, (exp.CurrentUser, exp.SessionUser, exp.CurrentSchema)):
            return 19, -1
        if isinstance(e, exp.CurrentVersion):
            return types.TEXT, -1
        if isinstance(e, exp.Extract):  # EXTRACT is numeric, date_part double precision
            return (types.NUMERIC, -1) if is_extract(e) else (701, -1)
        if isinstance(e, (exp.TimestampTrunc, exp.DateTrunc)):
            t = self.type_of(e.this, scope)
            if t and t[0] in (1083, 1186):
                return 1186, -1  # date_trunc(text, interval); a time of day is an interval
            return t if t and t[0] in (1114, 1184) else (1184, -1)
        if isinstance(e, exp.Trim) and e.args.get("expression") is not None:
            t = self.type_of(e.this, scope)
            if t is not None and t[0] == 17:
                return t  # trim of bytea is bytea
        if isinstance(e, exp.Sign):  # sign(numeric) is numeric, of anything else float8
            t = self.type_of(e.this, scope)
            return (types.NUMERIC, -1) if t is not None and t[0] == types.NUMERIC else (701, -1)
        if isinstance(e, exp.GroupConcat):
            inner = e.this.this if isinstance(e.this, exp.Order) else e.this
            t = self.type_of(inner, scope)
            if t is not None and t[0] == 17:
                return t  # string_agg of bytea is bytea
        if isinstance(
            e,
            (
                exp.JSONExtractScalar,
                exp.GroupConcat,
                exp.Upper,
                exp.Lower,
                exp.Substring,
                exp.Trim,
                exp.Concat,
                exp.ConcatWs,
                exp.Initcap,
            ),
        ):
            return types.TEXT, -1
        if isinstance(e, exp.JSONBExtractScalar):
            return types.TEXT, -1
        if isinstance(e, exp.Bracket):
            # arr[i]: the element type (int2vector / oidvector hold int2 / oid); a slice
            # anywhere in arr[i][j:k] makes the whole an array of the base's type
            sliced = False
            while isinstance(e, exp.Bracket) and isinstance(e.this, exp.Bracket):
                sliced = sliced or any(isinstance(x, exp.Slice) for x in e.expressions)
                e = e.this
            sliced = sliced or any(isinstance(x, exp.Slice) for x in e.expressions)
            t = self.type_of(e.this, scope)
            if t is not None and t[0] == 3802:
                return t  # jsonb[key]
            if sliced:
                return t
            arr = types.BY_OID.get(t[0]) if t else None
            if t and t[0] in (22, 30):
                return (types.INT2 if t[0] == 22 else types.OID), -1
            return (arr.elem_oid, -1) if arr and arr.category == "A" and arr.elem_oid else None
        if isinstance(e, exp.AtTimeZone) or (
            isinstance(e, exp.Anonymous) and str(e.this).lower() == "timezone"
        ):
            # timestamp AT TIME ZONE z is a timestamptz, and the other way round.
            arg = e.this if isinstance(e, exp.AtTimeZone) else e.expressions[-1]
            t = self.type_of(arg, scope)
            return (1184, -1) if t and t[0] == 1114 else (1114, -1)
        if isinstance(e, _JSON_PREDICATES):
            return types.BOOL, -1
        if isinstance(e, (exp.JSONExtract, exp.JSONBExtract)):
            t = self.type_of(e.this, scope)
            return t if t and t[0] in (114, 3802) else (3802, -1)
        if isinstance(e, (exp.Length, exp.StrPosition)):
            return types.INT4, -1
        if isinstance(e, exp.ArrayAgg):
            inner = e.this.this if isinstance(e.this, exp.Order) else e.this
            t = self.type_of(inner, scope)
            elem = types.BY_OID.get(t[0]) if t else None
            return (elem.array_oid if elem and elem.array_oid else 1009), -1
        if isinstance(e, exp.Array):
            first = self.type_of(e.expressions[0], scope) if e.expressions else None
            elem = types.BY_OID.get(first[0]) if first else None
            return (elem.array_oid if elem and elem.array_oid else 1009), -1
        if isinstance(e, exp.Paren):
            return self.type_of(e.this, scope)
        if isinstance(e, exp.Dot) and isinstance(e.expression, exp.Expression):
            return self.type_of(e.expression, scope)
        if isinstance(e, (exp.ArrayConcat, exp.ArrayAppend, exp.ArrayPrepend, exp.ArrayRemove)):
            t = self.type_of(e.this, scope)
            if t is None and isinstance(e, exp.ArrayConcat) and e.expressions:
                t = self.type_of(e.expressions[0], scope)
            return t
        if isinstance(e, exp.ArraySize):
            return types.INT4, -1
        if isinstance(e, exp.Anonymous):
            name = str(e.this).lower()
            if name in ("array_replace", "trim_array", "array_remove") and e.expressions:
                return self.type_of(e.expressions[0], scope)
            if name == "array_fill" and e.expressions:
                t = self.type_of(e.expressions[0], scope)
                elem = types.BY_OID.get(t[0]) if t else None
                return (elem.array_oid if elem and elem.array_oid else 1009), -1
            if name in _FUNC_TYPES:
                return _FUNC_TYPES[name], -1
            if name == "ts_headline":  # of a json(b) document: json(b)
                found = (self.type_of(a, scope) for a in e.expressions[:2])
                return next((t for t in found if t and t[0] in (114, 3802)), (types.TEXT, -1))
            if name == "date_bin" and len(e.expressions) == 3:  # the type of its source
                return self.type_of(e.expressions[1], scope)
            if name in ("gcd", "lcm") and e.expressions:  # the type of its arguments
                return self.type_of(e.expressions[0], scope)
            if name == "mysql_set_uservar" and len(e.expressions) >= 2:
                # the MySQL edition's @v := value: the value's type (an integer's BIGINT), but
                # of a variable read as it changes (@r := @r + 1, its reads NUMERIC whatever it
                # holds), which the values type
                value = e.expressions[1]
                t = self.type_of(value, scope)
                if t is not None and t[0] in types.INTEGER_OIDS:
                    return types.INT8, -1
                live = any(str(a.this).lower() == "mysql_uservar" for a in value.find_all(exp.Anonymous))
                return None if live and t == (types.NUMERIC, -1) else t
            return None
        if isinstance(e, exp.DateBin):
            return self.type_of(e.expression, scope)
        if isinstance(e, exp.WithinGroup):
            return self._ordered_set_type(e, scope)
        if isinstance(e, (exp.BitwiseAndAgg, exp.BitwiseOrAgg, exp.BitwiseXorAgg)):
            return self.type_of(e.this, scope)
        if isinstance(e, exp.UnixToTime):
            return 1184, -1
        if isinstance(e, exp.TimeFromParts):
            return 1083, -1
        if isinstance(e, exp.TimestampFromParts):
            return 1114, -1
        if isinstance(e, exp.SHA2Digest):
            return 17, -1
        if isinstance(e, exp.Func):
            name = e.sql_name().lower()
            if name in _FUNC_TYPES:
                return _FUNC_TYPES[name], -1
        return None

    def _ordered_set_type(self, e: exp.WithinGroup, scope: Scope) -> TypeRef | None:
        """percentile_cont is float8, percentile_disc and mode the sorted value's type (an
        array of it for an array of fractions), the hypothetical ranks int8 or float8."""
        agg = e.this
        if isinstance(agg, (exp.Rank, exp.DenseRank)):
            return types.INT8, -1
        if isinstance(agg, (exp.PercentRank, exp.CumeDist)):
            return types.FLOAT8, -1
        order = e.expression
        keys = order.expressions if isinstance(order, exp.Order) else []
        if isinstance(agg, exp.PercentileCont):
            t: TypeRef | None = (types.FLOAT8, -1)
        elif keys:
            t = self.type_of(keys[0].this, scope)
        else:
            return None
        if isinstance(agg.this, exp.Array):
            elem = types.BY_OID.get(t[0]) if t is not None else None
            return (elem.array_oid if elem and elem.array_oid else 1009), -1
        return t


def _derived(
    query: exp.Expression, alias: exp.TableAlias, scope: Scope
) -> dict[str, TypeRef | None]:
    """A derived table's column types, under the names its alias gives (``AS t(a, b)``)."""
    renamed = [c.name.lower() for c in alias.columns]
    return {
        (renamed[i] if i < len(renamed) else n.lower()): t
        for i, (n, t) in enumerate(infer_select(query, scope.catalog, scope.inferer))
    }


def arms_of(e: exp.Expression) -> list[exp.Expression]:
    """The value arms of a CASE (THENs and ELSE), a COALESCE, GREATEST or LEAST."""
    if isinstance(e, exp.Case):
        arms = [w.args["true"] for w in e.args.get("ifs") or []]
        return arms + ([e.args["default"]] if e.args.get("default") is not None else [])
    return [e.this, *e.expressions]


def visible_cte(node: exp.Expression, name: str) -> exp.CTE | None:
    """The WITH query ``name`` visible from ``node``, as PostgreSQL scopes them: never one
    ``node`` is inside, and from inside a query of a plain WITH only the ones before it (so
    that queries naming one another end instead of recursing)."""
    inside: set[int] = set()
    at: exp.Expression | None = node
    while at is not None:
        inside.add(id(at))
        with_ = at.args.get("with_") or at.args.get("with")
        ctes = list(with_.expressions) if with_ is not None else []
        if not (with_ is not None and with_.args.get("recursive")):
            mine = next((i for i, cte in enumerate(ctes) if id(cte) in inside), None)
            if mine is not None:
                ctes = ctes[:mine]
        for cte in ctes:
            if cte.alias.lower() == name and id(cte) not in inside:
                return cte
        at = at.parent
    return None


def recursive_self(node: exp.Expression, name: str) -> exp.CTE | None:
    """The WITH RECURSIVE query ``name`` when ``node`` is inside its recursive term (the
    arm after its last UNION): its self-reference has the columns of the arm before, as
    PostgreSQL types them (``visible_cte`` hides a query from inside itself)."""
    inside: set[int] = set()
    at: exp.Expression | None = node
    while at is not None:
        inside.add(id(at))
        if isinstance(at, exp.CTE) and at.alias.lower() == name:
            w, q = at.parent, at.this
            if (isinstance(w, exp.With) and w.args.get("recursive")
                    and isinstance(q, exp.Union) and id(q.expression) in inside):
                return at
            return None
        at = at.parent
    return None


def infer_select(
    node: exp.Expression, catalog: Catalog, inferer: Inferer | None = None
) -> list[tuple[str, TypeRef | None]]:
    """Names and types of a query's result columns; [] when a star makes them unknown."""
    while isinstance(node, (exp.Subquery, exp.Paren)):
        node = node.this
    if isinstance(node, exp.SetOperation):
        left = infer_select(node.this, catalog, inferer)
        right = infer_select(node.expression, catalog, inferer)
        if len(left) != len(right):
            return left
        # numeric(10,2) UNION numeric is numeric: a modifier stays only where both agree
        return [
            (n, (t[0], -1) if t and r and t[0] == r[0] and t[1] != r[1] else t)
            for (n, t), (_, r) in zip(left, right, strict=True)
        ]
    inferer = inferer or Inferer(catalog, {}, {})
    if isinstance(node, exp.Values) and node.expressions:  # VALUES (...): column1, column2...
        first = node.expressions[0].expressions
        scope = Scope(catalog, None)
        return [(f"column{i + 1}", inferer.type_of(e, scope)) for i, e in enumerate(first)]
    if not isinstance(node, exp.Select):
        return []
    frm = node.args.get("from_")
    if (len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Star)
            and frm is not None and isinstance(frm.this, exp.Values)
            and not node.args.get("joins") and not node.args.get("where")):
        return infer_select(frm.this, catalog, inferer)  # WITH v(x) AS (VALUES ...)
    scope = Scope(catalog, node, inferer)
    out = []
    for e in node.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            stars = _star_columns(node, e.table.lower() if isinstance(e, exp.Column) else None,
                                  catalog, inferer)
            if not stars:
                return []
            out += stars
            continue
        out.append((column_name(e), inferer.type_of(e, scope)))
    return out


def _star_columns(
    node: exp.Select, qual: str | None, catalog: Catalog, inferer: Inferer
) -> list[tuple[str, TypeRef | None]]:
    """The columns a ``*`` (or ``qual.*``) stands for, source by source in FROM order, so
    that a derived table's expression keeps its type (a boolean shows as t/f); [] when a
    source's columns are unknown here or a USING / NATURAL join merges some."""
    frm = node.args.get("from_")
    joins = node.args.get("joins") or []
    if qual is None and any(j.args.get("using") or j.args.get("method") for j in joins):
        return []
    out: list[tuple[str, TypeRef | None]] = []
    for src in ([frm.this] if frm is not None else []) + [j.this for j in joins]:
        alias = src.args.get("alias")
        if qual is not None and (src.alias_or_name or "").lower() != qual:
            continue
        if isinstance(src, exp.Table) and isinstance(src.this, exp.Identifier):
            cte = None if src.db else visible_cte(node, src.name.lower())
            if cte is not None:
                cols = infer_select(cte.this, catalog, inferer)
                alias = cte.args["alias"]
            else:
                # the type is left to SQLite's column origin, which sees through views
                cols = [(c.name, None) for c in catalog.table_columns(src.name) or []]
        elif isinstance(src, exp.Subquery | exp.Lateral) and isinstance(
            src.this, exp.Subquery | exp.Select | exp.SetOperation
        ):
            cols = infer_select(src.this, catalog, inferer)
        elif isinstance(src, exp.Values):
            cols = infer_select(src, catalog, inferer)
        elif isinstance(src, exp.Unnest):
            cols = _unnest_columns(src, node, catalog, inferer)
        else:
            return []
        if not cols:
            return []
        renamed = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        out += [(renamed[i] if i < len(renamed) else n, t) for i, (n, t) in enumerate(cols)]
    return out


def _unnest_columns(
    src: exp.Unnest, node: exp.Select, catalog: Catalog, inferer: Inferer
) -> list[tuple[str, TypeRef | None]]:
    """``unnest(a [, b ...]) [WITH ORDINALITY] [AS u]`` in FROM: one column of each array's
    element type (named u for one array under an alias, else unnest), then ordinality."""
    scope = Scope(catalog, node, inferer)
    alias = src.args.get("alias")
    one = alias.name if len(src.expressions) == 1 and alias is not None and alias.name else None
    cols: list[tuple[str, TypeRef | None]] = []
    for a in src.expressions:
        t = inferer.type_of(a, scope)
        arr = types.BY_OID.get(t[0]) if t else None
        elem = arr.elem_oid if arr and arr.category == "A" and arr.elem_oid else None
        cols.append((one or "unnest", (elem, -1) if elem else None))
    offset = src.args.get("offset")
    if offset:  # sqlglot keeps the ordinality column's name there
        cols.append((offset.name if isinstance(offset, exp.Expression) else "ordinality",
                     (types.INT8, -1)))
    return cols


def infer_params(tree: exp.Expression, catalog: Catalog, given: dict[int, int]) -> dict[int, int]:
    """Types of ``$n`` parameters from the statement: casts, compared and assigned columns."""
    found: dict[int, int] = {}
    inferer = Inferer(catalog, given, {})
    # A parameter among the operands of a comparison, IN or BETWEEN takes the type of the
    # first of its fellow operands that has one: worked out once per operator, not once per
    # parameter (an IN list of 30,000 parameters took seconds, each looking at all the others).
    typed_operands: dict[int, list[tuple[exp.Expression, TypeRef]]] = {}
    for p in tree.find_all(exp.Parameter):
        n = int(p.name)
        if given.get(n) or n in found:
            continue
        parent = p.parent
        while isinstance(parent, exp.Paren):
            parent = parent.parent
        t: TypeRef | None = None
        if isinstance(parent, exp.Cast):
            t = datatype_ref(parent.to)
        elif isinstance(parent, _JSON_OPERATORS) and parent.expression is p:
            # jsonb -> $1: PostgreSQL resolves an unknown key to text (an int key comes typed);
            # #> / #>> / ?| / ?& take text[].
            t = (1009 if isinstance(parent, _JSON_KEY_ARRAYS) else types.TEXT, -1)
        elif isinstance(parent, (exp.ArrayContainedBy, exp.ArrayContainsAll)):
            other = parent.expression if parent.this is p else parent.this
            t = inferer.type_of(other, Scope(catalog, _enclosing_query(p)))
        elif isinstance(parent, (exp.Limit, exp.Offset, exp.Fetch)):
            t = (types.INT8, -1)
        elif isinstance(parent, (exp.Binary, exp.In, exp.Between)):
            typed = typed_operands.get(id(parent))
            if typed is None:
                scope = Scope(catalog, _enclosing_query(p))
                typed = typed_operands[id(parent)] = _first_typed_operands(inferer, scope, parent)
            t = next((ref for o, ref in typed if o is not p), None)
        elif isinstance(parent, exp.Tuple) and isinstance(parent.parent, exp.Values):
            ins = parent.parent.parent
            if isinstance(ins, exp.Insert) and isinstance(ins.this, (exp.Schema, exp.Table)):
                # (None: p is no item of the row, as in a malformed VALUES the parser took)
                idx = next((i for i, e in enumerate(parent.expressions) if e is p), None)
                if isinstance(ins.this, exp.Schema):
                    table = ins.this.this.name
                    names = [c.name for c in ins.this.expressions]
                else:  # no column list: the table's columns in order
                    table = ins.this.name
                    names = [c.name for c in catalog.table_columns(table) or []]
                if idx is not None and idx < len(names):
                    info = catalog.column(table, names[idx])
                    if info is not None:
                        t = (info.type_oid, info.typmod)
        elif isinstance(parent, exp.Values):
            pass
        if t is None and isinstance(parent, exp.EQ) and isinstance(parent.parent, exp.Update):
            upd = parent.parent
            col = parent.this
            if isinstance(col, exp.Column):
                info = catalog.column(upd.this.name, col.name)
                if info is not None:
                    t = (info.type_oid, info.typmod)
        if t is None and isinstance(parent, exp.Tuple) and isinstance(parent.parent, exp.Values):
            # INSERT ... SELECT FROM (VALUES ...): SQLAlchemy's insertmanyvalues casts anyway.
            pass
        if t is not None:
            oid = t[0]
            if oid in (types.TEXT, 1043, 1042, 19) or oid == 0:
                oid = types.TEXT if oid == 0 else oid
            found[n] = oid
    return found


def _first_typed_operands(inferer: Inferer, scope: Scope,
                           parent: exp.Expression) -> list[tuple[exp.Expression, TypeRef]]:
    """The first two operands of a comparison, IN or BETWEEN (only its left side) that have a
    type, in order, with their types: a parameter takes the first's, or the second's if it
    is the first itself."""
    if isinstance(parent, exp.Between):
        operands: Iterable[exp.Expression] = [parent.this]
    else:
        operands = itertools.chain([parent.this], parent.args.get("expressions") or [])
        if isinstance(parent, exp.Binary):
            operands = itertools.chain(operands, [parent.expression])
    typed: list[tuple[exp.Expression, TypeRef]] = []
    for o in operands:
        t = inferer.type_of(o, scope)
        if t is not None:
            typed.append((o, t))
            if len(typed) == 2:
                break
    return typed


def _enclosing_query(e: exp.Expression) -> exp.Expression | None:
    node = e.parent
    while node is not None and not isinstance(
        node, (exp.Select, exp.Update, exp.Delete, exp.Insert)
    ):
        node = node.parent
    return node
