"""One connection's protocol state machine after start-up, run in that connection's worker thread.

A :class:`Backend` pulls batches of frontend frames from its connection, calls the
:class:`SqlSession` synchronously (so a session only ever sees one thread) and buffers its
answers, flushing them when it is about to wait for the client, so a pipelined batch costs
one write. It owns prepared statements, portals, the skip-until-Sync state after an error,
and PostgreSQL's implicit transaction around a multi-statement query string or a pipeline of
Executes before one Sync (see ``implicit transactions`` in the package's DESIGN.md).
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from aurora.engine.sqlapi import Column, CopyIn, CopyOut, SqlError, SqlSession, StatementResult

from . import protocol as p
from .copyfmt import CopyParser, format_rows
from .types import Decoder, Encoder, decoder, encoder

log = logging.getLogger("aurora.pgwire")

Frame = tuple[bytes, bytes]
# What the connection hands over: frames, None at end of stream, or a framing error.
Batch = list[Frame] | p.ProtocolViolation | None
Admit = Callable[[bool], AbstractContextManager[None]]
"""Wraps each session call: ``admit(in_transaction)`` may hold a statement back (a serverless
instance's capacity) and measures what it used; see engine/instance/capacity.py."""

FLUSH_THRESHOLD = 256 * 1024
_EXECUTE_ALL_ROWS = b"\x00\x00\x00\x00\x00"  # Execute's body: the unnamed portal, every row
_ROWS_PER_EMIT = 512  # rows encoded into one piece of output (a big result is flushed as it goes)

# Leading words of statements that control transactions, or that cannot run inside one.
_TXN_VERBS = {
    "begin",
    "start",
    "commit",
    "end",
    "rollback",
    "abort",
    "savepoint",
    "release",
    "prepare",
}
_NO_TXN_VERBS = {
    "vacuum",
    "checkpoint",
    "cluster",
    "reindex",
    "create database",
    "drop database",
    "alter system",
    "create tablespace",
    "drop tablespace",
}
_REPORT_TAGS = ("SET", "RESET", "DISCARD", "COMMIT", "ROLLBACK")
_LEADING_JUNK = re.compile(r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
_BLANK = re.compile(r"(?:\s|;|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]+")
_DEALLOCATE_WORD = re.compile("deallocate", re.IGNORECASE)
_DEALLOCATE = re.compile(
    r"\s*deallocate\s+(?:prepare\s+)?(?:(all)|\"((?:[^\"]|\"\")*)\"|([^\s;]+))\s*;?\s*$",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def leading_words(sql: str, count: int = 2) -> tuple[str, ...]:
    """The first words of a statement, lower-cased, skipping comments and parentheses."""
    pos = _LEADING_JUNK.match(sql).end()  # type: ignore[union-attr]
    words: list[str] = []
    while len(words) < count:
        m = _WORD.match(sql, pos)
        if not m:
            break
        words.append(m.group().lower())
        pos = m.end()
        while pos < len(sql) and sql[pos].isspace():
            pos += 1
    return tuple(words)


def _is_blank(sql: str) -> bool:
    return _BLANK.fullmatch(sql) is not None


def _check_format_codes(*codes: tuple[int, ...]) -> None:
    for code in itertools.chain(*codes):
        if code not in (0, 1):
            raise SqlError("22023", f"unsupported format code: {code}")


def _formats(count: int, codes: Sequence[int], what: str) -> list[int]:
    if not codes:
        return [0] * count
    if len(codes) == 1:
        return [codes[0]] * count
    if len(codes) != count:
        raise SqlError("08P01", f"bind message has {len(codes)} {what} formats but {count} {what}s")
    return list(codes)


@dataclass
class Statement:
    sql: str
    param_oids: list[int]
    columns: list[Column] | None
    empty: bool = False
    # Codecs worked out at the first Bind / Execute with given format codes, reused by the
    # next ones: Bind's parameter decoders and the encoders of the described columns.
    decoders: dict[tuple[int, ...], list[Decoder]] | None = None
    encoders: dict[tuple[int, ...], list[Encoder]] | None = None
    # Backend._bind_and_run's codecs by (parameter, result) format codes: the decoders, the
    # result formats, the encoders and the RowDescription bytes
    fast: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple] | None = None


@dataclass(slots=True)
class Portal:
    statement: Statement
    params: list[object]
    result_formats: list[int]
    columns: list[Column] | None
    result: StatementResult | None = None
    position: int = 0
    suspended: bool = False
    encoders: list[Encoder] = field(default_factory=list)


class ClientGone(Exception):
    """The client closed the connection; the backend stops without answering."""


class Backend:
    """The per-connection protocol loop; ``run()`` returns when the connection should close."""

    def __init__(
        self,
        session: SqlSession,
        receive: Callable[[], Batch],
        send: Callable[[bytes], None],
        reported: dict[str, str],
        admit: Admit | None = None,
    ) -> None:
        self.session = session
        self._query_again = getattr(session, "query_again", None)
        self._admit = admit
        self._receive = receive
        self._send = send
        self._frames: deque[Frame] = deque()
        self._out: list[bytes] = []
        self._out_size = 0
        self._eof = False
        self.statements: dict[str, Statement] = {}
        self.portals: dict[str, Portal] = {}
        self._skipping = False
        self._implicit = False
        self._reported = dict(reported)
        self._report_pending = False
        self.busy = False
        self._fatal = False
        # RowDescription bytes by (columns list, formats): a prepared statement's columns
        # are one list object for its lifetime, and libpq describes the portal every time.
        self._row_descriptions: dict[tuple[int, tuple[int, ...]], tuple[object, bytes]] = {}
        set_handler = getattr(session, "set_notice_handler", None)
        if callable(set_handler):
            set_handler(self.notice)

    # --- I/O --------------------------------------------------------------------------------

    def emit(self, data: bytes) -> None:
        self._out.append(data)
        self._out_size += len(data)
        if self._out_size >= FLUSH_THRESHOLD:
            self.flush()

    def flush(self) -> None:
        if self._out:
            data = b"".join(self._out)
            self._out.clear()
            self._out_size = 0
            self._send(data)

    def _next_frame(self) -> Frame | None:
        """The next frame; flushes first when it would have to wait for the client."""
        if not self._frames:
            if self._eof:
                return None
            self.flush()
            batch = self._receive()
            if batch is None:
                self._eof = True
                return None
            if isinstance(batch, p.ProtocolViolation):
                raise batch
            self._frames.extend(batch)
        return self._frames.popleft()

    def notice(self, notice: SqlError) -> None:
        """Hook for the session: queue a NoticeResponse (sent with the statement's answers)."""
        severity = notice.severity if notice.severity != "ERROR" else "NOTICE"
        self.emit(
            p.error_fields(
                b"N",
                severity,
                notice.sqlstate,
                notice.message,
                detail=notice.detail,
                hint=notice.hint,
                position=notice.position,
            )
        )

    def send_error(self, err: SqlError) -> None:
        self.emit(
            p.error_fields(
                b"E",
                err.severity,
                err.sqlstate,
                err.message,
                detail=err.detail,
                hint=err.hint,
                position=err.position,
                table=err.table,
                column=err.column,
                constraint=err.constraint,
            )
        )

    # --- main loop --------------------------------------------------------------------------

    def run(self) -> None:
        frames = self._frames
        dispatch = self._dispatch
        try:
            while True:
                if frames:
                    frame: Frame | None = frames.popleft()
                else:
                    frame = self._next_frame()
                    if frame is None:
                        break
                if not dispatch(*frame):
                    break
            self.flush()
        except p.ProtocolViolation as exc:
            self.send_error(SqlError("08P01", str(exc), severity="FATAL"))
            self.flush()
        except ClientGone:
            pass

    def _dispatch(self, kind: bytes, body: bytes) -> bool:
        """Handle one frame; False ends the connection."""
        handler = self._EXTENDED.get(kind)
        if handler is not None:
            if kind == b"S":
                return self._guarded(handler, self, body, extended=False)
            if self._skipping:
                return True
            if kind == b"B" and self._bind_and_run(body):
                return not (self._eof or self._fatal)
            return self._guarded(handler, self, body, extended=True)
        if kind == b"X":
            return False
        if kind in (b"d", b"c", b"f"):
            return True  # left over from a COPY that failed: ignored, as PostgreSQL does
        if kind == b"Q":
            if self._skipping:
                return True
            return self._guarded(self._simple_query, body, extended=False)
        raise p.ProtocolViolation(f"invalid frontend message type {kind[0]}")

    def _guarded(self, fn: Callable, *args: object, extended: bool) -> bool:
        try:
            fn(*args)
        except SqlError as err:
            self._fail(err, extended)
        except (p.ProtocolViolation, ClientGone):
            raise
        except Exception as exc:
            self._fail(_internal(exc), extended)
        if self._eof:
            return False
        return not self._fatal

    def _fail(self, err: SqlError, extended: bool) -> None:
        self.send_error(err)
        if err.severity in ("FATAL", "PANIC"):
            self._fatal = True
            return
        if extended:
            self._skipping = True

    def call(self, fn: Callable, *args: object) -> object:
        """Call the session; anything but SqlError becomes XX000 (logged with its traceback)."""
        self.busy = True
        try:
            if self._admit is None:
                return fn(*args)
            with self._admit(self.session.transaction_status != "I"):
                return fn(*args)
        except (p.ProtocolViolation, ClientGone):
            raise  # the client's stream broke (e.g. inside COPY's rows): not the session's bug
        except SqlError as err:
            if isinstance(err.__context__, (p.ProtocolViolation, ClientGone)):
                raise err.__context__ from None  # the session wrapped the broken stream
            if err.sqlstate == "XX000":
                # The session already turned a bug into a one-line XX000 for the client; the
                # exception it came from (its __context__) keeps the traceback for the log.
                log.error(
                    "internal error in session call %s: %s",
                    getattr(fn, "__name__", fn),
                    err.message,
                    exc_info=err.__context__ or err,
                )
            raise
        except Exception as exc:
            log.exception("session call %s failed", getattr(fn, "__name__", fn))
            raise SqlError("XX000", one_line(exc)) from None
        finally:
            self.busy = False

    def cancel(self) -> None:
        """From another thread: interrupt the running statement, if there is one."""
        if self.busy:
            self.session.cancel()

    # --- transactions and parameter reports -------------------------------------------------

    def _ready(self) -> None:
        """ReadyForQuery, after any changed ParameterStatus; never fails (the client waits)."""
        status = "I"
        try:
            if self._report_pending:
                self._report_pending = False
                self.report_parameters()
            status = self.session.transaction_status
        except Exception as exc:
            log.warning("session state unavailable before ReadyForQuery: %s", one_line(exc))
        self.emit(p.ready_for_query(status))

    def report_parameters(self) -> None:
        current = self.call(self.session.parameter_status)
        assert isinstance(current, dict)
        for name, value in current.items():
            if self._reported.get(name) != value:
                self._reported[name] = value
                self.emit(p.parameter_status(name, value))

    def _begin_implicit(self, sql: str) -> None:
        if self._implicit or self.session.transaction_status != "I":
            return
        words = leading_words(sql)
        if not words or words[0] in _TXN_VERBS or words[0] in _NO_TXN_VERBS:
            return
        if " ".join(words) in _NO_TXN_VERBS:
            return
        self.call(self.session.execute, "BEGIN", ())
        self._implicit = True

    def _end_implicit(self, commit: bool) -> None:
        if not self._implicit:
            return
        self._implicit = False
        status = self.session.transaction_status
        if status == "I":
            return
        if commit and status == "T":
            try:
                self.call(self.session.execute, "COMMIT", ())
            except SqlError:
                self._rollback_quietly()
                raise
        else:
            self._rollback_quietly()

    def _rollback_quietly(self) -> None:
        if self.session.transaction_status == "I":
            return
        try:
            self.call(self.session.execute, "ROLLBACK", ())
        except SqlError as err:
            log.warning("rollback of an implicit transaction failed: %s", err.message)

    def execute(self, sql: str, params: Sequence[object]) -> StatementResult:
        """Run one statement, handling what belongs to the protocol layer itself."""
        # Outside an implicit block only DEALLOCATE matters here: the leading words of a
        # statement that cannot be one are not worth working out (a simple query's text,
        # with its literals, is new every time).
        words = leading_words(sql) if self._implicit or _DEALLOCATE_WORD.search(sql) else ()
        verb = words[0] if words else ""
        if self._implicit:
            if verb in ("begin", "start"):
                # BEGIN inside an implicit block turns it into an explicit one (PostgreSQL).
                self._implicit = False
                return StatementResult("BEGIN" if verb == "begin" else "START TRANSACTION")
            if verb in ("commit", "end", "rollback", "abort"):
                self._implicit = False
            elif verb in _NO_TXN_VERBS or " ".join(words) in _NO_TXN_VERBS:
                self._end_implicit(commit=True)
        if verb == "deallocate":
            return self._deallocate(sql)
        result = self.call(self.session.execute, sql, params)
        assert isinstance(result, StatementResult)
        if result.tag.startswith(_REPORT_TAGS):
            self._report_pending = True
            if result.tag.startswith("DISCARD"):
                self.statements.clear()
                self.portals.clear()
        return result

    def _deallocate(self, sql: str) -> StatementResult:
        m = _DEALLOCATE.match(sql, _BLANK.match(sql).end())  # after leading comments
        if not m:
            raise SqlError("42601", 'syntax error at or near "DEALLOCATE"')
        if m.group(1):
            self.statements.clear()
            return StatementResult("DEALLOCATE ALL")
        name = m.group(2).replace('""', '"') if m.group(2) is not None else m.group(3).lower()
        if self.statements.pop(name, None) is None:
            raise SqlError("26000", f'prepared statement "{name}" does not exist')
        return StatementResult("DEALLOCATE")

    # --- simple query -----------------------------------------------------------------------

    def _simple_query(self, body: bytes) -> None:
        self.portals.pop("", None)
        self.statements.pop("", None)
        try:
            text = p.Body(body).cstring()
            statements = self.call(self.session.split, text)
            assert isinstance(statements, list)
            if not statements:
                self.emit(p.EMPTY_QUERY)
            multi = len(statements) > 1
            for sql in statements:
                if multi:
                    self._begin_implicit(sql)
                result = self.execute(sql, ())
                self._send_result(result, extended=False)
                if self._eof:
                    return
            self._end_implicit(commit=True)
        except (p.ProtocolViolation, ClientGone):
            raise
        except Exception as exc:
            err = exc if isinstance(exc, SqlError) else _internal(exc)
            try:
                self._end_implicit(commit=False)
            except SqlError:
                pass
            self.send_error(err)
            if err.severity in ("FATAL", "PANIC"):
                self._fatal = True
                return
        self._ready()

    def _send_result(self, result: StatementResult, extended: bool) -> None:
        if isinstance(result.copy, CopyIn):
            self.emit(p.command_complete(self._copy_in(result.copy)))
            return
        if isinstance(result.copy, CopyOut):
            self.emit(p.command_complete(self._copy_out(result)))
            return
        if result.columns is not None:
            columns = result.columns
            self.emit(self._row_description(columns, (0,) * len(columns)))
            self._send_rows(result.rows, [encoder(c.type_oid, 0) for c in columns])
        self.emit(p.command_complete(result.tag))

    def _send_rows(self, rows: Sequence[tuple], encoders: list[Encoder]) -> None:
        if len(rows) <= _ROWS_PER_EMIT:
            self.emit(p.data_rows(rows, encoders))
            return
        for start in range(0, len(rows), _ROWS_PER_EMIT):
            self.emit(p.data_rows(rows[start : start + _ROWS_PER_EMIT], encoders))

    # --- COPY -------------------------------------------------------------------------------

    def _copy_in(self, copy: CopyIn) -> str:
        parser = CopyParser(copy)
        self.emit(p.copy_response(b"G", len(copy.columns)))
        self.flush()
        finished = False
        broken: list[BaseException] = []

        def rows() -> Iterator[list[str | None]]:
            nonlocal finished
            while not finished:
                try:
                    frame = self._next_frame()
                except (p.ProtocolViolation, ClientGone) as exc:
                    finished = True
                    broken.append(exc)
                    raise
                if frame is None:
                    finished = True
                    raise SqlError("08006", "connection lost during COPY FROM STDIN")
                kind, body = frame
                if kind == b"d":
                    yield from parser.feed(body)
                elif kind == b"c":
                    finished = True
                    yield from parser.finish()
                elif kind == b"f":
                    finished = True
                    try:
                        reason = p.Body(body).cstring()
                    except p.ProtocolViolation as exc:
                        broken.append(exc)
                        raise
                    raise SqlError("57014", f"COPY from stdin failed: {reason}")
                elif kind in (b"H", b"S"):
                    continue  # libpq sends these right after Execute; PostgreSQL ignores them
                else:
                    finished = True
                    raise SqlError(
                        "08P01", f"unexpected message type 0x{kind[0]:02X} during COPY from stdin"
                    )

        try:
            count = self.call(self.session.copy_rows, copy, rows())
        except SqlError:
            # A session may turn any exception out of ``rows`` into a SqlError; a broken
            # stream must still end the connection (the frames after it mean nothing).
            if broken:
                raise broken[0] from None
            raise
        if not finished:  # the session stopped reading early: consume the rest of the data
            for _ in rows():
                pass
        return f"COPY {count}"

    def _copy_out(self, result: StatementResult) -> str:
        copy = result.copy
        assert isinstance(copy, CopyOut)
        lines = format_rows(copy)
        if copy.format not in ("text", "csv"):
            raise SqlError("0A000", f"COPY TO STDOUT in {copy.format} format is not supported")
        self.emit(p.copy_response(b"H", len(copy.columns)))
        for line in lines:
            self.emit(p.copy_data(line))
        self.emit(p.COPY_DONE)
        return result.tag if result.tag.startswith("COPY") else f"COPY {len(copy.rows)}"

    # --- extended query ---------------------------------------------------------------------

    def _parse(self, body: bytes) -> None:
        b = p.Body(body)
        name = b.cstring()
        sql = b.cstring()
        oids = [o & 0xFFFFFFFF for o in b.int32_list()]
        if name and name in self.statements:
            raise SqlError("42P05", f'prepared statement "{name}" already exists')
        words = leading_words(sql, 1)
        if _is_blank(sql):
            statement = Statement(sql, oids, None, empty=True)
        elif words == ("deallocate",):
            statement = Statement(sql, [], None)
        else:
            prepared = self.call(self.session.prepare, sql, oids)
            param_oids = list(prepared.param_oids)  # type: ignore[attr-defined]
            columns = prepared.columns  # type: ignore[attr-defined]
            old = self.statements.get(name)
            if (old is not None and old.sql == sql and old.columns is columns
                    and old.param_oids == param_oids):
                # the unnamed statement parsed again as it was (a driver that parses each
                # query it runs): the same statement, its codecs kept
                statement = old
            else:
                statement = Statement(sql, param_oids, columns)
        self.statements[name] = statement
        self.emit(p.PARSE_COMPLETE)

    def _bind(self, body: bytes) -> None:
        portal_name, statement_name, param_codes, raw, result_codes = p.parse_bind(body)
        count = len(raw)
        _check_format_codes(param_codes, result_codes)
        statement = self.statements.get(statement_name)
        if statement is None:
            raise SqlError("26000", f'prepared statement "{statement_name}" does not exist')
        if count != len(statement.param_oids):
            raise SqlError(
                "08P01",
                f"bind message supplies {count} parameters, but prepared statement "
                f'"{statement_name}" requires {len(statement.param_oids)}',
            )
        if portal_name and portal_name in self.portals:
            raise SqlError("42P03", f'cursor "{portal_name}" already exists')
        decoders = self._decoders(statement, param_codes)
        try:
            params = [None if v is None else dec(v) for v, dec in zip(raw, decoders, strict=True)]
        except UnicodeDecodeError:
            raise SqlError("22021", 'invalid byte sequence for encoding "UTF8"') from None
        columns = statement.columns
        # Without a description the codes are checked against the result's columns later.
        formats = _formats(len(columns), result_codes, "result") if columns else list(result_codes)
        self.portals[portal_name] = Portal(statement, params, formats, columns)
        self.emit(p.BIND_COMPLETE)

    def _describe(self, body: bytes) -> None:
        kind, name = p.parse_target(body)
        if kind == b"S":
            statement = self.statements.get(name)
            if statement is None:
                raise SqlError("26000", f'prepared statement "{name}" does not exist')
            self.emit(p.parameter_description(statement.param_oids))
            if statement.columns is None:
                self.emit(p.NO_DATA)
            else:
                self.emit(self._row_description(statement.columns, (0,) * len(statement.columns)))
        elif kind == b"P":
            if name not in self.portals and name:
                # A cursor made by DECLARE is a portal too: psycopg describes it by name.
                hook = getattr(self.session, "cursor_columns", None)
                columns = self.call(hook, name) if hook is not None else None
                if columns is not None:
                    self.emit(self._row_description(columns, (0,) * len(columns)))
                    return
            portal = self._portal(name)
            if portal.columns is None:
                self.emit(p.NO_DATA)
            else:
                formats = _formats(len(portal.columns), portal.result_formats, "result")
                self.emit(self._row_description(portal.columns, tuple(formats)))
        else:
            raise p.ProtocolViolation(f"invalid DESCRIBE message subtype {kind[0]}")

    def _row_description(self, columns: Sequence[Column], formats: tuple[int, ...]) -> bytes:
        key = (id(columns), formats)
        cached = self._row_descriptions.get(key)
        if cached is not None and cached[0] is columns:
            return cached[1]
        data = p.row_description(columns, formats)
        if len(self._row_descriptions) >= 256:
            self._row_descriptions.clear()
        self._row_descriptions[key] = (columns, data)
        return data

    def _portal(self, name: str) -> Portal:
        portal = self.portals.get(name)
        if portal is None:
            raise SqlError("34000", f'portal "{name}" does not exist')
        return portal

    def _sync_follows(self) -> bool:
        """Whether a Sync is already queued with no other Execute before it.

        Then the implicit transaction up to that Sync holds this statement alone, and the
        session's own autocommit is the same thing, two calls cheaper (pgbench, asyncpg).
        """
        for kind, _ in self._frames:
            if kind == b"S":
                return True
            if kind == b"E":
                return False
        return False

    def _execute(self, body: bytes) -> None:
        name, max_rows = p.parse_execute(body)
        portal = self._portal(name)
        if portal.statement.empty:
            self.emit(p.EMPTY_QUERY)
            return
        result = portal.result
        if result is None:
            if not self._sync_follows():
                self._begin_implicit(portal.statement.sql)
            # A plain query run before goes straight to the session's plan (pgbench -S)
            again = None
            if self._query_again is not None and not self._implicit:
                again = self.call(self._query_again, portal.statement.sql, portal.params)
            if isinstance(again, StatementResult):
                result = again
            else:
                result = self.execute(portal.statement.sql, portal.params)
            if result.copy is not None:
                self._send_result(result, extended=True)
                return
            portal.result = result
            columns = portal.columns
            if result.columns is not None and (
                columns is None or len(columns) != len(result.columns)
            ):
                columns = result.columns
            if columns is not None:
                portal.encoders = self._encoders(portal.statement, columns, portal.result_formats)
        rows = result.rows
        start = portal.position
        end = len(rows) if max_rows <= 0 else min(len(rows), start + max_rows)
        if portal.encoders:
            self._send_rows(rows[start:end] if start or end != len(rows) else rows, portal.encoders)
        portal.position = end
        if end < len(rows):
            portal.suspended = True
            self.emit(p.PORTAL_SUSPENDED)
            return
        tag = result.tag
        if portal.suspended and tag.startswith("SELECT"):
            tag = f"SELECT {end - start}"
        self.emit(p.command_complete(tag))

    def _bind_and_run(self, body: bytes) -> bool:
        """Bind, Describe and Execute of the unnamed portal with a Sync right behind, as one
        step: how libpq (pgbench -M prepared), psycopg and asyncpg run a prepared statement.
        A plain query that ran before goes straight to the session's plan
        (``query_again``), its answers in the order the three frames give them, with no
        portal and no per-frame dispatch; a statement without a result (INSERT, UPDATE,
        DELETE) goes to the per-frame Execute, its Bind and Describe answered here. True
        when done; False when nothing was done and the frames take the per-frame path (any
        other shape, a first run, a Bind the per-frame path refuses, so that it answers
        with its own error)."""
        frames = self._frames
        if self._query_again is None or self._implicit or len(frames) < 2:
            return False
        kind, rest = frames[0]
        describe = kind == b"D"
        if describe:
            if rest != b"P\x00" or len(frames) < 3:
                return False
            kind, rest = frames[1]
            after = frames[2][0]
        else:
            after = frames[1][0]
        if kind != b"E" or rest != _EXECUTE_ALL_ROWS or after != b"S":
            return False
        try:
            portal_name, statement_name, param_codes, raw, result_codes = p.parse_bind(body)
        except (p.ProtocolViolation, SqlError):
            return False
        statement = self.statements.get(statement_name)
        if portal_name or statement is None or statement.empty:
            return False
        if len(raw) != len(statement.param_oids):
            return False
        key = (param_codes, result_codes)
        codecs = statement.fast.get(key) if statement.fast is not None else None
        if codecs is None:
            try:
                codecs = self._fast_codecs(statement, param_codes, result_codes)
            except SqlError:
                return False
            if statement.fast is None or len(statement.fast) >= 16:
                statement.fast = {}
            statement.fast[key] = codecs
        decoders, formats, encoders, description = codecs
        try:
            params = [None if v is None else dec(v) for v, dec in zip(raw, decoders, strict=True)]
        except Exception:
            return False
        self.emit(p.BIND_COMPLETE)
        if describe:
            self.emit(description)
            frames.popleft()
        frames.popleft()  # the Execute; its Sync stays
        if statement.columns is None:  # no rows to answer: the per-frame Execute runs it
            self.portals[""] = Portal(statement, params, formats, None)
            self._guarded(self._execute, _EXECUTE_ALL_ROWS, extended=True)
            return True
        try:
            again = self.call(self._query_again, statement.sql, params)
        except (p.ProtocolViolation, ClientGone):
            raise
        except Exception as exc:
            self._fail(exc if isinstance(exc, SqlError) else _internal(exc), True)
            return True
        if not isinstance(again, StatementResult):
            # it ran nothing and must take the whole way: the Execute of the per-frame path
            self.portals[""] = Portal(statement, params, formats, statement.columns)
            self._guarded(self._execute, _EXECUTE_ALL_ROWS, extended=True)
            return True
        columns = again.columns
        if columns is not None and len(columns) != len(statement.columns):
            encoders = self._encoders(statement, columns, formats)
        if again.rows and columns is not None:
            self._send_rows(again.rows, encoders)
        self.emit(p.command_complete(again.tag))
        return True

    def _fast_codecs(
        self, statement: Statement, param_codes: tuple[int, ...], result_codes: tuple[int, ...]
    ) -> tuple:
        """What ``_bind_and_run`` keeps for a statement and format codes; SqlError where
        ``_bind`` would refuse them."""
        _check_format_codes(param_codes, result_codes)
        decoders = self._decoders(statement, param_codes)
        if statement.columns is None:  # (as _bind and _describe have it: no description)
            return decoders, list(result_codes), [], p.NO_DATA
        result_formats = _formats(len(statement.columns), result_codes, "result")
        encoders = self._encoders(statement, statement.columns, result_formats)
        description = self._row_description(statement.columns, tuple(result_formats))
        return decoders, result_formats, encoders, description

    @staticmethod
    def _decoders(statement: Statement, codes: tuple[int, ...]) -> list[Decoder]:
        """The decoders of a statement's parameters sent in the format ``codes``: kept on the
        statement per codes, so a prepared statement run again looks them up once."""
        cache = statement.decoders
        decoders = cache.get(codes) if cache is not None else None
        if decoders is None:
            formats = _formats(len(statement.param_oids), codes, "parameter")
            decoders = [decoder(oid, f) for oid, f in zip(statement.param_oids, formats, strict=True)]
            if cache is None or len(cache) >= 16:
                cache = statement.decoders = {}
            cache[codes] = decoders
        return decoders

    @staticmethod
    def _encoders(statement: Statement, columns: list[Column], codes: Sequence[int]) -> list[Encoder]:
        """The encoders of a result's columns: kept on the statement while its description
        is the one the result has (a prepared statement's columns are one list for life)."""
        cached = columns is statement.columns
        key = tuple(codes)
        cache = statement.encoders
        if cached and cache is not None:
            encoders = cache.get(key)
            if encoders is not None:
                return encoders
        formats = _formats(len(columns), codes, "result")
        encoders = [encoder(c.type_oid, f) for c, f in zip(columns, formats, strict=True)]
        if cached:
            if cache is None or len(cache) >= 16:
                cache = statement.encoders = {}
            cache[key] = encoders
        return encoders

    def _close(self, body: bytes) -> None:
        kind, name = p.parse_target(body)
        if kind == b"S":
            self.statements.pop(name, None)
        elif kind == b"P":
            self.portals.pop(name, None)
        else:
            raise p.ProtocolViolation(f"invalid CLOSE message subtype {kind[0]}")
        self.emit(p.CLOSE_COMPLETE)

    def _flush_message(self, body: bytes) -> None:
        if not self._frames:
            self.flush()

    def _sync(self, body: bytes) -> None:
        skipped, self._skipping = self._skipping, False
        try:
            self._end_implicit(commit=not skipped)
            self.portals.pop("", None)
            if self.session.transaction_status == "I":
                self.portals.clear()
        except (p.ProtocolViolation, ClientGone):
            raise
        except Exception as exc:
            self.send_error(exc if isinstance(exc, SqlError) else _internal(exc))
        self._ready()

    _EXTENDED: dict[bytes, Callable[[Backend, bytes], None]] = {
        b"P": _parse,
        b"B": _bind,
        b"D": _describe,
        b"E": _execute,
        b"C": _close,
        b"H": _flush_message,
        b"S": _sync,
    }


def _internal(exc: BaseException) -> SqlError:
    """XX000 for a bug or an unexpected exception: the traceback goes to the log only."""
    log.error("internal error while handling a client message", exc_info=exc)
    return SqlError("XX000", one_line(exc))


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"internal error: {type(exc).__name__}" + (f": {detail}" if detail else "")
