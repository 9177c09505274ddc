"""The contract between a wire front end and the SQL engine of an instance.

The PostgreSQL front end (:mod:`aurora.engine.pgwire`) speaks the protocol and encodes
values; an :class:`SqlSession` (:mod:`aurora.engine.sql`) runs PostgreSQL SQL on SQLite and
answers with Python values and PostgreSQL type OIDs. Sessions are synchronous and are used
from one worker thread at a time: the front end never calls them on its event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

TransactionStatus = Literal["I", "T", "E"]

SETTLE_READ_FCNTL = 0x41555201
"""A file-control opcode (``apsw.Connection.file_control("main", ...)``) a session sends
after each statement of a read-only transaction block: a VFS whose snapshots can hold a
commit not yet durable waits there until it is, before the statement's rows go to the client.
SQLite's own VFSs answer "not found" and do nothing."""

RENEW_SNAPSHOT_FCNTL = 0x41555202
"""A file-control opcode a session sends just before it ends a transaction block's read-only
SQLite transaction to go on at once in a new one (a READ COMMITTED block about to write):
the ending transaction does not wait there until what it read is durable. The next one
reads a state at least as new, and its own end waits as any transaction's does (unless it
commits a change, which is acknowledged after what it read anyway). SQLite's own VFSs answer
"not found" and do nothing."""



class ReadSnapshot(Protocol):
    """A VFS's handle on the snapshot and the lock waits of one SQLite connection. It lets a
    session keep an autocommit read's SQLite transaction open between statements: SQLite
    then neither locks nor unlocks nor checks the database header for each statement, and
    keeps its page cache. Each statement still reads what was committed before it began: the session asks
    :meth:`resume` first and, when the snapshot is no longer the newest, ends that
    transaction and begins another."""

    def park(self) -> None:
        """A statement of the open read transaction ended: wait until what it read is
        durable, then let the snapshot go while the session is idle (it holds no older
        page versions back)."""

    def resume(self) -> bool:
        """A statement is about to run in the open read transaction: hold its snapshot
        again; True when no commit came since it was taken."""

    stop_waiting: Callable[[float], bool] | None
    """Set by the session: asked, every few tens of milliseconds while a write of this
    connection waits for the database's write lock, with the seconds waited so far; True
    gives the wait up (SQLite then fails the statement with SQLITE_BUSY, and the session
    reports why: a cancel, its statement_timeout or its lock_timeout). The session then
    decides alone how long a wait may last."""

    @property
    def busy_timeout(self) -> float:
        """How long the VFS itself lets a write wait for the lock (seconds): the limit a
        session keeps when nothing else ends the wait."""


@dataclass(frozen=True)
class Column:
    """One column of a row description, as PostgreSQL's RowDescription carries it."""

    name: str
    type_oid: int
    type_size: int = -1
    type_modifier: int = -1
    table_oid: int = 0
    column_number: int = 0
    mysql_type: str | None = None
    """A table column's type as the MySQL dialect declared it (``tinyint unsigned``,
    ``mediumtext``), where the PostgreSQL type does not tell it; the MySQL front end's column
    definition follows it. None elsewhere."""


@dataclass
class CopyIn:
    """``COPY table [(cols)] FROM STDIN``: the front end streams rows into :meth:`SqlSession.copy_rows`."""

    table: str
    columns: list[str]
    format: Literal["text", "csv", "binary"] = "text"
    delimiter: str = "\t"
    null: str = "\\N"
    header: bool = False
    quote: str = '"'
    escape: str = '"'


@dataclass
class CopyOut:
    """``COPY table|(query) TO STDOUT``: the rows to send, already as Python values."""

    columns: list[Column]
    rows: list[tuple]
    format: Literal["text", "csv", "binary"] = "text"
    delimiter: str = "\t"
    null: str = "\\N"
    header: bool = False
    quote: str = '"'
    escape: str = '"'


@dataclass
class StatementResult:
    """What one statement produced.

    ``tag`` is the command tag with its row count ("SELECT 3", "INSERT 0 1", "UPDATE 3");
    ``columns`` is None for statements that return no rows. Row values are Python objects:
    None, bool, int, float, decimal.Decimal, str, bytes, datetime.date/time/datetime,
    datetime.timedelta, uuid.UUID, or dict/list for json.
    """

    tag: str
    columns: list[Column] | None = None
    rows: list[tuple] = field(default_factory=list)
    copy: CopyIn | CopyOut | None = None
    # The MySQL front end's OK packet: rows changed, the first AUTO_INCREMENT value the
    # statement generated (0 for none), its warning count and its human-readable info
    # ("Rows matched: 1  Changed: 0  Warnings: 0"). Unused by PostgreSQL's.
    affected_rows: int = 0
    insert_id: int = 0
    warnings: int = 0
    info: str = ""


@dataclass(frozen=True)
class Prepared:
    """The description of a prepared statement: parameter and result types."""

    param_oids: list[int]
    columns: list[Column] | None


class SqlError(Exception):
    """An error to report to the client with a SQLSTATE code; never a traceback."""

    def __init__(
        self,
        sqlstate: str,
        message: str,
        *,
        severity: str = "ERROR",
        detail: str | None = None,
        hint: str | None = None,
        position: int | None = None,
        table: str | None = None,
        column: str | None = None,
        constraint: str | None = None,
        errno: int | None = None,
    ) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.position = position
        self.table = table  # the relation, column and constraint a 23xxx error is about
        self.column = column
        self.constraint = constraint
        self.errno = errno  # MySQL's error number (1062, 1146, ...); set by the MySQL dialect


class SqlSession(Protocol):
    """One client connection's SQL state (transaction, prepared statements, settings).

    Made by the front end's factory, ``factory(user, database, *, settings, backend_pid)``
    (settings: the client's start-up parameters; backend_pid: what BackendKeyData carries).
    ``transaction_status`` must be exact after every call: the front end itself sends BEGIN,
    COMMIT and ROLLBACK for the implicit transaction of a multi-statement simple query.
    ``Prepared.columns`` is set for every statement that returns rows, RETURNING included.
    Optional hooks the front end uses when present: ``set_notice_handler(fn)``,
    ``cursor_columns(name) -> list[Column] | None`` (the columns of a cursor made by SQL
    ``DECLARE``, which a client may Describe as a portal by that name) and
    ``query_again(sql, params) -> StatementResult | None`` (``execute`` for a prepared
    statement's text outside an implicit block, None when it must go through ``execute``).
    """

    @property
    def transaction_status(self) -> TransactionStatus: ...

    def parameter_status(self) -> dict[str, str]:
        """Settings reported at start-up and after SET (server_version, TimeZone, ...)."""
        ...

    def split(self, text: str) -> list[str]:
        """Split a simple-query string into statements (empty list for an empty query)."""
        ...

    def prepare(self, sql: str, param_oids: Sequence[int]) -> Prepared:
        """Parse and describe ``sql``; 0 in ``param_oids`` means "infer the type"."""
        ...

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        """Run one statement. Raises SqlError."""
        ...

    def copy_rows(self, copy: CopyIn, rows: Iterable[Sequence[str | None]]) -> int:
        """Insert rows for a COPY FROM STDIN; return the count.

        ``rows`` is one lazy iterator per COPY of fields already unescaped by the front end
        (``\\N`` → None). It may raise SqlError (57014 on CopyFail, 22P04, 22021, 08006):
        the session rolls back what it inserted and re-raises. ``copy.columns`` is always
        filled in (the front end checks row widths against it).
        """
        ...

    def cancel(self) -> None:
        """Interrupt the running statement. Called from another thread, only while a session
        call runs; it must also stop a statement that had not quite started."""
        ...

    def close(self) -> None: ...


class MySqlSession(Protocol):
    """One MySQL client connection's SQL state, for the MySQL front end (:mod:`aurora.engine.mywire`).

    Made by the front end's factory, ``factory(user, database, *, connection_id, found_rows)``
    (database: the handshake's, or None; found_rows: the client asked for CLIENT_FOUND_ROWS,
    affected rows of an UPDATE are then the rows it matched, not the rows it changed). Statements are in MySQL's dialect; ``?`` marks a parameter.
    Errors are :class:`SqlError` with MySQL's SQLSTATE and ``errno`` set. Like
    :class:`SqlSession`, it is used from one worker thread at a time; ``cancel`` may come from
    another thread (``KILL QUERY``).
    """

    takes_undecoded_bytes: bool = False
    """True when a statement's bytes that are no UTF-8 may reach :meth:`execute` and
    :meth:`prepare`, kept as lone surrogates (``surrogateescape``), for the session to read
    as a string literal's bytes or to refuse; else the front end refuses them (1300)."""

    @property
    def transaction_status(self) -> TransactionStatus:
        """"I" outside a transaction, "T" inside one (the server status flag IN_TRANS)."""
        ...

    @property
    def autocommit(self) -> bool:
        """@@autocommit (the server status flag AUTOCOMMIT)."""
        ...

    @property
    def database(self) -> str | None:
        """The current database (``USE``), or None."""
        ...

    def split(self, text: str) -> list[str]:
        """Split a multi-statement COM_QUERY into statements."""
        ...

    def prepare(self, sql: str) -> Prepared:
        """COM_STMT_PREPARE: one ``Prepared.param_oids`` entry per ``?``; columns or None."""
        ...

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        """Run one statement; ``affected_rows``, ``insert_id`` and ``warnings`` filled in."""
        ...

    def use(self, database: str) -> None:
        """COM_INIT_DB and ``USE db``: SqlError 1049 when it does not exist."""
        ...

    def field_list(self, table: str, wildcard: str | None = None) -> list[Column]:
        """COM_FIELD_LIST: the table's columns."""
        ...

    def reset(self) -> None:
        """COM_RESET_CONNECTION: roll back, forget user variables and prepared state."""
        ...

    def cancel(self) -> None:
        """Interrupt the running statement (``KILL QUERY``), from another thread."""
        ...

    def close(self) -> None: ...
