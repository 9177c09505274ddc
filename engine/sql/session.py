"""The SqlSession of an instance: one client connection's PostgreSQL SQL, run on SQLite.

A :class:`Session` wraps an existing ``apsw.Connection``. Statements go one of two ways:
utility statements (transaction control, SET/SHOW, COPY, DDL, VACUUM...) are handled by
name; queries and DML are translated once per literal-normalised text (see
:mod:`aurora.engine.sql.lexer`) into a cached :class:`Plan` whose SQLite text takes the
literals as parameters, so a cache hit costs a regex pass, a dict lookup and the SQLite step.
Transaction status follows PostgreSQL: an error inside BEGIN leaves the session in ``E``
(every statement but ROLLBACK answers 25P02) until ROLLBACK or ROLLBACK TO SAVEPOINT.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import apsw
from sqlglot import exp

from aurora.engine.sql import (
    composite,
    cursors,
    datetime_in,
    ddl,
    dml,
    enums,
    extensions,
    fkeys,
    functions,
    inherits,
    interval,
    jsonrecord,
    lexer,
    partitions,
    pgcatalog,
    plpgsql,
    schemas,
    temp,
    triggers,
    types,
    userfuncs,
)
from aurora.engine.sql.catalog import Catalog, rel_oid
from aurora.engine.sql.copy import CopySpec
from aurora.engine.sql.errors import to_sql_error
from aurora.engine.sql.infer import Inferer, Scope, column_name, infer_params, infer_select
from aurora.engine.sql.multirow import build_plan as multirow_plan
from aurora.engine.sql.sequences import Sequences
from aurora.engine.sql.settings import Settings
from aurora.engine.sql.translate import NO_COLUMNS, parse, to_sqlite
from aurora.engine.sqlapi import (
    RENEW_SNAPSHOT_FCNTL,
    SETTLE_READ_FCNTL,
    Column,
    CopyIn,
    CopyOut,
    Prepared,
    ReadSnapshot,
    SqlError,
    StatementResult,
    TransactionStatus,
)


class ExternalCalls(Protocol):
    """What runs a statement that calls a service: ``statement(gather)`` is entered around
    the statement's real run, after calling ``gather()`` (a run that only records the
    arguments of the calls) and answering what it recorded in batches."""

    def statement(self, gather: Callable[[], None]) -> contextlib.AbstractContextManager[None]: ...


log = logging.getLogger("aurora.sql")
_pids = itertools.count(1)
_WRITE_KINDS = frozenset(("insert", "update", "delete", "merge"))
_BINDABLE = frozenset((int, str, float, bytes, type(None)))  # bound as they are (types.to_sqlite)
# SQLite VM steps between two polls of the cancel flag and the statement_timeout deadline:
# a fraction of a millisecond of SQLite's own work.
_PROGRESS_STEPS = 10000
# Progress calls between two looks at the process's resident size (some 640,000 steps).
_MEMORY_POLLS = 64


def _statement_memory() -> int:
    """How much one statement may grow the instance's resident memory before it is stopped
    with 53200: a quarter of the machine's memory, or AURORA_STATEMENT_MEMORY_MIB (0: no
    limit). PostgreSQL refuses an allocation it cannot make; a Python process would grow
    until the kernel's OOM killer ended it, and every session with it."""
    text = os.environ.get("AURORA_STATEMENT_MEMORY_MIB", "").strip()
    if text:
        try:
            mib = int(text)
        except ValueError:
            log.warning("AURORA_STATEMENT_MEMORY_MIB=%r is no whole number of MiB: ignored", text)
        else:
            return max(mib, 0) * 1024 * 1024
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
    except (OSError, ValueError):
        return 0


STATEMENT_MEMORY = _statement_memory()


def resident_bytes() -> int:
    """The process's resident memory (0 where /proc does not tell)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class Plan:
    """A translated query or DML statement, ready to run with its parameters."""

    sql: str
    kind: str  # select | insert | update | delete
    nparams: int  # highest $n the client uses
    lit_kinds: list[str]  # kinds of the literals the normaliser took out, in order
    names: list[str] | None  # PostgreSQL result column names, when known statically
    types: list[tuple[int, int] | None] | None
    param_oids: list[int]
    touches_catalog: bool
    empty_catalogs: bool
    returning: bool
    plain: list[bool] | None = None  # result columns that are bare column references
    columns: list[Column] | None = None  # settled at the first run
    decoders: list | None = None
    has_decoders: bool = False
    floats: list[tuple[int, int]] = field(default_factory=list)  # float4/8 columns, digits
    unknown: list[int] = field(default_factory=list)
    external: bool = False  # calls a service outside the instance (extensions.py)
    nbind: int | None = None  # highest ?N of ``sql``, when translation folded trailing ones away
    # data-modifying WITH items, run first: (TEMP table for the RETURNING rows or "", plan)
    steps: list[tuple[str, Plan]] | None = None
    also: list[Plan] | None = None  # the same UPDATE / DELETE of each inheritance child
    no_columns: bool = False  # SELECT with an empty target list (its placeholder is dropped)
    # runs in a savepoint and ends by running the AFTER triggers it queued: a write in a
    # database with triggers, a statement calling a PL/pgSQL function
    guarded: bool = False
    target: str | None = None  # the written table, for its statement-level triggers
    target_view: bool = False  # ... a view: its INSTEAD OF triggers' rows are the result
    set_columns: frozenset[str] = frozenset()  # the columns its SET names (UPDATE OF triggers)
    conflict: bool = False  # an INSERT ... ON CONFLICT into a table with triggers
    temp_write: bool = False  # writes a temp table (temp.py): allowed in a read-only block
    reads_only: bool | None = None  # a plain query: may run in a kept read transaction (_holds)


class Session:
    """One client connection's SQL state on an APSW connection.

    Args:
        conn: the connection (on the instance's VFS, ``journal_mode=MEMORY``).
        user / database: reported by current_user / current_database().
        read_only: a reader instance: writes answer 25006.
        create_database / drop_database: the instance's hooks for CREATE / DROP DATABASE
            (one file per database); without them those statements answer 0A000.
        list_databases: names for pg_database (\\l); defaults to this database only.
        serialization_errors: exception classes the storage layer raises when a snapshot is
            stale; they become 40001 (SQLite BUSY does too).
        settings: start-up parameters from the client (application_name, TimeZone, ...).
        data_version: a number that moves whenever another connection may have committed
            (the instance passes its VFS's read point); while it stands still, the schema
            check before a statement is skipped.
    """

    def __init__(
        self,
        conn: apsw.Connection,
        *,
        user: str = "postgres",
        database: str = "postgres",
        read_only: bool = False,
        create_database: Callable[[str], None] | None = None,
        drop_database: Callable[[str], None] | None = None,
        list_databases: Callable[[], list[str]] | None = None,
        serialization_errors: tuple[type[BaseException], ...] = (),
        settings: dict[str, str] | None = None,
        data_version: Callable[[], int] | None = None,
        read_snapshot: ReadSnapshot | None = None,
        instance_id: str = "aurora-local",
        backend_pid: int | None = None,
        cache_size: int = 2048,
    ) -> None:
        self.conn = conn
        # A double-quoted name that names no column must fail, not be read as a string.
        conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)
        self.user = user
        self.database = database
        self.read_only = read_only
        self.instance_id = instance_id
        self.backend_pid = backend_pid if backend_pid is not None else 10000 + next(_pids)
        self._create_db = create_database
        self._drop_db = drop_database
        self._list_dbs = list_databases or (lambda: [database])
        self._serialization = serialization_errors
        self.settings = Settings(user, read_only, settings)
        self._status: TransactionStatus = "I"
        # BEGIN of a writing transaction is sent to SQLite with the block's first statement:
        # the write lock is then not held across the client's round trip after BEGIN.
        self._deferred_begin: str | None = None
        # A READ COMMITTED block that has not written yet reads without a lock and takes the
        # write lock only before its first statement that may write (see ready_to_write):
        # writers then queue for their writes, not for their reads.
        self._reading = False
        # A read-only block (BEGIN READ ONLY, any block on a reader instance): at READ
        # COMMITTED its statements, too, each see what was committed before they began.
        self._reading_only = False
        self._read_seen: int | None = None  # the data version as the reading block's snapshot began
        self._check_schema = True
        self._data_version = data_version
        # Outside a block, a plain query runs in a read transaction the session keeps open
        # for the queries after it (see _holds), as long as no commit came in between.
        self._snapshot = read_snapshot
        self._held = False
        self._outer = False  # the statement _execute runs is the client's, not a nested one
        # A write waiting for the database's write lock gives up on a cancel, at the
        # statement_timeout or at the lock_timeout (55P03): see _stop_waiting.
        self._lock_timed_out = False
        if read_snapshot is not None:
            read_snapshot.stop_waiting = self._stop_waiting
        self._schema_seen: int | None = None  # data_version at the last schema check
        self._txn_read_only = False
        # A query has run in this block (PostgreSQL's first snapshot): the isolation level
        # and read-write mode are fixed from then on.
        self._queried = False
        # SAVEPOINT name and the transaction's read-only mode when it was set: ROLLBACK TO
        # and RELEASE give that mode back.
        self._savepoints: list[tuple[str, bool]] = []
        self._txn_time: dt.datetime | None = None
        self._stmt_time: dt.datetime | None = None
        # (DateStyle and IntervalStyle as last read, and the date order and style they give)
        self._styles: tuple[str | None, str | None, str, str] = (None, None, "MDY", "postgres")
        self._txid = 1000
        self._cache: OrderedDict[str, Plan | None] = OrderedDict()
        # A text that comes back as it is: one without literals (a prepared statement, mostly),
        # or a prepared one with literals of its own (a MySQL prepared statement's translation
        # holds them). Its cache key, plan and literal values, valid while the plan cache still
        # holds that very plan under that key.
        self._exact: dict[str, tuple[str, Plan, list[object]]] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._interrupted = False
        self._deadline: float | None = None  # statement_timeout of the running statement
        self._polls = _MEMORY_POLLS  # progress calls left before the next look at the memory
        self._memory_base = 0  # the resident size at the running statement's first look
        self.stats = {"hits": 0, "misses": 0}
        # temp tables (temp.py) with ON COMMIT DELETE ROWS or DROP: name -> that action
        self.temp_on_commit: dict[str, str] = {}
        # Set by the instance: runs statements that call a service (see _run_external).
        self.external: ExternalCalls | None = None
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.set_progress_handler(self._cancelled, _PROGRESS_STEPS)
        self.catalog = Catalog(conn)
        if not read_only:
            self.catalog.ensure_schema()
        self.sequences = Sequences(conn)
        functions.register(conn, self)
        enums.register(conn, self.catalog)
        # Foreign keys are triggers (fkeys.py); a cascade on a self-referencing table fires
        # its own trigger again, which SQLite allows only with recursive triggers.
        conn.execute("PRAGMA recursive_triggers=ON")
        self.fk = fkeys.Enforcer(conn, lambda: self._status == "T")
        # triggers (triggers.py): AFTER row events of the running statements, rows a BEFORE
        # trigger wrote itself (counted in the tag) or skipped, the rewrite in progress
        self.tg = triggers.Registry(conn)
        self.tg_queue: list = []
        self.tg_extra = 0
        self.tg_skipped = 0
        self.tg_bypass: tuple[str, str] | None = None
        # the rows a BEFORE trigger rewrote (rowids), or an INSTEAD OF trigger returned
        self.tg_rowids: list[int | plpgsql.Record] = []
        self.tg_conflict: str | None = ""  # the running INSERT's ON CONFLICT clause
        self.tg_set_cols: frozenset[str] = frozenset()  # the columns the running write's SET names
        # results of STABLE / IMMUTABLE PL/pgSQL calls in the running statement, and the
        # connection's change count when it began: they see its snapshot, not its writes
        self._stable: tuple[dict, int] | None = None
        self._fn_depth = 0
        self._notice_handler: Callable[[SqlError], None] | None = None
        conn.create_scalar_function("pg_plpgsql", self._call_plpgsql, -1)
        conn.create_scalar_function("pg_plpgsql_set", self._call_plpgsql_set, -1)
        conn.create_scalar_function("pg_plpgsql_col", lambda row, i: json.loads(row)[i], 2)
        conn.create_scalar_function(
            "pg_tg_row", lambda *a: triggers.row_event(self, *a), -1)
        self._refresh_pg = pgcatalog.refresher(
            conn, self.catalog, user, database, self._list_dbs, lambda: dict(self.settings.values)
        )
        self.catalog.refresh()
        self.cursors = cursors.Cursors(self)
        self._cur = conn.cursor()
        self._desc: tuple | None = None
        self._cur.exec_trace = self._trace
        self._fast = conn.cursor()
        self._max_variables = conn.limit(apsw.SQLITE_LIMIT_VARIABLE_NUMBER, -1)
        self._utility: dict[str, Callable[[str], StatementResult]] = {
            "begin": self._begin,
            "start": self._begin,
            "commit": self._commit,
            "end": self._commit,
            "rollback": self._rollback,
            "abort": self._rollback,
            "savepoint": self._savepoint,
            "release": self._release,
            "set": self._set,
            "show": self._show,
            "reset": self._reset,
            "vacuum": self._noop("VACUUM"),
            "analyze": self._noop("ANALYZE"),
            "checkpoint": self._noop("CHECKPOINT"),
            "discard": self._discard,
            "deallocate": self._noop("DEALLOCATE"),
            "listen": self._noop("LISTEN"),
            "unlisten": self._noop("UNLISTEN"),
            "notify": self._noop("NOTIFY"),
            "lock": self._noop("LOCK TABLE"),
            "comment": self._comment,
            "grant": self._noop("GRANT"),
            "revoke": self._noop("REVOKE"),
            "copy": self._copy,
            "truncate": self._ddl(self._truncate),
            "create": self._create,
            "drop": self._drop,
            "alter": self._ddl(self._alter),
            "explain": self._explain,
            "declare": self.cursors.declare,
            "fetch": self.cursors.fetch,
            "move": self.cursors.move,
            "close": self.cursors.close,
            "do": self._do,
        }

    # --- SqlSession -------------------------------------------------------------------------

    @property
    def transaction_status(self) -> TransactionStatus:
        return self._status

    @property
    def tz(self) -> dt.tzinfo:
        return self.settings.tz

    def parameter_status(self) -> dict[str, str]:
        return self.settings.reported()

    def split(self, text: str) -> list[str]:
        return lexer.split(text)

    def prepare(self, sql: str, param_oids: Sequence[int]) -> Prepared:
        if not self._held:
            return self._prepare(sql, param_oids)
        # Describing reads the schema: in the kept read transaction only if it is current.
        # (An extended-protocol client without named statements parses each query it runs.)
        self.refresh_read()
        try:
            return self._prepare(sql, param_oids)
        finally:
            self.park_read()

    def _prepare(self, sql: str, param_oids: Sequence[int]) -> Prepared:
        word = "select" if sql in self._exact else lexer.first_word(sql)  # see _execute
        if (word in self._utility and word != "copy" and word not in cursors.VERBS) or not word:
            n = lexer.param_count(sql)
            return Prepared(
                [o or types.TEXT for o in list(param_oids)[:n]]
                + [types.TEXT] * (n - len(param_oids)),
                _utility_columns(word, sql),
            )
        if word == "copy":
            return Prepared([], None)
        try:
            if word in cursors.VERBS:
                return self.cursors.prepare(sql, param_oids)
            try:
                plan = self._plan(sql, given=param_oids)[0]
            except ddl.SelectInto:
                return Prepared([], None)
            if plan.columns is None and (plan.kind == "select" or plan.returning):
                self._describe(plan)
            cols = plan.columns if (plan.kind == "select" or plan.returning) else None
            return Prepared(list(plan.param_oids), cols)
        except BaseException as e:
            err = to_sql_error(e, self._serialization, self.conn)
            if self._status == "T":
                self._status = "E"
            raise err from None

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        if self._status == "E" and not _allowed_in_failed(sql):
            raise SqlError(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        self._begin_statement()
        try:
            if self._held:
                self.refresh_read()
            if self._deferred_begin is not None and not _ends_block(sql):
                self._start_block(sql)
            elif (self._reading or self._reading_only) and self.renew_reads and not _ends_block(sql):
                self._renew_read(sql)
            self._outer = True
            result = self._execute(sql, params)
            if self._held:
                self.park_read()
            elif not self.conn.in_transaction:
                if self.temp_on_commit and self._status == "I":
                    temp.at_commit(self)  # the statement's own commit (COMMIT ran them before)
            elif self._txn_read_only and not self.read_only:
                # A read-only block on the writer: its rows go out only once what they show
                # is durable (an autocommit statement's read waits as SQLite unlocks; a block
                # holding the write lock waits at its end; a reader reads durable state only).
                self.conn.file_control("main", SETTLE_READ_FCNTL, 0)
            return result
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:
            raise self._failed(e) from None
        finally:
            self._end_statement()

    def query_again(self, sql: str, params: Sequence[object] = ()) -> StatementResult | None:
        """``execute`` for a plain query (no write, lock, trigger, sequence or service) that
        ran before as this very text, a prepared statement's: straight to its cached plan,
        without the checks ``execute`` makes for every other statement, none of which can
        apply. Outside a block only in the read transaction kept open since (no commit came
        since its snapshot, so neither the schema nor the plan moved); in a block that reads
        on its one snapshot. None when it must go through ``execute`` (nothing ran)."""
        exact = self._exact.get(sql)
        if exact is None:
            return None
        key, plan, lits = exact
        if plan.columns is None or self._cache.get(key) is not plan or not (plan.reads_only or (
                plan.reads_only is None and self._plain(plan, sql))):
            return None
        status = self._status
        if status == "I":
            snapshot = self._snapshot
            if not self._held or snapshot is None or self.temp_on_commit:
                return None
            if not snapshot.resume():  # a commit came: execute() begins a new one
                self.release_read()
                return None
        elif (status != "T" or self._deferred_begin is not None or self._check_schema
              or self._txn_read_only or (self.renew_reads and (self._reading or self._reading_only))):
            return None
        self._begin_statement()
        self._queried = True
        self.stats["hits"] += 1
        try:
            result = self._run(plan, params, lits)
            if status == "I":
                self.park_read()
            return result
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:
            raise self._failed(e) from None
        finally:
            self._end_statement()

    def _begin_statement(self) -> None:
        """What every statement starts with: its own statement time, the session's date
        order and interval style for the conversions it makes."""
        self._stmt_time = None
        values = self.settings.values
        date_style, interval_style = values.get("DateStyle", ""), values.get("IntervalStyle", "")
        styles = self._styles
        if styles[0] is not date_style or styles[1] is not interval_style:  # (a SET since)
            styles = self._styles = (date_style, interval_style, datetime_in.order_of(date_style),
                                     interval.style_name(interval_style))
        datetime_in.DATE_ORDER.set(styles[2])
        interval.STYLE.set(styles[3])
        datetime_in.NOW.set(self.statement_time)

    def _end_statement(self) -> None:
        """What every statement ends with, however it ended: no stop asked of the next."""
        self._interrupted = False
        self._timeout_hit = False
        self._lock_timed_out = False
        if self._memory_base:
            self._memory_base = 0
            self._memory_hit = False
        self._polls = _MEMORY_POLLS

    def _failed(self, e: BaseException) -> SqlError:
        """A statement failed with ``e``: the session's state after it, and the error to raise."""
        err = to_sql_error(e, self._serialization, self.conn)
        self._schema_seen = None
        self._held = False  # (a kept read transaction is rolled back below)
        if err.sqlstate in ("57014", "40001"):  # the session stopped it: say why
            err = self._stop_error() or err
        if self._status == "T":
            self._status = "E"
        elif self._status == "I" and self.conn.in_transaction:
            # A failed statement outside a block must not leave SQLite's transaction open.
            with contextlib.suppress(apsw.Error):
                self.conn.execute("ROLLBACK")
        if self.catalog.temp:
            temp.after_rollback(self)
        return err

    _timeout_hit = False
    _memory_hit = False
    renew_reads = True
    """A READ COMMITTED block's statements before its first write each see the newest commits
    (PostgreSQL's rule). False keeps the snapshot of the block's first read until then
    (MySQL's REPEATABLE READ; its writes and locking reads still take the newest rows)."""
    mysql_rules = False
    """The statements come from the MySQL dialect, whose rules differ from PostgreSQL's in
    places: a NULL written to an AUTO_INCREMENT (identity) key is its next value, not error
    23502; ON DUPLICATE KEY UPDATE has no conflict target, and one statement may update a
    row it inserted (no 21000)."""

    def copy_rows(self, copy: CopyIn, rows: Iterable[Sequence[str | None]]) -> int:
        if self._status == "E":
            raise SqlError(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        try:
            if self._deferred_begin is not None:
                self._start_block()
            return self._copy_rows(copy, rows)
        except BaseException as e:
            err = to_sql_error(e, self._serialization, self.conn)
            if self._status == "T":
                self._status = "E"
            raise err from None

    def cancel(self) -> None:
        # interrupt() stops a statement that runs now; the flag, polled by the progress
        # handler, also stops one that had not quite started when the cancel came.
        self._interrupted = True
        self.conn.interrupt()

    def _cancelled(self) -> bool:
        """The progress handler: SQLite's own work stops when the statement was cancelled or
        its statement_timeout passed."""
        if self._interrupted:
            return True
        if self._deadline is not None and time.monotonic() > self._deadline:
            self._interrupted = self._timeout_hit = True
            return True
        self._polls -= 1
        if self._polls <= 0 and STATEMENT_MEMORY and self._memory_grew():
            self._interrupted = self._memory_hit = True
            return True
        return False

    def _memory_grew(self) -> bool:
        """Whether the running statement grew the process past STATEMENT_MEMORY since its
        first look (after its first few hundred thousand steps: a short statement never
        reads /proc)."""
        self._polls = _MEMORY_POLLS
        now = resident_bytes()
        if not self._memory_base:
            self._memory_base = now
            return False
        return now - self._memory_base > STATEMENT_MEMORY

    def time_left(self) -> float | None:
        """Seconds until the running statement's statement_timeout, or None without one."""
        if self._deadline is None:
            return None
        return max(self._deadline - time.monotonic(), 0.001)

    def check_cancel(self) -> None:
        """57014 when the running statement was cancelled or timed out. SQLite never calls
        its progress handler while a Python function runs, so every loop in a function
        that may run long (pg_sleep, a set-returning step) polls this."""
        if self._cancelled():
            raise SqlError("57014", "canceling statement due to user request")

    def resume_after_error(self) -> None:
        """Leave the failed state (E) a statement error put the block in, keeping the block:
        for the MySQL dialect, where a failed statement does not abort the transaction (a
        failed read changed nothing; a write is undone by the dialect's savepoint)."""
        if self._status == "E":
            self._status = "T"

    def close(self) -> None:
        self._held = False
        self.cursors.close_all()
        with contextlib.suppress(apsw.Error):
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        self._status = "I"
        with contextlib.suppress(apsw.Error, SqlError):
            temp.discard(self)
        self._cache.clear()

    # --- helpers used by the other modules ----------------------------------------------------

    def statement_time(self) -> dt.datetime:
        """now(): the start of the transaction (of the statement outside a block)."""
        if self._txn_time is not None:
            return self._txn_time
        if self._stmt_time is None:
            self._stmt_time = dt.datetime.now(dt.UTC)
        return self._stmt_time

    def txid(self) -> int:
        return self._txid

    def cursor_columns(self, name: str) -> list[Column] | None:
        """The columns of a DECLAREd cursor, for the front end's Describe of that portal."""
        return self.cursors.columns(name)

    def show_value(self, name: str, missing_ok: bool = False) -> str | None:
        return self.settings.get(name, missing_ok)

    def set_setting(self, name: str, value: str | None) -> str:
        """set_config: a NULL value resets the setting to its default, as RESET does."""
        if value is None:
            self.settings.reset(name)
        else:
            self.settings.set(name, str(value))
        return self.settings.get(name) or ""

    def index_exists(self, name: str) -> bool:
        return bool(
            self.conn.execute(
                "SELECT 1 FROM main.sqlite_schema WHERE type='index' AND lower(name)=?", (name,)
            ).fetchall()
        )

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Run several SQLite statements as one step of the current transaction. Inside a
        statement that runs (a PL/pgSQL function it called) SQLite opens no savepoint: the
        steps are then part of that statement, which an error undoes as a whole."""
        try:
            self.conn.execute("SAVEPOINT _aurora_step")
        except apsw.BusyError as e:
            if "in progress" not in str(e):
                raise
            yield
            return
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO _aurora_step")
            self.conn.execute("RELEASE _aurora_step")
            raise
        self.conn.execute("RELEASE _aurora_step")

    # --- statements ----------------------------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[object]) -> StatementResult:
        outer, self._outer = self._outer, False
        # A text the plan cache holds as it is (a prepared statement run again) is a query or
        # DML statement: no utility statement to look for.
        word = "select" if sql in self._exact else lexer.first_word(sql)
        handler = self._utility.get(word)
        if word == "prepare" and _PREPARE_TXN.match(sql):
            return self._prepare_transaction()
        if handler is not None:
            if outer and self._held:
                self.release_read()
            if (
                (self.read_only or self._txn_read_only)
                and word in ("copy", "truncate", "create", "drop", "alter")
                and not (word == "copy" and re.search(r"\bto\s+stdout\b", sql, re.I))
                and not (word == "copy" and not self.read_only and self.catalog.temp_names
                         and temp.resolves_to_temp(self, None, CopySpec(sql).table or ""))
            ):
                raise SqlError("25006", f"cannot execute {word.upper()} in a read-only transaction")
            if self._reading and word not in _READING_UTILITIES:
                self.ready_to_write()
            if word == "declare":
                self._reading_only = False  # its SQLite statement stays open: one snapshot now
            if word in cursors.VERBS:  # they run a query: statement_timeout covers them too
                self._arm_timeout()
            try:
                if word == "declare":  # the one utility statement that takes parameters
                    return self.cursors.declare(sql, params)
                result = handler(sql)
            finally:
                self._deadline = None
            if self._reading and self.settings.values["transaction_isolation"] not in _FRESH_SNAPSHOT_LEVELS:
                self.ready_to_write()  # SET TRANSACTION raised the level: serializable from here
            return result
        if not word:
            return StatementResult("EMPTY")
        self._queried = True
        try:
            plan, lits = self._plan(sql)
        except ddl.SelectInto:
            if outer and self._held:
                self.release_read()
            if self.read_only or self._txn_read_only:
                raise SqlError("25006", "cannot execute SELECT INTO in a read-only transaction") from None
            if self._reading:
                self.ready_to_write()
            return self._create(ddl.select_into(sql))
        if self._reading and (
            plan.kind != "select" or plan.steps is not None or plan.guarded
            or _LOCKS_OR_WRITES.search(sql)
        ) and self.ready_to_write():
            plan, lits = self._plan(sql)  # on the new snapshot, whose schema may differ
        if outer and self._status == "I" and self._snapshot is not None:
            if self._holds(plan, sql):
                if not self._held and not self.conn.in_transaction:
                    self.conn.execute("BEGIN")
                    self._held = True
            elif self._held:
                self.release_read()
        if plan.guarded:
            return self._run_guarded(plan, params, lits, sql)
        if plan.steps is not None:
            return self._run_with_writes(plan, params, lits)
        if plan.also is not None:
            return self._run_with_children(plan, params, lits)
        if (
            plan.kind in _WRITE_KINDS
            and not (self.read_only or self._txn_read_only)
            and self.fk.any(self.catalog.version)
        ):
            return self._run_checked(plan, params, lits)
        return self._run(plan, params, lits)

    def _run_checked(self, plan: Plan, params: Sequence[object], lits: list[object]) -> StatementResult:
        """Run a write in a database with foreign keys: their immediate checks wait for the end
        of the statement, as PostgreSQL's do (a statement may insert a child before its
        parent), and a violation then undoes the whole statement. Outside a block the
        savepoint is the statement's own transaction, which checks the deferred constraints
        too."""
        with self.atomic(), self.fk.statement():
            return self._run(plan, params, lits)

    def _run_guarded(
        self, plan: Plan, params: Sequence[object], lits: list[object], text: str
    ) -> StatementResult:
        """Run a statement that may fire triggers or call PL/pgSQL functions: in a savepoint,
        with its statement-level triggers around it and its AFTER row triggers at its end."""
        mark = len(self.tg_queue)
        saved = self.tg_extra, self.tg_skipped, self.tg_rowids, self.tg_conflict, self.tg_set_cols
        saved_stable = self._stable
        self._stable = ({}, self.conn.total_changes())
        self.tg_extra = self.tg_skipped = 0
        self.tg_rowids = []
        self.tg_conflict = _clause(text, "on") if plan.conflict else ""
        rewrite = self.tg_bypass is not None  # a BEFORE trigger's changed row: no statement triggers
        if not rewrite:
            self.tg_set_cols = plan.set_columns
        try:
            with self.atomic(), self.fk.statement():
                target = plan.target if not rewrite else None
                if target is not None:
                    triggers.fire_statement(self, target, "before", plan.kind)
                if plan.steps is not None:
                    result = self._run_with_writes(plan, params, lits)
                else:
                    result = self._run(plan, params, lits)
                triggers.drain(self, mark)
                if target is not None:
                    triggers.fire_statement(self, target, "after", plan.kind)
                    triggers.drain(self, mark)
                if self.tg_extra or plan.target_view:
                    if plan.steps is not None:
                        raise SqlError("0A000", "a data-modifying WITH whose rows a BEFORE trigger changed "
                                                "is not supported here")
                    n = (0 if plan.target_view else int(result.tag.rsplit(" ", 1)[1])) + self.tg_extra
                    result.tag = f"{result.tag.rsplit(' ', 1)[0]} {n}"
                    if plan.returning:
                        result = self._rewritten_rows(plan, result, text)
                return result
        finally:
            del self.tg_queue[mark:]
            self.tg_extra, self.tg_skipped, self.tg_rowids, self.tg_conflict, self.tg_set_cols = saved
            self._stable = saved_stable

    def _rewritten_rows(self, plan: Plan, result: StatementResult, text: str) -> StatementResult:
        """RETURNING of a write whose every row a BEFORE trigger changed (and wrote itself):
        the list read back from those rows."""
        returning = _clause(text, "returning")
        if (result.rows and not plan.target_view) or returning is None or plan.target is None \
                or len(self.tg_rowids) != self.tg_extra:
            raise SqlError("0A000", "RETURNING from a write whose rows a BEFORE or INSTEAD OF "
                                    "trigger changed is not supported here")
        rows = []
        r = None
        for rowid in self.tg_rowids:
            if isinstance(rowid, plpgsql.Record):  # a view's row, as its INSTEAD OF trigger returned it
                cols = ", ".join(f'${i + 1}::{t} AS "{n}"' for i, (n, t) in enumerate(rowid.types.items()))
                r = self.run_nested(f'SELECT {returning[len("returning"):]} FROM (SELECT {cols}) AS '
                                    f'"{plan.target}"', list(rowid.values.values()))
            else:
                r = self.run_nested(f'SELECT {returning[len("returning"):]} FROM "{plan.target}" '
                                    f"WHERE rowid = $1", [rowid])
            rows += r.rows
        return StatementResult(result.tag, r.columns if r is not None else result.columns, rows)

    def triggers_of(self, table: str) -> list:
        return self.tg.load(self.catalog.version).get(table, [])

    def plpgsql_function(self, name: str, nargs: int) -> tuple[list, str, str] | None:
        return userfuncs.plpgsql_function(self.conn, name, nargs)

    def set_notice_handler(self, fn: Callable[[SqlError], None]) -> None:
        self._notice_handler = fn

    def notice(self, notice: SqlError) -> None:
        if self._notice_handler is not None:
            self._notice_handler(notice)

    def enter_function(self) -> None:
        self._fn_depth += 1
        if self._fn_depth > 100:
            self._fn_depth -= 1
            raise SqlError("54001", "stack depth limit exceeded",
                           hint="Increase the configuration parameter \"max_stack_depth\".")

    def leave_function(self) -> None:
        self._fn_depth -= 1

    def run_nested(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        """A statement of a PL/pgSQL function, maybe while the statement that called it runs
        (on cursors of its own)."""
        if lexer.first_word(sql) in _TXN_WORDS:
            raise SqlError("0A000", "transaction control statements are not supported in PL/pgSQL here")
        saved = self._cur, self._fast, self._desc, self._deadline
        self._cur = self.conn.cursor()
        self._cur.exec_trace = self._trace
        self._fast = self.conn.cursor()
        try:
            return self._execute(sql, params)
        except SqlError:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:
            raise to_sql_error(e, self._serialization, self.conn) from None
        finally:
            self._cur, self._fast, self._desc, self._deadline = saved

    def subtransaction(self) -> _Subtransaction:
        return _Subtransaction(self.conn)

    def is_handled_error(self, e: SqlError) -> bool:
        return e.sqlstate != "57014" or not self._interrupted

    def _call_plpgsql_set(self, name: str, *args: object) -> str:
        rows = self._call_plpgsql(name, *args, as_set=True)
        try:
            return json.dumps([[types.to_sqlite(v) for v in r] for r in rows])  # type: ignore[union-attr]
        except TypeError:
            raise SqlError("0A000", f"the rows of function {name} hold values not supported here") from None

    def _call_plpgsql(self, name: str, *args: object, as_set: bool = False) -> object:
        fn = userfuncs.plpgsql_function(self.conn, name, len(args))
        if fn is None:
            raise SqlError("42883", f"function {name} does not exist")
        params, returns, body = fn
        if as_set:
            cols = userfuncs.set_columns(returns, name, self.catalog)
            return plpgsql.call(self, name, params, returns, body, self._args(params, args), setof=True,
                                columns=cols)
        if self._stable is None or userfuncs.volatility(self.conn, name, len(args)) == "volatile":
            return types.to_sqlite(plpgsql.call(self, name, params, returns, body, self._args(params, args)))
        # STABLE: every call of the statement sees the data as the statement began
        cache, changes = self._stable
        key = (name, args)
        if key not in cache:
            if self.conn.total_changes() != changes:
                raise SqlError("0A000", f"STABLE function {name} called after its statement changed rows: "
                                        "its snapshot cannot be kept here (declare it VOLATILE)")
            cache[key] = types.to_sqlite(plpgsql.call(self, name, params, returns, body, self._args(params, args)))
        return cache[key]

    def _args(self, params: list, args: Sequence[object]) -> list[object]:
        """Arguments in storage form as Python values of their parameters' types."""
        values = []
        for (_, ptype), a in zip(params, args, strict=True):
            oid = types.lookup_oid(ptype)
            dec = types.make_decoder(oid, -1, self.tz) if oid is not None and a is not None else None
            values.append(a if dec is None else dec(a))
        return values

    def _do(self, sql: str) -> StatementResult:
        m = re.match(r"\s*do\s+(?:language\s+(\w+)\s+)?(\$(\w*)\$(.*)\$\3\$|'(?:[^']|'')*')"
                     r"(?:\s+language\s+(\w+))?\s*;?\s*$", sql, re.I | re.S)
        if not m:
            raise SqlError("42601", "syntax error in DO")
        lang = (m.group(1) or m.group(5) or "plpgsql").lower()
        if lang != "plpgsql":
            raise SqlError("0A000", f'language "{lang}" is not supported here')
        body = m.group(4) if m.group(3) is not None or m.group(2).startswith("$") else \
            m.group(2)[1:-1].replace("''", "'")
        self._queried = True
        mark = len(self.tg_queue)
        with self.atomic():
            plpgsql.call(self, "inline_code_block", [], "void", body, [])
            triggers.drain(self, mark)
        if self.catalog.refresh():  # the block may have run DDL
            self._cache.clear()
        return StatementResult("DO")
    def _run_with_children(
        self, plan: Plan, params: Sequence[object], lits: list[object]
    ) -> StatementResult:
        """UPDATE / DELETE of an inheritance parent, then of each descendant: one statement,
        its tag the rows of all of them."""
        checked = self.fk.any(self.catalog.version)
        with self.atomic(), (self.fk.statement() if checked else contextlib.nullcontext()):
            n = 0
            for p in [plan, *(plan.also or [])]:
                n += int(self._run(p, params, lits).tag.split()[-1])
        return StatementResult(f"{plan.kind.upper()} {n}")

    def _run_with_writes(
        self, plan: Plan, params: Sequence[object], lits: list[object]
    ) -> StatementResult:
        """A statement whose WITH holds INSERT / UPDATE / DELETE: each of those runs first,
        once and to completion as in PostgreSQL, its RETURNING rows kept in a TEMP table
        that the statement reads in its place; the whole is one step of the transaction,
        with the foreign key checks of one statement."""
        if self.read_only or self._txn_read_only:
            kind = plan.steps[0][1].kind if plan.steps else plan.kind
            raise SqlError("25006", f"cannot execute {kind.upper()} in a read-only transaction")
        checked = self.fk.any(self.catalog.version)
        with self.atomic(), (self.fk.statement() if checked else contextlib.nullcontext()):
            try:
                self._cte_tables(plan, params, lits, run=True)
                return self._run(plan, params, lits)
            finally:
                self._drop_cte_tables(plan)

    def _cte_tables(
        self, plan: Plan, params: Sequence[object], lits: Sequence[object], run: bool
    ) -> None:
        """Run the data-modifying WITH items of ``plan`` into their TEMP tables (``run``
        False: only create the tables, empty, for Describe)."""
        for table, step in plan.steps or []:
            desc: list = []

            def grab(cursor: apsw.Cursor, sql: str, bindings: object, desc: list = desc) -> bool:
                desc.append(cursor.description)
                return run

            sql, bind = self._bindings(step, params, lits)
            if step.touches_catalog:
                self._refresh_pg()
            cur = self.conn.cursor()
            cur.exec_trace = grab
            rows: list = []
            with contextlib.suppress(apsw.ExecTraceAbort):
                rows = cur.execute(sql, bind).fetchall()
            if not table:
                continue
            names: list[str] = list(step.names or ())
            for d in desc[0] if desc and not names else ():
                name = d[0]
                while name in names:
                    name += "_"
                names.append(name)
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{_ident(table)}")
            self.conn.execute(
                f"CREATE TEMP TABLE {_ident(table)} ({', '.join(_ident(n) for n in names)})"
            )
            if rows:
                marks = ", ".join("?" * len(names))
                self.conn.executemany(f"INSERT INTO temp.{_ident(table)} VALUES ({marks})", rows)

    def _drop_cte_tables(self, plan: Plan) -> None:
        for table, _ in plan.steps or []:
            if table:
                with contextlib.suppress(apsw.Error):
                    self.conn.execute(f"DROP TABLE IF EXISTS temp.{_ident(table)}")

    def _plan(self, sql: str, given: Sequence[int] = ()) -> tuple[Plan, list[object]]:
        # Another instance may change the schema between our transactions, never inside one
        # (a transaction reads one snapshot): check the schema cookie once per transaction.
        if self._check_schema:
            if self._status != "I":
                self._check_schema = False
            seen = self._data_version() if self._data_version is not None else None
            if seen is None or seen != self._schema_seen:
                if self.catalog.refresh():
                    self._cache.clear()
                self._schema_seen = seen
        exact = self._exact.get(sql)  # no normaliser for a text that came before
        if exact is not None and self._cache.get(exact[0]) is exact[1]:
            self.stats["hits"] += 1
            return exact[1], list(exact[2])
        nuser = lexer.param_count(sql)
        norm = lexer.normalize(sql, nuser + 1)
        if norm is not None:
            key, lits = norm
            kinds = [k if k == "s" else _num_kind(t) for k, t in lits]
            if kinds:
                # 1.5 and 1 share a text but not a type (numeric, integer), nor a plan; and
                # "id = 1" made "id = $1" must not take the plan of a prepared "id = $1"
                key += "\x00" + "".join(kinds)
            plan = self._cache.get(key)
            if plan is not None:
                self.stats["hits"] += 1
                self._cache.move_to_end(key)
                values = [lexer.literal_value(k, t) for k, t in lits]
                if (not lits and key == sql and not plan.lit_kinds) or (values and nuser):
                    if len(self._exact) >= self._cache_size:
                        self._exact.clear()
                    self._exact[sql] = (key, plan, values)
                return plan, list(values)
            if key not in self._cache:
                try:
                    plan = self._build(key.partition("\x00")[0], nuser, kinds, given)
                except SqlError:
                    plan = None
                self._remember(key, plan)
                if plan is not None:
                    self.stats["misses"] += 1
                    return plan, [lexer.literal_value(k, t) for k, t in lits]
        plan = self._cache.get(sql)
        if plan is None:
            self.stats["misses"] += 1
            plan = self._build(sql, nuser, [], given)
            self._remember(sql, plan)
        else:
            self.stats["hits"] += 1
        return plan, []

    def _remember(self, key: str, plan: Plan | None) -> None:
        self._cache[key] = plan
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _build(self, text: str, nuser: int, lit_kinds: list[str], given: Sequence[int],
               shown: bool = False) -> Plan:
        wide = multirow_plan(text, nuser, lit_kinds, given, self._build)  # pandas' bulk INSERT
        if wide is not None:
            return wide
        tree = parse(text)
        while isinstance(tree, exp.Subquery) and not tree.alias:  # ((SELECT ...))
            tree = tree.this
        if isinstance(tree, exp.Select) and tree.args.get("into") is not None:
            raise ddl.SelectInto
        if "::" in text or "cast" in text or "CAST" in text:
            composite.resolve_casts(self.conn, tree)
        if "." in text:
            schemas.qualify_tables(tree, self.conn)
            if self.catalog.temp_names:
                temp.unqualify(self, tree)
            if self.catalog.shadowed and not shown and (hidden := temp.hidden_names(self, tree)):
                # public.t where a temp t hides it (or pg_temp.t where t is hidden): translated
                # with the catalog showing that one
                with self.catalog.showing(hidden):
                    return self._build(text, nuser, lit_kinds, given, shown=True)
        calls_plpgsql = userfuncs.inline(tree, self.conn, self.catalog)
        inherits.expand(tree, self.conn, text)
        if "tableoid" in text.lower():
            partitions.tableoid(tree, self)
        if "_record" in text:
            jsonrecord.expand(tree, self.conn, self.catalog)  # json_populate_record(...) as a subquery
        kind = {
            exp.Select: "select",
            exp.Union: "select",
            exp.Intersect: "select",
            exp.Except: "select",
            exp.Insert: "insert",
            exp.Update: "update",
            exp.Delete: "delete",
            exp.Values: "select",
        }.get(type(tree))
        if kind is None:
            if isinstance(tree, exp.Command):
                raise SqlError("0A000", f"{tree.name.upper()} is not supported")
            raise SqlError("0A000", f"statement {tree.key.upper()} is not supported")
        given_map = {i + 1: o for i, o in enumerate(given) if o}
        pt = infer_params(tree, self.catalog, given_map)
        param_oids = [given_map.get(i) or pt.get(i) or types.TEXT for i in range(1, nuser + 1)]
        inferer = Inferer(
            self.catalog,
            {i + 1: o for i, o in enumerate(param_oids)},
            {nuser + 1 + i: k for i, k in enumerate(lit_kinds)},
        )
        names: list[str] | None = None
        tys: list | None = None
        returning = tree.args.get("returning")
        steps = None
        typed = tree
        if dml.modifying_ctes(tree):
            typed = dml.inference_tree(tree, self.catalog)
            steps = []
            for table, stmt, width in dml.split_writes(
                tree, self.catalog, lambda sel: infer_select(sel, self.catalog, inferer)
            ):
                step = self._step_plan(stmt, nuser, lit_kinds, param_oids, inferer)
                step.names = [f"c{i}" for i in range(width)] if width else None
                steps.append((table, step))
        if kind == "select":
            cols = infer_select(typed, self.catalog, inferer)
            if cols:
                names = [c[0] for c in cols]
                tys = [c[1] for c in cols]
        elif returning is not None:
            dml.expand_returning_stars(tree, self.catalog)
            if typed is not tree:
                dml.expand_returning_stars(typed, self.catalog)
            scope = Scope(self.catalog, typed)
            names, tys = [], []
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            for e in typed.args["returning"].expressions:
                if isinstance(e, exp.Star):
                    star = self.catalog.table_columns(target.name) if isinstance(
                        target, exp.Table) else None
                    if star is None:
                        names, tys = None, None
                        break
                    names += [c.name for c in star]
                    tys += [(c.type_oid, c.typmod) for c in star]
                    continue
                names.append(column_name(e))
                tys.append(inferer.type_of(e, scope))
        plain = None
        if kind == "select" and isinstance(tree, exp.Select) and not tree.is_star:
            plain = [isinstance(e, exp.Column) for e in tree.expressions]
        target = None
        target_view = False
        set_columns: frozenset[str] = frozenset()
        guarded = calls_plpgsql
        if (kind in _WRITE_KINDS or steps is not None) and self.tg.load(self.catalog.version):
            guarded = True
            t = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            if isinstance(t, exp.Table) and t.name in self.tg.by_table:
                target = t.name
                target_view = triggers.relkind(self.conn, target) == "view"
                set_columns = triggers.set_columns(tree)
        also = [self._step_plan(t, nuser, lit_kinds, param_oids, inferer)
                for t in tree.meta.get("also") or []] if tree.meta.get("also") else None
        if also and guarded:
            raise SqlError("0A000", "UPDATE or DELETE of an inheritance parent is not supported"
                                    " where triggers or PL/pgSQL functions take part")
        temp_write = False
        if kind in _WRITE_KINDS and self.catalog.temp_names:
            t = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            temp_write = isinstance(t, exp.Table) and temp.resolves_to_temp(self, t.db, t.name)
        sql, rw = to_sqlite(tree, self.catalog, inferer, self.mysql_rules)
        if self.catalog.temp:
            # APSW's statement cache keys on the text: a statement prepared before a temp
            # relation came or went describes its old columns until it runs (temp.py)
            sql += f" /* {self.catalog.version} */"
        return Plan(
            also=also,
            guarded=guarded,
            target=target,
            target_view=target_view,
            set_columns=set_columns,
            conflict=target is not None and tree.args.get("conflict") is not None,
            temp_write=temp_write,
            external=extensions.EXTERNAL_PREFIX in sql.lower(),
            plain=plain,
            sql=sql,
            kind=kind,
            nparams=nuser,
            lit_kinds=lit_kinds,
            names=names,
            types=tys,
            param_oids=param_oids,
            touches_catalog=rw.touches_catalog,
            empty_catalogs=bool(rw.empty_catalogs),
            returning=returning is not None,
            nbind=_highest_param(sql),
            steps=steps,
            no_columns=names == [NO_COLUMNS],
        )

    def _step_plan(
        self, stmt: exp.Expression, nuser: int, lit_kinds: list[str], param_oids: list[int],
        inferer: Inferer,
    ) -> Plan:
        """One data-modifying WITH item, translated as a statement of its own."""
        sql, rw = to_sqlite(stmt, self.catalog, inferer)
        return Plan(
            sql=sql,
            kind={exp.Insert: "insert", exp.Update: "update"}.get(type(stmt), "delete"),
            nparams=nuser,
            lit_kinds=lit_kinds,
            names=None,
            types=None,
            param_oids=param_oids,
            touches_catalog=rw.touches_catalog,
            empty_catalogs=False,
            returning=stmt.args.get("returning") is not None,
            nbind=_highest_param(sql),
        )

    def _trace(self, cursor: apsw.Cursor, sql: str, bindings: object) -> bool:
        self._desc = cursor.description_full
        return True

    def _run(self, plan: Plan, params: Sequence[object], lits: list[object]) -> StatementResult:
        if plan.kind in _WRITE_KINDS and (self.read_only or self._txn_read_only) and not plan.temp_write:
            raise SqlError(
                "25006", f"cannot execute {plan.kind.upper()} in a read-only transaction"
            )
        sql, bind = self._bindings(plan, params, lits)
        if plan.touches_catalog:
            self._refresh_pg()
        self._arm_timeout()
        try:
            self._desc = None
            cur = self._cur if plan.columns is None else self._fast
            if plan.external and self.external is not None:
                rows = self._run_external(plan, cur, sql, bind)
            elif plan.columns is None and (plan.kind == "select" or plan.returning):
                # The run that reads the result's description: prepared afresh, not taken
                # from APSW's statement cache, whose statement made before this session's
                # own ALTER TABLE describes the old columns until its first step re-prepares
                # it (SELECT * then lost the added column: _settle kept the old width).
                rows = cur.execute(sql, bind, can_cache=False).fetchall()
            else:
                rows = cur.execute(sql, bind).fetchall()
        except apsw.ExecutionCompleteError:
            rows = []
        except apsw.SQLError:
            if not plan.empty_catalogs or plan.kind != "select":
                raise
            # A catalog query over relations that are always empty here (pg_publication,
            # pg_trigger ...) but written with syntax SQLite lacks: its answer is no rows.
            rows = []
            self._desc = None
        except UnicodeDecodeError:
            self._reset_cursor(cur)
            raise
        finally:
            self._deadline = None
        if plan.kind == "select" or plan.returning:
            if plan.no_columns:
                rows = [()] * len(rows)
            if plan.columns is None:
                self._settle(plan, self._desc, rows)
            if plan.has_decoders and rows:
                decs = plan.decoders
                assert decs is not None
                if len(decs) == 1:  # one column (sysbench's ranges): no per-value zip
                    d = decs[0]
                    n = getattr(d, "max_chars", None)
                    if n is not None:  # a varchar(n): a string that fits keeps its row
                        rows = [r if type(v := r[0]) is str and len(v) <= n else (d(v),) for r in rows]
                    else:
                        rows = [(d(r[0]),) for r in rows]
                else:
                    rows = [
                        tuple([v if d is None else d(v) for d, v in zip(decs, r, strict=False)])
                        for r in rows
                    ]
                if plan.floats and self.settings.values.get("extra_float_digits", "1")[:1] in "0-":
                    rows = self._fewer_float_digits(plan.floats, rows)
            n = len(rows)
            if plan.kind == "select":
                return StatementResult(f"SELECT {n}", plan.columns, rows)
            tag = f"INSERT 0 {n}" if plan.kind == "insert" else f"{plan.kind.upper()} {n}"
            return StatementResult(tag, plan.columns, rows)
        n = self.conn.changes()
        tag = f"INSERT 0 {n}" if plan.kind == "insert" else f"{plan.kind.upper()} {n}"
        return StatementResult(tag)

    def _reset_cursor(self, cur: apsw.Cursor) -> None:
        """A statement that failed while its rows were read (a text SQLite built from bytes
        that are not UTF-8) is still open and would lock its tables (DROP TABLE answered
        "database table is locked"): close it and go on with a fresh cursor."""
        with contextlib.suppress(apsw.Error):
            cur.close(True)
        fresh = self.conn.cursor()
        if cur is self._cur:
            fresh.exec_trace = self._trace
            self._cur = fresh
        else:
            self._fast = fresh

    def _run_external(self, plan: Plan, cur: apsw.Cursor, sql: str, bind: list[object]) -> list:
        """A statement that calls a service (the ML functions): a first run only gathers the
        arguments of its calls (they answer placeholders, and a write is undone), the
        service answers them in batches, and the real run finds the answers ready. The first
        run is best effort: whatever it missed or failed on, the real run asks for row by row."""

        def gather() -> None:
            write = plan.kind in _WRITE_KINDS
            if write:
                self.conn.execute("SAVEPOINT _aurora_gather")
            try:
                self._fast.execute(sql, bind).fetchall()
            except apsw.ExecutionCompleteError:
                pass
            except Exception:  # a placeholder the statement could not use: gathered less
                pass
            finally:
                if write:
                    self.conn.execute("ROLLBACK TO _aurora_gather")
                    self.conn.execute("RELEASE _aurora_gather")

        assert self.external is not None
        with self.external.statement(gather):
            return cur.execute(sql, bind).fetchall()

    def _bindings(
        self, plan: Plan, params: Sequence[object], lits: Sequence[object]
    ) -> tuple[str, list[object]]:
        """The SQLite text and the values to bind for one run of ``plan``."""
        if len(params) < plan.nparams:
            raise SqlError(
                "08P01",
                f"bind message supplies {len(params)} parameters, but "
                f"prepared statement requires {plan.nparams}",
            )
        bind = [p if type(p) in _BINDABLE else types.to_sqlite(p) for p in params] if params else []
        if lits:
            bind.extend(lits)
        if plan.nbind is not None and len(bind) > plan.nbind:
            del bind[plan.nbind:]
        if len(bind) > self._max_variables:
            # More than SQLite binds (PostgreSQL takes 65,535: pandas' multi-row INSERTs):
            # the values go into the text as literals, this run only.
            return lexer.inline_params(plan.sql, bind), []
        return plan.sql, bind

    def _arm_timeout(self) -> None:
        text = self.settings.values.get("statement_timeout", "0")
        if text == "0" or not text:  # (the usual setting: no deadline)
            self._deadline = None
            return
        ms = int(text)
        self._deadline = time.monotonic() + ms / 1000 if ms > 0 else None

    def _describe(self, plan: Plan) -> None:
        """Settle result columns without running the statement (the exec tracer aborts it)."""
        if plan.touches_catalog:
            self._refresh_pg()
        desc: list = []

        def grab(cursor: apsw.Cursor, sql: str, bindings: object) -> bool:
            desc.append(cursor.description_full)
            return False

        cur = self.conn.cursor()
        cur.exec_trace = grab
        nulls: tuple[list, list] = ([None] * plan.nparams, [None] * len(plan.lit_kinds))
        sql, bind = self._bindings(plan, *nulls)
        if plan.steps is not None:  # the TEMP tables it reads, empty, only while describing
            with self.atomic():
                try:
                    self._cte_tables(plan, *nulls, run=False)
                    with contextlib.suppress(apsw.ExecTraceAbort):
                        cur.execute(sql, bind)
                finally:
                    self._drop_cte_tables(plan)
        else:
            with contextlib.suppress(apsw.ExecTraceAbort):
                cur.execute(sql, bind)
        # Columns whose type nothing tells are described as text, and stay so: a client
        # encodes the rows by what Describe said.
        self._settle(plan, desc[0] if desc else None, [])

    def _fewer_float_digits(self, floats: list[tuple[int, int]], rows: list) -> list:
        """extra_float_digits <= 0: floats as PostgreSQL prints them then, with 15 (float4: 6)
        significant digits plus that setting (%g), not the shortest exact form."""
        try:
            extra = max(-15, min(0, int(self.settings.values["extra_float_digits"])))
        except ValueError:
            return rows
        out = []
        for r in rows:
            r = list(r)
            for i, digits in floats:
                v = r[i]
                if type(v) is float and math.isfinite(v):
                    r[i] = float(f"{v:.{max(1, digits + extra)}g}")
            out.append(tuple(r))
        return out

    def _settle(self, plan: Plan, desc: tuple | None, rows: list) -> None:
        if plan.no_columns:
            plan.columns, plan.decoders, plan.has_decoders = [], [], False
            return
        cols: list[Column] = []
        decoders: list = []
        unknown: list[int] = []
        desc = desc or ()
        n = len(desc) if desc else (len(rows[0]) if rows else len(plan.names or []))
        static_ok = plan.names is not None and len(plan.names) == n
        for i in range(n):
            d = desc[i] if i < len(desc) else (f"column{i + 1}", None, None, None, None)
            name = plan.names[i] if static_ok and plan.names else d[0]
            ref = None
            table_oid, attnum = 0, 0
            if d[3] and d[4]:
                tname = str(d[3])
                info = self.catalog.column(tname, d[4]) if d[2] == "main" else None
                if tname.lower() in self.catalog.temp_names:  # (temp.py)
                    info = self.catalog.column_in(d[2], tname, d[4])
                if info is not None:
                    ref = (info.type_oid, info.typmod)
                    table_oid, attnum = rel_oid(tname), info.position
                elif d[2] == "temp":
                    cat = pgcatalog.CATALOG_COLUMNS.get(tname, {})
                    if d[4] in cat:
                        ref = (cat[d[4]], -1)
            plain = plan.plain is not None and i < len(plan.plain) and plan.plain[i]
            if (
                static_ok
                and plan.types
                and plan.types[i] is not None
                and (ref is None or not plain)
            ):
                ref = plan.types[i]
            if ref is None:
                unknown.append(i)
                v = next((r[i] for r in rows if r[i] is not None), None)
                ref = (types.value_oid(v) if v is not None else types.TEXT, -1)
            oid, typmod = ref
            t = types.BY_OID.get(oid)
            cols.append(Column(name, oid, t.size if t else -1, typmod, table_oid, attnum))
            decoders.append(types.make_decoder(oid, typmod, self.tz))
        plan.columns = cols
        plan.decoders = decoders
        plan.has_decoders = any(d is not None for d in decoders)
        plan.floats = [(i, 6 if c.type_oid == 700 else 15) for i, c in enumerate(cols)
                       if c.type_oid in (700, 701)]
        plan.unknown = unknown

    # --- transaction control -----------------------------------------------------------

    def _begin(self, sql: str) -> StatementResult:
        tag = "START TRANSACTION" if lexer.first_word(sql) == "start" else "BEGIN"
        if self._status != "I":
            return StatementResult(tag)  # PostgreSQL warns and carries on
        self._start_txn(_characteristics(sql))
        return StatementResult(tag)

    def _start_txn(self, chars: dict[str, str]) -> None:
        """Open a block with the session's default characteristics, then ``chars``."""
        values = self.settings.values
        for key in _TXN_MODES:
            values[key] = chars.get(key, values["default_" + key])
        self._txn_read_only = values["transaction_read_only"] == "on"
        self._queried = False
        self._savepoints = []
        # SQLite has one writer: taking the write lock at BEGIN makes concurrent writers wait
        # (busy timeout) instead of failing their lock upgrade halfway through.
        immediate = not (self.read_only or self._txn_read_only)
        if immediate:
            lazy = values["transaction_isolation"] in _FRESH_SNAPSHOT_LEVELS
            self._deferred_begin = _LAZY_BEGIN if lazy else "BEGIN IMMEDIATE"
        else:
            if self._data_version is not None:
                self._read_seen = self._data_version()
            self.conn.execute("BEGIN")
            self._reading_only = True
        self._status = "T"
        self._check_schema = True
        self._txn_time = dt.datetime.now(dt.UTC)
        self._txid += 1

    def _start_block(self, sql: str = "") -> None:
        begin, self._deferred_begin = self._deferred_begin, None
        if begin == _LAZY_BEGIN and _locks_first(sql):
            begin = "BEGIN IMMEDIATE"  # a block that writes or locks first: the lock now
        if begin is not None:
            self._begin_locked(begin)
            self._reading = begin == _LAZY_BEGIN
            if self._reading and self._data_version is not None:
                self._read_seen = self._data_version()

    # --- a read transaction kept between autocommit queries ------------------------------------

    def _holds(self, plan: Plan, sql: str) -> bool:
        """Whether this statement, outside a block, may run in the read transaction the
        session keeps open between such statements: a plain query (no write, no row lock, no
        sequence, no trigger or PL/pgSQL function, no catalog tables to fill, no service to
        call). SQLite then skips, per statement, the lock, the header check and the unlock
        that an autocommit statement's own transaction costs (seven VFS callbacks, each
        taking the GIL): select-only pgbench and sysbench point selects ran about 20%
        faster. A session with ON COMMIT temp tables ends each statement's transaction."""
        return self._plain(plan, sql) and not self.temp_on_commit

    @staticmethod
    def _plain(plan: Plan, sql: str) -> bool:
        """A plain query: no write, row lock, sequence, trigger or PL/pgSQL function, catalog
        table to fill or service to call (asked once per plan)."""
        ok = plan.reads_only
        if ok is None:
            ok = plan.reads_only = (
                plan.kind == "select" and plan.steps is None and plan.also is None
                and not (plan.guarded or plan.external or plan.touches_catalog or plan.empty_catalogs)
                and _LOCKS_OR_WRITES.search(sql) is None
            )
        return ok

    def refresh_read(self) -> None:
        """Before a statement: the kept read transaction goes on if no commit came since its
        snapshot was taken (a statement sees what was committed before it began); else it
        ends, and the statement begins another if it may."""
        snapshot = self._snapshot  # (set whenever a read is kept)
        if self._held and snapshot is not None and not snapshot.resume():
            self.release_read()

    def park_read(self) -> None:
        """After a statement of the kept read transaction: its rows go out once what they
        show is durable, and the idle session does not hold the snapshot's page versions.
        A query that wrote after all (a function with side effects) commits at once."""
        snapshot = self._snapshot
        if not self._held or snapshot is None:
            return
        if self.conn.txn_state() == apsw.SQLITE_TXN_WRITE:
            self.release_read()
        else:
            snapshot.park()

    def release_read(self) -> None:
        """End the kept read transaction (before any statement that is not a plain query)."""
        if not self._held:
            return
        self._held = False
        try:
            self.conn.execute("COMMIT")
        except apsw.Error:
            with contextlib.suppress(apsw.Error):
                self.conn.execute("ROLLBACK")
            raise

    def _renew_read(self, sql: str) -> None:
        """A statement of a READ COMMITTED block that has not written yet sees what was
        committed before it began: when the database moved since the block's SQLite
        transaction took its snapshot, end that read-only transaction and begin another.
        That end waits, as any read's, until what it read is durable (the statement may not
        read at all, and the block's end would then wait for nothing). A statement that
        writes or locks is left to ready_to_write, which renews the snapshot under the lock
        without that wait."""
        conn = self.conn
        if conn.txn_state() != apsw.SQLITE_TXN_READ:
            return
        if self.settings.values["transaction_isolation"] not in _FRESH_SNAPSHOT_LEVELS:
            return  # (a read-only block at REPEATABLE READ or SERIALIZABLE: one snapshot)
        seen = self._data_version() if self._data_version is not None else None
        if (seen is not None and seen == self._read_seen) or _locks_first(sql):
            return
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        self._read_seen = seen
        self._check_schema = True

    def ready_to_write(self) -> bool:
        """Before the first statement of a READ COMMITTED block that may write or lock (DML,
        DDL, SELECT ... FOR UPDATE/SHARE, nextval, LOCK TABLE, SAVEPOINT, DECLARE): end
        the SQLite transaction that only read, and open one that holds the database's write
        lock, on the newest snapshot. That is READ COMMITTED as PostgreSQL has it (a
        statement sees what was committed before it began; a write applies to the newest
        rows), and writers wait for one another at a statement boundary instead of failing
        a lock upgrade on a snapshot another commit overtook (40001). Until then the block
        holds no lock: a transaction left open after a read holds no writer back. Nothing is
        lost by ending that transaction: it changed nothing (the statements that would have
        come here first), and a cursor that outlived an earlier block holds its rows in
        memory. A block whose SQLite transaction wrote by other means (a function that
        writes) upgrades its lock in place, as SQLite does. True when the snapshot was
        renewed (plan again: the schema may have changed with it)."""
        if self._deferred_begin == _LAZY_BEGIN:  # not started yet: start it with the lock
            self._deferred_begin = "BEGIN IMMEDIATE"
            return False
        if not self._reading:
            return False
        self._reading = False
        conn = self.conn
        if conn.txn_state() == apsw.SQLITE_TXN_WRITE:
            return False
        # A read transaction: nothing to write, no lock to give up. What it read may hold a
        # commit still in flight: the block's end waits for that, not this COMMIT.
        conn.file_control("main", RENEW_SNAPSHOT_FCNTL, 0)
        conn.execute("COMMIT")
        self._check_schema = True
        try:
            self._begin_locked("BEGIN IMMEDIATE")
        except BaseException:
            # No lock (a timeout, a cancel): the statement fails, and the block reads on in
            # a new read transaction (MySQL's rule; PostgreSQL's block is failed anyway)
            # rather than running its next statements outside any transaction.
            with contextlib.suppress(apsw.Error):
                conn.execute("BEGIN")
                self._reading = True
                if self._data_version is not None:
                    self._read_seen = self._data_version()
            raise
        return True

    def take_snapshot(self) -> None:
        """Begin the block's SQLite transaction now and read, so that its snapshot is this
        moment's and not its first query's (MySQL's START TRANSACTION WITH CONSISTENT
        SNAPSHOT)."""
        if self._deferred_begin == "BEGIN IMMEDIATE":
            return  # (SERIALIZABLE: the snapshot comes with the lock, at the first statement)
        if self._deferred_begin is not None:
            self._start_block()
        self.conn.execute("SELECT 1 FROM main.sqlite_schema LIMIT 1").fetchall()

    def _begin_locked(self, begin: str) -> None:
        """Send a block's BEGIN (IMMEDIATE: wait for the write lock) under the statement's
        statement_timeout; a wait given up for a cancel or a timeout says which."""
        armed = self._deadline is None
        if armed:
            self._arm_timeout()
        try:
            self.conn.execute(begin)
        except apsw.BusyError:
            err = self._stop_error()
            if err is None:
                raise
            # (called outside execute too: by the MySQL dialect before its writes)
            self._end_statement()
            raise err from None
        finally:
            if armed:
                self._deadline = None

    def _stop_waiting(self, waited: float) -> bool:
        """Asked by the VFS while a write waits for the database's write lock: give up on a
        cancel, at the statement_timeout, or once the wait passed lock_timeout (PostgreSQL's
        rules; MySQL's innodb_lock_wait_timeout). Without a lock_timeout the VFS's own limit
        (30 s) ends the wait, with 40001 as before: PostgreSQL would wait on."""
        if self._cancelled():
            return True
        ms = int(self.settings.values.get("lock_timeout", "0") or 0)
        if ms > 0:
            if waited * 1000 >= ms:
                self._lock_timed_out = True
                return True
            return False
        return self._snapshot is not None and waited >= self._snapshot.busy_timeout

    def _stop_error(self) -> SqlError | None:
        """The error of a statement the session stopped: a cancel, its statement_timeout,
        or (a write waiting for the write lock) its lock_timeout. None when the session did
        not stop it (a lock wait that failed for the lock or the snapshot is 40001)."""
        if self._lock_timed_out:
            return SqlError("55P03", "canceling statement due to lock timeout")
        if self._interrupted:
            if self._timeout_hit:
                return SqlError("57014", "canceling statement due to statement timeout")
            if self._memory_hit:
                return SqlError(
                    "53200", "out of memory",
                    detail=f"The statement grew the instance's memory by more than "
                           f"{STATEMENT_MEMORY // (1024 * 1024)} MiB.",
                    hint="Fetch the rows in parts (LIMIT, a cursor) or raise "
                         "AURORA_STATEMENT_MEMORY_MIB where the instance starts.")
            return SqlError("57014", "canceling statement due to user request")
        return None

    def _end_txn(self) -> None:
        self._reading = self._reading_only = False
        self.fk.end_transaction()
        self.cursors.at_end()
        self._deferred_begin = None
        self._status = "I"
        self._check_schema = True
        self._txn_time = None
        self._reset_modes()

    def _reset_modes(self) -> None:
        """Outside a block the transaction modes are the session's defaults."""
        values = self.settings.values
        for key in _TXN_MODES:
            values[key] = values["default_" + key]
        self._txn_read_only = values["transaction_read_only"] == "on"
        self._savepoints = []

    def _chain(self, sql: str, tag: str, chars: dict[str, str]) -> StatementResult:
        """COMMIT / ROLLBACK AND CHAIN: a new block with the ended one's characteristics."""
        if _CHAIN.search(sql):
            self._start_txn(chars)
        return StatementResult(tag)

    def _commit(self, sql: str) -> StatementResult:
        if re.match(r"\s*commit\s+prepared", sql, re.I):
            raise SqlError("0A000", "two-phase commit is not supported")
        if self._status == "I" and _CHAIN.search(sql):
            raise SqlError("25P01", "COMMIT AND CHAIN can only be used in transaction blocks")
        chars = {k: self.settings.values[k] for k in _TXN_MODES}
        if self._status == "E":
            self._safe_rollback()
            self._end_txn()
            return self._chain(sql, "ROLLBACK", chars)
        if self._status == "T" and self._deferred_begin is None:
            try:
                self.fk.check_pending()
                self.cursors.at_commit()
                if self.temp_on_commit:  # in the transaction, as PostgreSQL's commit does them
                    temp.at_commit(self)
                self.conn.execute("COMMIT")
            except BaseException:
                self._safe_rollback()
                self._end_txn()
                raise
        self._end_txn()
        return self._chain(sql, "COMMIT", chars)

    def _prepare_transaction(self) -> StatementResult:
        """PREPARE TRANSACTION: refused, and, as when it fails in PostgreSQL, the block is
        rolled back."""
        if self._status == "I":
            self.notice(SqlError("25P01", "there is no transaction in progress", severity="WARNING"))
            return StatementResult("ROLLBACK")
        self._safe_rollback()
        self._end_txn()
        if self.catalog.temp_names:  # (whether the block used them is not tracked)
            raise SqlError("0A000", "cannot PREPARE a transaction that has operated on "
                                    "temporary objects")
        raise SqlError("55000", "prepared transactions are disabled",
                       hint='Set "max_prepared_transactions" to a nonzero value.')

    def _safe_rollback(self) -> None:
        self._schema_seen = None  # the catalog may hold what this transaction undid
        self.cursors.at_rollback()
        if self.conn.in_transaction:
            with contextlib.suppress(apsw.Error):
                self.conn.execute("ROLLBACK")
        self._refresh_pg.invalidate()  # type: ignore[attr-defined]
        if self.catalog.temp:
            temp.after_rollback(self)

    def _rollback(self, sql: str) -> StatementResult:
        m = re.match(
            r"\s*(?:rollback|abort)\s+(?:work\s+|transaction\s+)?to\s+(?:savepoint\s+)?(\S+)",
            sql,
            re.I,
        )
        if m:
            if self._status == "I":
                raise SqlError(
                    "25P01", "ROLLBACK TO SAVEPOINT can only be used in transaction blocks"
                )
            name = m.group(1).strip(";")
            try:
                self.conn.execute(f"ROLLBACK TO {_ident(name)}")
            except apsw.SQLError:
                raise SqlError("3B001", f'savepoint "{name}" does not exist') from None
            self.fk.rollback_to(name)
            self._restore_mode(name, keep=True)
            self._refresh_pg.invalidate()  # type: ignore[attr-defined]
            if self.catalog.temp:
                temp.after_rollback(self)
            self._schema_seen = None
            self._status = "T"
            return StatementResult("ROLLBACK")
        if self._status == "I" and _CHAIN.search(sql):
            raise SqlError("25P01", "ROLLBACK AND CHAIN can only be used in transaction blocks")
        chars = {k: self.settings.values[k] for k in _TXN_MODES}
        self._safe_rollback()
        self._end_txn()
        return self._chain(sql, "ROLLBACK", chars)

    def _restore_mode(self, name: str, keep: bool) -> None:
        """The read-only mode a savepoint saw comes back when it is rolled back or released."""
        for i in range(len(self._savepoints) - 1, -1, -1):
            if self._savepoints[i][0].lower() == name.strip('"').lower():
                self._txn_read_only = self._savepoints[i][1]
                self.settings.values["transaction_read_only"] = (
                    "on" if self._txn_read_only else "off")
                del self._savepoints[i + 1 if keep else i:]
                return

    def _savepoint(self, sql: str) -> StatementResult:
        if self._status == "I":
            raise SqlError("25P01", "SAVEPOINT can only be used in transaction blocks")
        name = sql.split()[1].strip(";")
        self.conn.execute(f"SAVEPOINT {_ident(name)}")
        self.fk.savepoint(name)
        self._savepoints.append((name.strip('"'), self._txn_read_only))
        return StatementResult("SAVEPOINT")

    def _release(self, sql: str) -> StatementResult:
        if self._status == "I":
            raise SqlError("25P01", "RELEASE SAVEPOINT can only be used in transaction blocks")
        parts = sql.split()
        name = parts[-1].strip(";")
        try:
            self.conn.execute(f"RELEASE {_ident(name)}")
        except apsw.SQLError:
            raise SqlError("3B001", f'savepoint "{name}" does not exist') from None
        self.fk.release(name)
        self._restore_mode(name, keep=False)
        return StatementResult("RELEASE")

    # --- settings -----------------------------------------------------------------------------

    _SET = re.compile(
        r"\s*set\s+(?:(session|local)\s+)?(.*?)\s*(?:=|\bto\b)\s*(.*?)\s*;?\s*$", re.I | re.S
    )

    def _set(self, sql: str) -> StatementResult:
        body = (
            re.sub(r"^\s*set\s+(?:session\s+|local\s+)?", "", sql, flags=re.I).strip().rstrip(";")
        )
        low = body.lower()
        if low.startswith("time zone"):
            self.settings.set("TimeZone", body[9:].strip())
            return StatementResult("SET")
        if low.startswith("characteristics"):
            for key, value in _characteristics(body).items():
                self.settings.values["default_" + key] = value
            if self._status == "I":
                self._reset_modes()
            return StatementResult("SET")
        if low.startswith("transaction"):
            if self._status != "I":  # outside a block PostgreSQL warns and does nothing
                self._set_transaction(_characteristics(body))
            return StatementResult("SET")
        if low.startswith("constraints"):
            return self._set_constraints(body)
        if low.startswith("names"):
            self.settings.set("client_encoding", body[5:].strip())
            return StatementResult("SET")
        if low.startswith("session authorization") or low.startswith("role"):
            return StatementResult("SET")
        m = self._SET.match(sql)
        if not m:
            raise SqlError("42601", "syntax error in SET")
        self.settings.set(m.group(2), m.group(3))
        if self._status == "I" and m.group(2).lower().startswith("default_transaction"):
            self._reset_modes()
        if m.group(2).lower() == "search_path":
            self._follow_search_path()
        return StatementResult("SET")

    def _set_transaction(self, chars: dict[str, str]) -> None:
        """SET TRANSACTION, with PostgreSQL's checks (variable.c): the isolation level and a
        return to read-write only before the first query, and not inside a savepoint."""
        values = self.settings.values
        sub = bool(self._savepoints)
        level = chars.get("transaction_isolation")
        if level is not None and level != values["transaction_isolation"]:
            if self._queried:
                raise SqlError("25001", "SET TRANSACTION ISOLATION LEVEL must be called before "
                                        "any query")
            if sub:
                raise SqlError("25001", "SET TRANSACTION ISOLATION LEVEL must not be called in "
                                        "a subtransaction")
        if chars.get("transaction_read_only") == "off" and self._txn_read_only:
            if sub:
                raise SqlError("25001", "cannot set transaction read-write mode inside a "
                                        "read-only transaction")
            if self._queried:
                raise SqlError("25001", "transaction read-write mode must be set before any query")
        if "transaction_deferrable" in chars:
            if sub:
                raise SqlError("25001", "SET TRANSACTION [NOT] DEFERRABLE cannot be called "
                                        "within a subtransaction")
            if self._queried:
                raise SqlError("25001", "SET TRANSACTION [NOT] DEFERRABLE must be called before "
                                        "any query")
        values.update(chars)
        self._txn_read_only = values["transaction_read_only"] == "on"

    _SET_CONSTRAINTS = re.compile(r"constraints\s+(.+?)\s+(deferred|immediate)\s*$", re.I | re.S)

    def _set_constraints(self, body: str) -> StatementResult:
        m = self._SET_CONSTRAINTS.match(body)
        if not m:
            raise SqlError("42601", "syntax error in SET CONSTRAINTS")
        if self._status != "T":
            # PostgreSQL warns (25P01) and does nothing outside a transaction block.
            return StatementResult("SET CONSTRAINTS")
        names = None if m.group(1).strip().lower() == "all" else m.group(1).split(",")
        self.fk.set_constraints(
            [n.strip() for n in names] if names else None, m.group(2).lower() == "deferred"
        )
        return StatementResult("SET CONSTRAINTS")

    def _show(self, sql: str) -> StatementResult:
        name = re.sub(r"^\s*show\s+", "", sql, flags=re.I).strip().rstrip(";").strip()
        if name.lower() == "all":
            rows = [(k, v, "") for k, v in sorted(self.settings.values.items())]
            cols = [
                Column("name", types.TEXT),
                Column("setting", types.TEXT),
                Column("description", types.TEXT),
            ]
            return StatementResult(f"SHOW {len(rows)}", cols, rows)
        from aurora.engine.sql.settings import canonical

        key = canonical(name)
        value = self.settings.get(name)
        label = name.lower() if key != "transaction_isolation" else "transaction_isolation"
        label = {"TimeZone": "TimeZone", "DateStyle": "DateStyle"}.get(key, label.replace(" ", "_"))
        return StatementResult("SHOW", [Column(label, types.TEXT)], [(value,)])

    def _reset(self, sql: str) -> StatementResult:
        name = re.sub(r"^\s*reset\s+", "", sql, flags=re.I).strip().rstrip(";")
        self.settings.reset(name)
        if self._status == "I":
            self._reset_modes()
        self._follow_search_path()
        return StatementResult("RESET")

    def _follow_search_path(self) -> None:
        """Where search_path puts pg_temp decides which of a temp and a permanent relation
        of one name an unqualified name means (temp.py)."""
        first = temp.first_in_path(self.settings.values.get("search_path", ""))
        if first != self.catalog.temp_first:
            self.catalog.temp_first = first
            self._cache.clear()
            self.catalog.refresh(force=True)

    def _discard(self, sql: str) -> StatementResult:
        what = re.sub(r"^\s*discard\s+", "", sql, flags=re.I).strip().rstrip(";").upper()
        if what in ("ALL", "TEMP", "TEMPORARY"):
            if self._status != "I" and what == "ALL":
                raise SqlError("25001", "DISCARD ALL cannot run inside a transaction block")
            temp.discard(self)
        if what in ("ALL", "SEQUENCES"):
            self.sequences.discard()
        if what == "ALL":
            self.settings.reset("all")
        return StatementResult(f"DISCARD {'TEMP' if what == 'TEMPORARY' else what}")

    def _comment(self, sql: str) -> StatementResult:
        """COMMENT ON: comments are not kept, but the object must exist (42P01), as in
        PostgreSQL."""
        m = re.match(r"\s*comment\s+on\s+(table|view|sequence|index)\s+(\S+)\s+is\b", sql, re.I)
        if m:
            kind, name = m.group(1).lower(), schemas.stored_name(self.conn, m.group(2))
            found = (
                self.sequences.exists(name)
                if kind == "sequence"
                else self.conn.execute(
                    "SELECT 1 FROM main.sqlite_schema WHERE lower(name)=lower(?) AND type=?",
                    (name, "index" if kind == "index" else ("view" if kind == "view" else "table")),
                ).fetchall()
            )
            if not found:
                raise SqlError("42P01", f'relation "{name}" does not exist')
        m = re.match(r'\s*comment\s+on\s+trigger\s+("[^"]+"|\S+)\s+on\s+("[^"]+"|\S+)\s+is\b', sql, re.I)
        if m:
            triggers.exists_on(self.conn, schemas.ident(m.group(1)), schemas.split_qualified(m.group(2))[1])
        return StatementResult("COMMENT")

    def _noop(self, tag: str) -> Callable[[str], StatementResult]:
        def run(sql: str) -> StatementResult:
            if tag == "VACUUM" and self._status != "I":
                raise SqlError("25001", "VACUUM cannot run inside a transaction block")
            return StatementResult(tag)

        return run

    def _explain(self, sql: str) -> StatementResult:
        inner = re.sub(
            r"^\s*explain\s+(?:\([^)]*\)\s*|analyze\s+|verbose\s+)*", "", sql, flags=re.I
        )
        plan, _ = self._plan(inner)
        text, bind = self._bindings(plan, [None] * plan.nparams, [None] * len(plan.lit_kinds))
        rows = self.conn.execute("EXPLAIN QUERY PLAN " + text, bind).fetchall()
        out = [(("  " * 0) + str(r[3]),) for r in rows]
        return StatementResult(f"EXPLAIN {len(out)}", [Column("QUERY PLAN", types.TEXT)], out)

    # --- DDL --------------------------------------------------------------------------

    def _ddl(
        self, fn: Callable[[Session, str], StatementResult]
    ) -> Callable[[str], StatementResult]:
        def run(sql: str) -> StatementResult:
            self._schema_seen = None
            if self.catalog.temp and temp.concerns(self, sql):
                with temp.context(self):
                    result = fn(self, sql)
            else:
                result = fn(self, sql)
            self._cache.clear()
            self.catalog.refresh(force=True)
            if fn is not triggers.create and fn is not triggers.drop and triggers.exists(self.conn):
                triggers.after_ddl(self)
            return result

        return run

    def _truncate(self, _: Session, sql: str) -> StatementResult:
        """TRUNCATE, with the ON TRUNCATE statement triggers of the tables it names."""
        if not self.tg.load(self.catalog.version):
            return ddl.truncate(self, sql)
        m = re.match(r"\s*truncate\s+(?:table\s+)?(.+?)(?:\s+(?:restart|continue)\s+identity)?"
                     r"(?:\s+(?:cascade|restrict))?\s*;?\s*$", sql, re.I | re.S)
        names = [schemas.split_qualified(re.sub(r"^only\s+|\s*\*$", "", n.strip(), flags=re.I))[1]
                 for n in m.group(1).split(",")] if m else []
        mark = len(self.tg_queue)
        with self.atomic():
            for name in names:
                triggers.fire_statement(self, name, "before", "truncate")
            result = ddl.truncate(self, sql)
            for name in names:
                triggers.fire_statement(self, name, "after", "truncate")
            triggers.drain(self, mark)
        return result

    def _alter(self, _: Session, sql: str) -> StatementResult:
        if re.match(r"\s*alter\s+type\b", sql, re.I):
            return enums.alter(self, sql)
        if re.search(r"\b(?:enable|disable)\s+(?:(?:always|replica)\s+)?trigger\b", sql, re.I):
            done = triggers.alter(self, sql)
            if done is not None:
                return done
        return ddl.alter(self, sql)

    def _create(self, sql: str) -> StatementResult:
        m = re.match(r"\s*create\s+database\s+(\"[^\"]+\"|\w+)", sql, re.I)
        if m:
            return self._database(sql, m.group(1).strip('"'), self._create_db, "CREATE DATABASE")
        if re.match(
            r"\s*create\s+(or\s+replace\s+)?(extension|function|procedure|trigger|type|domain|"
            r"role|user|rule|policy|publication|subscription)\b",
            sql,
            re.I,
        ):
            what = re.match(r"\s*create\s+(?:or\s+replace\s+)?(\w+)", sql, re.I).group(1).upper()  # type: ignore[union-attr]
            if what == "EXTENSION":
                return self._ddl(extensions.create)(sql)
            if what == "FUNCTION":
                return self._ddl(userfuncs.create)(sql)
            if what == "TYPE":
                if enums.CREATE.match(sql):
                    return self._ddl(enums.create)(sql)
                return self._ddl(composite.create)(sql)
            if what == "DOMAIN":
                return self._ddl(composite.create_domain)(sql)
            if what == "TRIGGER":
                return self._ddl(triggers.create)(sql)
            raise SqlError("0A000", f"CREATE {what} is not supported")
        if re.match(r"\s*create\s+schema\b", sql, re.I):
            return self._ddl(schemas.create)(sql)
        if temp.split_create(sql) is not None or temp.reads_temp(self, sql):
            return self._ddl(lambda s, text: temp.create(s, text, ddl.create))(sql)
        temp.on_commit_outside_temp(sql)
        return self._ddl(ddl.create)(sql)

    def _drop(self, sql: str) -> StatementResult:
        m = re.match(r"\s*drop\s+database\s+(?:if\s+exists\s+)?(\"[^\"]+\"|\w+)", sql, re.I)
        if m:
            return self._database(sql, m.group(1).strip('"'), self._drop_db, "DROP DATABASE")
        if re.match(r"\s*drop\s+schema\b", sql, re.I):
            return self._ddl(schemas.drop)(sql)
        if re.match(r"\s*drop\s+extension\b", sql, re.I):
            return self._ddl(extensions.drop)(sql)
        if re.match(r"\s*drop\s+trigger\b", sql, re.I):
            return self._ddl(triggers.drop)(sql)
        if re.match(r"\s*drop\s+function\b", sql, re.I):
            return self._ddl(userfuncs.drop)(sql)
        if re.match(r"\s*drop\s+type\b", sql, re.I):
            return self._ddl(composite.drop)(sql)
        if re.match(r"\s*drop\s+domain\b", sql, re.I):
            return self._ddl(composite.drop_domain)(sql)
        if re.match(r"\s*drop\s+(role|user)\b", sql, re.I):
            raise SqlError("0A000", f"{' '.join(sql.split()[:2]).upper()} is not supported")
        parts = temp.split_drop(self, sql) if self.catalog.temp else None
        if parts:  # temp and permanent relations: one DROP each, all or none
            with self.atomic():
                for part in parts:
                    result = self._ddl(ddl.drop)(part)
            return result
        return self._ddl(ddl.drop)(sql)

    def execute_ddl(self, sql: str) -> StatementResult:
        """DROP / CREATE run by the engine itself (ON COMMIT DROP)."""
        return self._utility[lexer.first_word(sql)](sql)

    def _database(
        self, sql: str, name: str, hook: Callable[[str], None] | None, tag: str
    ) -> StatementResult:
        if self._status != "I":
            raise SqlError("25001", f"{tag} cannot run inside a transaction block")
        if hook is None:
            raise SqlError("0A000", f"{tag} is not supported by this instance")
        hook(name)
        self._refresh_pg.invalidate()  # type: ignore[attr-defined]
        return StatementResult(tag)

    # --- COPY ---------------------------------------------------------------------------

    def _copy(self, sql: str) -> StatementResult:
        spec = CopySpec(sql)
        opts = spec.resolved()
        if opts["format"] == "binary":
            raise SqlError("0A000", "COPY BINARY is not supported")
        if spec.direction == "from":
            if spec.table is None:
                raise SqlError("42601", "COPY FROM needs a table")
            if self.read_only or (self._txn_read_only and not temp.resolves_to_temp(self, None, spec.table)):
                raise SqlError("25006", "cannot execute COPY FROM in a read-only transaction")
            cols = self.catalog.table_columns(spec.table)
            if cols is None:
                raise SqlError("42P01", f'relation "{spec.table}" does not exist')
            names = spec.columns or [c.name for c in cols]
            known = {c.name.lower() for c in cols}
            for n in names:
                if n.lower() not in known:
                    raise SqlError(
                        "42703", f'column "{n}" of relation "{spec.table}" does not exist'
                    )
            return StatementResult("COPY", copy=CopyIn(spec.table, names, **opts))
        query = (
            spec.query
            or f"SELECT {', '.join(spec.columns) if spec.columns else '*'} FROM {_ident(spec.table)}"
        )
        plan, lits = self._plan(query)
        result = self._run(plan, (), lits)
        return StatementResult(
            f"COPY {len(result.rows)}", copy=CopyOut(result.columns or [], result.rows, **opts)
        )

    def _copy_rows(self, copy: CopyIn, rows: Iterable[Sequence[str | None]]) -> int:
        if self.catalog.refresh():
            self._cache.clear()
        cols = self.catalog.table_columns(copy.table) or []
        by_name = {c.name.lower(): c for c in cols}
        oids = [
            by_name[n.lower()].type_oid if n.lower() in by_name else types.TEXT
            for n in copy.columns
        ]
        typmods = [by_name[n.lower()].typmod if n.lower() in by_name else -1 for n in copy.columns]
        # a qualified interval's text is read by its fields ('1' in an interval day is a day)
        plain = [oid in (types.TEXT, 1043, 1042, 19) or (oid == 1186 and tm >= 0)
                 for oid, tm in zip(oids, typmods, strict=True)]
        width = len(copy.columns)
        text_in = types.text_in
        # numeric(p,s) rounds to s and is checked against p, as any write to it; a real
        # holds the single-precision value (as float4in reads the text); an interval with
        # fields is cut to them
        marks = [
            f"pg_numeric(?, {ps[0]}, {ps[1]})"
            if oid == types.NUMERIC and (ps := types.numeric_precision_scale(tm))
            else "pg_float4(?)" if oid == 700
            else _interval_mark(tm) if oid == 1186 and tm >= 0
            else "?"
            for oid, tm in zip(oids, typmods, strict=True)
        ]
        names = [_ident(c) for c in copy.columns]
        key = self.catalog.rowid_key(copy.table)
        if key is not None:  # a NULL rowid key is 23502, not the next id (translate.py's rule)
            refuse = f"pg_null_key('{copy.table.replace(chr(39), chr(39) * 2)}', " \
                     f"'{key.name.replace(chr(39), chr(39) * 2)}')"
            at = next((i for i, c in enumerate(copy.columns) if c.lower() == key.name.lower()), None)
            if at is not None:
                marks[at] = f"coalesce({marks[at]}, {refuse})"
            elif not key.has_default:
                names.append(_ident(key.name))
                marks.append(refuse)
        sql = f'INSERT INTO "{copy.table}" ({", ".join(names)}) VALUES ({", ".join(marks)})'
        count = 0
        line = 0

        def converted() -> Iterator[list[object]]:
            nonlocal count, line
            for row in rows:
                line += 1
                if len(row) != width:
                    raise SqlError(
                        "22P04",
                        f"COPY {copy.table}, line {line}: expected {width} columns, got {len(row)}",
                    )
                out = [
                    v if v is None or plain[i] else text_in(oids[i], v) for i, v in enumerate(row)
                ]
                count += 1
                yield out

        if not self.tg.load(self.catalog.version):
            with self.atomic(), self.fk.statement():
                self.conn.executemany(sql, converted())
            return count
        mark = len(self.tg_queue)
        saved = self.tg_extra, self.tg_skipped
        self.tg_extra = self.tg_skipped = 0
        try:
            with self.atomic(), self.fk.statement():
                triggers.fire_statement(self, copy.table, "before", "insert")
                self.conn.executemany(sql, converted())
                triggers.drain(self, mark)
                triggers.fire_statement(self, copy.table, "after", "insert")
                triggers.drain(self, mark)
            return count - self.tg_skipped
        finally:
            del self.tg_queue[mark:]
            self.tg_extra, self.tg_skipped = saved


def _interval_mark(typmod: int) -> str:
    """COPY's value for an interval column with fields: read by them and cut to them."""
    first, last, precision = interval.typmod_fields(typmod)
    return f"pg_interval_q(?, '{first}', '{last}', {'NULL' if precision is None else precision})"


class _Subtransaction:
    """An EXCEPTION block's savepoint; ``undone`` tells whether its writes were undone (or
    there were none) when an error left it."""

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.savepoint = False
        self.undone = True
        self._changes = 0

    def __enter__(self) -> _Subtransaction:
        try:
            self.conn.execute("SAVEPOINT _aurora_block")
            self.savepoint = True
        except apsw.BusyError as e:
            if "in progress" not in str(e):
                raise
            self._changes = self.conn.total_changes()
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self.savepoint:
            if exc is not None and isinstance(exc, SqlError):
                self.conn.execute("ROLLBACK TO _aurora_block")
            self.conn.execute("RELEASE _aurora_block")
        elif exc is not None:
            self.undone = self.conn.total_changes() == self._changes


def _clause(sql: str, word: str) -> str | None:
    """The ON CONFLICT (``word`` "on") or RETURNING clause of a write's text, for the row a
    BEFORE trigger changed and writes itself; None when it cannot be taken out alone."""
    toks = plpgsql.tokenize(sql)
    depth, start, end = 0, None, len(sql)
    for k, t in enumerate(toks):
        if t.kind == "op" and t.value == "(":
            depth += 1
        elif t.kind == "op" and t.value == ")":
            depth -= 1
        elif depth == 0 and t.kind == "ident":
            if t.value == word and (word != "on" or (k + 1 < len(toks) and toks[k + 1].value == "conflict")):
                start = t.start
            elif t.value == "returning" and start is not None and word == "on":
                end = t.start
                break
        elif depth == 0 and t.kind == "op" and t.value == ";":
            end = t.start
            break
        elif t.kind == "param" and start is not None:
            return None
    return sql[start:end] if start is not None else None


_TXN_WORDS = frozenset(("begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release"))
_CHAIN = re.compile(r"\band\s+chain\s*;?\s*$", re.I)
_TXN_MODES = ("transaction_isolation", "transaction_read_only", "transaction_deferrable")
# Levels whose blocks read without the write lock until their first write (a block of a
# higher level takes it with its first statement: one snapshot, serializable).
_FRESH_SNAPSHOT_LEVELS = frozenset(("read committed", "read uncommitted"))
_LAZY_BEGIN = "BEGIN"
_WRITE_WORDS = frozenset(("insert", "update", "delete", "merge"))
# Utility statements that neither write nor lock: they leave a reading block reading.
_READING_UTILITIES = frozenset((
    "begin", "start", "commit", "end", "rollback", "abort", "release", "set", "show", "reset",
    "discard", "deallocate", "listen", "unlisten", "notify", "fetch", "move", "close",
))
# A query that locks rows or calls a function that writes (sequences).
_LOCKS_OR_WRITES = re.compile(
    r"\bfor\s+(?:update|share|no\s+key\s+update|key\s+share)\b|\block\s+in\s+share\s+mode\b"
    r"|\b(?:nextval|setval)\s*\(", re.I)


def _locks_first(sql: str) -> bool:
    """DML, or a query that locks rows or writes (see _LOCKS_OR_WRITES): a statement that
    will take the write lock whatever else it does."""
    return lexer.first_word(sql) in _WRITE_WORDS or _LOCKS_OR_WRITES.search(sql) is not None


_ISOLATION = re.compile(
    r"isolation\s+level\s+(read\s+committed|read\s+uncommitted|repeatable\s+read|serializable)"
)


def _characteristics(sql: str) -> dict[str, str]:
    """The transaction modes a BEGIN / START TRANSACTION / SET TRANSACTION names."""
    low = sql.lower()
    out: dict[str, str] = {}
    m = _ISOLATION.search(low)
    if m:
        out["transaction_isolation"] = re.sub(r"\s+", " ", m.group(1))
    if re.search(r"\bread\s+only\b", low):
        out["transaction_read_only"] = "on"
    elif re.search(r"\bread\s+write\b", low):
        out["transaction_read_only"] = "off"
    if re.search(r"\bnot\s+deferrable\b", low):
        out["transaction_deferrable"] = "off"
    elif re.search(r"\bdeferrable\b", low):
        out["transaction_deferrable"] = "on"
    return out


def _ends_block(sql: str) -> bool:
    """COMMIT / END / ROLLBACK / ABORT (not ROLLBACK TO): nothing to open SQLite's block for."""
    word = lexer.first_word(sql)
    if word in ("commit", "end"):
        return True
    return word in ("rollback", "abort") and not re.search(r"\bto\b", sql, re.I)


def _allowed_in_failed(sql: str) -> bool:
    w = lexer.first_word(sql)
    return w in ("rollback", "abort", "commit", "end") or not w or (
        w == "prepare" and _PREPARE_TXN.match(sql) is not None)


_PREPARE_TXN = re.compile(r"\s*prepare\s+transaction\b", re.I)


def _ident(name: str) -> str:
    return '"' + name.strip('"').replace('"', '""') + '"'


def _num_kind(tok: str) -> str:
    """A number literal's type as PostgreSQL gives it: i integer, l bigint, n numeric."""
    if "." in tok or "e" in tok.lower():
        return "n"
    if len(tok) < 10:
        return "i"
    v = int(tok)
    # (-2147483648 is an integer: the sign belongs to the constant, as in PostgreSQL's parser)
    return "i" if -(2**31) <= v < 2**31 else "l" if -(2**63) <= v < 2**63 else "n"


def _utility_columns(word: str, sql: str) -> list[Column] | None:
    if word == "show":
        name = re.sub(r"^\s*show\s+", "", sql, flags=re.I).strip().rstrip(";")
        return [Column(name.lower().replace(" ", "_"), types.TEXT)]
    if word == "explain":
        return [Column("QUERY PLAN", types.TEXT)]
    return None


def _highest_param(sql: str) -> int:
    """The highest ``?N`` SQLite binds in ``sql`` (what it counts its parameters by)."""
    return max((int(n) for n in re.findall(r"\?(\d+)", sql)), default=0)
