"""The MySqlSession of an instance: one MySQL client connection, run on a PostgreSQL Session.

Queries and DML are translated (:mod:`.translate`) once per literal-normalised text and run
on the wrapped :class:`aurora.engine.sql.Session` of the current database; everything with
no PostgreSQL equivalent (SHOW, DESCRIBE, USE, SET of MySQL variables, information_schema,
MySQL's DDL) is answered here. MySQL's transaction rules sit on top of PostgreSQL's: a
failed statement inside a transaction is undone (a write by a savepoint) and the transaction
goes on; ``autocommit=0`` opens a transaction with the next statement; DDL commits first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import math
import re
import sys
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

import apsw

from aurora.engine.sql import Session, fkeys, grouping
from aurora.engine.sql import types as pgtypes
from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sql.errors import to_sql_error
from aurora.engine.sql.mysql import (
    catalog,
    functions,
    infoschema,
    lexer,
    locks,
    show,
    timezone,
    variables,
)
from aurora.engine.sql.mysql.errors import Where, err, syntax, to_mysql
from aurora.engine.sql.mysql.lexer import SENTINEL
from aurora.engine.sql.mysql.translate import (
    FOUND_ROWS_COLUMN,
    ColumnDefault,
    Context,
    Translation,
    Unsafe,
    name_of,
    translate,
)
from aurora.engine.sql.tabledef import quote
from aurora.engine.sqlapi import Column, Prepared, SqlError, StatementResult, TransactionStatus

# the errors an UPDATE / DELETE IGNORE turns into a warning, leaving the row as it was
_SKIPPED_BY_IGNORE = frozenset((1062, 1451, 1452, 3819))
_DML = frozenset(("select", "insert", "update", "delete", "replace", "with", "values"))
# the optimizer hint SELECT /*+ MAX_EXECUTION_TIME(n) */ (see MySqlSession._time_limit)
_MAX_EXECUTION_TIME = re.compile(
    r"^\s*(?:select|with\b.*?\bselect)\s*/\*\+[^*]*?\bmax_execution_time\s*\(\s*(\d+)\s*\)", re.I | re.S)
ALL_ROWS = variables.GLOBALS["sql_select_limit"]  # sql_select_limit's default: no cap
_VARIABLE = re.compile(r"mysql_(sys|user)var\('([^']*)'\)", re.I)
# the type a variable's value gives it (see MySqlSession._variable_literal)
_VALUE_TYPES = {bool: "NUMERIC", int: "NUMERIC", float: "DOUBLE PRECISION", Decimal: "NUMERIC"}
_UNSAFE = object()  # cache marker: translate this text with its literals in place
_DECIMAL = re.compile(r"(\d*)\.(\d*)")
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_TRIGGER_CHECK = (
    "SELECT (SELECT schema_version FROM pragma_schema_version), EXISTS (SELECT 1 FROM "
    "temp.sqlite_master WHERE type = 'trigger' AND name = ?)"
)
_NUMERIC_KIND = re.compile(r"numeric(?:\(\d+,(\d+)\))?")  # a value's type, as _set_user_var gets it
BOOL, INT8, TIMESTAMP, TIMESTAMPTZ = pgtypes.BOOL, pgtypes.INT8, 1114, 1184
NUMERIC, VARCHAR = 1700, 1043
T = TypeVar("T")


def _whole(value: object) -> int:
    """A variable's value as a count (0 for what is none)."""
    try:
        return max(int(str(value)), 0)
    except ValueError:
        return 0


class MySqlSession:
    """One MySQL client connection's SQL state, on the PostgreSQL session of its database.

    Args:
        open_session: ``open_session(name) -> Session`` on database file ``name``.
        user: the authenticated user (USER(), CURRENT_USER()).
        database: the handshake's database, or None (then ``mysql`` runs underneath and
            DATABASE() is NULL).
        connection_id: CONNECTION_ID() and SHOW PROCESSLIST.
        instance_id: @@aurora_server_id.
        read_only: a reader instance: writes answer 1290, @@read_only is 1.
        list_databases: the instance's databases (SHOW DATABASES, USE, information_schema).
        replica_status: rows for information_schema.replica_host_status.
        server_version: @@version and VERSION().
    """

    takes_undecoded_bytes = True  # (a string literal's bytes; 1300 elsewhere: _refuse_undecoded)

    def __init__(
        self,
        open_session: Callable[[str], Session],
        *,
        user: str,
        database: str | None,
        connection_id: int,
        instance_id: str,
        read_only: bool,
        list_databases: Callable[[], list[str]],
        replica_status: Callable[[], Iterable[tuple]] | None = None,
        server_version: str = "8.0.32",
        cache_size: int = 2048,
        found_rows: bool = False,
    ) -> None:
        self._open = open_session
        self.user = user
        self.connection_id = connection_id
        self.instance_id = instance_id
        self.read_only = read_only
        self.list_databases = list_databases
        self.replica_status = replica_status
        self.server_version = server_version
        self.vars = variables.session_defaults(
            server_version=server_version, instance_id=instance_id, read_only=read_only
        )
        self.user_vars: dict[str, object] = {}
        # time_zone: NOW() and TIMESTAMP columns follow it (the PostgreSQL sessions' TimeZone)
        self.zone: dt.tzinfo = timezone.SYSTEM
        self.client_found_rows = found_rows
        self._changed = 0
        # (session, table) -> (schema version when made, name) of the TEMP triggers that
        # count changed rows (see _count_changes)
        self._change_triggers: dict[tuple[int, str], tuple[int, str]] = {}
        self.sessions: dict[str, Session] = {}
        self._db: str | None = None
        if database:
            name = {d.lower(): d for d in list_databases()}.get(database.lower())
            if name is None:
                raise err(1049, "42000", f"Unknown database '{database}'")
            self._db = name
        self.pg: Session = self._session(self._db or "mysql")
        self.set_time_zone(self.vars["time_zone"])  # SET GLOBAL time_zone's, if any
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._exact: dict[str, Translation] = {}
        # a prepared statement's text with literals in it (sysbench's "SET k=k+1"): its
        # translation and literals, so that no execute normalises it again
        self._prepared: dict[str, tuple[Translation, list[str], list[str]]] = {}
        self._cache_size = cache_size
        self._schema_version = -1  # the session catalog's version the cache was made with
        self._autocommit = True
        self.last_insert_id = 0
        self._given_insert_id: int | None = None  # LAST_INSERT_ID(expr) in this statement
        self.row_count = -1
        self.found_rows = 0
        self._lock_owner = locks.new_owner()  # as a holder of GET_LOCK's locks
        self._rands: dict[tuple[int, int], Callable[[], float]] = {}  # RAND(seed)'s, this statement's
        self._timed: Session | None = None  # the session given a statement_timeout (see _time_limit)
        self.warnings: list[tuple[str, int, str]] = []
        self._auto: dict[tuple[str, str], tuple[int, str | None]] = {}
        # id(session) -> (catalog version, {(table OID, column number): declared MySQL type})
        self._declared: dict[int, tuple[int, dict[tuple[int, int], str]]] = {}
        self._inserted = 0
        self._deleted = 0
        self._replaced: list[tuple] = []  # the rows a REPLACE's row deleted, when it replaces in place
        # mysql_fit's rows in this statement (see _fit): the values it saw per column, the
        # row a statement run row by row is at, the (column, row)s it warned about
        self._fitted: dict[str, int] = {}
        self._row_at: int | None = None
        self._fit_warned: set[tuple[str, int]] = set()
        self._replace_running = False  # a REPLACE runs: its TEMP triggers act (_replacing)
        # an INSERT that writes the AUTO_INCREMENT column: [first id generated, last id
        # given, the row being inserted takes a generated id] (_track_ids)
        self._ids: list = [None, None, False]
        self._wrote = False  # the open transaction has run a write
        self._tables_locked = False  # LOCK TABLES ran (UNLOCK TABLES then commits)
        self._direct_running = False  # a query on SQLite itself (information_schema) runs
        self.stats = {"hits": 0, "misses": 0}
        self._utility: dict[str, Callable[[str], StatementResult]] = {
            "begin": self._begin,
            "start": self._begin,
            "commit": self._commit,
            "rollback": self._rollback,
            "savepoint": self._savepoint,
            "release": self._release,
            "set": self._set,
            "use": self._use,
            "show": self._show,
            "describe": self._describe,
            "desc": self._describe,
            "explain": self._explain,
            "create": self._ddl,
            "drop": self._ddl,
            "alter": self._ddl,
            "truncate": self._ddl,
            "rename": self._ddl,
            "lock": self._lock_tables,
            "unlock": self._unlock_tables,
            "flush": self._committing_ok,
            "analyze": self._committing_ok,
            "optimize": self._committing_ok,
            "check": self._committing_ok,
            "grant": self._committing_ok,
            "revoke": self._committing_ok,
            "do": self._do,
            "xa": self._unsupported,
            "handler": self._unsupported,
            "load": self._unsupported,
            "call": self._unsupported,
        }

    # --- MySqlSession ---------------------------------------------------------------------

    @property
    def transaction_status(self) -> TransactionStatus:
        return "I" if self.pg.transaction_status == "I" else "T"

    @property
    def foreign_key_checks(self) -> bool:
        """``@@foreign_key_checks``: off, writes check no foreign key and run no action
        (mysqldump's loads), a key may name a table not made yet, TRUNCATE ignores references."""
        return bool(self.vars.get("foreign_key_checks", 1))

    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @property
    def database(self) -> str | None:
        return self._db

    def split(self, text: str) -> list[str]:
        return lexer.split(text)

    def prepare(self, sql: str) -> Prepared:
        _refuse_undecoded(sql)
        try:
            self.pg.release_read()  # (what follows reads and writes SQLite itself)
            word = lexer.first_word(sql)
            if word in ("show", "describe", "desc", "explain"):
                return Prepared([], self.execute(sql).columns)  # reads only: run to describe
            if word not in _DML:
                n = lexer.normalize(sql, keep_literals=True)[3]
                return Prepared([pgtypes.TEXT] * n, None)
            entry, lits, _raw = self._translation(sql)
            if entry.direct:
                cols = self._direct(entry, entry.text(lits), [None] * entry.nparams, _raw).columns
                return Prepared([pgtypes.TEXT] * entry.nparams, cols)
            p = self._guarded(lambda: self.pg.prepare(entry.text(lits), [0] * entry.nparams))
            cols = None
            if p.columns is not None:
                found = p.columns
                if entry.calc_found_rows and found and found[-1].name == FOUND_ROWS_COLUMN:
                    found = found[:-1]  # (see _query_result)
                cols = self._columns(entry, found, _raw)
            return Prepared(list(p.param_oids), cols)
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._error(e, sql) from None

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        if self._rands:
            self._rands.clear()  # RAND(seed) starts its sequence again in each statement
        if self.vars["max_execution_time"] or self._timed is not None or "/*+" in sql:
            self._time_limit(sql)
        entry = self._exact.get(sql)
        if (
            entry is not None
            and entry.again
            and (self._autocommit or self.pg.transaction_status == "T")
            and self.pg.catalog.version == self._schema_version
        ):
            result = self._query_again(entry, sql, params)
            if result is not None:
                return result
        if entry is None:
            _refuse_undecoded(sql)
            if "/*!" in sql and not lexer.first_word(sql):
                # a statement in an executable comment (mysqldump's /*!40101 SET NAMES
                # utf8mb4 */, /*!50001 CREATE VIEW ... */, maybe after plain comments)
                sql = lexer.strip_comments(sql)
        # a text translated before is DML (a prepared statement's, mostly): no need to read it
        word = "select" if entry is not None or sql in self._prepared else lexer.first_word(sql)
        if word != "show":
            self.warnings = []
        # The PostgreSQL session may keep a read transaction open between queries: go on in
        # it only if no commit came since, and only for a query (the dialect's own reads and
        # writes of SQLite come before the session's statement; see _dml).
        pg = self.pg
        try:
            pg.refresh_read()
            result = self._statement(word, sql, params)
            pg.park_read()
            return result
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            with contextlib.suppress(Exception):
                pg.park_read()  # (the session's own statement ended it already if it failed)
            raise self._error(e, sql, params) from None

    def _time_limit(self, sql: str) -> None:
        """MySQL's max_execution_time (ms; 0 for none) and the optimizer hint
        ``SELECT /*+ MAX_EXECUTION_TIME(n) */`` bound a SELECT's run: the PostgreSQL session's
        statement_timeout while the SELECT runs (57014 past it, which is 3024 here)."""
        m = _MAX_EXECUTION_TIME.search(sql) if "/*+" in sql else None
        word = lexer.first_word(sql)
        ms = 0
        if word in ("select", "with"):
            ms = int(m.group(1)) if m else _whole(self.vars["max_execution_time"])
        if self._timed is not None:
            self._timed.settings.set("statement_timeout", "0")
            self._timed = None
        if ms > 0:
            self.pg.settings.set("statement_timeout", str(ms))
            self._timed = self.pg

    def _query_again(
        self, entry: Translation, sql: str, params: Sequence[object]
    ) -> StatementResult | None:
        """A plain query that ran before as this text (a prepared statement's), straight to
        the session's cached plan (``Session.query_again``); None when it must take the
        whole way (nothing ran)."""
        pg = self.pg
        in_block = pg.transaction_status != "I"
        self.warnings = []
        try:
            r = pg.query_again(entry.parts[0], params)
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            if in_block:  # a failed read changed nothing: the transaction goes on (_guarded)
                pg.resume_after_error()
            raise self._error(e, sql, params) from None
        if r is None:
            return None
        self.stats["hits"] += 1
        return self._query_result(entry, r, [])

    def _statement(self, word: str, sql: str, params: Sequence[object]) -> StatementResult:
        if word in _DML:
            return self._dml(sql, params)
        self.pg.release_read()
        handler = self._utility.get(word)
        if handler is None:
            if not lexer.strip_comments(sql).strip():
                return StatementResult("EMPTY")
            raise syntax(sql)
        if params:  # a prepared SET @x = ?: no plan to bind into
            sql = lexer.inline_params(sql, list(params))
        return handler(sql)

    def use(self, database: str) -> None:
        try:
            self._use_database(database)
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._error(e, f"USE {database}") from None

    def _use_database(self, database: str) -> None:
        if database.lower() != (self._db or "").lower() and self.transaction_status != "I":
            # Databases are separate files: a transaction cannot span two. One that wrote
            # nothing yet (autocommit=0 opens one with any SELECT) just ends.
            if self._wrote:
                raise err(1179, "25000",
                          "You are not allowed to execute this command in a transaction")
            self._end("COMMIT")
        known = {d.lower(): d for d in self.list_databases()}
        name = known.get(database.lower())
        if name is None:
            raise err(1049, "42000", f"Unknown database '{database}'")
        self.pg = self._session(name)
        self._db = name
        self._clear_cache()

    def leave_database(self) -> None:
        """The current database is being dropped: none is selected any more."""
        self.pg = self._session("mysql")
        self._db = None
        self._clear_cache()

    def field_list(self, table: str, wildcard: str | None = None) -> list[Column]:
        try:
            self.pg.release_read()
            return self._field_list(table, wildcard)
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._error(e, f"SHOW COLUMNS FROM {table}") from None

    def _field_list(self, table: str, wildcard: str | None) -> list[Column]:
        if self._db is None:
            raise err(1046, "3D000", "No database selected")
        info = self.pg.catalog.table_columns(table)
        if info is None:
            raise err(1146, "42S02", f"Table '{self._db}.{table}' doesn't exist")
        pat = lexer.like_regex(wildcard) if wildcard else None
        declared = self._declared_types()
        oid = rel_oid(table)
        return [
            Column(c.name, c.type_oid, -1, c.typmod, 0, c.position,
                   declared.get((oid, c.position)))
            for c in info
            if pat is None or pat.match(c.name)
        ]

    def reset(self) -> None:
        try:
            if self.pg.transaction_status != "I":
                self.pg.execute("ROLLBACK")
        except SqlError:
            pass
        self.user_vars.clear()
        self.warnings = []
        self.last_insert_id = 0
        locks.INSTANCE.release_all(self._lock_owner)  # (COM_RESET_CONNECTION releases them)
        self._tables_locked = False
        self._autocommit = True
        self.vars = variables.session_defaults(
            server_version=self.server_version, instance_id=self.instance_id,
            read_only=self.read_only,
        )
        self.set_time_zone(self.vars["time_zone"])
        self.lock_wait_timeout_changed()

    def set_time_zone(self, value: object) -> None:
        """SET time_zone: 1298 for a zone MySQL would not know; @@time_zone then reads the
        zone's name as MySQL spells it ('+02:00', 'Europe/Paris', 'SYSTEM')."""
        name, tz = timezone.zone(value)
        self.vars["time_zone"] = name
        if tz is not self.zone:
            self.zone = tz
            for s in self.sessions.values():
                s.settings.set("TimeZone", timezone.postgres_name(tz))

    def cancel(self) -> None:
        if self._direct_running:
            # a query this dialect runs on SQLite itself: the session's cancel flag would
            # outlive it and stop the next statement
            self.pg.conn.interrupt()
        else:
            self.pg.cancel()

    def close(self) -> None:
        locks.INSTANCE.release_all(self._lock_owner)
        for s in self.sessions.values():
            try:
                s.close()
            except Exception:
                pass
        self.sessions.clear()

    # --- sessions and functions -------------------------------------------------------------

    def _session(self, name: str) -> Session:
        s = self.sessions.get(name)
        if s is None:
            s = self._open(name)
            s.mysql_rules = True  # NULL into an AUTO_INCREMENT key is its next value, and so on
            s.fk.no_action_restricts = True
            if self.zone is not timezone.SYSTEM:
                s.settings.set("TimeZone", timezone.postgres_name(self.zone))
            self._lock_wait_timeout(s)
            self._register(s)
            self.sessions[name] = s
        return s

    def _lock_wait_timeout(self, s: Session) -> None:
        """innodb_lock_wait_timeout (seconds) is how long a write waits for the write lock
        before it fails with 1205: the session's lock_timeout."""
        try:
            seconds = max(1, int(float(str(self.vars.get("innodb_lock_wait_timeout", 50)))))
        except ValueError:
            seconds = 50
        s.settings.set("lock_timeout", f"{seconds}s")

    def lock_wait_timeout_changed(self) -> None:
        for s in self.sessions.values():
            self._lock_wait_timeout(s)

    def conn_for(self, database: str | None):
        """The SQLite connection of ``database`` (the current one for None); 1049 if unknown."""
        if database is None or (self._db is not None and database.lower() == self._db.lower()):
            if database is None and self._db is None:
                raise err(1046, "3D000", "No database selected")
            return self.pg.conn
        known = {d.lower(): d for d in self.list_databases()}
        name = known.get(database.lower())
        if name is None:
            raise err(1049, "42000", f"Unknown database '{database}'")
        return self._session(name).conn

    def _register(self, s: Session) -> None:
        conn = s.conn
        # A double-quoted name that is no column must fail (1054), not read as a string.
        conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)
        conn.create_scalar_function("mysql_sysvar", self.sysvar, 1)
        conn.create_scalar_function("mysql_uservar", self._user_var, 1)
        conn.create_scalar_function("mysql_set_uservar", self._set_user_var, -1)
        conn.create_scalar_function("mysql_database", lambda: self._db, 0)
        conn.create_scalar_function("mysql_user", lambda: f"{self.user}@localhost", 0)
        conn.create_scalar_function("mysql_current_user", lambda: f"{self.user}@%", 0)
        conn.create_scalar_function("mysql_connection_id", lambda: self.connection_id, 0)
        conn.create_scalar_function("mysql_last_insert_id", lambda: self.last_insert_id, 0)
        conn.create_scalar_function("mysql_last_insert_id", self._give_insert_id, 1)
        conn.create_scalar_function("mysql_sleep", self._sleep, 1)
        conn.create_scalar_function("mysql_rand", self._rand, 2)
        conn.create_scalar_function("mysql_uuid_short", functions.uuid_short, 0)
        conn.create_scalar_function("mysql_cast_int", self._cast_int, 1)
        conn.create_scalar_function("mysql_number", self._number, 2)
        conn.create_scalar_function("mysql_cast_decimal", self._cast_decimal, 5)
        conn.create_scalar_function("mysql_fit", self._fit, 4)
        conn.create_scalar_function("mysql_pad", self._sized(functions.pad), 4)
        conn.create_scalar_function("mysql_repeat", self._sized(functions.repeat), 2)
        conn.create_scalar_function("mysql_space", self._sized(functions.space), 1)
        held = locks.INSTANCE
        conn.create_scalar_function(
            "mysql_get_lock",
            lambda name, wait: held.get(self._lock_owner, self.connection_id, name, wait, self.pg.check_cancel), 2)
        conn.create_scalar_function("mysql_release_lock", lambda name: held.release(self._lock_owner, name), 1)
        conn.create_scalar_function("mysql_release_all_locks", lambda: held.release_all(self._lock_owner), 0)
        conn.create_scalar_function("mysql_is_free_lock", held.is_free, 1)
        conn.create_scalar_function("mysql_is_used_lock", held.holder, 1)
        conn.create_scalar_function("mysql_row_count", lambda: self.row_count, 0)
        conn.create_scalar_function("mysql_cte_depth", self._cte_depth, 1)
        conn.create_scalar_function("mysql_found_rows", lambda: self.found_rows, 0)

        def counted() -> None:
            self._inserted += 1

        def changed() -> None:
            self._changed += 1

        def deleted(*old: object) -> None:
            self._deleted += 1
            if old:
                self._replaced.append(old)

        def inserted_in_place(*new: object) -> None:
            # MySQL's update in place: a row replaced by one identical to it counts once
            gone = self._replaced
            if len(gone) == 1 and _same_record(gone[0], new):
                self._deleted -= 1
            gone.clear()

        conn.create_scalar_function("_mysql_count_insert", counted, 0)
        conn.create_scalar_function("_mysql_count_change", changed, 0)
        conn.create_scalar_function("_mysql_count_delete", deleted, -1)
        conn.create_scalar_function("_mysql_replaced_in_place", inserted_in_place, -1)
        conn.create_scalar_function("_mysql_id_coming", self._id_coming, 1)
        conn.create_scalar_function("_mysql_id_inserted", self._id_inserted, 1)
        conn.create_scalar_function("_mysql_replacing", lambda: self._replace_running, 0)
        conn.create_scalar_function("_mysql_not_null", _not_null, 2)
        functions.register(conn)
        for name, (fn, n) in timezone.functions(lambda: self.zone).items():
            conn.create_scalar_function(name, fn, n)

    def _sized(self, fn: Callable[..., object]) -> Callable[..., object]:
        """A string function held to max_allowed_packet: past it, NULL with MySQL's 1301."""

        def call(*args: object) -> object:
            limit = int(self.vars.get("max_allowed_packet", 1 << 26))  # type: ignore[call-overload]
            try:
                return fn(*args, limit=limit)
            except functions.TooLarge as e:
                self.warnings.append(("Warning", 1301, f"Result of {e.function}() was larger than "
                                      f"max_allowed_packet ({limit}) - truncated"))
                return None

        return call

    def _give_insert_id(self, value: object) -> object:
        """LAST_INSERT_ID(expr): ``expr``, which the next LAST_INSERT_ID() returns (and the
        OK packet of the statement carries): MySQL's way to number from a table of counters."""
        if value is not None:
            try:
                self.last_insert_id = self._given_insert_id = int(value)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                self.last_insert_id = self._given_insert_id = 0
        return value

    def _cast_int(self, v: object) -> int | None:
        """CAST(v AS SIGNED): a number rounded (half away from zero), a string's leading
        integer (' 42 ' is 42; '12abc' 12 and '3.7' 3, each with MySQL's 1292 warning; no
        digits at all 0, with one too), within BIGINT's range."""
        if v is None:
            return None
        if isinstance(v, (bool, int)):
            n = int(v)
        elif isinstance(v, (float, Decimal)):
            try:
                n = int(Decimal(str(v)).to_integral_value(rounding="ROUND_HALF_UP"))
            except ArithmeticError:  # inf, nan
                n = 0
        else:
            text = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
            m = re.match(r"\s*([+-]?\d+)", text)
            n = int(m.group(1)) if m else 0
            if m is None or text[m.end():].strip():
                self.warnings.append(("Warning", 1292, f"Truncated incorrect INTEGER value: '{text}'"))
        return max(-(1 << 63), min(n, (1 << 63) - 1))

    def _cast_decimal(self, v: object, precision: int, scale: int, strict: int, cast: str) -> str | None:
        """CAST(v AS DECIMAL(p, s)) (``functions.cast_decimal``): a string that is no number
        is its leading number, with MySQL's 1292 warning, and a value out of range the
        type's bound, with its 1264; both are errors in a statement that writes
        (``strict``), as strict mode has it. ``cast``: the CAST's text, which 1264 names."""
        value, truncated, out = functions.cast_decimal(v, precision, scale)
        found = []
        if truncated:
            text = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
            found.append(("22007", 1292, f"Truncated incorrect DECIMAL value: '{text}'"))
        if out:
            found.append(("22003", 1264, f"Out of range value for column '{cast}' at row 1"))
        for sqlstate, errno, message in found:
            if strict:
                raise SqlError(sqlstate, message, errno=errno)
            self.warnings.append(("Warning", errno, message))
        return value

    def _number(self, v: object, strict: object) -> object:
        """A string compared with a number, read as MySQL reads it: an integer's text is the
        integer ('42'), a number's the number ('5.0', '1e3'), anything else its leading
        number ('12abc' is 12, 'abc' 0) with MySQL's 1292 warning, or its 1292 error in a
        statement that writes (``strict``, as strict mode has it)."""
        if not isinstance(v, str):
            return v
        text = v.strip()
        if _INTEGER_TEXT.fullmatch(text):
            return int(text)
        m = functions.NUMBER_TEXT.match(text)
        if m is not None and m.end() == len(text):
            return _double_in_range(float(text))
        message = f"Truncated incorrect DOUBLE value: '{v}'"
        if strict:
            raise SqlError("22007", message, errno=1292)
        self.warnings.append(("Warning", 1292, message))
        return _double_in_range(float(m.group())) if m is not None else 0.0

    def _fit(self, v: object, column: str, kind: str, row: int | None) -> object:
        """An INSERT or UPDATE IGNORE's value for ``column`` as the column holds it
        (``functions.fit``), with MySQL's warning when it had to change. ``row``: the
        statement's row (an INSERT's VALUES row), or None: the row an UPDATE run row by row
        is at, or else the column's count of values (an INSERT ... SELECT's). A value the
        engine reads twice for the same row is warned about once."""
        if row is None:
            row = self._row_at
        if row is None:
            row = self._fitted[column] = self._fitted.get(column, 0) + 1
        value, errno = functions.fit(v, kind)
        if errno is not None and (column, row) not in self._fit_warned:
            self._fit_warned.add((column, row))
            if errno == 1048:
                message = f"Column '{column}' cannot be null"
            elif errno == 1366:
                number = "decimal" if kind.startswith("decimal") else "integer"
                message = f"Incorrect {number} value: '{v}' for column '{column}' at row {row}"
            else:
                message = (f"{'Out of range value' if errno == 1264 else 'Data truncated'} for "
                           f"column '{column}' at row {row}")
            self.warnings.append(("Warning", errno, message))
        return value

    def _sleep(self, seconds: object) -> int:
        """SLEEP(n): 0 after n seconds. A KILL QUERY or the statement's timeout stops it
        within 50 ms (1317, as when SLEEP is part of a larger query in MySQL)."""
        try:
            wait = float(seconds)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            wait = -1.0
        if wait < 0:
            raise err(1210, "HY000", "Incorrect arguments to sleep.")
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            self.pg.check_cancel()
            time.sleep(min(left, 0.05))
        self.pg.check_cancel()
        return 0

    def _rand(self, seed: object, site: int) -> float:
        """RAND(N): the next value of MySQL's generator seeded with N, one sequence per
        place in the statement that calls it (the same values MySQL gives, row after row)."""
        try:
            n = int(seed) if seed is not None else 0  # type: ignore[call-overload]
        except (TypeError, ValueError):
            n = 0
        sequence = self._rands.get((site, n))
        if sequence is None:
            sequence = self._rands[(site, n)] = functions.seeded_rand(n)
        return sequence()

    def _user_var(self, name: object) -> object:
        """A user variable read live (one the statement assigns): a DECIMAL as its exact
        text, which the read's CAST AS NUMERIC takes."""
        v = self.user_vars.get(str(name).lower())
        return str(v) if isinstance(v, Decimal) else v

    def _set_user_var(self, name: str, value: object, kind: object = None, *_order: object) -> object:
        """``@name := value`` inside a statement: stored as the row is computed, and given.
        ``kind``: the value's type as the PostgreSQL session knows it; a numeric is kept
        exact, as MySQL keeps a DECIMAL (a fourth argument only orders the rows: see
        translate._variable_assignments)."""
        kept = value
        exact = _NUMERIC_KIND.fullmatch(str(kind))
        if exact is not None and (isinstance(value, (str, float)) or (
                isinstance(value, int) and exact.group(1) is not None)):
            # (a whole number stays one: @r := @r + 1 of an integer's NUMERIC read is BIGINT)
            with contextlib.suppress(ArithmeticError):
                kept = Decimal(str(value))
                if exact.group(1) is not None:  # (a DECIMAL(p, s) column's: its scale)
                    kept = kept.quantize(Decimal(1).scaleb(-int(exact.group(1))))
        self.user_vars[str(name)] = kept
        return value

    def _variable_literal(self, m: re.Match[str], assigned: frozenset[str] = frozenset()) -> str:
        """A variable read as a literal of its current value: the PostgreSQL session then
        types the result by the value (a user variable may hold a number, then a string).
        A user variable the statement assigns (``@r := @r + 1``) is read row by row instead,
        typed by the value it holds as the statement begins."""
        name = m.group(2)
        v = self.sysvar(name) if m.group(1).lower() == "sys" else self.user_vars.get(name.lower())
        if m.group(1).lower() == "user" and name.lower() in assigned:
            live = m.group(0)
            return live if v is None else f"CAST({live} AS {_VALUE_TYPES.get(type(v), 'TEXT')})"
        # Typed as MySQL types the variable's value (an integer is BIGINT, a string TEXT).
        if v is None:
            return "NULL"
        if isinstance(v, (bool, int)):
            return f"CAST({int(v)} AS BIGINT)"
        if isinstance(v, float):
            return f"CAST({v!r} AS DOUBLE PRECISION)"
        if isinstance(v, Decimal):
            return f"CAST({v} AS NUMERIC)"
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        return f"CAST({lexer.pg_string(str(v))} AS TEXT)"

    def _cte_depth(self, depth: int) -> int:
        """A recursive CTE's row of ``depth`` iterations (see translate._recursion_limited):
        past ``@@cte_max_recursion_depth`` the statement ends with MySQL's 3636."""
        limit = self.vars.get("cte_max_recursion_depth", 1000)
        if isinstance(limit, int) and depth > limit:
            raise err(3636, "HY000", f"Recursive query aborted after {depth} iterations. "
                      "Try increasing @@cte_max_recursion_depth to a larger value.")
        return depth

    def sysvar(self, name: object) -> object:
        n = str(name).lower()
        scope = ""
        if n.startswith(("session.", "global.", "local.")):
            scope, n = n.split(".", 1)
        n = variables.ALIASES.get(n, n)
        if n == "autocommit":
            return int(self._autocommit)
        if n in ("last_insert_id", "identity"):
            return self.last_insert_id
        if n == "warning_count":
            return len(self.warnings)
        if scope == "global" and n in variables.GLOBALS and n not in ("read_only",):
            return variables.GLOBALS[n]
        if n not in self.vars:
            raise err(1193, "HY000", f"Unknown system variable '{n}'")
        return self.vars[n]

    # --- translation --------------------------------------------------------------------

    def _context(self) -> Context:
        def cols(table: str) -> list[str] | None:
            info = self.pg.catalog.table_columns(table)
            return [c.name for c in info] if info else None

        def on_update(table: str) -> list[str]:
            desc = catalog.describe(self.pg.conn, table)
            return [c.name for c in desc.columns if "on update" in c.extra] if desc else []

        def column_type(table: str, column: str) -> tuple[int, int] | None:
            info = self.pg.catalog.column(table, column)
            return (info.type_oid, info.typmod) if info is not None else None

        declared: list[tuple[str, str, str]] | None = None

        def declared_types(table: str) -> dict[str, str]:
            nonlocal declared
            if declared is None:
                declared = catalog.declared_types(self.pg.conn)
            name = table.lower()
            return {c.lower(): kind for t, c, kind in declared if t.lower() == name}

        def stored_table(table: str) -> grouping.Table | None:
            return grouping.stored_table(self.pg.catalog, table, unique_keys=True)

        def not_null(table: str, column: str) -> bool:
            info = self.pg.catalog.column(table, column)
            return info is not None and info.not_null and not (info.identity or info.rowid)

        def column_default(table: str, column: str) -> ColumnDefault | None:
            info = self.pg.catalog.column(table, column)
            if info is None:
                return None
            side = catalog.column_default(self.pg.conn, table, column)
            return ColumnDefault(
                pgtypes.format_type(info.type_oid, info.typmod) or "text", info.default_expr,
                side[0] if side else None, side is not None, not (info.not_null or info.pk),
                bool(info.identity or info.rowid or (side and "auto_increment" in side[1])),
            )

        return Context(self._db, cols, on_update, column_type, declared_types, stored_table, not_null,
                       column_default)

    def _clear_cache(self) -> None:
        self._cache.clear()
        self._exact.clear()
        self._prepared.clear()

    def _translation(
        self, sql: str, prepared: bool = False
    ) -> tuple[Translation, list[str], list[str]]:
        """The translation of ``sql``, its literals and their source text. ``prepared``: the
        text comes back with each execute, so it is kept whole even with literals in it."""
        # A translation may read the schema (column scales, ON UPDATE columns): start over
        # once the session has seen it change (any connection's DDL).
        if self.pg.catalog.version != self._schema_version:
            self._clear_cache()
            self._schema_version = self.pg.catalog.version
        entry = self._exact.get(sql)
        if entry is not None:
            self.stats["hits"] += 1
            return entry, [], []
        kept = self._prepared.get(sql)
        if kept is not None:
            self.stats["hits"] += 1
            return kept
        key, lits, raw, n = lexer.normalize(sql)
        got = self._cache.get(key)
        if got is None:
            self.stats["misses"] += 1
            try:
                got = translate(key, n, self._context())
            except Unsafe:
                got = _UNSAFE
            self._remember(key, got)
        else:
            self.stats["hits"] += 1
        if got is _UNSAFE:
            key, lits, raw, n = lexer.normalize(sql, keep_literals=True)
            got = self._cache.get(key)
            if got is None:
                try:
                    got = translate(key, n, self._context())
                except Unsafe:
                    got = _UNSAFE
                self._remember(key, got)
        if not isinstance(got, Translation):
            # a parameter where the translation needs the value's text (the amount of a
            # compound interval, a format): a literal there works
            raise err(1235, "42000", "This version of MySQL doesn't yet support 'a parameter "
                      "in this place of a prepared statement (write the value in the statement)'")
        if not lits:
            if len(self._exact) >= self._cache_size:
                self._exact.clear()
            self._exact[sql] = got
        elif prepared:
            if len(self._prepared) >= self._cache_size:
                self._prepared.clear()
            self._prepared[sql] = (got, lits, raw)
        return got, lits, raw

    def _remember(self, key: str, value: object) -> None:
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    # --- DML ------------------------------------------------------------------------------

    def _dml(self, sql: str, params: Sequence[object]) -> StatementResult:
        entry, lits, raw = self._translation(sql, prepared=bool(params))
        if self.vars["sql_safe_updates"] and entry.kind in ("update", "delete") and not entry.write_limit:
            self._safe_update(entry)
        if entry.nparams != len(params):
            # a ``?`` in a statement run as text (COM_QUERY) is a syntax error in MySQL
            at = sql.find("?")
            raise syntax(sql[at:] if at >= 0 else sql)
        text = entry.text(lits)
        rows_text = entry.ordered.text(lits) if entry.ordered is not None else None
        several = [(t, q.text(lits), w) for t, q, w in entry.several] if entry.several else None
        if entry.dynamic:
            literal = functools.partial(self._variable_literal, assigned=entry.assigned)
            text = _VARIABLE.sub(literal, text)
            if rows_text is not None:
                rows_text = _VARIABLE.sub(literal, rows_text)
            if several is not None:
                several = [(t, _VARIABLE.sub(literal, q), w) for t, q, w in several]
        if entry.direct or entry.kind != "select" or entry.locks:
            self.pg.release_read()
        if entry.direct:
            return self._direct(entry, text, params, raw)
        self._implicit_begin()
        if entry.kind != "select" or entry.locks:
            # A write, or FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE: under the write lock
            # (before _run's counting triggers, which write TEMP)
            self.pg.ready_to_write()
        if params:
            zoned = entry.zoned_params
            if zoned is None:
                zoned = self._zoned_params(entry, text)
                if rows_text is not None:  # (the WHERE's parameters are the query's)
                    zoned = sorted({*zoned, *self._zoned_params(entry, rows_text)})
                entry.zoned_params = zoned
            if zoned:
                params = _params_in_zone(params, zoned, self.zone)
        steps: Callable[[], StatementResult] | None = None  # a write of several engine statements
        if several is not None:
            steps = functools.partial(self._several, entry, several, params)
        elif rows_text is not None:
            steps = functools.partial(self._row_by_row, entry, text, rows_text, params)
        return self._guarded(
            lambda: self._run(entry, text, params, raw, sql, steps), read=entry.kind == "select"
        )

    def _safe_update(self, entry: Translation) -> None:
        """sql_safe_updates (the mysql client's --safe-updates, MySQL Workbench's default): an
        UPDATE or DELETE without a LIMIT must read a key column in its WHERE (the first
        column of its table's primary key or of an index), else 1175. MySQL asks whether its
        plan uses the key; a WHERE on a key column the plan scans past (``OR`` of another
        column) passes here."""
        columns = entry.where_columns
        desc = catalog.describe(self.pg.conn, entry.write_target) if entry.write_target else None
        if desc is None and columns is not None:
            return  # several tables, or a view: not checked
        keys = set()
        if desc is not None:
            keys = {c.lower() for c in desc.primary[:1]}
            keys.update(i.columns[0].lower() for i in desc.indexes if i.columns and i.columns[0])
        if columns is None or not keys & columns:
            raise err(1175, "HY000", "You are using safe update mode and you tried to update a "
                      "table without a WHERE that uses a KEY column. To disable safe mode, toggle "
                      "the option in Preferences -> SQL Editor and reconnect.")

    def _row_by_row(
        self, entry: Translation, write: str, rows: str, params: Sequence[object]
    ) -> StatementResult:
        """An UPDATE or DELETE run row after row: ``rows`` queries the rows' ids (in the
        statement's ORDER BY), ``write`` writes the row whose id follows the parameters.
        UPDATE ... ORDER BY so writes its rows in that order, each checked against the unique
        keys as it is written, as MySQL (SQLite would write them in its own order, and ``SET
        pos = pos + 1 ORDER BY pos DESC`` would collide); UPDATE / DELETE IGNORE so skip the
        rows a key refuses (``_write_row``)."""
        pg = self.pg
        skip = entry.mode == "ignore"

        def run() -> int:
            n = 0
            for i, rowid in enumerate([r[0] for r in pg.execute(rows, params).rows], 1):
                self._row_at = i
                n += self._write_row(entry, write, [*params, rowid], skip)
            return n

        return StatementResult(f"{entry.kind.upper()} {self._all_or_none(run)}")

    def _write_row(self, entry: Translation, write: str, params: Sequence[object], skip: bool) -> int:
        """Write one row of a statement run row by row: the rows it counts (an UPDATE's
        matched row). With IGNORE, a row that a unique key, a foreign key or a CHECK refuses
        is left as it was, the error a warning, as MySQL does (an UPDATE still counts it as
        matched, not as changed)."""
        pg = self.pg
        if not skip:
            return _count(pg.execute(write, params).tag)
        changed = self._changed
        try:
            return _count(pg.execute(write, params).tag)
        except SqlError as e:
            mapped = to_mysql(e, Where(self._db, entry.table, write), self.read_only)
            if mapped.errno not in _SKIPPED_BY_IGNORE:
                raise
            pg.resume_after_error()
            self._changed = changed  # (its counting trigger ran before the row was refused)
            self.warnings.append(("Warning", mapped.errno, mapped.message))
            return 1 if entry.kind == "update" else 0

    def _several(
        self, entry: Translation, several: list[tuple[str, str, str]], params: Sequence[object]
    ) -> StatementResult:
        """DELETE a, b FROM a JOIN b ... / UPDATE a JOIN b ... SET a.x = ..., b.y = ...: the
        rows of every target (and the values an UPDATE sets them to) found first, as MySQL
        finds them before it writes (deleting or changing a's rows would change what b's
        query finds), then written table after table, a row once (its first values), each
        checked (its foreign keys, its unique keys; IGNORE skips it: ``_write_row``) as it
        goes. A DELETE deletes a table that references another of them first."""
        pg = self.pg
        skip = entry.mode == "ignore"

        def run() -> int:
            found = []
            for table, query, write in several:
                rows: dict[object, tuple] = {}
                for r in pg.execute(query, params).rows:
                    rows.setdefault(r[0], r)
                found.append((table, write, list(rows.values())))
            if entry.kind == "delete":
                found = _children_first(found, fkeys.load(pg.conn))
            n = 0
            for table, write, rows_found in found:
                target = dataclasses.replace(entry, table=table)
                for i, r in enumerate(rows_found, 1):
                    self._row_at = i
                    n += self._write_row(target, write, [*r[1:], r[0]], skip)
            return n

        return StatementResult(f"{entry.kind.upper()} {self._all_or_none(run)}")

    def _all_or_none(self, run: Callable[[], int]) -> int:
        """Run a statement that takes several of the engine's as one: in a transaction of
        its own, or a savepoint inside the caller's, holding the write lock from before its
        first read (no commit comes between what it reads and what it writes). A failure
        undoes every row it wrote."""
        pg = self.pg
        own = pg.transaction_status == "I"
        if own:
            pg.execute("BEGIN")
            pg.ready_to_write()  # (inside a transaction _dml took it already)
        else:
            pg.execute("SAVEPOINT _aurora_one_statement")
        try:
            n = run()
        except BaseException:
            with contextlib.suppress(Exception):
                if own:
                    pg.execute("ROLLBACK")
                else:
                    pg.execute("ROLLBACK TO SAVEPOINT _aurora_one_statement")
                    pg.execute("RELEASE SAVEPOINT _aurora_one_statement")
            raise
        pg.execute("COMMIT" if own else "RELEASE SAVEPOINT _aurora_one_statement")
        return n

    def _zoned_params(self, entry: Translation, text: str) -> list[tuple[int, bool]]:
        """The parameters the session types timestamp or timestamptz (compared with, or
        written to, a DATETIME or TIMESTAMP column), asked once per translation, and whether
        theirs is the TIMESTAMP: a client's text there is a DATETIME (the session compares
        a parameter's text as it comes), and a DATETIME given for a TIMESTAMP is a wall time
        of the session's zone (the session applies its zone to a stored parameter, not to a
        compared one)."""
        try:
            p = self._guarded(lambda: self.pg.prepare(text, [0] * entry.nparams))
        except Exception:
            return []  # the statement itself will say why
        return [(i, oid == TIMESTAMPTZ) for i, oid in enumerate(p.param_oids)
                if oid in (TIMESTAMP, TIMESTAMPTZ)]

    def _guarded(self, step: Callable[[], T], read: bool = True) -> T:
        """Run ``step`` so that, inside a transaction, an error undoes the statement only and
        the transaction goes on (MySQL's rule). SQLite undoes a failed statement by itself,
        and the session runs a write of several SQLite statements (foreign key checks,
        triggers, data-modifying WITH) in a savepoint of its own: what is left is to take
        the session out of its failed state, unless SQLite ended the whole transaction."""
        if self.pg.transaction_status == "I":
            return step()
        try:
            return step()
        except BaseException:
            if read:  # changed nothing (a prepare, maybe before the block's BEGIN ran)
                self.pg.resume_after_error()
            else:
                self._undo_statement()
            raise

    def _undo_statement(self) -> None:
        """MySQL's statement rollback of a failed write: the transaction stays usable, unless
        SQLite ended it (an interrupted write, a full disk, a BEGIN that failed): then the
        session ends it too."""
        pg = self.pg
        if pg.transaction_status == "I":
            return
        if pg.conn.in_transaction:
            pg.resume_after_error()
        else:
            pg.execute("ROLLBACK")

    def _recover_failed(self) -> None:
        if self.pg.transaction_status == "E":
            self.pg.execute("ROLLBACK")

    def _implicit_begin(self) -> None:
        if not self._autocommit and self.pg.transaction_status == "I":
            self.pg.execute(self._begin_statement())
            self._wrote = False

    def _begin_statement(self, read_only: bool = False) -> str:
        """The session's BEGIN for a MySQL transaction. Up to REPEATABLE READ a transaction
        reads without a lock (READ COMMITTED on a new snapshot per statement, REPEATABLE
        READ on the one of its first read) and takes the write lock before its first write,
        on the newest snapshot (``Session.ready_to_write``); SERIALIZABLE takes it at once."""
        level = self.vars.get("transaction_isolation")
        self.pg.renew_reads = level in ("READ-COMMITTED", "READ-UNCOMMITTED")
        if read_only:
            return "BEGIN READ ONLY"
        if level == "SERIALIZABLE":
            return "BEGIN ISOLATION LEVEL SERIALIZABLE"
        return "BEGIN"

    def _run(
        self, entry: Translation, text: str, params: Sequence[object], raw: list[str], sql: str,
        steps: Callable[[], StatementResult] | None = None,
    ) -> StatementResult:
        """Run a translated statement (``steps``: a write that takes several of the engine's
        statements, in place of ``text``) and make its result MySQL's."""
        pg = self.pg
        if entry.full_group_by is not None and "ONLY_FULL_GROUP_BY" in str(self.vars.get("sql_mode", "")).upper():
            raise entry.full_group_by
        if entry.kind == "select":
            r = self._query_result(entry, pg.execute(text, params), raw)
            # Run again as it is, the text may go straight to the session's plan: a plain
            # query on SQLite, whose values come back as they are and no @variable in it.
            entry.again = (
                not (entry.slots or entry.direct or entry.dynamic or entry.locks or entry.full_group_by)
                and not entry.converted[1] and not entry.converted[2]  # type: ignore[index]
                and (entry.zoned_params == [] or not entry.nparams)
            )
            return r
        self._wrote = True
        # foreign_key_checks = 0: writes check no foreign key (mysqldump's loads)
        pg.fk.suspended = not self.foreign_key_checks
        auto_col: str | None = None
        generated = False  # the AUTO_INCREMENT column is left out: every id is generated
        if entry.kind == "insert" and entry.table:
            auto_col = self._auto_column(entry.table)
            if auto_col is not None and entry.columns is not None and auto_col.lower() not in (
                c.lower() for c in entry.columns
            ):
                generated = True
            elif auto_col is not None:
                self._track_ids(entry.table, auto_col)
                self._ids = [None, None, False]
        if entry.mode == "upsert":
            self._count_inserts(entry.table or "")
            self._inserted = 0
        elif entry.mode == "replace" and entry.table:
            self._replacing(entry.table)
            self._deleted = 0
            self._replaced.clear()
            self._replace_running = True
        counting = entry.table is not None and (entry.kind == "update" or entry.mode == "upsert")
        if counting:
            self._count_changes(entry.table or "")
        elif entry.kind == "update" and entry.several:
            for table, _, _ in entry.several:
                self._count_changes(table)
            counting = True
        if counting:
            self._changed = 0
        self._given_insert_id = None
        if entry.mode == "ignore":  # (mysql_fit's bookkeeping: IGNORE statements only)
            self._fitted, self._row_at, self._fit_warned = {}, None, set()
        try:
            r = steps() if steps is not None else pg.execute(text, params)
        finally:
            self._replace_running = False
        n = _count(r.tag)
        affected = n
        insert_id = 0
        info = ""
        if entry.kind == "update" and counting:
            # MySQL counts changed rows; matched ones with CLIENT_FOUND_ROWS (SQLAlchemy's)
            affected = n if self.client_found_rows else min(self._changed, n)
            info = f"Rows matched: {n}  Changed: {min(self._changed, n)}  Warnings: {len(self.warnings)}"
        elif entry.mode == "upsert":
            # per row: 1 inserted, 2 updated, 0 set to the values it had (1 with FOUND_ROWS)
            ins = min(self._inserted, n)
            changed = min(self._changed, n - ins) if counting else n - ins
            same = n - ins - changed
            affected = ins + 2 * changed + (same if self.client_found_rows else 0)
        elif entry.mode == "replace":
            affected = n + self._deleted  # each row inserted, and each it deleted to get in
        elif entry.mode == "ignore" and entry.rows > n:
            for _ in range(entry.rows - n):
                self.warnings.append(("Warning", 1062, f"Duplicate entry for key '{entry.table}'"))
        if entry.kind == "insert" and entry.rows != 1:
            # several VALUES rows or a SELECT: mysql_info()'s counts, as MySQL gives them
            duplicates = 0
            if entry.mode == "ignore":
                duplicates = max(entry.rows - n, 0)
            elif entry.mode == "upsert":
                duplicates = changed
            elif entry.mode == "replace":
                duplicates = self._deleted
            info = (f"Records: {entry.rows or n}  Duplicates: {duplicates}  "
                    f"Warnings: {len(self.warnings)}")
        if auto_col is not None and n > 0 and generated:
            inserted = self._inserted if entry.mode == "upsert" else n
            if inserted > 0:  # every id generated, one after the other
                insert_id = pg.conn.last_insert_rowid() - inserted + 1
                self.last_insert_id = insert_id
        elif auto_col is not None and not generated:
            # the column written: the first id generated (NULL or 0 given), which
            # LAST_INSERT_ID() then gives too; else the last id given, for the OK packet only
            first, given, _ = self._ids
            if first is not None:
                insert_id = self.last_insert_id = first
            elif given is not None:
                insert_id = given
        if self._given_insert_id is not None:
            insert_id = self._given_insert_id  # UPDATE t SET id = LAST_INSERT_ID(id + 1)
        self.row_count = affected
        return StatementResult(r.tag, None, [], affected_rows=affected, insert_id=insert_id,
                               warnings=len(self.warnings), info=info)

    def _query_result(self, entry: Translation, r: StatementResult, raw: list[str]) -> StatementResult:
        """The session's result of a query as MySQL's: its columns, booleans as numbers, a
        TIMESTAMP in the reader's zone; FOUND_ROWS() and ROW_COUNT() after it. A SELECT
        without a LIMIT of its own returns at most ``sql_select_limit`` rows."""
        if (limit := self.vars["sql_select_limit"]) != ALL_ROWS and entry.kind == "select" \
                and not entry.limited and len(r.rows) > (n := _whole(limit)):
            r = dataclasses.replace(r, tag=f"SELECT {n}", rows=r.rows[:n])
        self.found_rows = len(r.rows)
        if entry.calc_found_rows and r.columns and r.columns[-1].name == FOUND_ROWS_COLUMN:
            # SQL_CALC_FOUND_ROWS: the count without the LIMIT came as a last column
            self.found_rows = r.rows[0][-1] if r.rows else 0
            r = StatementResult(r.tag, r.columns[:-1], [row[:-1] for row in r.rows])
        self.row_count = -1
        described = entry.described
        if described is not None and described[0] is r.columns:
            cols = described[1]
        else:
            cols = self._columns(entry, r.columns or [], raw)
        converted = entry.converted
        if converted is None or converted[0] is not r.columns:  # once per column list
            found = r.columns or []
            converted = (r.columns, [i for i, c in enumerate(found) if c.type_oid == BOOL],
                         [i for i, c in enumerate(found) if c.type_oid == TIMESTAMPTZ])
            entry.converted = converted
        idx, zoned = converted[1], converted[2]
        if idx:
            r.rows = [
                tuple(int(v) if i in idx and v is not None else v for i, v in enumerate(row))
                for row in r.rows
            ]
        if zoned:  # a TIMESTAMP is shown as the wall time of the reader's zone
            r.rows = _in_zone(r.rows, zoned, self.zone)
        r.columns = cols  # the session's result, made for this run: ours now
        if self.warnings:
            r.warnings = len(self.warnings)  # (the query's own, CAST's truncations: its EOF says so)
        return r

    def _columns(self, entry: Translation, cols: list[Column], raw: list[str]) -> list[Column]:
        cached = entry.described
        if cached is not None and cached[0] is cols:
            return cached[1]
        out = self._rename(entry, cols, raw)
        if not any(n and ("'__myl" in n or "'__mys" in n) for n in (entry.names or []) + (entry.literals or [])):
            entry.described = (cols, out)  # the PostgreSQL plan keeps its list: reuse ours
        return out

    def _rename(self, entry: Translation, cols: list[Column], raw: list[str]) -> list[Column]:
        """The session's columns with MySQL's names and, where the PostgreSQL type says
        less than MySQL's column definition would, MySQL's type: a table column's declared
        type (TINYINT, MEDIUMINT, UNSIGNED ...), a literal's length and scale."""
        names, literals = entry.names, entry.literals
        out = []
        for i, c in enumerate(cols):
            name = c.name
            if names is not None and i < len(names) and names[i] is not None:
                name = name_of(names[i] or "", raw)
            if literals is not None and i < len(literals) and literals[i] is not None:
                c = _literal_column(c, literals[i] or "", raw)
            if c.type_oid == BOOL:
                c = dataclasses.replace(c, type_oid=INT8, type_size=8)
            elif c.table_oid and not entry.compound:
                declared = self._declared_types().get((c.table_oid, c.column_number))
                if declared is not None:
                    c = dataclasses.replace(c, mysql_type=declared)
            out.append(c if name == c.name else dataclasses.replace(c, name=name))
        return out

    def _declared_types(self) -> dict[tuple[int, int], str]:
        """(table OID, column number) -> the MySQL type this dialect's DDL declared, for the
        current database; read again when its schema moved."""
        pg = self.pg
        version = pg.catalog.version
        got = self._declared.get(id(pg))
        if got is not None and got[0] == version:
            return got[1]
        by_table: dict[str, dict[str, str]] = {}
        for table, column, declared in catalog.declared_types(pg.conn):
            by_table.setdefault(table, {})[column.lower()] = declared
        out: dict[tuple[int, int], str] = {}
        for table, columns in by_table.items():
            oid = rel_oid(table)
            for info in pg.catalog.table_columns(table) or []:
                declared = columns.get(info.name.lower())
                if declared is not None:
                    out[(oid, info.position)] = declared
        self._declared[id(pg)] = (version, out)
        return out

    def _auto_column(self, table: str) -> str | None:
        key = (self._db or "", table.lower())
        version = self.pg.catalog.version
        got = self._auto.get(key)
        if got is not None and got[0] == version:
            return got[1]
        desc = catalog.describe(self.pg.conn, table)
        col = desc.auto_increment_column() if desc else None
        self._auto[key] = (version, col)
        return col

    def _temp_triggers(self, kind: str, table: str, make: Callable[[], list[str]]) -> None:
        """The TEMP triggers of one ``kind`` on ``table``, made by ``make`` (which returns
        their names). Made again when the table's columns may have changed (the schema moved
        since: another session's DDL), or when they are gone (a rollback of the transaction
        or statement that made them undoes them)."""
        pg = self.pg
        key = (id(pg), f"{kind} {table.lower()}")
        known = self._change_triggers.get(key)
        # the schema version now, not at the transaction's start
        version, present = pg.conn.execute(_TRIGGER_CHECK, (known[1] if known else "",)).fetchall()[0]
        if known is not None and known[0] == version and present:
            return
        for name in known[1:] if known is not None else ():
            pg.conn.execute(f'DROP TRIGGER IF EXISTS temp."{name}"')
        self._change_triggers.pop(key, None)
        names = make()
        if names:
            self._change_triggers[key] = (pg.catalog.schema_version(), *names)

    def _count_changes(self, table: str) -> None:
        """A TEMP trigger counts the updated rows whose stored values changed: MySQL's
        affected rows for an UPDATE (without CLIENT_FOUND_ROWS) and for an upsert's updates.
        It compares every column's stored value byte for byte, as MySQL compares records
        ('a' to 'A' is a change under a case-insensitive collation)."""

        def make() -> list[str]:
            cols = [r[0] for r in self.pg.conn.execute("SELECT name FROM pragma_table_info(?)", (table,))]
            if not cols:
                return []
            when = " OR ".join(f"OLD.{quote(c)} IS NOT NEW.{quote(c)} COLLATE BINARY" for c in cols)
            name = f"_my_change_{table}_{zlib.crc32(' '.join(cols).encode()):08x}".replace('"', "")
            self.pg.conn.execute(
                f'CREATE TEMP TRIGGER IF NOT EXISTS "{name}" AFTER UPDATE ON main."{table}" '
                f"WHEN {when} BEGIN SELECT _mysql_count_change(); END"
            )
            return [name]

        self._temp_triggers("change", table, make)

    def _drop_change_triggers(self) -> None:
        for (sid, _table), (_version, *names) in list(self._change_triggers.items()):
            session = next((x for x in self.sessions.values() if id(x) == sid), None)
            for name in names if session is not None else ():
                with contextlib.suppress(apsw.Error):
                    session.conn.execute(f'DROP TRIGGER IF EXISTS temp."{name}"')
        self._change_triggers.clear()

    def _count_inserts(self, table: str) -> None:
        """A TEMP trigger counts the rows an upsert inserted (the rest it updated). Made
        again each time (a no-op when it is there): DDL of any session may have dropped it."""
        name = f"_my_count_{table}".replace('"', "")
        self.pg.conn.execute(
            f'CREATE TEMP TRIGGER IF NOT EXISTS "{name}" AFTER INSERT ON main."{table}" '
            "BEGIN SELECT _mysql_count_insert(); END"
        )

    def _replacing(self, table: str) -> None:
        """REPLACE's TEMP triggers on ``table``: one counts the rows it deletes to make room
        (SQLite fires DELETE triggers for them, recursive triggers being on); one refuses a
        NULL for a NOT NULL column that has a default (1048, as MySQL), which SQLite's
        INSERT OR REPLACE would otherwise store as that default.

        MySQL replaces a row in place (an update, not a delete and an insert) when the key
        it collides on is the table's last unique key and nothing acts on a delete (no
        trigger, no foreign key referencing the table); a row identical to the one it
        replaces then counts once, not twice. An identical row collides on every unique key,
        the first one first, so that is so exactly when the table has one unique key: then
        the count trigger hands over the deleted row, and a third compares the inserted one
        with it."""

        def make() -> list[str]:
            conn = self.pg.conn
            info = conn.execute('SELECT name, "notnull", dflt_value, pk, type FROM pragma_table_info(?)',
                                (table,)).fetchall()
            if not info:
                return []
            keys = [(c, kind) for c, _nn, _d, pk, kind in info if pk]
            rowid = keys[0][0] if len(keys) == 1 and keys[0][1].upper() == "INTEGER" else None  # NULL: next id
            guarded = [c for c, notnull, default, _pk, _kind in info
                       if notnull and default is not None and c != rowid]
            names = []
            cols = [c for c, *_ in info]
            uniques = sum(1 for (u,) in conn.execute('SELECT "unique" FROM pragma_index_list(?)', (table,)) if u)
            acts_on_delete = conn.execute(
                "SELECT 1 FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE "
                "AND upper(sql) LIKE '% DELETE ON %'", (table,)).fetchone()
            tag = f"{table}_{zlib.crc32(' '.join(cols).encode()):08x}".replace('"', "")
            if uniques + (rowid is not None) == 1 and not acts_on_delete:
                old = ", ".join(f"OLD.{quote(c)}" for c in cols)
                new = ", ".join(f"NEW.{quote(c)}" for c in cols)
                count, in_place = f"_my_replace_count_{tag}", f"_my_replace_in_place_{tag}"
                conn.execute(
                    f'CREATE TEMP TRIGGER IF NOT EXISTS "{count}" AFTER DELETE ON main."{table}" '
                    f"WHEN _mysql_replacing() BEGIN SELECT _mysql_count_delete({old}); END"
                )
                conn.execute(
                    f'CREATE TEMP TRIGGER IF NOT EXISTS "{in_place}" AFTER INSERT ON main."{table}" '
                    f"WHEN _mysql_replacing() BEGIN SELECT _mysql_replaced_in_place({new}); END"
                )
                names += [count, in_place]
            else:
                count = f"_my_replace_count_{table}".replace('"', "")
                conn.execute(
                    f'CREATE TEMP TRIGGER IF NOT EXISTS "{count}" AFTER DELETE ON main."{table}" '
                    "WHEN _mysql_replacing() BEGIN SELECT _mysql_count_delete(); END"
                )
                names.append(count)
            if not guarded:
                return names
            guard = f"_my_replace_null_{table}_{zlib.crc32(' '.join(guarded).encode()):08x}".replace('"', "")
            nulls = " OR ".join(f"NEW.{quote(c)} IS NULL" for c in guarded)
            which = " ".join(f"WHEN NEW.{quote(c)} IS NULL THEN {lexer.pg_string(c)}" for c in guarded)
            conn.execute(
                f'CREATE TEMP TRIGGER IF NOT EXISTS "{guard}" BEFORE INSERT ON main."{table}" '
                f"WHEN _mysql_replacing() AND ({nulls}) "
                f"BEGIN SELECT _mysql_not_null({lexer.pg_string(table)}, CASE {which} END); END"
            )
            return [*names, guard]

        self._temp_triggers("replace", table, make)

    def _track_ids(self, table: str, column: str) -> None:
        """TEMP triggers that tell, row by row, which ids an INSERT that writes the
        AUTO_INCREMENT column generated (NULL or 0 given: SQLite's NEW.rowid is -1 before the
        insert) and which it was given: MySQL's insert id is the first generated one, or the
        last given one, and LAST_INSERT_ID() changes only for a generated one. (Before the
        insert, then after it: an upsert's row that updates fires only the first.)"""

        def make() -> list[str]:
            tag = f"{table}_{zlib.crc32(column.encode()):08x}".replace('"', "")
            names = [f"_my_id_coming_{tag}", f"_my_id_inserted_{tag}"]
            for name, when, fn in zip(names, ("BEFORE", "AFTER"), ("_mysql_id_coming", "_mysql_id_inserted"),
                                      strict=True):
                self.pg.conn.execute(f'CREATE TEMP TRIGGER IF NOT EXISTS "{name}" {when} INSERT ON '
                                     f"main.{quote(table)} BEGIN SELECT {fn}(NEW.{quote(column)}); END")
            return names

        self._temp_triggers("ids", table, make)

    def _id_coming(self, value: object) -> None:
        self._ids[2] = value is None or value == -1

    def _id_inserted(self, value: object) -> None:
        ids = self._ids
        if ids[2]:
            ids[2] = False
            if ids[0] is None:
                ids[0] = value
        else:
            ids[1] = value

    def _direct(
        self, entry: Translation, text: str, params: Sequence[object], raw: list[str]
    ) -> StatementResult:
        """A query of information_schema: run on SQLite itself, over TEMP tables."""
        conn = self.pg.conn
        infoschema.refresh(self, conn, entry.is_tables)
        cur = conn.cursor()
        seen: list[tuple] = []

        def trace(c, _sql: str, _bindings: object) -> bool:
            seen.append(c.description)
            return True

        cur.exec_trace = trace
        self._direct_running = True
        try:
            rows = [tuple(r) for r in cur.execute(text, tuple(params))]
        except apsw.SQLError as e:
            m = re.search(r"no such table: (\S+)", str(e))
            if m:
                name = m.group(1).replace("_my_is_", "")
                raise err(1109, "42S02", f"Unknown table '{name.upper()}' in information_schema") from None
            raise
        finally:
            self._direct_running = False
        names = [d[0] for d in seen[-1]] if seen else []
        cols = []
        for i, name in enumerate(names):
            v = next((r[i] for r in rows if r[i] is not None), None)
            if entry.names is not None and i < len(entry.names) and entry.names[i] is not None:
                name = name_of(entry.names[i] or "", raw)
            cols.append(Column(name, pgtypes.value_oid(v) if v is not None else pgtypes.TEXT))
        self.found_rows = len(rows)
        return StatementResult(f"SELECT {len(rows)}", cols, rows)

    # --- transactions -----------------------------------------------------------------------

    def _begin(self, sql: str) -> StatementResult:
        low = " ".join(lexer.strip_comments(sql).lower().split())
        if low.startswith("begin work"):
            low = "begin"
        if low.startswith("start") and not low.startswith("start transaction"):
            raise syntax(sql)
        if self.pg.transaction_status != "I":
            self._end("COMMIT")  # MySQL commits the open transaction first
        self.pg.execute(self._begin_statement("read only" in low))
        self._wrote = False
        if "with consistent snapshot" in low and not self.pg.renew_reads:
            self.pg.take_snapshot()  # now, not at the first read
        return StatementResult("BEGIN")

    def _end(self, verb: str) -> None:
        self._wrote = False
        if self.pg.transaction_status != "I":
            self.pg.execute(verb)

    def _commit(self, sql: str) -> StatementResult:
        self._end("COMMIT")
        return StatementResult("COMMIT")

    def _rollback(self, sql: str) -> StatementResult:
        m = re.match(r"\s*rollback\s+(?:work\s+)?to\s+(?:savepoint\s+)?(\S+)", sql, re.I)
        if m:
            name = lexer.unquote(m.group(1).rstrip(";"))
            if self.pg.transaction_status == "I":
                raise err(1305, "42000", f"SAVEPOINT {name} does not exist")
            try:
                self.pg.execute(f'ROLLBACK TO SAVEPOINT "{name}"')
            except SqlError:
                raise err(1305, "42000", f"SAVEPOINT {name} does not exist") from None
            return StatementResult("ROLLBACK")
        self._end("ROLLBACK")
        return StatementResult("ROLLBACK")

    def _savepoint(self, sql: str) -> StatementResult:
        name = lexer.unquote(sql.split()[1].rstrip(";"))
        self._implicit_begin()
        if self.pg.transaction_status != "I":
            self.pg.execute(f'SAVEPOINT "{name}"')
        return StatementResult("SAVEPOINT")

    def _release(self, sql: str) -> StatementResult:
        name = lexer.unquote(sql.split()[-1].rstrip(";"))
        if self.pg.transaction_status == "I":
            raise err(1305, "42000", f"SAVEPOINT {name} does not exist")
        try:
            self.pg.execute(f'RELEASE SAVEPOINT "{name}"')
        except SqlError:
            raise err(1305, "42000", f"SAVEPOINT {name} does not exist") from None
        return StatementResult("RELEASE")

    def set_autocommit(self, on: bool) -> None:
        if on and not self._autocommit:
            self._end("COMMIT")
        self._autocommit = on
        self.vars["autocommit"] = int(on)

    # --- utility statements --------------------------------------------------------------------

    def _ok(self, sql: str) -> StatementResult:
        return StatementResult("OK")

    def _committing_ok(self, sql: str) -> StatementResult:
        """A statement MySQL runs after committing the open transaction (LOCK TABLES, FLUSH,
        ANALYZE / OPTIMIZE / CHECK TABLE, GRANT, REVOKE), and that changes nothing here."""
        if self.pg.transaction_status != "I":
            self._end("COMMIT")
        return StatementResult("OK")

    def _lock_tables(self, sql: str) -> StatementResult:
        self._tables_locked = True
        return self._committing_ok(sql)

    def _unlock_tables(self, sql: str) -> StatementResult:
        """UNLOCK TABLES commits the open transaction only after a LOCK TABLES, as MySQL."""
        locked, self._tables_locked = self._tables_locked, False
        return self._committing_ok(sql) if locked else StatementResult("OK")

    def _unsupported(self, sql: str) -> StatementResult:
        raise err(1235, "42000", f"This version of MySQL doesn't yet support '{sql.split()[0].upper()}'")

    def _do(self, sql: str) -> StatementResult:
        body = re.sub(r"^\s*do\b", "SELECT", sql, flags=re.I)
        self._dml(body, ())
        return StatementResult("OK")

    def _use(self, sql: str) -> StatementResult:
        toks = lexer.tokens(sql)
        if len(toks) < 2:
            raise syntax(sql)
        self._use_database(lexer.unquote(toks[1][1]))
        return StatementResult("USE")

    def _set(self, sql: str) -> StatementResult:
        from aurora.engine.sql.mysql.setvars import run_set

        run_set(self, sql)
        return StatementResult("SET")

    def _show(self, sql: str) -> StatementResult:
        return show.show(self, sql)

    def _describe(self, sql: str) -> StatementResult:
        toks = lexer.tokens(sql)
        if len(toks) >= 2 and toks[1][0] == "word" and toks[1][1].lower() in (
            "select", "insert", "update", "delete", "replace", "with", "format", "analyze",
            "extended", "partitions",
        ):
            return self._explain(sql)
        return show.describe(self, sql)

    def _explain(self, sql: str) -> StatementResult:
        body = re.sub(r"^\s*(explain|describe|desc)\s+", "", sql, flags=re.I)
        body = re.sub(r"^(format\s*=\s*\w+|analyze|extended|partitions)\s+", "", body, flags=re.I)
        if lexer.first_word(body) not in _DML:
            return show.describe(self, "DESCRIBE " + body)
        entry, lits, _raw = self._translation(body)
        r = self.pg.execute("EXPLAIN " + entry.text(lits))
        rows = [(1, "SIMPLE", entry.table, None, "ALL", None, None, None, None, None, 100.0,
                 str(row[0])) for row in r.rows]
        names = ["id", "select_type", "table", "partitions", "type", "possible_keys", "key",
                 "key_len", "ref", "rows", "filtered", "Extra"]
        cols = [Column(n, INT8 if n == "id" else pgtypes.TEXT) for n in names]
        return StatementResult(f"SELECT {len(rows)}", cols, rows)

    # --- DDL ---------------------------------------------------------------------------------

    def _ddl(self, sql: str) -> StatementResult:
        from aurora.engine.sql.mysql.schema import run_ddl

        if self.read_only:
            raise err(1290, "HY000", "The MySQL server is running with the --read-only option "
                      "so it cannot execute this statement")
        if self.pg.transaction_status != "I" and not re.match(
            r"\s*create\s+temporary\b|\s*drop\s+temporary\b", sql, re.I
        ):
            self._end("COMMIT")  # DDL commits the open transaction, as in MySQL
        self._drop_change_triggers()  # they name columns: SQLite would refuse to drop one
        try:
            warnings, written = run_ddl(self, sql)
        finally:
            self._clear_cache()
            self._auto.clear()
        if written is None:
            return StatementResult("OK", warnings=warnings)
        # CREATE TABLE ... SELECT: the rows it wrote, as an INSERT ... SELECT's OK packet has them
        self.row_count = written
        return StatementResult("OK", warnings=warnings, affected_rows=written,
                               info=f"Records: {written}  Duplicates: 0  Warnings: {warnings}")

    def run_pg(self, text: str) -> StatementResult:
        return self.pg.execute(text)

    # --- errors --------------------------------------------------------------------------------

    def _error(self, e: BaseException, sql: str, params: Sequence[object] = ()) -> SqlError:
        if isinstance(e, apsw.Error):  # from this dialect's own SQLite calls
            e = to_sql_error(e, (), self.pg.conn)
        where = Where(self._db, None, sql)
        if isinstance(e, SqlError) and e.errno is None and e.sqlstate == "23505":
            where.key_value = _duplicate_value(self, sql, params, e)
        if isinstance(e, SqlError) and e.errno is None and e.sqlstate in ("22001", "22003") and not e.column:
            e.column = _guess_column(self, sql, e)
        mapped = to_mysql(e, where, self.read_only)
        if mapped.errno == 1213:
            self._end("ROLLBACK")  # a deadlock rolls the whole transaction back
        self._recover_failed()
        if mapped.errno in (1264, 1406) and mapped.message.endswith(" at row 1"):
            row = self._failing_row(sql, params, mapped)
            if row is not None and row > 1:
                mapped = SqlError(mapped.sqlstate, mapped.message[:-1] + str(row), errno=mapped.errno)
        self.warnings = [("Error", mapped.errno or 1105, mapped.message)]
        return mapped


    # the session's state a statement sets, put back after the rows of a failed INSERT are tried
    _PROBED_STATE = ("last_insert_id", "row_count", "_given_insert_id", "_ids", "_inserted",
                     "_deleted", "_changed", "_wrote", "_replace_running", "warnings")

    def _failing_row(self, sql: str, params: Sequence[object], error: SqlError) -> int | None:
        """The row of a multi-row INSERT / REPLACE ... VALUES that an out-of-range number
        (1264) or a too-long string (1406) came from, for the message's "at row n" as
        MySQL gives it: the statement failed as a whole, so each row is tried alone, in a
        savepoint rolled back after it, until one fails so. None when the statement is no
        such list (an INSERT ... SELECT: the message keeps row 1) or no row fails alone."""
        if params:
            sql = lexer.inline_params(sql, list(params))
        m = _VALUES_LIST.match(sql)
        if m is None:
            return None
        from aurora.engine.sql.mysql.ddl import join, split_commas

        rows = []
        for part in split_commas(lexer.tokens(m.group(2))):
            if part[:1] != [("other", "(")] or part[-1:] != [("other", ")")]:
                return None  # ON DUPLICATE KEY UPDATE, VALUES ... AS alias: not a plain list
            rows.append(join(part))
        if not 1 < len(rows) <= 10_000:
            return None
        pg = self.pg
        saved = {k: getattr(self, k) for k in self._PROBED_STATE if hasattr(self, k)}
        own = pg.transaction_status == "I"
        found = None
        try:
            pg.execute("BEGIN") if own else pg.execute("SAVEPOINT _aurora_row_probe")
            try:
                for i, row in enumerate(rows, 1):
                    if not own:
                        pg.execute("ROLLBACK TO SAVEPOINT _aurora_row_probe")
                    try:
                        self._statement("insert", f"{m.group(1)} {row}", ())
                    except SqlError as e:
                        if e.errno is None and e.sqlstate in ("22001", "22003") and not e.column:
                            e.column = _guess_column(self, sql, e)
                        got = to_mysql(e, Where(self._db, None, sql), self.read_only)
                        if got.errno == error.errno and got.message == error.message:
                            found = i
                            break
                    if own:
                        pg.execute("ROLLBACK")
                        pg.execute("BEGIN")
            finally:
                if own:
                    pg.execute("ROLLBACK")
                else:
                    pg.execute("ROLLBACK TO SAVEPOINT _aurora_row_probe")
                    pg.execute("RELEASE SAVEPOINT _aurora_row_probe")
        except Exception:
            with contextlib.suppress(Exception):
                self._recover_failed()
            return None
        finally:
            for k, v in saved.items():
                setattr(self, k, v)
        return found


_VALUES_LIST = re.compile(
    r"(\s*(?:insert|replace)\s+(?:into\s+)?[`\w.]+\s*(?:\([^)]*\))?\s*values?)\s*(.*?)\s*;?\s*$",
    re.I | re.S)


def _double_in_range(x: float) -> float:
    """A number read in a string past the DOUBLE's range is its largest value, as MySQL's
    my_strtod gives ('1e999' is 1.7976931348623157e308)."""
    if x in (math.inf, -math.inf):
        return math.copysign(sys.float_info.max, x)
    return x


def _children_first(found: list[tuple[str, str, list]], keys: list[fkeys.ForeignKey]) -> list[tuple[str, str, list]]:
    """The targets of a DELETE of several tables (name, write, rows), a table that references
    another of them before it (its rows go first, so the other's go without a reference
    left: MySQL's ``DELETE a, b FROM a JOIN b`` of a parent and its children works)."""
    names = {e[0].lower() for e in found}
    refs = {(k.table.lower(), k.ref_table.lower()) for k in keys
            if k.table.lower() in names and k.ref_table.lower() in names
            and k.table.lower() != k.ref_table.lower()}
    out: list[tuple[str, str, list]] = []
    left = list(found)
    while left:
        # one that no remaining table references (any, when they reference each other)
        pick = next((e for e in left if not any((o[0].lower(), e[0].lower()) in refs
                                                for o in left if o is not e)), left[0])
        out.append(pick)
        left.remove(pick)
    return out


def _count(tag: str) -> int:
    """The rows a command tag counts (``UPDATE 3``; 0 for one that counts none)."""
    return int(tag.rsplit(" ", 1)[-1]) if tag[-1:].isdigit() else 0


def _refuse_undecoded(sql: str) -> None:
    """Bytes that are no UTF-8 are a string literal's bytes (a dump's raw BLOB value) or
    MySQL's 1300."""
    bad = lexer.undecoded_outside_strings(sql)
    if bad is not None:
        raise err(1300, "HY000", f"Invalid utf8mb4 character string: '{bad}'")


def _same_record(a: tuple, b: tuple) -> bool:
    """Two rows stored alike, value for value and type for type (MySQL compares records
    byte for byte: 'a' and 'A' differ under any collation)."""
    return len(a) == len(b) and all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))


def _not_null(table: str, column: str) -> None:
    """A REPLACE's NULL for a NOT NULL column (see MySqlSession._replacing): 1048."""
    raise SqlError("23502", f'null value in column "{column}" of relation "{table}" violates '
                   "not-null constraint", table=table, column=column)


def _literal_column(c: Column, template: str, raw: list[str]) -> Column:
    """A result column that is one literal, typed as MySQL types it: a string is a
    VARCHAR of its length ('a': VAR_STRING of 4 bytes in utf8mb4, not a BLOB), a decimal
    number a DECIMAL of its digits (1.5: DECIMAL(2,1); -1.5 too: a sign is counted in both)."""
    m = SENTINEL.fullmatch(template)
    tok = raw[int(m.group(2)) - 1] if m is not None and m.group(1) != "p" else template
    if not tok:
        return c
    if c.type_oid == pgtypes.TEXT and tok[0] in "'\"":
        return dataclasses.replace(c, type_oid=VARCHAR, type_modifier=len(lexer.string_value(tok)) + 4)
    d = _DECIMAL.fullmatch(tok) if c.type_oid == NUMERIC else None
    if d is not None:  # 0.25: DECIMAL(3,2), 5 characters, as MySQL counts its digits
        scale = len(d.group(2))
        precision = len(d.group(1)) + scale
        if precision:
            return dataclasses.replace(c, type_modifier=((precision << 16) | scale) + 4)
    return c


def _in_zone(rows: list[tuple], zoned: list[int], zone: dt.tzinfo) -> list[tuple]:
    """Rows with their timestamptz cells as wall times of ``zone``, as MySQL shows a TIMESTAMP."""
    out = []
    for row in rows:
        cells = list(row)
        for i in zoned:
            v = cells[i]
            if isinstance(v, dt.datetime) and v.tzinfo is not None:
                cells[i] = v.astimezone(zone).replace(tzinfo=None)
        out.append(tuple(cells))
    return out


def _params_in_zone(
    params: Sequence[object], zoned: list[tuple[int, bool]], zone: dt.tzinfo
) -> list[object]:
    """Parameters with the date texts of ``zoned`` as DATETIMEs, and those given for a
    TIMESTAMP as instants of ``zone``."""
    out = list(params)
    for i, instant in zoned:
        v = out[i] if i < len(out) else None
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if isinstance(v, str):
            try:
                v = dt.datetime.fromisoformat(v.strip())
            except ValueError:
                continue  # the session says what is wrong with it
        elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            v = dt.datetime(v.year, v.month, v.day)
        if not isinstance(v, dt.datetime) or (v.tzinfo is not None and not instant):
            continue  # a text with an offset for a DATETIME: as the session reads it
        out[i] = v if v.tzinfo is not None else v.replace(tzinfo=zone) if instant else v
    return out


def _duplicate_value(session: MySqlSession, sql: str, params: Sequence[object], e: SqlError) -> str | None:
    """The duplicate key's value as MySQL prints it (``'a-1'`` for a key of two columns),
    read from the statement: an INSERT's or REPLACE's row (the first whose key is already in
    the table or repeats an earlier row's, for several rows), or an UPDATE's SET of the key
    to constants. None when the statement does not show it (an INSERT ... SELECT, a SET of
    an expression): the message then says ``'?'``."""
    m = re.search(r"Key \(([^)]*)\)", e.detail or "")
    if not m:
        return None
    cols = [c.strip().strip('"').lower() for c in m.group(1).split(",")]
    if params:
        sql = lexer.inline_params(sql, list(params))
    toks = lexer.tokens(sql)
    words = [t.lower() if k == "word" else t for k, t in toks]
    if words[:1] == ["update"]:
        return _updated_key(toks, words, cols)
    mi = re.match(
        r"\s*(?:insert|replace)\s+(?:ignore\s+)?(?:into\s+)?([`\w.]+)\s*\(([^)]*)\)\s*values?\s*(.*?)\s*;?\s*$",
        sql,
        re.I | re.S,
    )
    if not mi:
        return None
    from aurora.engine.sql.mysql.ddl import join, split_commas

    names = [lexer.unquote(c).lower() for c in mi.group(2).split(",")]
    if any(c not in names for c in cols):
        return None
    rows = []
    for part in split_commas(lexer.tokens(mi.group(3))):
        if part[:1] != [("other", "(")] or part[-1:] != [("other", ")")]:
            return None  # VALUES ... AS alias, ON DUPLICATE KEY ...: not a plain row list
        vals = [join(v) for v in split_commas(part[1:-1])]
        if len(vals) != len(names):
            return None
        key = [vals[names.index(c)] for c in cols]
        if not all(_is_constant(v) for v in key):
            return None
        rows.append(key)
    if len(rows) == 1:
        return _shown(rows[0])
    table = lexer.unquote(mi.group(1).rsplit(".", 1)[-1])
    seen: set[tuple[str, ...]] = set()
    for key in rows:
        if tuple(key) in seen or _key_exists(session, table, cols, key):
            return _shown(key)
        seen.add(tuple(key))
    return None


def _updated_key(toks: list[tuple[str, str]], words: list[str], cols: list[str]) -> str | None:
    """``UPDATE t SET k = 'v' ...``: the value the key's columns are set to, when constants."""
    if "set" not in words:
        return None
    from aurora.engine.sql.mysql.ddl import join, split_commas

    start = words.index("set") + 1
    end = next((i for i in range(start, len(words)) if words[i] in ("where", "order", "limit")), len(words))
    assigned: dict[str, str] = {}
    for item in split_commas(toks[start:end]):
        eq = next((i for i, (_, t) in enumerate(item) if t == "="), 0)
        if eq and eq < len(item) - 1:  # `col` = value, or t.col = value
            assigned[lexer.unquote(item[eq - 1][1]).lower()] = join(item[eq + 1:])
    key = [assigned.get(c) for c in cols]
    if any(v is None or not _is_constant(v) for v in key):
        return None
    return _shown(key)  # type: ignore[arg-type]


_CONSTANT = re.compile(
    r"-?\s*(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
    r"|'(?:[^'\\]|\\.|'')*'"
    r'|"(?:[^"\\]|\\.|"")*"',
    re.S,
)


def _is_constant(v: str) -> bool:
    return _CONSTANT.fullmatch(v.strip()) is not None


def _shown(key: list[str]) -> str:
    return "-".join(lexer.string_value(v) if v[:1] in ("'", '"') else v.replace(" ", "") for v in key)


def _key_exists(session: MySqlSession, table: str, cols: list[str], key: list[str]) -> bool:
    """Whether a row with this key is in the table (read on SQLite, comparing numbers as
    numbers and strings as strings); False when it cannot tell."""
    where = " AND ".join(f'"{c}" = ?' for c in cols)
    values: list[object] = []
    for v in key:
        if v[:1] in ("'", '"'):
            values.append(lexer.string_value(v))
        else:
            number = v.replace(" ", "")
            values.append(float(number) if any(ch in number for ch in ".eE") else int(number))
    try:
        quoted = table.replace('"', '""')
        return bool(session.pg.conn.execute(f'SELECT 1 FROM "{quoted}" WHERE {where} LIMIT 1', values).fetchall())
    except apsw.Error:
        return False


_RANGE_TYPES = {"smallint": (21,), "integer": (23,), "bigint": (20,), "numeric": (1700,)}


def _guess_column(session: MySqlSession, sql: str, e: SqlError) -> str | None:
    """The column a 22001 / 22003 is about: of the target table's columns the statement
    writes (an INSERT's list, or all; an UPDATE's SET), the first that fits the error (the
    VARCHAR's length it names; the type whose range it names, else any number)."""
    m = re.match(r"\s*(?:insert|replace)\s+(?:ignore\s+)?(?:into\s+)?([`\w]+)|\s*update\s+([`\w]+)",
                 sql, re.I)
    if not m:
        return None
    table = lexer.unquote(m.group(1) or m.group(2))
    info = session.pg.catalog.table_columns(table) or []
    if m.group(2):
        sets = re.search(r"\bset\b(.*?)(?:\bwhere\b|\border\s+by\b|\blimit\b|$)", sql, re.I | re.S)
        written = {c.strip("`").lower() for c in re.findall(r"([`\w]+)\s*=", sets.group(1))} if sets else set()
    else:
        listed = re.match(r"[^(]*?\b(?:into\s+)?[`\w.]+\s*\(([^)]*)\)\s*(?:values?|select)\b", sql, re.I | re.S)
        written = {c.strip().strip("`").lower() for c in listed.group(1).split(",")} if listed else set()
    candidates = [c for c in info if not written or c.name.lower() in written]
    mlen = re.search(r"varying\((\d+)\)|character\((\d+)\)", e.message)
    if e.sqlstate == "22001":
        for c in candidates:
            if mlen and c.type_oid in (1043, 1042) and c.typmod - 4 == int(mlen.group(1) or mlen.group(2)):
                return c.name
        return None
    kind = next((oids for word, oids in _RANGE_TYPES.items() if e.message.startswith(word)), None)
    numbers = [c for c in candidates if c.type_oid in (20, 21, 23, 700, 701, 1700)]
    fitting = [c for c in numbers if kind is None or c.type_oid in kind]
    pick = fitting or numbers
    return pick[0].name if pick else None
