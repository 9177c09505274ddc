"""One connection's command loop after authentication, run in that connection's worker thread.

A :class:`Backend` reads one command packet at a time, calls the :class:`MySqlSession`
synchronously and buffers its answer, flushing when it is about to wait for the client (or
past 256 KiB): a result set costs one write. It owns the prepared statements (their ids,
last bound parameter types and long data), the negotiated capabilities and the sequence ids
of the packets it sends; the server behind it answers ``KILL`` and COM_STATISTICS.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import re
import struct
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from aurora.engine.sqlapi import Column, MySqlSession, SqlError, StatementResult

from . import protocol as p
from . import types as t
from .errors import (
    ER_EMPTY_QUERY,
    ER_INVALID_CHARACTER_STRING,
    ER_MALFORMED_PACKET,
    ER_QUERY_INTERRUPTED,
    ER_UNKNOWN_COM_ERROR,
    ER_UNKNOWN_ERROR,
    ER_UNKNOWN_STMT_HANDLER,
    ER_WRONG_ARGUMENTS,
    mysql_error,
    one_line,
)

log = logging.getLogger("aurora.mywire")

Admit = Callable[[bool], AbstractContextManager[None]]
"""Wraps each statement: ``admit(in_transaction)`` may hold it back (a serverless instance's
capacity) and measures what it used; see engine/instance/capacity.py."""
Packet = tuple[bytes, int]  # payload and the sequence id of its last chunk
Kill = Callable[[int, bool], None]
"""``kill(connection_id, query_only)``: raises SqlError 1094 for an unknown id."""

FLUSH_THRESHOLD = 256 * 1024
_HEADER = struct.Struct("<I")  # a packet's 3-byte length and its sequence id
# A binary row of one short string: 0x00, the NULL bitmap (nothing NULL), the length
_STRING_ROW_HEAD = [b"\x00\x00" + bytes((k,)) for k in range(251)]
# ... and with the packet's header before it, by length | sequence id << 8 (made as met;
# at most 251 x 256, cleared past a bound that a few lengths and all ids stay under)
_STRING_ROW_PREFIX: dict[int, bytes] = {}
_STRING_ROW_PREFIXES_KEPT = 8192
# ... and all 256 of them (by sequence id) for a length, for results whose strings are alike
_EQUAL_HEADS: dict[int, list[bytes]] = {}
_EQUAL_ROWS = 2048  # rows framed at a time (the output is flushed past FLUSH_THRESHOLD)
_EXECUTE_HEAD = struct.Struct("<IBI")  # COM_STMT_EXECUTE: statement id, flags, iterations
ER_STMT_HAS_NO_OPEN_CURSOR = 1421
_KILL = re.compile(r"\s*kill\s+(?:(query|connection)\s+)?(\d+)\s*;?\s*$", re.IGNORECASE)


class ClientGone(Exception):
    """The client closed the connection; the backend stops without answering."""


@dataclass
class Statement:
    """A prepared statement as the protocol sees it (COM_STMT_PREPARE's id)."""

    sql: str
    param_oids: list[int]
    columns: list[Column] | None
    types: list[tuple[int, bool]] | None = None  # the last execute's (type code, unsigned)
    long_data: dict[int, bytearray] = field(default_factory=dict)
    fixed: struct.Struct | None = None  # the values' layout when every type has a fixed size
    kill: bool = False  # a KILL statement: answered by the server (see Backend.execute)


@functools.lru_cache(maxsize=1024)
def _text_encoder(oid: int, typmod: int, declared: str | None) -> t.Encoder:
    return t.text_encoder(t.mysql_type(oid, typmod, declared))


@functools.lru_cache(maxsize=1024)
def _binary_encoder(oid: int, typmod: int, declared: str | None) -> t.Encoder:
    return t.binary_encoder(t.mysql_type(oid, typmod, declared))


# The framed packets that end a column list or a result set (EOF, or under DEPRECATE_EOF the
# OK with header 0xFE), by (status, warnings, sequence id, DEPRECATE_EOF): a few statuses and
# warning counts, made as met, cleared past a bound.
_ENDS: dict[tuple[int, int, int, bool], bytes] = {}
_ENDS_KEPT = 4096


def _framed_end(status: int, warnings: int, seq: int, deprecate_eof: bool) -> bytes:
    key = (status, warnings, seq, deprecate_eof)
    data = _ENDS.get(key)
    if data is None:
        payload = (p.ok_packet(status=status, warnings=warnings, header=0xFE) if deprecate_eof
                   else p.eof_packet(status, warnings))
        if len(_ENDS) >= _ENDS_KEPT:
            _ENDS.clear()
        data = _ENDS[key] = _HEADER.pack(len(payload) | seq << 24) + payload
    return data


def _may_kill(sql: str) -> bool:
    return sql.lstrip()[:4].lower() == "kill"


def kill_target(sql: str) -> tuple[int, bool] | None:
    """``KILL [QUERY|CONNECTION] id``: the id and whether only the query is meant."""
    m = _KILL.match(sql)
    if m is None:
        return None
    return int(m.group(2)), (m.group(1) or "").lower() == "query"


class Backend:
    """The per-connection command loop; ``run()`` returns when the connection should close."""

    def __init__(
        self,
        session: MySqlSession,
        receive: Callable[[], Packet | None],
        send: Callable[[bytes], None],
        capabilities: int,
        *,
        connection_id: int,
        admit: Admit | None = None,
        kill: Kill | None = None,
        statistics: Callable[[], str] | None = None,
    ) -> None:
        self.session = session
        self.capabilities = capabilities
        self.connection_id = connection_id
        self._receive = receive
        self._send = send
        self._admit = admit
        self._kill = kill
        self._statistics = statistics
        self._out: list[bytes] = []
        self._out_size = 0
        self._seq = 0
        self.statements: dict[int, Statement] = {}
        # (id of a column list, binary, first sequence id, status or -1) -> (that list, its
        # framed definitions and EOF, its encoders, their packets): see _result_head
        self._heads: dict[tuple[int, bool, int, int], tuple[list[Column], bytes, list[t.Encoder], int]] = {}
        self._statement_ids = itertools.count(1)
        self.busy = False
        self.questions = 0  # statements run, for COM_STATISTICS

    # --- I/O --------------------------------------------------------------------------------

    @property
    def deprecate_eof(self) -> bool:
        return bool(self.capabilities & p.DEPRECATE_EOF)

    def emit(self, payload: bytes) -> None:
        data, self._seq = p.frame(payload, self._seq)
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

    def status(self, more: bool = False) -> int:
        """The server status flags of an OK or EOF packet, from the session's state."""
        flags = p.STATUS_MORE_RESULTS if more else 0
        session = self.session
        try:
            if session.autocommit:
                flags |= p.STATUS_AUTOCOMMIT
            if session.transaction_status != "I":
                flags |= p.STATUS_IN_TRANS
        except Exception as exc:
            log.warning("session state unavailable for a status flag: %s", one_line(exc))
            flags |= p.STATUS_AUTOCOMMIT
        return flags

    def ok(self, result: StatementResult | None = None, more: bool = False) -> None:
        if result is None:
            self.emit(p.ok_packet(status=self.status(more)))
        else:
            self.emit(
                p.ok_packet(
                    result.affected_rows, result.insert_id, self.status(more), result.warnings,
                    info=result.info.encode(),
                )
            )

    def end_of_rows(self, warnings: int = 0, more: bool = False, status: int | None = None) -> None:
        """The packet after column definitions or rows: EOF, or OK (0xFE) with DEPRECATE_EOF."""
        if status is None:
            status = self.status(more)
        seq = self._seq
        data = _framed_end(status, warnings, seq, bool(self.capabilities & p.DEPRECATE_EOF))
        self._out.append(data)
        self._seq = (seq + 1) & 0xFF
        self._out_size += len(data)
        if self._out_size >= FLUSH_THRESHOLD:
            self.flush()

    def send_error(self, err: SqlError) -> None:
        errno, sqlstate = mysql_error(err)
        self.emit(p.err_packet(errno, sqlstate, err.message))

    def welcome(self, seq: int) -> None:
        """The OK that ends authentication, in the handshake's sequence."""
        self._seq = seq
        self.ok()

    # --- main loop --------------------------------------------------------------------------

    def run(self) -> None:
        try:
            while True:
                self.flush()
                packet = self._receive()
                if packet is None:
                    break
                payload, seq = packet
                self._seq = (seq + 1) & 0xFF
                if not self._dispatch(payload):
                    break
            self.flush()
        except p.ProtocolViolation as exc:
            log.info("MySQL connection %d closed: %s", self.connection_id, exc.message)
            self.emit(p.err_packet(exc.errno, exc.sqlstate, exc.message))
            with contextlib.suppress(ClientGone):
                self.flush()
        except ClientGone:
            pass

    def _dispatch(self, payload: bytes) -> bool:
        """Handle one command; False ends the connection."""
        if not payload:
            raise p.ProtocolViolation("Malformed communication packet.", ER_MALFORMED_PACKET)
        command = payload[0]
        if command == p.COM_QUIT:
            return False
        handler = self._COMMANDS.get(command)
        if handler is None:
            self.send_error(SqlError("08S01", "Unknown command", errno=ER_UNKNOWN_COM_ERROR))
            return False
        try:
            handler(self, payload)
        except SqlError as err:
            self.send_error(err)
            if err.severity in ("FATAL", "PANIC"):
                return False
        except (p.ProtocolViolation, ClientGone):
            raise
        except Exception as exc:
            log.error("internal error while handling a client command", exc_info=exc)
            self.send_error(SqlError("HY000", one_line(exc), errno=ER_UNKNOWN_ERROR))
        return True

    def call(self, fn: Callable, *args: object, gate: bool = True) -> object:
        """Call the session; anything but SqlError becomes a one-line 1105 (logged).

        Statements pass the ``admit`` gate; ``gate=False`` is for calls that run none
        (splitting a query string)."""
        self.busy = True
        try:
            if self._admit is None or not gate:
                return fn(*args)
            with self._admit(self.session.transaction_status != "I"):
                return fn(*args)
        except (p.ProtocolViolation, ClientGone):
            raise
        except SqlError:
            raise
        except Exception as exc:
            log.error("session call %s failed", getattr(fn, "__name__", fn), exc_info=exc)
            raise SqlError("HY000", one_line(exc), errno=ER_UNKNOWN_ERROR) from None
        finally:
            self.busy = False

    def cancel(self) -> None:
        """From another thread (KILL QUERY): interrupt the running statement, if there is one."""
        if self.busy:
            self.session.cancel()

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        """Run one statement; ``KILL`` is answered here, by the server, not by the session."""
        self.questions += 1
        if self._kill is not None and _may_kill(sql):
            target = kill_target(sql)
            if target is not None:
                return self._kill_statement(*target)
        return self.call(self.session.execute, sql, params)  # type: ignore[return-value]

    def _kill_statement(self, target: int, query_only: bool) -> StatementResult:
        assert self._kill is not None
        if target == self.connection_id and not query_only:
            raise SqlError(
                "70100",
                "Query execution was interrupted",
                severity="FATAL",
                errno=ER_QUERY_INTERRUPTED,
            )
        self._kill(target, query_only)
        return StatementResult("KILL")

    def send_result(self, result: StatementResult, *, binary: bool, more: bool = False) -> None:
        columns = result.columns
        if not columns:
            self.ok(result, more)
            return
        status = self.status(more)  # (the rows are all there: it is the same at their end)
        head, encoders, packets = self._result_head(columns, binary, status)
        self._out.append(head)
        self._out_size += len(head)
        self._seq = (self._seq + packets) & 0xFF
        self._emit_rows(result.rows, t.binary_row if binary else t.text_row, encoders)
        self.end_of_rows(result.warnings, more, status)

    def _result_head(
        self, columns: list[Column], binary: bool, status: int
    ) -> tuple[bytes, list[t.Encoder], int]:
        """The framed column count and definitions of a result (and the EOF after them, for
        a client without DEPRECATE_EOF), its cell encoders and its number of packets: made
        once per column list and status (a prepared statement's result keeps its list),
        then reused."""
        deprecate_eof = bool(self.capabilities & p.DEPRECATE_EOF)
        key = (id(columns), binary, self._seq, -1 if deprecate_eof else status)
        cached = self._heads.get(key)
        if cached is not None and cached[0] is columns:
            return cached[1], cached[2], cached[3]
        seq = self._seq
        parts = []
        for payload in [p.lenenc_int(len(columns))] + [t.column_definition(c) for c in columns]:
            data, seq = p.frame(payload, seq)
            parts.append(data)
        if not deprecate_eof:
            parts.append(_framed_end(status, 0, seq, False))
        encoder = _binary_encoder if binary else _text_encoder
        encoders = [encoder(c.type_oid, c.type_modifier, c.mysql_type) for c in columns]
        if len(self._heads) >= 256:
            self._heads.clear()
        head = b"".join(parts)
        self._heads[key] = (columns, head, encoders, len(parts))
        return head, encoders, len(parts)

    def _emit_rows(
        self,
        rows: Sequence[Sequence[object]],
        encode: Callable[[Sequence[object], list[t.Encoder]], bytes],
        encoders: list[t.Encoder],
    ) -> None:
        """Encode and frame each row in one pass (``emit`` would frame each again); a binary
        row of one column (sysbench's results, most lookups) is written here directly."""
        out = self._out
        append = out.append
        seq = self._seq
        size = self._out_size
        header = _HEADER.pack
        one = encode is t.binary_row and len(encoders) == 1
        cell = encoders[0]
        strings = one and cell is t.text_cell  # a string column's cell is its text
        prefixes = _STRING_ROW_PREFIX
        if strings and len(rows) >= 8:
            rows = self._emit_equal_strings(rows)
            seq, size = self._seq, self._out_size
        try:
            for row in rows:
                payload = None  # (None: the row is out already, ``n`` bytes after its header)
                if one and len(row) == 1:
                    v = row[0]
                    if strings and type(v) is str:
                        # the common row (sysbench's ranges, most lookups): the packet's
                        # header and the row's head in one prefix, then the text as it is
                        try:
                            data = v.encode()
                        except UnicodeEncodeError:  # a raw byte kept as a lone surrogate
                            data = v.encode("utf-8", "surrogateescape")
                        k = len(data)
                        if k < 251:
                            prefix = prefixes.get(k | seq << 8)
                            if prefix is None:
                                if len(prefixes) >= _STRING_ROW_PREFIXES_KEPT:
                                    prefixes.clear()
                                prefix = prefixes[k | seq << 8] = header(k + 3 | seq << 24) + _STRING_ROW_HEAD[k]
                            append(prefix)
                            append(data)
                            n = k + 3
                        else:
                            payload = b"\x00\x00" + p.lenenc_int(k) + data
                    elif v is None:
                        payload = b"\x00\x04"  # the NULL bitmap's first bit is at offset 2
                    else:
                        try:
                            payload = b"\x00\x00" + cell(v)
                        except (ValueError, TypeError, OverflowError, struct.error):
                            payload = encode(row, encoders)  # raises the error that names v
                else:
                    payload = encode(row, encoders)
                if payload is not None:
                    n = len(payload)
                    if n >= p.MAX_CHUNK:
                        self._seq, self._out_size = seq, size
                        self.emit(payload)
                        seq, size = self._seq, self._out_size
                        continue
                    append(header(n | seq << 24) + payload)
                seq = (seq + 1) & 0xFF
                size += n + 4
                if size >= FLUSH_THRESHOLD:
                    self._seq = seq
                    self.flush()
                    size = 0
        finally:  # also when a value cannot be sent: the ERR that follows takes the next id
            self._seq, self._out_size = seq, size

    def _emit_equal_strings(self, rows: Sequence[Sequence[object]]) -> Sequence[Sequence[object]]:
        """Binary rows of one string column whose values all encode to the same length under
        251 bytes (sysbench's CHAR(120) ranges), a slice at a time: the packets differ only
        in their sequence id, so their heads come from one list of 256, rotated to the next
        id, and rows and heads are interleaved without a per-row step in Python. Returns the
        rows left for the general loop (all of them when a value is not such a string)."""
        done = 0
        out = self._out
        while done < len(rows):
            batch = rows[done : done + _EQUAL_ROWS]
            try:
                data = [v.encode() for (v,) in batch]
            except (AttributeError, ValueError):
                break  # NULL or no string after all, a lone surrogate, not one column
            lengths = set(map(len, data))
            k = lengths.pop()
            if lengths or k >= 251:
                break
            heads = _EQUAL_HEADS.get(k)
            if heads is None:
                if len(_EQUAL_HEADS) >= 256:
                    _EQUAL_HEADS.clear()
                head = _STRING_ROW_HEAD[k]
                heads = _EQUAL_HEADS[k] = [_HEADER.pack(k + 3 | i << 24) + head for i in range(256)]
            seq = self._seq
            n = len(data)
            rotated = heads[seq:] + heads[:seq]
            if n > 256:
                rotated *= n // 256 + 1
            framed = [b""] * (2 * n)
            framed[::2] = rotated[:n]
            framed[1::2] = data
            out += framed
            self._seq = (seq + n) & 0xFF
            self._out_size += n * (k + 7)
            done += n
            if self._out_size >= FLUSH_THRESHOLD:
                self.flush()
        return rows[done:] if done else rows

    # --- text commands ----------------------------------------------------------------------

    def _statement_text(self, data: bytes) -> str:
        """A statement's text. Bytes that are no UTF-8 are 1300, unless the session takes
        them (``takes_undecoded_bytes``: as a string literal's bytes, a dump's raw BLOB
        value); they then come as lone surrogates (surrogateescape)."""
        if getattr(self.session, "takes_undecoded_bytes", False):
            return data.decode("utf-8", "surrogateescape")
        return _decode(data)

    def _query(self, payload: bytes) -> None:
        text = self._statement_text(payload[1:])
        if self.capabilities & p.MULTI_STATEMENTS:
            statements = self.call(self.session.split, text, gate=False)
            assert isinstance(statements, list)
        else:
            statements = [text] if text.strip() else []
        if not statements:
            raise SqlError("42000", "Query was empty", errno=ER_EMPTY_QUERY)
        last = len(statements) - 1
        for i, sql in enumerate(statements):
            self.send_result(self.execute(sql), binary=False, more=i < last)

    def _init_db(self, payload: bytes) -> None:
        self.call(self.session.use, _decode(payload[1:]))
        self.ok()

    def _field_list(self, payload: bytes) -> None:
        r = p.Reader(payload, 1)
        table = _decode(r.cstring_or_rest())
        wildcard = _decode(r.rest()).rstrip("\x00") or None
        columns = self.call(self.session.field_list, table, wildcard)
        assert isinstance(columns, list)
        for column in columns:
            mt = t.mysql_type(column.type_oid, column.type_modifier, column.mysql_type)
            self.emit(
                p.column_definition(
                    column.name,
                    mt.code,
                    mt.charset,
                    mt.length,
                    mt.flags,
                    mt.decimals,
                    table=table,
                    default=b"",
                )
            )
        self.end_of_rows()

    def _statistics_command(self, payload: bytes) -> None:
        text = self._statistics() if self._statistics is not None else ""
        self.emit(text.encode())

    def _process_kill(self, payload: bytes) -> None:
        target = p.Reader(payload, 1).u32()
        self.ok(self._kill_statement(target, False))

    def _ping(self, payload: bytes) -> None:
        self.ok()

    def _set_option(self, payload: bytes) -> None:
        option = p.Reader(payload, 1).u16()
        if option == 0:
            self.capabilities |= p.MULTI_STATEMENTS
        elif option == 1:
            self.capabilities &= ~p.MULTI_STATEMENTS
        else:
            raise SqlError("08S01", "Unknown command", errno=ER_UNKNOWN_COM_ERROR)
        self.end_of_rows()

    def _reset_connection(self, payload: bytes) -> None:
        self.statements.clear()
        self.call(self.session.reset)
        self.ok()

    # --- prepared statements ----------------------------------------------------------------

    def _statement(self, statement_id: int, command: str) -> Statement:
        statement = self.statements.get(statement_id)
        if statement is None:
            raise SqlError(
                "HY000",
                f"Unknown prepared statement handler ({statement_id}) given to {command}",
                errno=ER_UNKNOWN_STMT_HANDLER,
            )
        return statement

    def _prepare(self, payload: bytes) -> None:
        sql = self._statement_text(payload[1:])
        prepared = self.call(self.session.prepare, sql)
        oids = list(prepared.param_oids)  # type: ignore[attr-defined]
        columns = prepared.columns  # type: ignore[attr-defined]
        statement_id = next(self._statement_ids)
        self.statements[statement_id] = Statement(sql, oids, columns, kill=_may_kill(sql))
        self.emit(p.stmt_prepare_ok(statement_id, len(columns or ()), len(oids)))
        if oids:
            for oid in oids:
                self.emit(t.param_definition(oid))
            if not self.deprecate_eof:
                self.emit(p.eof_packet(self.status()))
        if columns:
            for column in columns:
                self.emit(t.column_definition(column))
            if not self.deprecate_eof:
                self.emit(p.eof_packet(self.status()))

    def _execute(self, payload: bytes) -> None:
        if len(payload) < 10:
            raise p.ProtocolViolation("Malformed communication packet.", ER_MALFORMED_PACKET)
        # the cursor flags (a read-only cursor's rows are sent at once), the iteration count (1)
        statement_id, _flags, _iterations = _EXECUTE_HEAD.unpack_from(payload, 1)
        statement = self.statements.get(statement_id)
        if statement is None:
            statement = self._statement(statement_id, "mysqld_stmt_execute")
        count = len(statement.param_oids)
        params: list[object] = []
        if count and (
            (fixed := statement.fixed) is not None
            and len(payload) >= (head := 11 + (count + 7) // 8) + fixed.size
            and payload[head - 1] == 0  # no types sent again: the last execute's
            and (payload[10] == 0 if head == 12 else not any(payload[10 : head - 1]))  # no NULL
            and not statement.long_data
        ):
            # the usual execute (sysbench's, most drivers' after the first): fixed-size
            # values of the types bound before, read in one unpack
            params = list(fixed.unpack_from(payload, head))
        elif count:
            r = p.Reader(payload, 10)
            nulls = r.take((count + 7) // 8)
            if r.u8():
                statement.types = [
                    (code, bool(flag & 0x80)) for code, flag in (r.take(2) for _ in range(count))
                ]
                statement.fixed = t.fixed_layout(statement.types)
            types = statement.types
            if types is None:
                raise SqlError(
                    "HY000", "Incorrect arguments to mysqld_stmt_execute", errno=ER_WRONG_ARGUMENTS
                )
            long_data = statement.long_data
            for i, (code, unsigned) in enumerate(types):
                if i in long_data:
                    params.append(t.long_data_param(bytes(long_data[i]), code))
                elif nulls[i >> 3] & (1 << (i & 7)):
                    params.append(None)
                else:
                    params.append(t.read_param(r, code, unsigned))
            long_data.clear()
        if statement.kill:
            result = self.execute(statement.sql, params)
        else:
            self.questions += 1
            result = self.call(self.session.execute, statement.sql, params)
        self.send_result(result, binary=True)

    def _send_long_data(self, payload: bytes) -> None:
        r = p.Reader(payload, 1)
        statement = self.statements.get(r.u32())
        param = r.u16()
        if statement is not None and param < len(statement.param_oids):
            statement.long_data.setdefault(param, bytearray()).extend(r.rest())
        # no answer: an error would be reported by the next execute in MySQL

    def _close_statement(self, payload: bytes) -> None:
        self.statements.pop(p.Reader(payload, 1).u32(), None)  # no answer

    def _reset_statement(self, payload: bytes) -> None:
        statement = self._statement(p.Reader(payload, 1).u32(), "mysqld_stmt_reset")
        statement.long_data.clear()
        self.ok()

    def _fetch(self, payload: bytes) -> None:
        statement_id = p.Reader(payload, 1).u32()
        self._statement(statement_id, "mysqld_stmt_fetch")
        raise SqlError(
            "HY000",
            f"The statement ({statement_id}) has no open cursor.",
            errno=ER_STMT_HAS_NO_OPEN_CURSOR,
        )

    _COMMANDS: dict[int, Callable[[Backend, bytes], None]] = {
        p.COM_INIT_DB: _init_db,
        p.COM_QUERY: _query,
        p.COM_FIELD_LIST: _field_list,
        p.COM_STATISTICS: _statistics_command,
        p.COM_PROCESS_KILL: _process_kill,
        p.COM_PING: _ping,
        p.COM_STMT_PREPARE: _prepare,
        p.COM_STMT_EXECUTE: _execute,
        p.COM_STMT_SEND_LONG_DATA: _send_long_data,
        p.COM_STMT_CLOSE: _close_statement,
        p.COM_STMT_RESET: _reset_statement,
        p.COM_SET_OPTION: _set_option,
        p.COM_STMT_FETCH: _fetch,
        p.COM_RESET_CONNECTION: _reset_connection,
    }


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SqlError(
            "HY000",
            "Invalid utf8mb4 character string in the statement",
            errno=ER_INVALID_CHARACTER_STRING,
        ) from None
