"""pg_catalog and information_schema, emulated as TEMP tables of the session's connection.

SQLite has no schemas: the translator drops the ``pg_catalog.`` qualifier and renames
``information_schema.x`` to ``_is_x``; TEMP tables of those names are (re)filled from SQLite's
own schema and from ``_aurora_columns`` when the schema cookie moved since the last fill.
TEMP tables shadow nothing a user creates in ``main`` with another name, are writable on a
read-only reader, and cost nothing on the shared volume. Relations this emulation cannot
have (pg_inherits, pg_trigger, pg_policy, publications...) exist and are empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import apsw

from aurora.engine.sql import extensions, fkeys, inherits, partitions, schemas, types, userfuncs
from aurora.engine.sql.catalog import INTERNAL_PREFIXES, Catalog, rel_oid
from aurora.engine.sql.sequences import Sequences
from aurora.engine.sql.tabledef import TableText

NS_PG_CATALOG, NS_PUBLIC, NS_INFORMATION_SCHEMA = 11, 2200, 13000
OWNER_OID = 10
DATABASE_OID = 16384
BTREE_AM = 403
HEAP_AM = 2

# name -> [(column, type oid)], in PostgreSQL's column order.
_SPEC: dict[str, str] = {
    "pg_namespace": "oid:26 nspname:19 nspowner:26 nspacl:1034",
    "pg_class": (
        "oid:26 relname:19 relnamespace:26 reltype:26 reloftype:26 relowner:26 relam:26 "
        "relfilenode:26 reltablespace:26 relpages:23 reltuples:700 relallvisible:23 "
        "reltoastrelid:26 relhasindex:16 relisshared:16 relpersistence:18 relkind:18 "
        "relnatts:21 relchecks:21 relhasrules:16 relhastriggers:16 relhassubclass:16 "
        "relrowsecurity:16 relforcerowsecurity:16 relispopulated:16 relreplident:18 "
        "relispartition:16 relrewrite:26 relfrozenxid:28 relminmxid:28 relacl:1034 "
        "reloptions:1009 relpartbound:194"
    ),
    "pg_attribute": (
        "attrelid:26 attname:19 atttypid:26 attstattarget:23 attlen:21 attnum:21 attndims:23 "
        "attcacheoff:23 atttypmod:23 attbyval:16 attalign:18 attstorage:18 attcompression:18 "
        "attnotnull:16 atthasdef:16 atthasmissing:16 attidentity:18 attgenerated:18 "
        "attisdropped:16 attislocal:16 attinhcount:23 attcollation:26 attacl:1034 "
        "attoptions:1009 attfdwoptions:1009"
    ),
    "pg_attrdef": "oid:26 adrelid:26 adnum:21 adbin:194",
    "pg_type": (
        "oid:26 typname:19 typnamespace:26 typowner:26 typlen:21 typbyval:16 typtype:18 "
        "typcategory:18 typispreferred:16 typisdefined:16 typdelim:18 typrelid:26 "
        "typsubscript:24 typelem:26 typarray:26 typinput:24 typoutput:24 typreceive:24 "
        "typsend:24 typmodin:24 typmodout:24 typanalyze:24 typalign:18 typstorage:18 "
        "typnotnull:16 typbasetype:26 typtypmod:23 typndims:23 typcollation:26 "
        "typdefaultbin:194 typdefault:25 typacl:1034"
    ),
    "pg_index": (
        "indexrelid:26 indrelid:26 indnatts:21 indnkeyatts:21 indisunique:16 "
        "indnullsnotdistinct:16 indisprimary:16 indisexclusion:16 indimmediate:16 "
        "indisclustered:16 indisvalid:16 indcheckxmin:16 indisready:16 indislive:16 "
        "indisreplident:16 indkey:22 indcollation:30 indclass:30 indoption:22 "
        "indexprs:194 indpred:194 _def:25"
    ),
    "pg_constraint": (
        "oid:26 conname:19 connamespace:26 contype:18 condeferrable:16 condeferred:16 "
        "convalidated:16 conrelid:26 contypid:26 conindid:26 conparentid:26 confrelid:26 "
        "confupdtype:18 confdeltype:18 confmatchtype:18 conislocal:16 coninhcount:23 "
        "connoinherit:16 conkey:1005 confkey:1005 conpfeqop:1028 conppeqop:1028 "
        "conffeqop:1028 confdelsetcols:1005 conexclop:1028 conbin:194 _def:25"
    ),
    "pg_database": (
        "oid:26 datname:19 datdba:26 encoding:23 datlocprovider:18 datistemplate:16 "
        "datallowconn:16 datconnlimit:23 datfrozenxid:28 datminmxid:28 dattablespace:26 "
        "datcollate:25 datctype:25 daticulocale:25 daticurules:25 datcollversion:25 datacl:1034"
    ),
    "pg_roles": (
        "rolname:19 rolsuper:16 rolinherit:16 rolcreaterole:16 rolcreatedb:16 "
        "rolcanlogin:16 rolreplication:16 rolconnlimit:23 rolpassword:25 rolvaliduntil:1184 "
        "rolbypassrls:16 rolconfig:1009 oid:26"
    ),
    "pg_user": (
        "usename:19 usesysid:26 usecreatedb:16 usesuper:16 userepl:16 usebypassrls:16 "
        "passwd:25 valuntil:1184 useconfig:1009"
    ),
    "pg_am": "oid:26 amname:19 amhandler:24 amtype:18",
    "pg_collation": (
        "oid:26 collname:19 collnamespace:26 collowner:26 collprovider:18 "
        "collisdeterministic:16 collencoding:23 collcollate:25 collctype:25"
    ),
    "pg_sequence": (
        "seqrelid:26 seqtypid:26 seqstart:20 seqincrement:20 seqmax:20 seqmin:20 "
        "seqcache:20 seqcycle:16"
    ),
    "pg_description": "objoid:26 classoid:26 objsubid:23 description:25",
    "pg_shdescription": "objoid:26 classoid:26 description:25",
    "pg_inherits": "inhrelid:26 inhparent:26 inhseqno:23 inhdetachpending:16",
    "pg_partitioned_table": "partrelid:26 partstrat:18 partnatts:21 partdefid:26",
    "pg_trigger": (
        "oid:26 tgrelid:26 tgparentid:26 tgname:19 tgfoid:26 tgtype:21 tgenabled:18 "
        "tgisinternal:16 tgconstrrelid:26 tgconstrindid:26 tgconstraint:26"
    ),
    "pg_policy": (
        "oid:26 polname:19 polrelid:26 polcmd:18 polpermissive:16 polroles:1028 "
        "polqual:194 polwithcheck:194"
    ),
    "pg_statistic_ext": (
        "oid:26 stxrelid:26 stxname:19 stxnamespace:26 stxowner:26 stxstattarget:23 "
        "stxkeys:22 stxkind:1002"
    ),
    "pg_publication": "oid:26 pubname:19 pubowner:26 puballtables:16",
    "pg_publication_rel": "oid:26 prpubid:26 prrelid:26 prqual:194 prattrs:22",
    "pg_publication_namespace": "oid:26 pnpubid:26 pnnspid:26",
    "pg_rewrite": "oid:26 rulename:19 ev_class:26 ev_type:18 ev_enabled:18 is_instead:16",
    "pg_range": "rngtypid:26 rngsubtype:26 rngmultitypid:26",
    "pg_auth_members": "roleid:26 member:26 grantor:26 admin_option:16",
    "pg_opclass": "oid:26 opcmethod:26 opcname:19 opcnamespace:26 opcdefault:16",
    "pg_tablespace": "oid:26 spcname:19 spcowner:26",
    "pg_extension": "oid:26 extname:19 extowner:26 extnamespace:26 extversion:25",
    "pg_enum": "oid:26 enumtypid:26 enumsortorder:700 enumlabel:19",
    "pg_proc": "oid:26 proname:19 pronamespace:26 prorettype:26 prokind:18",
    "pg_depend": (
        "classid:26 objid:26 objsubid:23 refclassid:26 refobjid:26 refobjsubid:23 deptype:18"
    ),
    "pg_settings": "name:25 setting:25 unit:25 category:25 short_desc:25 vartype:25",
    # Filled by the session's cursors (cursors.py) whenever they change.
    "pg_cursors": (
        "name:25 statement:25 is_holdable:16 is_binary:16 is_scrollable:16 creation_time:1184"
    ),
    "pg_tables": (
        "schemaname:19 tablename:19 tableowner:19 tablespace:19 hasindexes:16 hasrules:16 "
        "hastriggers:16 rowsecurity:16"
    ),
    "pg_views": "schemaname:19 viewname:19 viewowner:19 definition:25",
    "pg_indexes": "schemaname:19 tablename:19 indexname:19 tablespace:19 indexdef:25",
    "pg_sequences": (
        "schemaname:19 sequencename:19 sequenceowner:19 data_type:2206 start_value:20 "
        "min_value:20 max_value:20 increment_by:20 cycle:16 cache_size:20 last_value:20"
    ),
    "pg_stat_activity": "datid:26 datname:19 pid:23 usename:19 application_name:25 state:25 query:25",
    "pg_locks": "locktype:25 relation:26 pid:23 mode:25 granted:16",
    "pg_matviews": "schemaname:19 matviewname:19 definition:25",
    "pg_foreign_table": "ftrelid:26 ftserver:26",
    "_is_tables": (
        "table_catalog:19 table_schema:19 table_name:19 table_type:25 "
        "self_referencing_column_name:19 reference_generation:25 user_defined_type_catalog:19 "
        "user_defined_type_schema:19 user_defined_type_name:19 is_insertable_into:25 "
        "is_typed:25 commit_action:25"
    ),
    "_is_columns": (
        "table_catalog:19 table_schema:19 table_name:19 column_name:19 ordinal_position:23 "
        "column_default:25 is_nullable:25 data_type:25 character_maximum_length:23 "
        "numeric_precision:23 numeric_scale:23 datetime_precision:23 udt_name:19 "
        "is_identity:25 identity_generation:25 is_generated:25"
    ),
    "_is_schemata": "catalog_name:19 schema_name:19 schema_owner:19",
    "_is_views": "table_catalog:19 table_schema:19 table_name:19 view_definition:25",
    "_is_sequences": (
        "sequence_catalog:19 sequence_schema:19 sequence_name:19 data_type:25 start_value:25 "
        "minimum_value:25 maximum_value:25 increment:25 cycle_option:25"
    ),
    "_is_table_constraints": (
        "constraint_catalog:19 constraint_schema:19 constraint_name:19 table_catalog:19 "
        "table_schema:19 table_name:19 constraint_type:25"
    ),
    "_is_key_column_usage": (
        "constraint_catalog:19 constraint_schema:19 constraint_name:19 table_catalog:19 "
        "table_schema:19 table_name:19 column_name:19 ordinal_position:23"
    ),
}

CATALOG_COLUMNS: dict[str, dict[str, int]] = {
    name: {c.split(":")[0]: int(c.split(":")[1]) for c in spec.split()}
    for name, spec in _SPEC.items()
}
CATALOG_TABLES = frozenset(CATALOG_COLUMNS)
# Catalogs that are always empty here: a query over them can only answer no rows.
EMPTY_CATALOGS = frozenset(
    [
        "pg_trigger",
        "pg_policy",
        "pg_statistic_ext",
        "pg_publication",
        "pg_publication_rel",
        "pg_publication_namespace",
        "pg_rewrite",
        "pg_range",
        "pg_auth_members",
        "pg_description",
        "pg_shdescription",
        "pg_opclass",
        "pg_enum",
        "pg_depend",
        "pg_locks",
        "pg_matviews",
        "pg_foreign_table",
    ]
)


def _affinity(oid: int) -> str:
    t = types.BY_OID.get(oid)
    return t.affinity if t else "TEXT"


def create_temp_tables(conn: apsw.Connection) -> None:
    """Create every emulated catalog as an empty TEMP table (once per connection)."""
    stmts = []
    for name, cols in CATALOG_COLUMNS.items():
        body = ", ".join(f'"{c}" {_affinity(o)}' for c, o in cols.items())
        stmts.append(f'CREATE TEMP TABLE IF NOT EXISTS "{name}" ({body});')
    conn.execute("\n".join(stmts))


def _insert(conn: apsw.Connection, table: str, rows: list[dict]) -> None:
    cols = list(CATALOG_COLUMNS[table])
    if not rows:
        return
    sql = f'INSERT INTO temp."{table}" VALUES ({", ".join("?" * len(cols))})'
    conn.executemany(sql, [tuple(_cell(r.get(c)) for c in cols) for r in rows])


def _cell(v: object) -> object:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (list, tuple)):
        return json.dumps(list(v))
    return v


_STATIC_TABLES = (
    "pg_type",
    "pg_am",
    "pg_roles",
    "pg_user",
    "pg_collation",
    "pg_tablespace",
    "pg_settings",
    "pg_database",
    "pg_namespace",
    "_is_schemata",
    "pg_proc",
)


def fill_static(
    conn: apsw.Connection, user: str, databases: list[str], settings: dict[str, str]
) -> None:
    """The catalogs that do not depend on the schema: types, roles, namespaces, databases."""
    for t in _STATIC_TABLES:
        conn.execute(f'DELETE FROM temp."{t}"')
    rows = []
    for t in types.BY_OID.values():
        rows.append(
            {
                "oid": t.oid,
                "typname": t.typname,
                "typnamespace": NS_PG_CATALOG,
                "typowner": OWNER_OID,
                "typlen": t.size,
                "typbyval": t.size in (1, 2, 4, 8),
                "typtype": "p" if t.category == "P" else "b",
                "typcategory": t.category,
                "typispreferred": False,
                "typisdefined": True,
                "typdelim": ",",
                "typrelid": 0,
                "typsubscript": 0,
                "typelem": t.elem_oid,
                "typarray": t.array_oid,
                "typinput": 0,
                "typoutput": 0,
                "typreceive": 0,
                "typsend": 0,
                "typalign": "i",
                "typstorage": "p" if t.size > 0 else "x",
                "typnotnull": False,
                "typbasetype": 0,
                "typtypmod": -1,
                "typndims": 0,
                "typcollation": 100 if t.category == "S" else 0,
            }
        )
    _insert(conn, "pg_type", rows)
    _insert(
        conn,
        "pg_am",
        [
            {"oid": HEAP_AM, "amname": "heap", "amtype": "t"},
            {"oid": BTREE_AM, "amname": "btree", "amtype": "i"},
        ],
    )
    role = {
        "rolname": user,
        "rolsuper": True,
        "rolinherit": True,
        "rolcreaterole": True,
        "rolcreatedb": True,
        "rolcanlogin": True,
        "rolreplication": True,
        "rolconnlimit": -1,
        "rolpassword": "********",
        "rolbypassrls": True,
        "oid": OWNER_OID,
    }
    _insert(conn, "pg_roles", [role])
    _insert(
        conn,
        "pg_user",
        [
            {
                "usename": user,
                "usesysid": OWNER_OID,
                "usecreatedb": True,
                "usesuper": True,
                "userepl": True,
                "usebypassrls": True,
                "passwd": "********",
            }
        ],
    )
    _insert(
        conn,
        "pg_collation",
        [
            {
                "oid": 100,
                "collname": "default",
                "collnamespace": NS_PG_CATALOG,
                "collprovider": "d",
                "collisdeterministic": True,
                "collencoding": -1,
            },
            {
                "oid": 950,
                "collname": "C",
                "collnamespace": NS_PG_CATALOG,
                "collprovider": "c",
                "collisdeterministic": True,
                "collencoding": -1,
                "collcollate": "C",
                "collctype": "C",
            },
        ],
    )
    _insert(conn, "pg_tablespace", [{"oid": 1663, "spcname": "pg_default", "spcowner": OWNER_OID}])
    _insert(
        conn,
        "pg_settings",
        [{"name": k, "setting": v, "vartype": "string"} for k, v in settings.items()],
    )
    _insert(
        conn,
        "pg_database",
        [
            {
                "oid": DATABASE_OID + i,
                "datname": d,
                "datdba": OWNER_OID,
                "encoding": 6,
                "datlocprovider": "c",
                "datistemplate": d.startswith("template"),
                "datallowconn": True,
                "datconnlimit": -1,
                "dattablespace": 1663,
                "datcollate": "C.UTF-8",
                "datctype": "C.UTF-8",
            }
            for i, d in enumerate(databases)
        ],
    )
    _insert(
        conn,
        "pg_namespace",
        [
            {"oid": NS_PG_CATALOG, "nspname": "pg_catalog", "nspowner": OWNER_OID},
            {"oid": NS_PUBLIC, "nspname": "public", "nspowner": OWNER_OID},
            {"oid": NS_INFORMATION_SCHEMA, "nspname": "information_schema", "nspowner": OWNER_OID},
            {"oid": 99, "nspname": "pg_toast", "nspowner": OWNER_OID},
        ],
    )
    _insert(
        conn,
        "_is_schemata",
        [
            {
                "catalog_name": databases[0] if databases else "postgres",
                "schema_name": s,
                "schema_owner": user,
            }
            for s in ("pg_catalog", "public", "information_schema")
        ],
    )


_SCHEMA_TABLES = (
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_index",
    "pg_constraint",
    "pg_sequence",
    "pg_tables",
    "pg_views",
    "pg_inherits",
    "pg_partitioned_table",
    "pg_indexes",
    "pg_sequences",
    "_is_tables",
    "_is_columns",
    "_is_views",
    "_is_sequences",
    "_is_table_constraints",
    "_is_key_column_usage",
)


def enum_oid(name: str) -> int:
    """A stable OID for enum type ``name`` (pg_type.oid, pg_enum.enumtypid)."""
    return rel_oid("pg_type." + name)


def _enum_types(conn: apsw.Connection, catalog: Catalog) -> None:
    """pg_type rows (typtype 'e') and pg_enum rows for the database's enum types."""
    conn.execute("DELETE FROM temp.pg_type WHERE typtype = 'e'")
    conn.execute('DELETE FROM temp."pg_enum"')
    types_, labels = [], []
    for name, values in catalog.enums.items():
        oid = enum_oid(name)
        types_.append({"oid": oid, "typname": name, "typnamespace": NS_PUBLIC,
                       "typowner": OWNER_OID, "typlen": 4, "typbyval": True, "typtype": "e",
                       "typcategory": "E", "typispreferred": False, "typisdefined": True,
                       "typdelim": ",", "typrelid": 0, "typsubscript": 0, "typelem": 0,
                       "typarray": 0, "typalign": "i", "typstorage": "p", "typnotnull": False,
                       "typbasetype": 0, "typtypmod": -1, "typndims": 0, "typcollation": 0})
        labels += [{"oid": rel_oid(f"pg_enum.{name}.{v}"), "enumtypid": oid,
                    "enumsortorder": float(i + 1), "enumlabel": v} for i, v in enumerate(values)]
    _insert(conn, "pg_type", types_)
    _insert(conn, "pg_enum", labels)


def fill_schema(conn: apsw.Connection, catalog: Catalog, user: str, database: str) -> None:
    """The catalogs that describe the database's relations, from SQLite and _aurora_columns."""
    for t in _SCHEMA_TABLES:
        conn.execute(f'DELETE FROM temp."{t}"')
    _named_schemas(conn, user, database)
    objects = [(*o, False) for o in conn.execute(
        "SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid"
    ).fetchall()]
    ns_temp = schemas.namespace_oid(catalog.temp_namespace)
    if catalog.temp:  # the session's temp relations, in its pg_temp_N (temp.py)
        objects += [(*o, True) for o in conn.execute(
            "SELECT type, name, tbl_name, sql FROM temp.sqlite_schema ORDER BY rowid"
        ).fetchall() if o[1].lower() in catalog.temp_names]
        _insert(conn, "pg_namespace", [{"oid": ns_temp, "nspname": catalog.temp_namespace,
                                        "nspowner": OWNER_OID}])
    classes: list[dict] = []
    attrs: list[dict] = []
    attrdefs: list[dict] = []
    indexes: list[dict] = []
    cons: list[dict] = []
    pg_tables: list[dict] = []
    pg_indexes: list[dict] = []
    is_tables: list[dict] = []
    is_columns: list[dict] = []
    is_tc: list[dict] = []
    is_kcu: list[dict] = []
    all_fks = fkeys.load(conn)
    _enum_types(conn, catalog)
    for kind, name, _tbl, sql, is_temp in objects:
        if name.startswith(INTERNAL_PREFIXES) or kind not in ("table", "view"):
            continue
        oid = rel_oid(name) if not is_temp else rel_oid("pg_temp." + name)
        ns, nspname = (ns_temp, catalog.temp_namespace) if is_temp else (NS_PUBLIC, "public")
        if name.lower() in catalog.temp_names:
            cols = catalog.columns_in("temp" if is_temp else "main", name) or []
        else:
            cols = catalog.table_columns(name) or []
        table_indexes = [] if kind == "view" else _indexes_of(conn, name, cols)
        fks = [] if kind == "view" else [fk for fk in all_fks if fk.table.lower() == name.lower()]
        checks = [] if kind == "view" else _checks_of(name, sql)
        classes.append(
            {
                "oid": oid,
                "relname": name,
                "relnamespace": ns,
                "reltype": 0,
                "reloftype": 0,
                "relowner": OWNER_OID,
                "relam": HEAP_AM if kind == "table" else 0,
                "relfilenode": oid,
                "reltablespace": 0,
                "relpages": 0,
                "reltuples": -1,
                "relallvisible": 0,
                "reltoastrelid": 0,
                "relhasindex": bool(table_indexes),
                "relisshared": False,
                "relpersistence": "t" if is_temp else "p",
                "relkind": "r" if kind == "table" else "v",
                "relnatts": len(cols),
                "relchecks": len(checks),
                "relhasrules": False,
                # psql lists foreign keys (both ways) only for tables with triggers, as
                # PostgreSQL's are.
                "relhastriggers": any(fk.involves(name) for fk in all_fks),
                "relhassubclass": False,
                "relrowsecurity": False,
                "relforcerowsecurity": False,
                "relispopulated": True,
                "relreplident": "d",
                "relispartition": False,
                "relrewrite": 0,
            }
        )
        if kind == "table":
            pg_tables.append(
                {
                    "schemaname": nspname,
                    "tablename": name,
                    "tableowner": user,
                    "hasindexes": bool(table_indexes),
                    "hasrules": False,
                    "hastriggers": False,
                    "rowsecurity": False,
                }
            )
        is_tables.append(
            {
                "table_catalog": database,
                "table_schema": nspname,
                "table_name": name,
                "table_type": "BASE TABLE" if kind == "table" else "VIEW",
                "is_insertable_into": "YES",
                "is_typed": "NO",
            }
        )
        for c in cols:
            t = types.BY_OID.get(c.type_oid)
            default = c.default_expr
            attrs.append(
                {
                    "attrelid": oid,
                    "attname": c.name,
                    "atttypid": c.type_oid,
                    "attstattarget": -1,
                    "attlen": t.size if t else -1,
                    "attnum": c.position,
                    "attndims": 0,
                    "attcacheoff": -1,
                    "atttypmod": c.typmod,
                    "attbyval": bool(t and t.size in (1, 2, 4, 8)),
                    "attalign": "i",
                    "attstorage": "p",
                    "attcompression": "",
                    "attnotnull": c.not_null,
                    "atthasdef": default is not None,
                    "atthasmissing": False,
                    "attidentity": c.identity,
                    "attgenerated": "",
                    "attisdropped": False,
                    "attislocal": True,
                    "attinhcount": 0,
                    "attcollation": 100 if t and t.category == "S" else 0,
                }
            )
            if default is not None:
                attrdefs.append(
                    {
                        "oid": rel_oid(f"{name}.{c.name}.default"),
                        "adrelid": oid,
                        "adnum": c.position,
                        "adbin": default,
                    }
                )
            tm = c.typmod
            is_columns.append(
                {
                    "table_catalog": database,
                    "table_schema": nspname,
                    "table_name": name,
                    "column_name": c.name,
                    "ordinal_position": c.position,
                    "column_default": default,
                    "is_nullable": "NO" if c.not_null else "YES",
                    "data_type": (t.name if t else "text"),
                    "character_maximum_length": tm - 4
                    if c.type_oid in (1042, 1043) and tm > 4
                    else None,
                    "numeric_precision": ((tm - 4) >> 16)
                    if c.type_oid == 1700 and tm > 4
                    else None,
                    "numeric_scale": ((tm - 4) & 0xFFFF) if c.type_oid == 1700 and tm > 4 else None,
                    "udt_name": t.typname if t else "text",
                    "is_identity": "YES" if c.identity else "NO",
                    "identity_generation": {"a": "ALWAYS", "d": "BY DEFAULT"}.get(c.identity),
                    "is_generated": "NEVER",
                }
            )
        by_name = {c.name.lower(): c for c in cols}
        for idx in table_indexes:
            ioid = rel_oid(idx["name"])
            keys = [
                by_name[k.lower()].position if k and k.lower() in by_name else 0
                for k in idx["columns"]
            ]
            classes.append(
                {
                    "oid": ioid,
                    "relname": idx["name"],
                    "relnamespace": ns,
                    "relowner": OWNER_OID,
                    "relam": BTREE_AM,
                    "reltablespace": 0,
                    "relkind": "i",
                    "relnatts": len(keys),
                    "relpersistence": "t" if is_temp else "p",
                    "relhasindex": False,
                    "relchecks": 0,
                    "reloftype": 0,
                    "relispartition": False,
                    "reltuples": -1,
                    "relreplident": "n",
                    "relhasrules": False,
                    "relhastriggers": False,
                }
            )
            indexes.append(
                {
                    "indexrelid": ioid,
                    "indrelid": oid,
                    "indnatts": len(keys),
                    "indnkeyatts": len(keys),
                    "indisunique": idx["unique"],
                    "indnullsnotdistinct": False,
                    "indisprimary": idx["primary"],
                    "indisexclusion": False,
                    "indimmediate": True,
                    "indisclustered": False,
                    "indisvalid": True,
                    "indcheckxmin": False,
                    "indisready": True,
                    "indislive": True,
                    "indisreplident": False,
                    "indkey": keys,
                    "indcollation": [0] * len(keys),
                    "indclass": [0] * len(keys),
                    "indoption": idx.get("options") or [0] * len(keys),
                    "indexprs": "expr" if 0 in keys else None,
                    "indpred": idx.get("predicate"),
                    "_def": idx["def"],
                }
            )
            col_list = ", ".join(idx["columns"])
            pg_indexes.append(
                {
                    "schemaname": nspname,
                    "tablename": name,
                    "indexname": idx["name"],
                    "indexdef": idx["def"],
                }
            )
            if idx["primary"] or idx["constraint"]:
                ctype = "p" if idx["primary"] else "u"
                cons.append(
                    {
                        "oid": rel_oid(idx["name"] + ".con"),
                        "conname": idx["name"],
                        "connamespace": NS_PUBLIC,
                        "contype": ctype,
                        "condeferrable": False,
                        "condeferred": False,
                        "convalidated": True,
                        "conrelid": oid,
                        "contypid": 0,
                        "conindid": ioid,
                        "conparentid": 0,
                        "confrelid": 0,
                        "conislocal": True,
                        "coninhcount": 0,
                        "connoinherit": True,
                        "conkey": keys,
                        "_def": f"{'PRIMARY KEY' if ctype == 'p' else 'UNIQUE'} ({col_list})",
                    }
                )
                _key_constraint(
                    is_tc, is_kcu, database, name, idx["name"],
                    "PRIMARY KEY" if ctype == "p" else "UNIQUE", idx["columns"],
                )
        for fk in fks:
            conname = fk.name
            ref_catalog = catalog.table_columns(fk.ref_table) or []
            ref_pos = {c.name.lower(): c.position for c in ref_catalog}
            cons.append(
                {
                    "oid": rel_oid(f"{name}.{conname}"),
                    "conname": conname,
                    "connamespace": NS_PUBLIC,
                    "contype": "f",
                    "condeferrable": fk.deferrable,
                    "condeferred": fk.initially_deferred,
                    "convalidated": fk.validated,
                    "conrelid": oid,
                    "contypid": 0,
                    "conindid": 0,
                    "conparentid": 0,
                    "confrelid": rel_oid(fk.ref_table),
                    "confupdtype": fk.update_code,
                    "confdeltype": fk.delete_code,
                    "confmatchtype": "s",
                    "conislocal": True,
                    "coninhcount": 0,
                    "connoinherit": True,
                    "conkey": [
                        by_name[c.lower()].position if c.lower() in by_name else 0
                        for c in fk.columns
                    ],
                    "confkey": [ref_pos.get(c.lower(), 0) for c in fk.ref_columns],
                    "_def": fk.definition(),
                }
            )
            _key_constraint(
                is_tc, is_kcu, database, name, conname, "FOREIGN KEY", list(fk.columns)
            )
        for i, (cname, expr) in enumerate(checks):
            cname = cname or f"{name}_check{'' if i == 0 else i}"
            cons.append(
                {
                    "oid": rel_oid(f"{name}.{cname}"),
                    "conname": cname,
                    "connamespace": NS_PUBLIC,
                    "contype": "c",
                    "condeferrable": False,
                    "condeferred": False,
                    "convalidated": True,
                    "conrelid": oid,
                    "contypid": 0,
                    "conindid": 0,
                    "conparentid": 0,
                    "confrelid": 0,
                    "conislocal": True,
                    "coninhcount": 0,
                    "connoinherit": False,
                    # The columns the expression names (Django reads them as the check's).
                    "conkey": [
                        c.position
                        for c in cols
                        if re.search(rf'(?<![\w"]){re.escape(c.name)}(?![\w"])|"{re.escape(c.name)}"',
                                     expr, re.I)
                    ],
                    "_def": f"CHECK ({expr})",
                }
            )
    columns = "name, last_value, start_value, increment, min_value, max_value, cycle, is_called"
    seq_rows = [(*r, False) for r in (
        conn.execute(f"SELECT {columns} FROM main._aurora_sequences").fetchall()
        if _has_sequences(conn)
        else []
    ) + _implied_sequences(conn)]
    if catalog.temp:  # the session's temp sequences (temp.py)
        seq_rows += [(*r, True) for r in conn.execute(f"SELECT {columns} FROM temp._aurora_sequences")]
    sequences = []
    pg_sequences = []
    is_sequences = []
    for name, last, start, inc, mn, mx, cyc, called, is_temp in seq_rows:
        oid = rel_oid(name) if not is_temp else rel_oid("pg_temp." + name)
        ns, nspname = (ns_temp, catalog.temp_namespace) if is_temp else (NS_PUBLIC, "public")
        classes.append(
            {
                "oid": oid,
                "relname": name,
                "relnamespace": ns,
                "relowner": OWNER_OID,
                "relkind": "S",
                "relpersistence": "t" if is_temp else "p",
                "relam": 0,
                "reltablespace": 0,
                "relchecks": 0,
                "reloftype": 0,
                "relispartition": False,
                "relhasindex": False,
                "relreplident": "n",
                "relhasrules": False,
                "relhastriggers": False,
            }
        )
        sequences.append(
            {
                "seqrelid": oid,
                "seqtypid": 20,
                "seqstart": start,
                "seqincrement": inc,
                "seqmax": mx,
                "seqmin": mn,
                "seqcache": 1,
                "seqcycle": bool(cyc),
            }
        )
        is_sequences.append(
            {
                "sequence_catalog": database,
                "sequence_schema": nspname,
                "sequence_name": name,
                "data_type": "bigint",
                "start_value": str(start),
                "minimum_value": str(mn),
                "maximum_value": str(mx),
                "increment": str(inc),
                "cycle_option": "YES" if cyc else "NO",
            }
        )
        pg_sequences.append(
            {
                "schemaname": nspname,
                "sequencename": name,
                "sequenceowner": user,
                "data_type": 20,
                "start_value": start,
                "min_value": mn,
                "max_value": mx,
                "increment_by": inc,
                "cycle": bool(cyc),
                "cache_size": 1,
                "last_value": last if called else None,  # NULL until the first nextval
            }
        )
    inherited, parted = _trees(conn, classes, pg_tables, is_tables, user)
    named = set(schemas.names(conn))
    if named:
        _place_in_schemas(
            named, classes, indexes, cons, pg_tables, pg_indexes, pg_sequences, is_sequences, is_tables,
            is_columns, is_tc, is_kcu,
        )
    _insert(conn, "pg_class", classes)
    _insert(conn, "pg_inherits", inherited)
    _insert(conn, "pg_partitioned_table", parted)
    _insert(conn, "pg_attribute", attrs)
    _insert(conn, "pg_attrdef", attrdefs)
    _insert(conn, "pg_index", indexes)
    _insert(conn, "pg_constraint", cons)
    _insert(conn, "pg_sequence", sequences)
    _insert(conn, "pg_sequences", pg_sequences)
    _insert(conn, "_is_sequences", is_sequences)
    _insert(conn, "pg_tables", pg_tables)
    _insert(conn, "pg_indexes", pg_indexes)
    _insert(conn, "_is_tables", is_tables)
    _insert(conn, "_is_columns", is_columns)
    _insert(conn, "_is_table_constraints", is_tc)
    _insert(conn, "_is_key_column_usage", is_kcu)


def _trees(
    conn: apsw.Connection, classes: list[dict], pg_tables: list[dict], is_tables: list[dict],
    user: str,
) -> tuple[list[dict], list[dict]]:
    """Partitioned tables (relkind p), their partitions (tables here kept as views of the
    root, shown as the tables they are in PostgreSQL) and INHERITS links: the rows of
    pg_inherits and pg_partitioned_table, and pg_class / pg_tables / tables made to agree."""
    rels = partitions.load(conn)
    kids = inherits.children(conn)
    if not rels and not kids:
        return [], []
    by_name = {c["relname"].lower(): c for c in classes}
    listed = {r["table_name"].lower(): r for r in is_tables}
    inherited: list[dict] = []
    parted: list[dict] = []
    for rel in rels.values():
        c = by_name.get(rel.name.lower())
        if c is None:
            continue
        if rel.strategy:
            c.update(relkind="p", relam=0)
            default = next((r for r in partitions.children(rels, rel.name) if r.is_default),
                           None)
            parted.append({"partrelid": c["oid"], "partstrat": rel.strategy,
                           "partnatts": len(rel.key),
                           "partdefid": rel_oid(default.name) if default else 0})
        if rel.parent:
            parent = by_name.get(rel.parent.lower())
            if parent is None:
                continue
            parent["relhassubclass"] = True
            c["relispartition"] = True
            if not rel.strategy:
                c.update(relkind="r", relam=HEAP_AM)
            if rel.name.lower() in listed:
                listed[rel.name.lower()]["table_type"] = "BASE TABLE"
            pg_tables.append({"schemaname": "public", "tablename": c["relname"],
                              "tableowner": user, "hasindexes": False, "hasrules": False,
                              "hastriggers": False, "rowsecurity": False})
            inherited.append({"inhrelid": c["oid"], "inhparent": parent["oid"], "inhseqno": 1,
                              "inhdetachpending": False})
    seq: dict[str, int] = {}
    for parent_name, children in kids.items():
        parent = by_name.get(parent_name)
        for child in children:
            c = by_name.get(child.lower())
            if parent is None or c is None:
                continue
            parent["relhassubclass"] = True
            seq[child.lower()] = seq.get(child.lower(), 0) + 1
            inherited.append({"inhrelid": c["oid"], "inhparent": parent["oid"],
                              "inhseqno": seq[child.lower()], "inhdetachpending": False})
    return inherited, parted


def _place_in_schemas(
    named: set[str],
    classes: list[dict],
    indexes: list[dict],
    cons: list[dict],
    pg_tables: list[dict],
    pg_indexes: list[dict],
    pg_sequences: list[dict],
    is_sequences: list[dict],
    *is_rows: list[dict],
) -> None:
    """Relations of named schemas are SQLite objects called ``schema.name`` (schemas.py):
    show them as ``name`` in namespace ``schema``."""
    ns_of = {c["oid"]: c for c in classes}
    for c in classes:
        schema, rel = schemas.split_stored(c["relname"], named)
        if schema != "public":
            c["relname"], c["relnamespace"] = rel, schemas.namespace_oid(schema)
    for index in indexes:  # an index is in its table's schema, whatever its name says
        if index["indexrelid"] in ns_of and index["indrelid"] in ns_of:
            ns_of[index["indexrelid"]]["relnamespace"] = ns_of[index["indrelid"]]["relnamespace"]
    for con in cons:
        owner = ns_of.get(con["conrelid"])
        if owner is not None:
            con["connamespace"] = owner["relnamespace"]
        con["conname"] = schemas.split_stored(con["conname"], named)[1]
    for row in pg_tables:
        schema, rel = schemas.split_stored(row["tablename"], named)
        if schema != "public":  # (a temp table's is pg_temp_N already)
            row["schemaname"], row["tablename"] = schema, rel
    for row in pg_indexes:
        table, index = row["tablename"], row["indexname"]
        schema, rel = schemas.split_stored(table, named)
        if schema != "public":
            row["schemaname"], row["tablename"] = schema, rel
        row["indexname"] = schemas.split_stored(index, named)[1]
        row["indexdef"] = row["indexdef"].replace(
            f"INDEX {index} ON public.{table} ",
            f"INDEX {row['indexname']} ON {row['schemaname']}.{row['tablename']} ",
        )
    for row in pg_sequences:
        schema, rel = schemas.split_stored(row["sequencename"], named)
        if schema != "public":
            row["schemaname"], row["sequencename"] = schema, rel
    for row in is_sequences:
        schema, rel = schemas.split_stored(row["sequence_name"], named)
        if schema != "public":
            row["sequence_schema"], row["sequence_name"] = schema, rel
    for rows in is_rows:
        for row in rows:
            schema, table = schemas.split_stored(row["table_name"], named)
            if schema != "public":
                row["table_schema"], row["table_name"] = schema, table
                if "constraint_schema" in row:
                    row["constraint_schema"] = schema
                    row["constraint_name"] = schemas.split_stored(row["constraint_name"], named)[1]


def _implied_sequences(conn: apsw.Connection) -> list[tuple]:
    """The sequences PostgreSQL would have behind rowid-alias SERIAL / IDENTITY keys (see
    sequences.py), as rows of _aurora_sequences: last value the largest id."""
    out = []
    for name, (table, column) in Sequences(conn).implied().items():
        try:
            last = conn.execute(f'SELECT max("{column}") FROM main."{table}"').fetchall()[0][0]
        except apsw.SQLError:
            continue
        out.append((name, last or 1, 1, 1, 1, 2**63 - 1, 0, int(last is not None)))
    return out


def _key_constraint(
    is_tc: list[dict],
    is_kcu: list[dict],
    database: str,
    table: str,
    name: str,
    kind: str,
    columns: list[str],
) -> None:
    """A PRIMARY KEY, UNIQUE or FOREIGN KEY constraint in information_schema's
    table_constraints and key_column_usage."""
    where = {
        "constraint_catalog": database,
        "constraint_schema": "public",
        "constraint_name": name,
        "table_catalog": database,
        "table_schema": "public",
        "table_name": table,
    }
    is_tc.append({**where, "constraint_type": kind})
    is_kcu.extend(
        {**where, "column_name": col, "ordinal_position": i} for i, col in enumerate(columns, 1)
    )


def _has_sequences(conn: apsw.Connection) -> bool:
    return bool(
        conn.execute("SELECT 1 FROM main.sqlite_schema WHERE name='_aurora_sequences'").fetchall()
    )


def _indexes_of(conn: apsw.Connection, table: str, cols: list) -> list[dict]:
    """Indexes of a table as PostgreSQL names them, including the rowid-alias primary key."""
    out = []
    names = {}
    pk_name = f"{table}_pkey"
    try:
        for r in conn.execute(
            "SELECT name, index_name, kind FROM main._aurora_constraints WHERE table_name=?",
            (table,),
        ).fetchall():
            if r[2] == "p":
                pk_name = r[0]
            elif r[2] != "f":
                names[r[1]] = r[0]
    except apsw.SQLError:
        pass
    pk_cols = sorted((c for c in cols if c.pk), key=lambda c: c.pk)
    has_pk_index = False
    for _seq, iname, unique, origin, partial in conn.execute(
        "SELECT * FROM pragma_index_list(?)", (table,)
    ).fetchall():
        icols = [r[2] for r in conn.execute("SELECT * FROM pragma_index_info(?)", (iname,)).fetchall()]
        if None in icols:
            icols = _expression_keys(conn, iname, icols)
        # indoption: DESC is bit 1, and a DESC key sorts NULLs first in PostgreSQL (bit 2).
        options = [
            3 if r[0] else 0
            for r in conn.execute(
                'SELECT "desc" FROM pragma_index_xinfo(?) WHERE key=1', (iname,)
            ).fetchall()
        ]
        primary = origin == "pk"
        has_pk_index |= primary
        if primary:
            pgname = pk_name
        elif origin == "u":
            pgname = f"{table}_{'_'.join(c or 'expr' for c in icols)}_key"
        else:
            pgname = names.get(iname, iname)
        constraint = primary or origin == "u" or iname in names
        cols_sql = ", ".join(
            (c or "expr") + (" DESC" if i < len(options) and options[i] else "")
            for i, c in enumerate(icols)
        )
        uniq = "UNIQUE " if unique else ""
        where = _index_predicate(conn, iname) if partial else None
        out.append(
            {
                "name": pgname,
                "columns": icols,
                "options": options,
                "predicate": where,
                "unique": bool(unique),
                "primary": primary,
                "constraint": constraint,
                "def": f"CREATE {uniq}INDEX {pgname} ON public.{table} USING btree ({cols_sql})"
                + (f" WHERE ({where})" if where else ""),
            }
        )
    if pk_cols and not has_pk_index:
        pgname = pk_name
        cols_sql = ", ".join(c.name for c in pk_cols)
        out.append(
            {
                "name": pgname,
                "columns": [c.name for c in pk_cols],
                "unique": True,
                "primary": True,
                "constraint": True,
                "def": f"CREATE UNIQUE INDEX {pgname} ON public.{table} USING btree ({cols_sql})",
            }
        )
    out.sort(key=lambda i: (not i["primary"], i["name"]))
    return out


def _named_schemas(conn: apsw.Connection, user: str, database: str) -> None:
    """CREATE SCHEMA's schemas next to the built-in ones (they change with the schema cookie)."""
    built_in = ", ".join(f"'{n}'" for n in schemas.BUILT_IN)
    conn.execute(f"DELETE FROM temp.pg_namespace WHERE nspname NOT IN ({built_in})")
    conn.execute(f"DELETE FROM temp._is_schemata WHERE schema_name NOT IN ({built_in})")
    conn.execute("DELETE FROM temp.pg_extension")
    conn.execute("DELETE FROM temp.pg_proc")
    ext_rows, proc_rows = extensions.catalog_rows(conn)
    _insert(conn, "pg_extension", ext_rows)
    proc_rows += [{"oid": userfuncs.function_oid(name, nargs), "proname": name, "pronamespace": 2200,
                   "prorettype": 0, "prokind": "f"} for name, nargs, *_ in userfuncs.all_functions(conn)]
    _insert(conn, "pg_proc", proc_rows)
    named = schemas.names(conn)
    _insert(
        conn,
        "pg_namespace",
        [{"oid": schemas.namespace_oid(n), "nspname": n, "nspowner": OWNER_OID} for n in named],
    )
    _insert(
        conn,
        "_is_schemata",
        [{"catalog_name": database, "schema_name": n, "schema_owner": user} for n in named],
    )


def _index_predicate(conn: apsw.Connection, iname: str) -> str | None:
    """A partial index's WHERE, from its CREATE statement."""
    row = conn.execute(
        "SELECT sql FROM main.sqlite_schema WHERE type='index' AND name=?", (iname,)
    ).fetchall()
    m = re.search(r"\bWHERE\b\s*(.*?)\s*;?\s*$", row[0][0] or "", re.I | re.S) if row else None
    return m.group(1) if m else None


def _expression_keys(conn: apsw.Connection, iname: str, icols: list) -> list:
    """An expression index's keys: SQLite's index_info names none, so read them back from the
    index's CREATE statement (PostgreSQL spelling, e.g. ``UPPER("name")``)."""
    import sqlglot

    row = conn.execute(
        "SELECT sql FROM main.sqlite_schema WHERE type='index' AND name=?", (iname,)
    ).fetchall()
    keys: list[str] = []
    try:
        params = sqlglot.parse_one(row[0][0], read="sqlite").this.args["params"]
        for key in params.args.get("columns") or []:
            key = key.this if isinstance(key, sqlglot.exp.Ordered) else key
            keys.append(as_written(key.sql("postgres")))
    except (IndexError, KeyError, AttributeError, TypeError, sqlglot.errors.SqlglotError):
        keys = []
    if len(keys) != len(icols):
        return [c or "expr" for c in icols]
    return [c if c is not None else keys[i] for i, c in enumerate(icols)]


def _checks_of(table: str, sql: str) -> list[tuple[str | None, str]]:
    """The user's CHECK constraints of a table: (name or None, expression); a type's own
    range or length check (ddl._domain_checks) is not one."""
    return [
        (name, as_written(expr))
        for name, expr, _column in TableText.of(table, sql).checks()
        if not (name or "").startswith("_aurora_")
    ]


_OWN_CASE_FUNCTIONS = re.compile(r"\bpg_(upper|lower)\(", re.I)


def as_written(sql: str) -> str:
    """A stored expression with upper() and lower() under their own names again (they are
    stored as pg_upper / pg_lower, which map every letter, not only ASCII's)."""
    return _OWN_CASE_FUNCTIONS.sub(lambda m: m.group(1).lower() + "(", sql)


def refresher(
    conn: apsw.Connection,
    catalog: Catalog,
    user: str,
    database: str,
    databases: Callable[[], list[str]],
    settings: Callable[[], dict[str, str]],
) -> Callable[[], None]:
    """A function that brings the TEMP catalogs up to date before a catalog query runs."""
    state = {"key": None, "static": False}
    create_temp_tables(conn)

    def refresh() -> None:
        if not state["static"]:
            fill_static(conn, user, databases() or [database], settings())
            state["static"] = True
        seqs = conn.execute(
            "SELECT count(*), total(rowid) FROM main.sqlite_schema WHERE name='_aurora_sequences'"
        ).fetchall()[0]
        nseq = (
            conn.execute("SELECT count(*) FROM main._aurora_sequences").fetchall()[0][0]
            if seqs[0]
            else 0
        )
        if catalog.temp:  # CREATE TEMP SEQUENCE moves no cookie either (temp.py)
            nseq += conn.execute("SELECT count(*) FROM temp._aurora_sequences").fetchall()[0][0] << 32
        funcs = tuple(f[:4] for f in userfuncs.all_functions(conn))  # CREATE FUNCTION moves no cookie
        key = (catalog.schema_version(), nseq, funcs)
        if key != state["key"]:
            catalog.refresh()
            fill_schema(conn, catalog, user, database)
            state["key"] = key

    def invalidate() -> None:
        state["key"] = None
        state["static"] = False

    refresh.invalidate = invalidate  # type: ignore[attr-defined]
    return refresh
