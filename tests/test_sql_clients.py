"""What real clients send, replayed on the SQL engine in-process.

The statements below were captured from psql 15 (``psql -E``), SQLAlchemy 2 with psycopg 3,
asyncpg and pgbench 15 against a stock PostgreSQL 15 server with ``log_statement=all``;
parameters are the text values the server logged.
"""

from __future__ import annotations

import random
import re

import apsw
import pytest

from aurora.engine.sql import Session

# --- captured statements ---------------------------------------------------------------

PSQL_QUERIES: dict[str, list[str]] = {
    "dt": [
        "SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as \"Type\",\n  pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\"\nFROM pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam\nWHERE c.relkind IN ('r','p','')\n      AND n.nspname <> 'pg_catalog'\n      AND n.nspname !~ '^pg_toast'\n      AND n.nspname <> 'information_schema'\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY 1,2;",
    ],
    "d_table": [
        "SELECT c.oid,\n  n.nspname,\n  c.relname\nFROM pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\nWHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY 2, 3;",
        "SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname\nFROM pg_catalog.pg_class c\n LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)\nLEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)\nWHERE c.oid = '16396';",
        "SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod),\n  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)\n   FROM pg_catalog.pg_attrdef d\n   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n  a.attnotnull,\n  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,\n  a.attidentity,\n  a.attgenerated\nFROM pg_catalog.pg_attribute a\nWHERE a.attrelid = '16396' AND a.attnum > 0 AND NOT a.attisdropped\nORDER BY a.attnum;",
        "SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),\n  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace\nFROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i\n  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))\nWHERE c.oid = '16396' AND c.oid = i.indrelid AND i.indexrelid = c2.oid\nORDER BY i.indisprimary DESC, c2.relname;",
        "SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true)\nFROM pg_catalog.pg_constraint r\nWHERE r.conrelid = '16396' AND r.contype = 'c'\nORDER BY 1;",
        "SELECT true as sametable, conname,\n  pg_catalog.pg_get_constraintdef(r.oid, true) as condef,\n  conrelid::pg_catalog.regclass AS ontable\nFROM pg_catalog.pg_constraint r\nWHERE r.conrelid = '16396' AND r.contype = 'f'\n     AND conparentid = 0\nORDER BY conname",
        "SELECT conname, conrelid::pg_catalog.regclass AS ontable,\n       pg_catalog.pg_get_constraintdef(oid, true) AS condef\n  FROM pg_catalog.pg_constraint c\n WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors('16396')\n                     UNION ALL VALUES ('16396'::pg_catalog.regclass))\n       AND contype = 'f' AND conparentid = 0\nORDER BY conname;",
        "SELECT pol.polname, pol.polpermissive,\n  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,\n  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),\n  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),\n  CASE pol.polcmd\n    WHEN 'r' THEN 'SELECT'\n    WHEN 'a' THEN 'INSERT'\n    WHEN 'w' THEN 'UPDATE'\n    WHEN 'd' THEN 'DELETE'\n    END AS cmd\nFROM pg_catalog.pg_policy pol\nWHERE pol.polrelid = '16396' ORDER BY 1;",
        "SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,\npg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,\n  'd' = any(stxkind) AS ndist_enabled,\n  'f' = any(stxkind) AS deps_enabled,\n  'm' = any(stxkind) AS mcv_enabled,\nstxstattarget\nFROM pg_catalog.pg_statistic_ext\nWHERE stxrelid = '16396'\nORDER BY nsp, stxname;",
        "SELECT pubname\n     , NULL\n     , NULL\nFROM pg_catalog.pg_publication p\n     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid\n     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid\nWHERE pc.oid ='16396' and pg_catalog.pg_relation_is_publishable('16396')\nUNION\nSELECT pubname\n     , pg_get_expr(pr.prqual, c.oid)\n     , (CASE WHEN pr.prattrs IS NOT NULL THEN\n         (SELECT string_agg(attname, ', ')\n           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,\n                pg_catalog.pg_attribute\n          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])\n        ELSE NULL END) FROM pg_catalog.pg_publication p\n     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid\n     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid\nWHERE pr.prrelid = '16396'\nUNION\nSELECT pubname\n     , NULL\n     , NULL\nFROM pg_catalog.pg_publication p\nWHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('16396')\nORDER BY 1;",
        "SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, t.tgisinternal,\n  CASE WHEN t.tgparentid != 0 THEN\n    (SELECT u.tgrelid::pg_catalog.regclass\n     FROM pg_catalog.pg_trigger AS u,\n          pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)\n     WHERE u.tgname = t.tgname AND u.tgrelid = a.relid\n           AND u.tgparentid = 0\n     ORDER BY a.depth LIMIT 1)\n  END AS parent\nFROM pg_catalog.pg_trigger t\nWHERE t.tgrelid = '16396' AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D'))\nORDER BY 1;",
        "SELECT c.oid::pg_catalog.regclass\nFROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\nWHERE c.oid = i.inhparent AND i.inhrelid = '16396'\n  AND c.relkind != 'p' AND c.relkind != 'I'\nORDER BY inhseqno;",
        "SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)\nFROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\nWHERE c.oid = i.inhrelid AND i.inhparent = '16396'\nORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;",
    ],
    "l": [
        'SELECT d.datname as "Name",\n       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",\n       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",\n       d.datcollate as "Collate",\n       d.datctype as "Ctype",\n       d.daticulocale as "ICU Locale",\n       CASE d.datlocprovider WHEN \'c\' THEN \'libc\' WHEN \'i\' THEN \'icu\' END AS "Locale Provider",\n       pg_catalog.array_to_string(d.datacl, E\'\\n\') AS "Access privileges"\nFROM pg_catalog.pg_database d\nORDER BY 1;',
    ],
    "dn": [
        "SELECT n.nspname AS \"Name\",\n  pg_catalog.pg_get_userbyid(n.nspowner) AS \"Owner\"\nFROM pg_catalog.pg_namespace n\nWHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'\nORDER BY 1;",
    ],
    "du": [
        "SELECT r.rolname, r.rolsuper, r.rolinherit,\n  r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,\n  r.rolconnlimit, r.rolvaliduntil,\n  ARRAY(SELECT b.rolname\n        FROM pg_catalog.pg_auth_members m\n        JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid)\n        WHERE m.member = r.oid) as memberof\n, r.rolreplication\n, r.rolbypassrls\nFROM pg_catalog.pg_roles r\nWHERE r.rolname !~ '^pg_'\nORDER BY 1;",
    ],
    "d_plus_table": [
        "SELECT c.oid,\n  n.nspname,\n  c.relname\nFROM pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\nWHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY 2, 3;",
        "SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x), ', ')\n, c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname\nFROM pg_catalog.pg_class c\n LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)\nLEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)\nWHERE c.oid = '16396';",
        "SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod),\n  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)\n   FROM pg_catalog.pg_attrdef d\n   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n  a.attnotnull,\n  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,\n  a.attidentity,\n  a.attgenerated,\n  a.attstorage,\n  a.attcompression AS attcompression,\n  CASE WHEN a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget,\n  pg_catalog.col_description(a.attrelid, a.attnum)\nFROM pg_catalog.pg_attribute a\nWHERE a.attrelid = '16396' AND a.attnum > 0 AND NOT a.attisdropped\nORDER BY a.attnum;",
        "SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),\n  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace\nFROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i\n  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))\nWHERE c.oid = '16396' AND c.oid = i.indrelid AND i.indexrelid = c2.oid\nORDER BY i.indisprimary DESC, c2.relname;",
        "SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true)\nFROM pg_catalog.pg_constraint r\nWHERE r.conrelid = '16396' AND r.contype = 'c'\nORDER BY 1;",
        "SELECT true as sametable, conname,\n  pg_catalog.pg_get_constraintdef(r.oid, true) as condef,\n  conrelid::pg_catalog.regclass AS ontable\nFROM pg_catalog.pg_constraint r\nWHERE r.conrelid = '16396' AND r.contype = 'f'\n     AND conparentid = 0\nORDER BY conname",
        "SELECT conname, conrelid::pg_catalog.regclass AS ontable,\n       pg_catalog.pg_get_constraintdef(oid, true) AS condef\n  FROM pg_catalog.pg_constraint c\n WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors('16396')\n                     UNION ALL VALUES ('16396'::pg_catalog.regclass))\n       AND contype = 'f' AND conparentid = 0\nORDER BY conname;",
        "SELECT pol.polname, pol.polpermissive,\n  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,\n  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),\n  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),\n  CASE pol.polcmd\n    WHEN 'r' THEN 'SELECT'\n    WHEN 'a' THEN 'INSERT'\n    WHEN 'w' THEN 'UPDATE'\n    WHEN 'd' THEN 'DELETE'\n    END AS cmd\nFROM pg_catalog.pg_policy pol\nWHERE pol.polrelid = '16396' ORDER BY 1;",
        "SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,\npg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,\n  'd' = any(stxkind) AS ndist_enabled,\n  'f' = any(stxkind) AS deps_enabled,\n  'm' = any(stxkind) AS mcv_enabled,\nstxstattarget\nFROM pg_catalog.pg_statistic_ext\nWHERE stxrelid = '16396'\nORDER BY nsp, stxname;",
        "SELECT pubname\n     , NULL\n     , NULL\nFROM pg_catalog.pg_publication p\n     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid\n     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid\nWHERE pc.oid ='16396' and pg_catalog.pg_relation_is_publishable('16396')\nUNION\nSELECT pubname\n     , pg_get_expr(pr.prqual, c.oid)\n     , (CASE WHEN pr.prattrs IS NOT NULL THEN\n         (SELECT string_agg(attname, ', ')\n           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,\n                pg_catalog.pg_attribute\n          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])\n        ELSE NULL END) FROM pg_catalog.pg_publication p\n     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid\n     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid\nWHERE pr.prrelid = '16396'\nUNION\nSELECT pubname\n     , NULL\n     , NULL\nFROM pg_catalog.pg_publication p\nWHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('16396')\nORDER BY 1;",
        "SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, t.tgisinternal,\n  CASE WHEN t.tgparentid != 0 THEN\n    (SELECT u.tgrelid::pg_catalog.regclass\n     FROM pg_catalog.pg_trigger AS u,\n          pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)\n     WHERE u.tgname = t.tgname AND u.tgrelid = a.relid\n           AND u.tgparentid = 0\n     ORDER BY a.depth LIMIT 1)\n  END AS parent\nFROM pg_catalog.pg_trigger t\nWHERE t.tgrelid = '16396' AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D'))\nORDER BY 1;",
        "SELECT c.oid::pg_catalog.regclass\nFROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\nWHERE c.oid = i.inhparent AND i.inhrelid = '16396'\n  AND c.relkind != 'p' AND c.relkind != 'I'\nORDER BY inhseqno;",
        "SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)\nFROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\nWHERE c.oid = i.inhrelid AND i.inhparent = '16396'\nORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;",
    ],
}

SQLALCHEMY_STATEMENTS: list[tuple[str, list[str | None]]] = [
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.relname \nFROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relname IN ($1::VARCHAR) AND pg_catalog.pg_class.relkind = ANY (ARRAY[$2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $7::VARCHAR",
        ["t", "r", "p", "f", "v", "m", "pg_catalog"],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.relname \nFROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$1::VARCHAR, $2::VARCHAR]) AND pg_catalog.pg_class.relpersistence != $3::VARCHAR AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $4::VARCHAR",
        ["r", "p", "t", "pg_catalog"],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        'SELECT pg_catalog.pg_attribute.attname AS name, pg_catalog.format_type(pg_catalog.pg_attribute.atttypid, pg_catalog.pg_attribute.atttypmod) AS format_type, CASE WHEN pg_catalog.pg_attribute.atthasdef THEN (SELECT pg_catalog.pg_get_expr(pg_catalog.pg_attrdef.adbin, pg_catalog.pg_attrdef.adrelid) AS pg_get_expr_1 \nFROM pg_catalog.pg_attrdef \nWHERE pg_catalog.pg_attribute.atthasdef AND pg_catalog.pg_attrdef.adrelid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attrdef.adnum = pg_catalog.pg_attribute.attnum) ELSE NULL END AS "default", pg_catalog.pg_attribute.attnotnull AS not_null, pg_catalog.pg_class.relname AS table_name, pg_catalog.pg_description.description AS comment, pg_catalog.pg_attribute.attgenerated AS generated, CASE WHEN (pg_catalog.pg_attribute.attidentity != $1::VARCHAR) THEN (SELECT json_build_object($2::VARCHAR, pg_catalog.pg_attribute.attidentity = $3::VARCHAR, $4::VARCHAR, pg_catalog.pg_sequence.seqstart, $5::VARCHAR, pg_catalog.pg_sequence.seqincrement, $6::VARCHAR, pg_catalog.pg_sequence.seqmin, $7::VARCHAR, pg_catalog.pg_sequence.seqmax, $8::VARCHAR, pg_catalog.pg_sequence.seqcache, $9::VARCHAR, pg_catalog.pg_sequence.seqcycle) AS json_build_object_1 \nFROM pg_catalog.pg_sequence \nWHERE pg_catalog.pg_attribute.attidentity != $10::VARCHAR AND pg_catalog.pg_sequence.seqrelid = CAST(CAST(pg_catalog.pg_get_serial_sequence(CAST(CAST(pg_catalog.pg_attribute.attrelid AS REGCLASS) AS TEXT), pg_catalog.pg_attribute.attname) AS REGCLASS) AS OID)) ELSE NULL END AS identity_options, CASE WHEN (pg_catalog.pg_attribute.attcollation != $11::INTEGER AND (SELECT pg_catalog.pg_type.typcollation \nFROM pg_catalog.pg_type \nWHERE pg_catalog.pg_type.oid = pg_catalog.pg_attribute.atttypid) != pg_catalog.pg_attribute.attcollation) THEN (SELECT json_build_object($12::VARCHAR, pg_catalog.pg_collation.collname, $13::VARCHAR, CASE WHEN pg_catalog.pg_collation_is_visible(pg_catalog.pg_collation.oid) THEN NULL ELSE pg_catalog.pg_namespace.nspname END) AS json_build_object_9 \nFROM pg_catalog.pg_collation JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_collation.collnamespace \nWHERE pg_catalog.pg_collation.oid = pg_catalog.pg_attribute.attcollation) ELSE NULL END AS collation \nFROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_attribute ON pg_catalog.pg_class.oid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attribute.attnum > $14::SMALLINT AND NOT pg_catalog.pg_attribute.attisdropped LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_description.objsubid = pg_catalog.pg_attribute.attnum JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$15::VARCHAR, $16::VARCHAR, $17::VARCHAR, $18::VARCHAR, $19::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $20::VARCHAR AND pg_catalog.pg_class.relname IN ($21::VARCHAR) ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_attribute.attnum',
        [
            "",
            "always",
            "a",
            "start",
            "increment",
            "minvalue",
            "maxvalue",
            "cache",
            "cycle",
            "",
            "0",
            "name",
            "schema",
            "0",
            "r",
            "p",
            "f",
            "v",
            "m",
            "pg_catalog",
            "t",
        ],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.oid, pg_catalog.pg_class.relname \nFROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $6::VARCHAR AND pg_catalog.pg_class.relname IN ($7::VARCHAR)",
        ["r", "p", "f", "v", "m", "pg_catalog", "t"],
    ),
    (
        "SELECT attr.conrelid, array_agg(CAST(attr.attname AS TEXT) ORDER BY attr.ord) AS cols, attr.conname, min(attr.description) AS description, min(attr.indnkeyatts) AS indnkeyatts, bool_and(attr.indnullsnotdistinct) AS indnullsnotdistinct \nFROM (SELECT con.conrelid AS conrelid, con.conname AS conname, con.description AS description, con.ord AS ord, con.indnkeyatts AS indnkeyatts, con.indnullsnotdistinct AS indnullsnotdistinct, pg_catalog.pg_attribute.attname AS attname \nFROM pg_catalog.pg_attribute JOIN (SELECT pg_catalog.pg_constraint.conrelid AS conrelid, pg_catalog.pg_constraint.conname AS conname, unnest(pg_catalog.pg_index.indkey) AS attnum, generate_subscripts(pg_catalog.pg_index.indkey, $1::INTEGER) AS ord, pg_catalog.pg_index.indnkeyatts AS indnkeyatts, pg_catalog.pg_index.indnullsnotdistinct AS indnullsnotdistinct, pg_catalog.pg_description.description AS description \nFROM pg_catalog.pg_constraint JOIN pg_catalog.pg_index ON pg_catalog.pg_constraint.conindid = pg_catalog.pg_index.indexrelid LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid AND pg_catalog.pg_description.classoid = CAST($2 AS REGCLASS) \nWHERE pg_catalog.pg_constraint.contype = $3::VARCHAR AND pg_catalog.pg_constraint.conrelid IN ($4)) AS con ON pg_catalog.pg_attribute.attnum = con.attnum AND pg_catalog.pg_attribute.attrelid = con.conrelid \nWHERE con.conrelid IN ($4)) AS attr GROUP BY attr.conrelid, attr.conname ORDER BY attr.conrelid, attr.conname",
        ["1", "pg_constraint", "p", "16396"],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.oid, pg_catalog.pg_class.relname \nFROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $6::VARCHAR AND pg_catalog.pg_class.relname IN ($7::VARCHAR)",
        ["r", "p", "f", "v", "m", "pg_catalog", "parent"],
    ),
    (
        "SELECT pg_catalog.pg_am.oid, pg_catalog.pg_am.amname \nFROM pg_catalog.pg_am \nWHERE pg_catalog.pg_am.amname = $1::VARCHAR",
        ["btree"],
    ),
    (
        "SELECT pg_catalog.pg_opclass.oid, pg_catalog.pg_opclass.opcname \nFROM pg_catalog.pg_opclass \nWHERE NOT pg_catalog.pg_opclass.opcdefault",
        [],
    ),
    (
        "SELECT pg_catalog.pg_index.indrelid, pg_catalog.pg_class.relname, pg_catalog.pg_index.indisunique, pg_catalog.pg_index.indisvalid, pg_catalog.pg_constraint.conrelid IS NOT NULL AS has_constraint, pg_catalog.pg_index.indoption, pg_catalog.pg_class.reloptions, pg_catalog.pg_class.relam, CASE WHEN (pg_catalog.pg_index.indpred IS NOT NULL) THEN pg_catalog.pg_get_expr(pg_catalog.pg_index.indpred, pg_catalog.pg_index.indrelid) END AS filter_definition, pg_catalog.pg_index.indnkeyatts, pg_catalog.pg_index.indnullsnotdistinct, idx_cols.elements, idx_cols.elements_is_expr, idx_cols.elements_opclass \nFROM pg_catalog.pg_index JOIN pg_catalog.pg_class ON pg_catalog.pg_index.indexrelid = pg_catalog.pg_class.oid LEFT OUTER JOIN (SELECT idx_attr.indexrelid AS indexrelid, min(idx_attr.indrelid) AS min_1, array_agg(idx_attr.element ORDER BY idx_attr.ord) AS elements, array_agg(idx_attr.is_expr ORDER BY idx_attr.ord) AS elements_is_expr, array_agg(idx_attr.att_opclass ORDER BY idx_attr.ord) AS elements_opclass \nFROM (SELECT idx.indexrelid AS indexrelid, idx.indrelid AS indrelid, idx.ord AS ord, CASE WHEN (idx.attnum = $1::INTEGER) THEN pg_catalog.pg_get_indexdef(idx.indexrelid, idx.ord + $2::INTEGER, $3) ELSE CAST(pg_catalog.pg_attribute.attname AS TEXT) END AS element, idx.attnum = $4::INTEGER AS is_expr, CAST(idx.att_opclass AS BIGINT) AS att_opclass \nFROM (SELECT pg_catalog.pg_index.indexrelid AS indexrelid, pg_catalog.pg_index.indrelid AS indrelid, unnest(pg_catalog.pg_index.indkey) AS attnum, unnest(pg_catalog.pg_index.indclass) AS att_opclass, generate_subscripts(pg_catalog.pg_index.indkey, $5::INTEGER) AS ord \nFROM pg_catalog.pg_index \nWHERE NOT pg_catalog.pg_index.indisprimary AND pg_catalog.pg_index.indrelid IN ($6)) AS idx LEFT OUTER JOIN pg_catalog.pg_attribute ON pg_catalog.pg_attribute.attnum = idx.attnum AND pg_catalog.pg_attribute.attrelid = idx.indrelid \nWHERE idx.indrelid IN ($6)) AS idx_attr GROUP BY idx_attr.indexrelid) AS idx_cols ON pg_catalog.pg_index.indexrelid = idx_cols.indexrelid LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_index.indrelid = pg_catalog.pg_constraint.conrelid AND pg_catalog.pg_index.indexrelid = pg_catalog.pg_constraint.conindid AND pg_catalog.pg_constraint.contype = ANY (ARRAY[$7::VARCHAR, $8::VARCHAR, $9::VARCHAR]) \nWHERE pg_catalog.pg_index.indrelid IN ($6) AND NOT pg_catalog.pg_index.indisprimary ORDER BY pg_catalog.pg_index.indrelid, pg_catalog.pg_class.relname",
        ["0", "1", "t", "0", "1", "16385", "p", "u", "x"],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname, CASE WHEN (pg_catalog.pg_constraint.oid IS NOT NULL) THEN pg_catalog.pg_get_constraintdef(pg_catalog.pg_constraint.oid, $1) END AS anon_1, nsp_ref.nspname, pg_catalog.pg_description.description \nFROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_class.oid = pg_catalog.pg_constraint.conrelid AND pg_catalog.pg_constraint.contype = $2::VARCHAR LEFT OUTER JOIN pg_catalog.pg_class AS cls_ref ON cls_ref.oid = pg_catalog.pg_constraint.confrelid LEFT OUTER JOIN pg_catalog.pg_namespace AS nsp_ref ON cls_ref.relnamespace = nsp_ref.oid LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid AND pg_catalog.pg_description.classoid = CAST($3 AS REGCLASS) JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relkind = ANY (ARRAY[$4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR, $8::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $9::VARCHAR AND pg_catalog.pg_class.relname IN ($10::VARCHAR) ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_constraint.conname",
        ["t", "f", "pg_constraint", "r", "p", "f", "v", "m", "pg_catalog", "t"],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        "SELECT attr.conrelid, array_agg(CAST(attr.attname AS TEXT) ORDER BY attr.ord) AS cols, attr.conname, min(attr.description) AS description, min(attr.indnkeyatts) AS indnkeyatts, bool_and(attr.indnullsnotdistinct) AS indnullsnotdistinct \nFROM (SELECT con.conrelid AS conrelid, con.conname AS conname, con.description AS description, con.ord AS ord, con.indnkeyatts AS indnkeyatts, con.indnullsnotdistinct AS indnullsnotdistinct, pg_catalog.pg_attribute.attname AS attname \nFROM pg_catalog.pg_attribute JOIN (SELECT pg_catalog.pg_constraint.conrelid AS conrelid, pg_catalog.pg_constraint.conname AS conname, unnest(pg_catalog.pg_index.indkey) AS attnum, generate_subscripts(pg_catalog.pg_index.indkey, $1::INTEGER) AS ord, pg_catalog.pg_index.indnkeyatts AS indnkeyatts, pg_catalog.pg_index.indnullsnotdistinct AS indnullsnotdistinct, pg_catalog.pg_description.description AS description \nFROM pg_catalog.pg_constraint JOIN pg_catalog.pg_index ON pg_catalog.pg_constraint.conindid = pg_catalog.pg_index.indexrelid LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_constraint.oid AND pg_catalog.pg_description.classoid = CAST($2 AS REGCLASS) \nWHERE pg_catalog.pg_constraint.contype = $3::VARCHAR AND pg_catalog.pg_constraint.conrelid IN ($4)) AS con ON pg_catalog.pg_attribute.attnum = con.attnum AND pg_catalog.pg_attribute.attrelid = con.conrelid \nWHERE con.conrelid IN ($4)) AS attr GROUP BY attr.conrelid, attr.conname ORDER BY attr.conrelid, attr.conname",
        ["1", "pg_constraint", "u", "16385"],
    ),
    ("ROLLBACK", []),
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.relname \nFROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relname IN ($1::VARCHAR) AND pg_catalog.pg_class.relkind = ANY (ARRAY[$2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $7::VARCHAR",
        ["users", "r", "p", "f", "v", "m", "pg_catalog"],
    ),
    ("COMMIT", []),
    ("BEGIN", []),
    (
        "SELECT pg_catalog.pg_class.relname \nFROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace \nWHERE pg_catalog.pg_class.relname IN ($1::VARCHAR) AND pg_catalog.pg_class.relkind = ANY (ARRAY[$2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $7::VARCHAR",
        ["users", "r", "p", "f", "v", "m", "pg_catalog"],
    ),
    (
        "CREATE TABLE users (\n\tid SERIAL NOT NULL, \n\tname VARCHAR NOT NULL, \n\tPRIMARY KEY (id)\n)",
        [],
    ),
    ("COMMIT", []),
    ("BEGIN", []),
    (
        "INSERT INTO users (name) SELECT p0::VARCHAR FROM (VALUES ($1::VARCHAR, 0), ($2::VARCHAR, 1)) AS imp_sen(p0, sen_counter) ORDER BY sen_counter RETURNING users.id, users.id AS id__1",
        ["a", "b"],
    ),
    ("COMMIT", []),
    ("BEGIN", []),
    ("SELECT users.id, users.name \nFROM users \nWHERE users.id = $1::INTEGER", ["1"]),
    ("UPDATE users SET name=$1::VARCHAR WHERE users.id = $2::INTEGER", ["c", "1"]),
    ("COMMIT", []),
    ("BEGIN", []),
    ("SELECT users.id, users.name \nFROM users \nWHERE users.id = $1::INTEGER", ["1"]),
    ("DELETE FROM users WHERE users.id = $1::INTEGER", ["1"]),
]

ASYNCPG_STATEMENTS: list[tuple[str, list[str | None]]] = [
    (
        "SELECT\n                        current_setting('jit') AS cur,\n                        set_config('jit', 'off', false) AS new",
        [],
    ),
    (
        "WITH RECURSIVE typeinfo_tree(\n    oid, ns, name, kind, basetype, elemtype, elemdelim,\n    range_subtype, attrtypoids, attrnames, depth)\nAS (\n    SELECT\n        ti.oid, ti.ns, ti.name, ti.kind, ti.basetype,\n        ti.elemtype, ti.elemdelim, ti.range_subtype,\n        ti.attrtypoids, ti.attrnames, 0\n    FROM\n            (\n        SELECT\n            t.oid                           AS oid,\n            ns.nspname                      AS ns,\n            t.typname                       AS name,\n            t.typtype                       AS kind,\n            (CASE WHEN t.typtype = 'd' THEN\n                (WITH RECURSIVE typebases(oid, depth) AS (\n                    SELECT\n                        t2.typbasetype      AS oid,\n                        0                   AS depth\n                    FROM\n                        pg_type t2\n                    WHERE\n                        t2.oid = t.oid\n\n                    UNION ALL\n\n                    SELECT\n                        t2.typbasetype      AS oid,\n                        tb.depth + 1        AS depth\n                    FROM\n                        pg_type t2,\n                        typebases tb\n                    WHERE\n                       tb.oid = t2.oid\n                       AND t2.typbasetype != 0\n               ) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1)\n\n               ELSE NULL\n            END)                            AS basetype,\n            t.typelem                       AS elemtype,\n            elem_t.typdelim                 AS elemdelim,\n            COALESCE(\n                range_t.rngsubtype,\n                multirange_t.rngsubtype)    AS range_subtype,\n            (CASE WHEN t.typtype = 'c' THEN\n                (SELECT\n                    array_agg(ia.atttypid ORDER BY ia.attnum)\n                FROM\n                    pg_attribute ia\n                    INNER JOIN pg_class c\n                        ON (ia.attrelid = c.oid)\n                WHERE\n                    ia.attnum > 0 AND NOT ia.attisdropped\n                    AND c.reltype = t.oid)\n\n                ELSE NULL\n            END)                            AS attrtypoids,\n            (CASE WHEN t.typtype = 'c' THEN\n                (SELECT\n                    array_agg(ia.attname::text ORDER BY ia.attnum)\n                FROM\n                    pg_attribute ia\n                    INNER JOIN pg_class c\n                        ON (ia.attrelid = c.oid)\n                WHERE\n                    ia.attnum > 0 AND NOT ia.attisdropped\n                    AND c.reltype = t.oid)\n\n                ELSE NULL\n            END)                            AS attrnames\n        FROM\n            pg_catalog.pg_type AS t\n            INNER JOIN pg_catalog.pg_namespace ns ON (\n                ns.oid = t.typnamespace)\n            LEFT JOIN pg_type elem_t ON (\n                t.typlen = -1 AND\n                t.typelem != 0 AND\n                t.typelem = elem_t.oid\n            )\n            LEFT JOIN pg_range range_t ON (\n                t.oid = range_t.rngtypid\n            )\n            LEFT JOIN pg_range multirange_t ON (\n                t.oid = multirange_t.rngmultitypid\n            )\n    )\n AS ti\n    WHERE\n        ti.oid = any($1::oid[])\n\n    UNION ALL\n\n    SELECT\n        ti.oid, ti.ns, ti.name, ti.kind, ti.basetype,\n        ti.elemtype, ti.elemdelim, ti.range_subtype,\n        ti.attrtypoids, ti.attrnames, tt.depth + 1\n    FROM\n            (\n        SELECT\n            t.oid                           AS oid,\n            ns.nspname                      AS ns,\n            t.typname                       AS name,\n            t.typtype                       AS kind,\n            (CASE WHEN t.typtype = 'd' THEN\n                (WITH RECURSIVE typebases(oid, depth) AS (\n                    SELECT\n                        t2.typbasetype      AS oid,\n                        0                   AS depth\n                    FROM\n                        pg_type t2\n                    WHERE\n                        t2.oid = t.oid\n\n                    UNION ALL\n\n                    SELECT\n                        t2.typbasetype      AS oid,\n                        tb.depth + 1        AS depth\n                    FROM\n                        pg_type t2,\n                        typebases tb\n                    WHERE\n                       tb.oid = t2.oid\n                       AND t2.typbasetype != 0\n               ) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1)\n\n               ELSE NULL\n            END)                            AS basetype,\n            t.typelem                       AS elemtype,\n            elem_t.typdelim                 AS elemdelim,\n            COALESCE(\n                range_t.rngsubtype,\n                multirange_t.rngsubtype)    AS range_subtype,\n            (CASE WHEN t.typtype = 'c' THEN\n                (SELECT\n                    array_agg(ia.atttypid ORDER BY ia.attnum)\n                FROM\n                    pg_attribute ia\n                    INNER JOIN pg_class c\n                        ON (ia.attrelid = c.oid)\n                WHERE\n                    ia.attnum > 0 AND NOT ia.attisdropped\n                    AND c.reltype = t.oid)\n\n                ELSE NULL\n            END)                            AS attrtypoids,\n            (CASE WHEN t.typtype = 'c' THEN\n                (SELECT\n                    array_agg(ia.attname::text ORDER BY ia.attnum)\n                FROM\n                    pg_attribute ia\n                    INNER JOIN pg_class c\n                        ON (ia.attrelid = c.oid)\n                WHERE\n                    ia.attnum > 0 AND NOT ia.attisdropped\n                    AND c.reltype = t.oid)\n\n                ELSE NULL\n            END)                            AS attrnames\n        FROM\n            pg_catalog.pg_type AS t\n            INNER JOIN pg_catalog.pg_namespace ns ON (\n                ns.oid = t.typnamespace)\n            LEFT JOIN pg_type elem_t ON (\n                t.typlen = -1 AND\n                t.typelem != 0 AND\n                t.typelem = elem_t.oid\n            )\n            LEFT JOIN pg_range range_t ON (\n                t.oid = range_t.rngtypid\n            )\n            LEFT JOIN pg_range multirange_t ON (\n                t.oid = multirange_t.rngmultitypid\n            )\n    )\n ti,\n        typeinfo_tree tt\n    WHERE\n        (tt.elemtype IS NOT NULL AND ti.oid = tt.elemtype)\n        OR (tt.attrtypoids IS NOT NULL AND ti.oid = any(tt.attrtypoids))\n        OR (tt.range_subtype IS NOT NULL AND ti.oid = tt.range_subtype)\n        OR (tt.basetype IS NOT NULL AND ti.oid = tt.basetype)\n)\n\nSELECT DISTINCT\n    *,\n    basetype::regtype::text AS basetype_name,\n    elemtype::regtype::text AS elemtype_name,\n    range_subtype::regtype::text AS range_subtype_name\nFROM\n    typeinfo_tree\nORDER BY\n    depth DESC",
        ["{1007}"],
    ),
    ("SELECT\n                    set_config('jit', $1, false)", ["on"]),
    (
        "select $1::int as a, 'x'::text as b, now() as ts, '{1,2}'::int[] as arr, 1.5::numeric as n",
        ["5"],
    ),
]

PSYCOPG_STARTUP: list[tuple[str, list[str | None]]] = [
    ("BEGIN", []),
    ("select pg_catalog.version()", []),
    ("select current_schema()", []),
    ("show transaction isolation level", []),
    ("show standard_conforming_strings", []),
    ('SAVEPOINT "_pg3_1"', []),
    (
        "SELECT\n    typname AS name, oid, typarray AS array_oid,\n    oid::regtype::text AS regtype, typdelim AS delimiter\nFROM pg_type t\nWHERE t.oid = to_regtype($1)\nORDER BY t.oid",
        ["hstore"],
    ),
    ('RELEASE "_pg3_1"', []),
    ("ROLLBACK", []),
]

PGBENCH_INIT: list[str] = [
    "drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
    "create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
    "create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
    "create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)",
    "create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)",
    "begin",
    "truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
    "insert into pgbench_branches(bid,bbalance) values(1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (1,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (2,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (3,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (4,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (5,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (6,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (7,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (8,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (9,1,0)",
    "insert into pgbench_tellers(tid,bid,tbalance) values (10,1,0)",
    "copy pgbench_accounts from stdin with (freeze on)",
    "commit",
    "vacuum analyze pgbench_branches",
    "vacuum analyze pgbench_tellers",
    "vacuum analyze pgbench_accounts",
    "vacuum analyze pgbench_history",
    "alter table pgbench_branches add primary key (bid)",
    "alter table pgbench_tellers add primary key (tid)",
    "alter table pgbench_accounts add primary key (aid)",
    "select count(*) from pgbench_branches",
    "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral (select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 asc limit 1",
    "vacuum pgbench_branches",
    "vacuum pgbench_tellers",
    "truncate pgbench_history",
]

PGBENCH_TPCB_TEMPLATE: list[str] = [
    "BEGIN;",
    "UPDATE pgbench_accounts SET abalance = abalance + -4752 WHERE aid = 51297;",
    "SELECT abalance FROM pgbench_accounts WHERE aid = 51297;",
    "UPDATE pgbench_tellers SET tbalance = tbalance + -4752 WHERE tid = 3;",
    "UPDATE pgbench_branches SET bbalance = bbalance + -4752 WHERE bid = 1;",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 51297, -4752, CURRENT_TIMESTAMP);",
    "END;",
]

CAPTURED_T_OID, CAPTURED_PARENT_OID = "16396", "16385"
SCHEMA = [
    "create table parent(id serial primary key, name text not null unique)",
    "create table t(id bigserial primary key, p int references parent(id),"
    " n numeric(10,2) check (n > 0), ts timestamptz default now())",
]


@pytest.fixture
def s(tmp_path):
    conn = apsw.Connection(str(tmp_path / "postgres.db"))
    conn.execute("PRAGMA journal_mode=MEMORY")
    session = Session(conn, list_databases=lambda: ["postgres", "template1"])
    for ddl in SCHEMA:
        session.execute(ddl)
    yield session
    session.close()


def _oids(s: Session) -> dict[str, str]:
    found = dict(s.execute("select relname, oid from pg_catalog.pg_class").rows)
    return {CAPTURED_T_OID: str(found["t"]), CAPTURED_PARENT_OID: str(found["parent"])}


def _replay(s: Session, sql: str, params: list[str | None] | None = None):
    oids = _oids(s)
    sql = re.sub(r"'(16396|16385)'", lambda m: f"'{oids[m.group(1)]}'", sql)
    return s.execute(sql, [oids.get(p, p) if p else p for p in params or []])


# --- psql --------------------------------------------------------------------------------------


def test_psql_dt(s):
    (q,) = PSQL_QUERIES["dt"]
    assert _replay(s, q).rows == [
        ("public", "parent", "table", "postgres"),
        ("public", "t", "table", "postgres"),
    ]


def test_psql_describe_table(s):
    results = [_replay(s, q) for q in PSQL_QUERIES["d_table"]]
    (found,) = results[0].rows
    assert found[1:] == ("public", "t")
    assert results[1].rows[0][1] == "r"
    columns = results[2].rows
    assert [(c[0], c[1], c[3]) for c in columns] == [
        ("id", "bigint", True),
        ("p", "integer", False),
        ("n", "numeric(10,2)", False),
        ("ts", "timestamp with time zone", False),
    ]
    assert columns[0][2] == "nextval('t_id_seq'::regclass)"
    (pkey,) = results[3].rows
    assert pkey[0] == "t_pkey" and pkey[1] is True
    assert "UNIQUE INDEX t_pkey ON public.t USING btree (id)" in pkey[5]
    assert results[4].rows == [("t_n_check", "CHECK (n > 0)")]
    (fk,) = results[5].rows
    assert fk[1] == "t_p_fkey" and fk[2] == "FOREIGN KEY (p) REFERENCES parent(id)"
    for r in results[6:]:
        assert r.rows == []
    assert all(r.columns for r in results)


def test_psql_describe_verbose_list_db_schemas_roles(s):
    for q in PSQL_QUERIES["d_plus_table"]:
        _replay(s, q)
    dbs = _replay(s, PSQL_QUERIES["l"][0])
    assert [r[:3] for r in dbs.rows] == [
        ("postgres", "postgres", "UTF8"),
        ("template1", "postgres", "UTF8"),
    ]
    assert [c.name for c in dbs.columns][:3] == ["Name", "Owner", "Encoding"]
    assert _replay(s, PSQL_QUERIES["dn"][0]).rows == [("public", "postgres")]
    (role,) = _replay(s, PSQL_QUERIES["du"][0]).rows
    assert role[0] == "postgres" and role[1] is True and role[8] == []


# --- SQLAlchemy 2 (postgresql+psycopg) -------------------------------------------------------


def test_sqlalchemy_reflection_and_orm(s):
    results = [_replay(s, sql, params) for sql, params in SQLALCHEMY_STATEMENTS]
    by_sql = list(zip([q for q, _ in SQLALCHEMY_STATEMENTS], results, strict=True))
    has_table = by_sql[1][1]
    assert has_table.rows == [("t",)]
    assert sorted(r[0] for r in by_sql[4][1].rows) == ["parent", "t"]
    columns = by_sql[7][1].rows
    assert [(c[0], c[1], c[2], c[3]) for c in columns] == [
        ("id", "bigint", "nextval('t_id_seq'::regclass)", True),
        ("p", "integer", None, False),
        ("n", "numeric(10,2)", None, False),
        ("ts", "timestamp with time zone", "now()", False),
    ]
    pk = by_sql[11][1].rows
    assert [(r[1], r[2]) for r in pk] == [(["id"], "t_pkey")]
    indexes = by_sql[17][1].rows
    assert [r[1] for r in indexes] == ["parent_name_key"]
    fks = by_sql[20][1].rows
    assert [(r[1], r[2]) for r in fks] == [("t_p_fkey", "FOREIGN KEY (p) REFERENCES parent(id)")]
    uniques = by_sql[23][1].rows
    assert [(r[1], r[2]) for r in uniques] == [(["name"], "parent_name_key")]
    insert = next(r for q, r in by_sql if q.startswith("INSERT INTO users"))
    assert insert.rows == [(1, 1), (2, 2)] and insert.tag == "INSERT 0 2"
    assert next(r for q, r in by_sql if q.startswith("UPDATE users")).tag == "UPDATE 1"
    assert next(r for q, r in by_sql if q.startswith("DELETE FROM users")).tag == "DELETE 1"
    assert s.execute("select id, name from users").rows == [(2, "b")]


def test_psycopg_startup(s):
    for sql, params in PSYCOPG_STARTUP:
        _replay(s, sql, params)
    assert s.transaction_status == "I"


# --- asyncpg --------------------------------------------------------------------------------


def test_asyncpg_introspection(s):
    results = [_replay(s, sql, params) for sql, params in ASYNCPG_STATEMENTS]
    types = results[1]
    assert [(r[0], r[2], r[5]) for r in types.rows] == [(23, "int4", 0), (1007, "_int4", 23)]
    assert [c.name for c in types.columns][:3] == ["oid", "ns", "name"]
    row = results[3].rows[0]
    assert row[0] == 5 and row[1] == "x" and row[3] == [1, 2]
    assert [c.type_oid for c in results[3].columns] == [23, 25, 1184, 1007, 1700]


def test_asyncpg_prepare_describes_parameters(s):
    p = s.prepare("SELECT typname FROM pg_type t WHERE t.oid = any($1::oid[])", [0])
    assert p.param_oids == [1028]
    assert s.execute(
        "SELECT typname FROM pg_type t WHERE t.oid = any($1::oid[])", ["{16,25}"]
    ).rows == [("bool",), ("text",)]


# --- pgbench ----------------------------------------------------------------------------------


def _tpcb(aid: int, tid: int, bid: int, delta: int) -> list[str]:
    out = []
    for stmt in PGBENCH_TPCB_TEMPLATE:
        stmt = stmt.replace("51297", str(aid)).replace("-4752", str(delta))
        stmt = re.sub(r"tid = 3", f"tid = {tid}", stmt)
        stmt = stmt.replace("VALUES (3, 1,", f"VALUES ({tid}, {bid},")
        out.append(stmt)
    return out


def test_pgbench_init_and_tpcb_balance_invariant(s):
    scale_accounts = 100_000
    for stmt in PGBENCH_INIT:
        r = s.execute(stmt)
        if r.copy is not None:
            assert r.copy.table == "pgbench_accounts"
            n = s.copy_rows(r.copy, ([str(i), "1", "0", ""] for i in range(1, scale_accounts + 1)))
            assert n == scale_accounts
        if stmt.startswith("select count(*)"):
            assert r.rows == [(1,)]
        if stmt.startswith("select o.n"):
            assert r.rows == [(2, None, 0)]
    rng = random.Random(7)
    hits = s.stats["hits"]
    total = 0
    for _ in range(200):
        delta = rng.randint(-5000, 5000)
        total += delta
        for stmt in _tpcb(rng.randint(1, scale_accounts), rng.randint(1, 10), 1, delta):
            s.execute(stmt)
        assert s.transaction_status == "I"
    # BEGIN and END are utility statements; the five DML statements are cached plans.
    assert s.stats["hits"] - hits >= 200 * 5 - 5
    (sums,) = s.execute(
        "select (select sum(abalance) from pgbench_accounts), (select sum(tbalance) from"
        " pgbench_tellers), (select sum(bbalance) from pgbench_branches),"
        " (select sum(delta) from pgbench_history)"
    ).rows
    assert sums == (total, total, total, total)
    assert s.execute(
        "SELECT relkind FROM pg_catalog.pg_class WHERE oid=$1::pg_catalog.regclass",
        ["pgbench_accounts"],
    ).rows == [("r",)]


def test_asyncpg_introspection_is_described_before_it_runs(s):
    sql, _params = ASYNCPG_STATEMENTS[1]
    prepared = s.prepare(sql, [0])
    assert prepared.param_oids == [1028]
    assert prepared.columns is not None and len(prepared.columns) == 14
    result = s.execute(sql, [[1007]])
    assert [c.type_oid for c in result.columns] == [c.type_oid for c in prepared.columns]
