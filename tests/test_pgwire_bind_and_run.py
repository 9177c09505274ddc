"""Bind, Describe and Execute of the unnamed portal with a Sync behind them, answered in one
step (``Backend._bind_and_run``): the answers must be the per-frame path's, byte for byte.

A real SQL session on the instance's VFS (whose kept read transaction lets a query run again
go straight to its plan) is driven with protocol frames, once delivered as one batch (as
libpq, psycopg and asyncpg send them: the one-step path) and once a frame at a time (the
per-frame path), and the two byte streams compared.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from test_vfs_support import RecordingStore

from aurora.engine.instance.vfs import VolumeVFS
from aurora.engine.pgwire import protocol as p
from aurora.engine.pgwire.backend import Backend
from aurora.engine.sql.session import Session


def msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def frames_of(data: bytes) -> list[tuple[bytes, bytes]]:
    buf = p.FrameBuffer()
    buf.feed(data)
    return buf.frames()


def parse(name: str, sql: str, oids: tuple[int, ...] = ()) -> bytes:
    body = name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!H", len(oids))
    return msg(b"P", body + b"".join(struct.pack("!I", o) for o in oids))


def bind(statement: str, *values: bytes | None, result_codes: tuple[int, ...] = ()) -> bytes:
    body = b"\0" + statement.encode() + b"\0" + struct.pack("!HH", 0, len(values))
    for v in values:
        body += struct.pack("!i", -1) if v is None else struct.pack("!I", len(v)) + v
    body += struct.pack("!H", len(result_codes)) + b"".join(struct.pack("!h", c) for c in result_codes)
    return msg(b"B", body)


DESCRIBE = msg(b"D", b"P\0")
EXECUTE = msg(b"E", b"\0" + struct.pack("!i", 0))
SYNC = msg(b"S", b"")


def query(sql: str) -> bytes:
    return msg(b"Q", sql.encode() + b"\0")


class Client:
    """A Backend over a session, fed frames in the batches a test gives."""

    def __init__(self, session: Session) -> None:
        self.batches: list[list[tuple[bytes, bytes]]] = []
        self.out = bytearray()
        self.backend = Backend(session, self._receive, self.out.extend, {})

    def _receive(self) -> list[tuple[bytes, bytes]] | None:
        return self.batches.pop(0) if self.batches else None

    def send(self, data: bytes, *, one_by_one: bool) -> bytes:
        frames = frames_of(data)
        self.batches = [[f] for f in frames] if one_by_one else [frames]
        self.backend._eof = False
        self.backend.run()
        answer = bytes(self.out)
        self.out.clear()
        return answer


@pytest.fixture
def vfs() -> Iterator[VolumeVFS]:
    vfs = VolumeVFS(RecordingStore(), {"app": 1})
    try:
        yield vfs
    finally:
        vfs.close()


def session(vfs: VolumeVFS) -> Session:
    conn = vfs.connect("app")
    return Session(conn, data_version=vfs.read_lsn, read_snapshot=vfs.read_snapshot(conn))


def answers(data: bytes) -> list[tuple[bytes, bytes]]:
    """The backend's messages: (type, body)."""
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("!I", data, pos + 1)
        out.append((data[pos : pos + 1], data[pos + 5 : pos + 1 + length]))
        pos += 1 + length
    return out


def test_one_step_answers_as_the_frames_one_by_one(vfs: VolumeVFS, monkeypatch) -> None:
    setup = session(vfs)
    setup.execute("CREATE TABLE t (id int PRIMARY KEY, v int, name text)")
    setup.execute("INSERT INTO t VALUES (1, 10, 'one'), (2, 0, 'two'), (3, NULL, NULL)")
    writer = session(vfs)  # a commit from elsewhere between two runs

    # the per-frame Bind handler, counted: the one-step path must leave it out
    binds = []
    original = Backend._EXTENDED[b"B"]
    monkeypatch.setitem(Backend._EXTENDED, b"B", lambda self, body: (binds.append(1), original(self, body)))

    steps = [
        ("prepared", parse("s1", "SELECT v, name FROM t WHERE id = $1", (23,)) + SYNC),
        ("prepared", parse("s2", "SELECT 100 / v FROM t WHERE id = $1", (23,)) + SYNC),
    ]
    for _ in range(3):  # run, then run again from the plan (the one-step path)
        steps.append(("run", bind("s1", b"1") + DESCRIBE + EXECUTE + SYNC))
    steps += [
        ("run", bind("s1", b"3") + DESCRIBE + EXECUTE + SYNC),  # NULLs
        ("no describe", bind("s1", b"2") + EXECUTE + SYNC),
        ("binary", bind("s1", b"1", result_codes=(1,)) + DESCRIBE + EXECUTE + SYNC),
        ("binary", bind("s1", b"1", result_codes=(1,)) + DESCRIBE + EXECUTE + SYNC),
        ("bad parameter", bind("s1", b"abc") + DESCRIBE + EXECUTE + SYNC),
        ("after an error", bind("s1", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("division", bind("s2", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("division", bind("s2", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("division by zero", bind("s2", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("commit elsewhere", None),
        ("after a commit", bind("s1", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("block", query("BEGIN")),
        ("in a block", bind("s1", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("in a block", bind("s1", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("end", query("COMMIT")),
        # the unnamed statement parsed with each run (psycopg, node-postgres, pgbench -M extended)
        ("unnamed", parse("", "SELECT name FROM t WHERE id = $1", (23,)) + bind("", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("unnamed", parse("", "SELECT name FROM t WHERE id = $1", (23,)) + bind("", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("unnamed", parse("", "SELECT name FROM t WHERE id = $1", (23,)) + bind("", b"3") + DESCRIBE + EXECUTE + SYNC),
        ("wrong count", bind("s1", b"1", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("unknown statement", bind("nope", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("bad result format", bind("s1", b"1", result_codes=(7,)) + DESCRIBE + EXECUTE + SYNC),
        # statements without a result (pgbench's UPDATEs and INSERT): Bind and Describe
        # answered in the one step, the Execute the per-frame path's
        ("prepared", parse("u1", "UPDATE t SET v = v + $1 WHERE id = $2", (23, 23)) + SYNC),
        ("prepared", parse("i1", "INSERT INTO t VALUES ($1, $2, $3)", (23, 23, 25)) + SYNC),
        ("update", bind("u1", b"5", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("update", bind("u1", b"5", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("update nothing", bind("u1", b"5", b"99") + EXECUTE + SYNC),
        ("insert", bind("i1", b"10", b"1", b"ten") + DESCRIBE + EXECUTE + SYNC),
        ("insert", bind("i1", b"11", None, None) + DESCRIBE + EXECUTE + SYNC),
        ("duplicate", bind("i1", b"10", b"1", b"ten") + DESCRIBE + EXECUTE + SYNC),
        ("bad write parameter", bind("u1", b"abc", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("write binary format", bind("u1", b"5", b"1", result_codes=(1,)) + DESCRIBE + EXECUTE + SYNC),
        ("block", query("BEGIN")),
        ("write in a block", bind("u1", b"1", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("duplicate in a block", bind("i1", b"11", b"1", b"x") + DESCRIBE + EXECUTE + SYNC),
        ("failed block", bind("u1", b"1", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("end", query("ROLLBACK")),
        ("read the writes", bind("s1", b"1") + DESCRIBE + EXECUTE + SYNC),
        ("read the writes", bind("s1", b"2") + DESCRIBE + EXECUTE + SYNC),
        ("read the writes", bind("s1", b"10") + DESCRIBE + EXECUTE + SYNC),
    ]

    def run_all(one_by_one: bool) -> list[tuple[str, list[tuple[bytes, bytes]]]]:
        writer.execute("UPDATE t SET v = 10 WHERE id = 1")
        writer.execute("DELETE FROM t WHERE id >= 10")
        client = Client(session(vfs))
        out = []
        for what, data in steps:
            if data is None:
                writer.execute("UPDATE t SET v = 20 WHERE id = 1")
                continue
            out.append((what, answers(client.send(data, one_by_one=one_by_one))))
        client.backend.session.close()
        return out

    binds.clear()
    per_frame = run_all(one_by_one=True)
    per_frame_binds = len(binds)
    binds.clear()
    one_step = run_all(one_by_one=False)
    assert one_step == per_frame
    # every Bind went the one-step way but the five the per-frame path refuses (a first run
    # of a query, or one after a commit, goes one step to the per-frame Execute)
    assert per_frame_binds == 35 and len(binds) == 5

    answered: dict[str, list[tuple[bytes, bytes]]] = {}
    for what, got in per_frame:
        answered.setdefault(what, got)  # the first of each kind
    assert (b"D", b"\x00\x02\x00\x00\x00\x0210\x00\x00\x00\x03one") in answered["run"]
    assert any(k == b"E" and b"22P02" in body for k, body in answered["bad parameter"])
    assert any(k == b"E" and b"22012" in body for k, body in answered["division by zero"])
    assert answered["after a commit"][-2:] == [(b"C", b"SELECT 1\x00"), (b"Z", b"I")]
    assert (b"D", b"\x00\x02\x00\x00\x00\x0220\x00\x00\x00\x03one") in answered["after a commit"]
    assert answered["in a block"][-1] == (b"Z", b"T")
    assert [m for what, got in per_frame if what == "unnamed" for m in got if m[0] == b"D"] == [
        (b"D", b"\x00\x01\x00\x00\x00\x03one"), (b"D", b"\x00\x01\x00\x00\x00\x03two"),
        (b"D", b"\x00\x01\xff\xff\xff\xff")]
    assert any(k == b"E" and b"08P01" in body for k, body in answered["wrong count"])
    assert any(k == b"E" and b"26000" in body for k, body in answered["unknown statement"])
    assert any(k == b"E" and b"22023" in body for k, body in answered["bad result format"])
    assert answered["update"] == [(b"2", b""), (b"n", b""), (b"C", b"UPDATE 1\x00"), (b"Z", b"I")]
    assert answered["update nothing"] == [(b"2", b""), (b"C", b"UPDATE 0\x00"), (b"Z", b"I")]
    assert answered["insert"][-2:] == [(b"C", b"INSERT 0 1\x00"), (b"Z", b"I")]
    assert any(k == b"E" and b"23505" in body for k, body in answered["duplicate"])
    assert any(k == b"E" and b"22P02" in body for k, body in answered["bad write parameter"])
    assert any(k == b"E" and b"23505" in body for k, body in answered["duplicate in a block"])
    assert any(k == b"E" and b"25P02" in body for k, body in answered["failed block"])
    assert answered["failed block"][-1] == (b"Z", b"E")
    rows = [m for what, got in per_frame if what == "read the writes" for m in got if m[0] == b"D"]
    assert rows == [(b"D", b"\x00\x02\x00\x00\x00\x0235\x00\x00\x00\x03one"),
                    (b"D", b"\x00\x02\x00\x00\x00\x010\x00\x00\x00\x03two"),
                    (b"D", b"\x00\x02\x00\x00\x00\x011\x00\x00\x00\x03ten")]
    setup.close()
    writer.close()
