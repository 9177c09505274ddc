"""Malformed input on the PostgreSQL port: a seeded generator of broken, truncated, oversized
and random messages, before and after start-up, against the wire server (in-process, for
volume) and a real writer instance (a smaller batch: that is what users reach).

Every input goes on its own raw connection, which then half-closes: the server must answer
with an ErrorResponse or just close, within a few seconds; never XX000 (a bug), never a
traceback; a well-behaved session opened first keeps working, and the data it wrote first
is unchanged at the end. Each test runs for a time budget and prints how many inputs it
tried (``-s`` shows the counts). ``FUZZ_SEED`` replays a run.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import ssl
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import scramp
from pgwire_sqlite_session import factory

from aurora.engine.pgwire import PgServer, ServerThread, TrustAuthenticator
from aurora.engine.pgwire import protocol as p

pytestmark = pytest.mark.timeout(120)

SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
BUDGET = float(os.environ.get("FUZZ_SECONDS", "25"))
INSTANCE_BUDGET = float(os.environ.get("FUZZ_INSTANCE_SECONDS", "12"))
CLOSE_DEADLINE = 5.0  # after the client's EOF the server must have closed by then

KNOWN = b"QPBDECSHXdcf"  # what the server reads after start-up ('p' only during auth)


# --- raw messages ---------------------------------------------------------------------------


def msg(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def cstr(text: str | bytes) -> bytes:
    return (text.encode() if isinstance(text, str) else text) + b"\0"


def startup(params: dict[str, str] | None = None, code: int = p.PROTOCOL_3_0) -> bytes:
    pairs = params if params is not None else {"user": "alice", "database": "app"}
    body = struct.pack("!i", code) + b"".join(cstr(k) + cstr(v) for k, v in pairs.items()) + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def parse(name: str, sql: str | bytes, oids: list[int]) -> bytes:
    return msg(b"P", cstr(name) + cstr(sql) + struct.pack("!H", len(oids))
               + b"".join(struct.pack("!I", o & 0xFFFFFFFF) for o in oids))


def bind(portal: str, stmt: str, formats: list[int], values: list[bytes | None],
         results: list[int], *, count: int | None = None) -> bytes:
    body = cstr(portal) + cstr(stmt) + struct.pack("!H", len(formats))
    body += b"".join(struct.pack("!h", f) for f in formats)
    body += struct.pack("!H", len(values) if count is None else count)
    for v in values:
        body += struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v
    body += struct.pack("!H", len(results)) + b"".join(struct.pack("!h", f) for f in results)
    return msg(b"B", body)


def execute(portal: str = "", max_rows: int = 0) -> bytes:
    return msg(b"E", cstr(portal) + struct.pack("!i", max_rows))


SYNC = msg(b"S")
QUERY_ONE = msg(b"Q", cstr("SELECT 1"))


def frames_of(data: bytes) -> list[tuple[bytes, bytes]]:
    """Backend frames; AssertionError when the server's output is not well framed."""
    out, pos = [], 0
    while pos < len(data):
        assert len(data) - pos >= 5, f"truncated backend frame at {pos}: {data[pos:pos + 20]!r}"
        kind, length = p._HDR.unpack_from(data, pos)
        assert 4 <= length <= len(data) - pos - 1, f"bad backend frame length {length}"
        out.append((kind, data[pos + 5 : pos + 1 + length]))
        pos += 1 + length
    return out


def error_code(body: bytes) -> str:
    for field in body.split(b"\0"):
        if field[:1] == b"C":
            return field[1:].decode()
    return ""


# --- the generator --------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    payload: bytes
    after_startup: bool = True
    must_error: bool = False  # an ErrorResponse must arrive (not just a close)
    abrupt: bool = False  # close without reading (RST), check only that the server lives


def junk(rng: random.Random, n: int | None = None) -> bytes:
    return rng.randbytes(rng.randint(0, 64) if n is None else n)


def valid_body(rng: random.Random, kind: bytes) -> bytes:
    """A well-formed body for ``kind`` (the generator breaks it afterwards)."""
    if kind == b"Q":
        return cstr(rng.choice(["SELECT 1", "SELECT * FROM keep", "SELECT $1", ""]))
    if kind == b"P":
        return parse(rng.choice(["", "s1"]), "SELECT a FROM keep WHERE a = $1", [23])[5:]
    if kind == b"B":
        return bind("", "", [0], [b"1"], [0])[5:]
    if kind in (b"D", b"C"):
        return rng.choice([b"S", b"P"]) + cstr(rng.choice(["", "s1", "nope"]))
    if kind == b"E":
        return execute(rng.choice(["", "nope"]), rng.choice([0, 1, -1]))[5:]
    if kind == b"f":
        return cstr("fuzz")
    if kind == b"d":
        return junk(rng)
    return b""


def after_startup_case(rng: random.Random) -> Case:
    kind = bytes([rng.choice(KNOWN)])
    choice = rng.randrange(17)
    if choice == 0:  # unknown message type
        other = bytes([rng.choice([b for b in range(256) if b not in KNOWN])])
        return Case(f"unknown type {other!r}", msg(other, junk(rng)), must_error=other != b"p")
    if choice == 1:  # random body of a known type
        return Case(f"random body {kind!r}", msg(kind, junk(rng)))
    if choice == 2:  # truncated body, length field made to match
        body = valid_body(rng, kind)
        return Case(f"truncated {kind!r}", msg(kind, body[: rng.randrange(len(body) + 1)]))
    if choice == 3:  # trailing junk inside the frame
        return Case(f"trailing junk {kind!r}", msg(kind, valid_body(rng, kind) + junk(rng) + b"x"))
    if choice == 4:  # impossible length field
        length = rng.choice([-1, -(2**31), 0, 1, 2, 3, 2**31 - 1, 0x7FFFFFF0, (1 << 30) + 5])
        return Case(f"length {length} {kind!r}", kind + struct.pack("!i", length) + junk(rng),
                    must_error=True)
    if choice == 5:  # length shorter or longer than the content, then EOF
        body = valid_body(rng, kind) + junk(rng, 8)
        delta = rng.choice([-3, -1, 1, 7, 1000])
        length = max(4, len(body) + 4 + delta)
        return Case(f"length off by {delta} {kind!r}", kind + struct.pack("!i", length) + body)
    if choice == 6:  # message cut in the middle, then EOF or a reset
        whole = msg(kind, valid_body(rng, kind))
        return Case(f"cut {kind!r}", whole[: rng.randrange(1, len(whole))], abrupt=rng.random() < .5)
    if choice == 7:  # Bind with wrong parameter counts, formats and value lengths
        return bind_case(rng)
    if choice == 8:  # Parse with junk: claimed counts, odd OIDs, bad SQL, invalid UTF-8
        sql = rng.choice(["SELECT $1", "SELEC", "SELECT a FROM keep WHERE a = $1", "\xff"])
        oids = [rng.choice([0, 23, 25, 17, -1, 2**31, rng.getrandbits(32)])
                for _ in range(rng.randint(0, 4))]
        body = parse("s", sql, oids)[5:]
        if rng.random() < 0.5:
            body = body[:-4 * len(oids) - 2] + struct.pack("!H", rng.choice([65535, 5, 1000]))
        if rng.random() < 0.3:
            body = body.replace(b"SELECT", b"SEL\xff\xfeCT")
        return Case("parse junk", msg(b"P", body) + execute("") + SYNC)
    if choice == 9:  # Describe / Close with a bad subtype
        return Case(f"bad subtype {kind!r}", msg(rng.choice([b"D", b"C"]),
                                                 bytes([rng.choice(b"XsQ\0\xff")]) + cstr("x")),
                    must_error=True)
    if choice == 10:  # COPY data outside COPY, then a query that must still work
        stray = msg(rng.choice([b"d", b"c", b"f"]), junk(rng))
        return Case("copy data outside COPY", stray + QUERY_ONE)
    if choice == 11:  # broken input during COPY FROM STDIN
        start = msg(b"Q", cstr("COPY scratch (a, b) FROM STDIN"))
        breakers = [msg(bytes([rng.choice(b"PBXZ\x00\xff")]), junk(rng)),
                    b"d" + struct.pack("!i", rng.choice([-1, 2, 2**31 - 1])),
                    msg(b"f", b"no terminator"),
                    msg(b"d", b"1\tx\n") + msg(b"d", b"\xff\xfe\tjunk\n") + msg(b"c"),
                    msg(b"d", b"1\t2\t3\t4\n") + msg(b"c"),
                    msg(b"d", b"1\tok\n" + junk(rng)) + msg(b"f", cstr("stop"))]
        return Case("broken COPY", start + rng.choice(breakers) + QUERY_ONE)
    if choice == 12:  # random bytes after start-up
        return Case("random bytes", junk(rng, rng.randint(1, 300)))
    if choice == 13:  # a valid message, then the same type with a random body, pipelined
        return Case(f"pipelined junk {kind!r}", msg(kind, valid_body(rng, kind))
                    + msg(kind, junk(rng)) + SYNC + QUERY_ONE)
    if choice == 14:  # Execute / Describe of things that do not exist, skipping to Sync
        return Case("missing objects", execute("nope", rng.choice([0, -5, 2**31 - 1]))
                    + msg(b"D", b"Pnope\0") + msg(b"C", b"Snope\0") + SYNC + QUERY_ONE)
    if choice == 15:  # invalid UTF-8 in a query
        return Case("bad utf-8", msg(b"Q", b"SELECT '\xc3\x28'\0") + QUERY_ONE, must_error=True)
    # a small message type with a huge length claim: refused before the body arrives
    small = bytes([rng.choice(b"SHXCDEcf")])
    return Case(f"huge {small!r}", small + struct.pack("!i", (1 << 30) - 1) + junk(rng),
                must_error=True)


def bind_case(rng: random.Random) -> Case:
    prepare = parse("s", "SELECT a FROM keep WHERE a = $1", [rng.choice([23, 25, 0])])
    variant = rng.randrange(6)
    if variant == 0:  # wrong number of values
        values = [b"1"] * rng.choice([0, 2, 3])
        body = bind("", "s", [], values, [])
    elif variant == 1:  # count claims more values than sent
        body = bind("", "s", [], [b"1"], [], count=rng.choice([2, 65535]))
    elif variant == 2:  # format codes: wrong count or unknown codes
        formats = rng.choice([[0, 1], [2], [-1], [1, 1, 1], [rng.randint(-32768, 32767)]])
        body = bind("", "s", formats, [b"1"], [rng.choice([0, 1, 2, -7])])
    elif variant == 3:  # value lengths: negative, huge, past the end
        n = rng.choice([-2, -(2**31), 2**31 - 1, 50])
        body = msg(b"B", cstr("") + cstr("s") + b"\0\0\0\1" + struct.pack("!i", n) + b"12")
    elif variant == 4:  # binary values of the wrong size, invalid UTF-8 text
        body = bind("", "s", [rng.choice([0, 1])], [rng.choice([b"\1\2\3", b"\xff\xfe", b"", junk(rng)])], [])
    else:  # result format codes unknown or too many
        body = bind("", "s", [], [b"1"], [rng.choice([2, -1, 300])] * rng.choice([1, 2, 5]))
    return Case(f"bind {variant}", prepare + body + execute("") + SYNC + QUERY_ONE)


def before_startup_case(rng: random.Random) -> Case:
    choice = rng.randrange(11)
    if choice == 0:
        return Case("random bytes", junk(rng, rng.randint(1, 300)), after_startup=False)
    if choice == 1:  # start-up packet length field
        length = rng.choice([-1, 0, 4, 7, 10_001, 2**31 - 1, -(2**31)])
        return Case(f"startup length {length}", struct.pack("!i", length) + junk(rng),
                    after_startup=False, must_error=True)
    if choice == 2:  # protocol versions
        code = rng.choice([0, 1 << 16, 2 << 16, 4 << 16, (3 << 16) + 99, -1, rng.getrandbits(31)])
        must = code >> 16 not in (3, 1234)
        return Case(f"protocol {code:#x}", startup(code=code), after_startup=False, must_error=must)
    if choice == 3:  # missing terminators: parameter list, a name, a value
        packet = startup()
        cut = rng.choice([1, 2, 7])
        body = packet[4:-cut]
        return Case("no terminator", struct.pack("!i", len(body) + 4) + body, after_startup=False)
    if choice == 4:  # huge parameter lists, around the 10,000-byte limit
        params = {f"p{i}": "v" * rng.randint(0, 40) for i in range(rng.choice([50, 400, 2000]))}
        params["user"] = "alice"
        return Case("huge startup", startup(params), after_startup=False)
    if choice == 5:  # SSLRequest / GSSENCRequest: wrong lengths, repeated, then junk
        code = rng.choice([p.SSL_REQUEST_CODE, p.GSSENC_REQUEST_CODE])
        extra = junk(rng, rng.choice([0, 4, 9]))
        packet = struct.pack("!ii", 8 + len(extra), code) + extra
        return Case("ssl/gss request", packet * rng.randint(1, 3) + junk(rng), after_startup=False)
    if choice == 6:  # CancelRequest: short, long, random keys
        body = struct.pack("!i", p.CANCEL_REQUEST_CODE) + junk(rng, rng.choice([0, 3, 8, 20]))
        return Case("cancel request", struct.pack("!i", len(body) + 4) + body, after_startup=False)
    if choice == 7:  # no user, empty user, invalid UTF-8, odd options
        params = rng.choice([{}, {"user": ""}, {"database": "app"},
                             {"user": "alice", "options": rng.choice(["-c", "-c =", "--", "-cx"])},
                             {"user": "alice", "_pq_.junk": "1"}])
        packet = startup(params)
        if rng.random() < 0.3:
            packet = packet.replace(b"alice", b"al\xffce")
        return Case("startup params", packet, after_startup=False)
    if choice == 8:  # a regular message where the start-up packet belongs
        return Case("message before startup", QUERY_ONE + SYNC, after_startup=False)
    if choice == 9:  # start-up, then a password message nobody asked for
        return Case("unasked password", startup() + msg(b"p", cstr("secret")) + QUERY_ONE,
                    after_startup=False)
    return Case("startup then junk", startup() + junk(rng, rng.randint(1, 100)), after_startup=False)


def generate(rng: random.Random) -> Case:
    return after_startup_case(rng) if rng.random() < 0.7 else before_startup_case(rng)


# --- running one input ----------------------------------------------------------------------


@dataclass
class Outcome:
    data: bytes
    closed: bool


def read_until_closed(sock: socket.socket, deadline: float) -> Outcome:
    chunks = []
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return Outcome(b"".join(chunks), closed=False)
        except ConnectionResetError:
            return Outcome(b"".join(chunks), closed=True)
        if not chunk:
            return Outcome(b"".join(chunks), closed=True)
        chunks.append(chunk)


def read_until_ready(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """Start-up answers up to the first ReadyForQuery."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        pos = 0
        while len(data) - pos >= 5:
            kind, length = p._HDR.unpack_from(data, pos)
            pos += 1 + length
            if kind == b"Z" and pos <= len(data):
                return data[:pos]
            if kind == b"E" and pos <= len(data):
                raise AssertionError(f"start-up refused: {data!r}")
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed during start-up: {data!r}")
        data += chunk


Connect = Callable[[], socket.socket]  # a socket after start-up (ReadyForQuery read)


def run_case(case: Case, port: int, login: Connect) -> None:
    """Send one input, half-close, and check what comes back."""
    if case.after_startup:
        sock = login()
    else:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    with sock:
        try:
            sock.sendall(case.payload)
        except (BrokenPipeError, ConnectionResetError):
            return  # the server already refused and closed: fine
        if case.abrupt:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        outcome = read_until_closed(sock, time.monotonic() + CLOSE_DEADLINE)
    data = outcome.data
    assert outcome.closed, f"server did not close within {CLOSE_DEADLINE}s after EOF"
    assert b"Traceback" not in data and b'File "' not in data, data[:500]
    if not case.after_startup:
        data = data.lstrip(b"NS") if data[:1] in (b"N", b"S") and data[1:2] != b"\0" else data
        if data[:1] not in (b"E", b"R", b"v", b""):
            return  # e.g. 'N' answers to repeated SSL/GSS requests; nothing else to parse
    frames = frames_of(data)
    codes = [error_code(body) for kind, body in frames if kind == b"E"]
    bad = [c for c in codes if c.startswith("XX") or len(c) != 5]
    assert not bad, f"unexpected SQLSTATE {bad}: {data[:400]!r}"
    if case.must_error:
        assert codes, f"no ErrorResponse: {data[:400]!r}"


# --- fixtures and checks --------------------------------------------------------------------


def well_behaved(conn: psycopg.Connection) -> tuple[int, int]:
    row = conn.execute("SELECT count(*), sum(a) FROM keep").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def fuzz(budget: float, port: int, login: Connect, conn: psycopg.Connection,
         case_filter: Callable[[Case], bool] = lambda c: True) -> dict[str, int]:
    """Inputs until the budget is spent, the well-behaved session checked between batches."""
    rng = random.Random(SEED)
    before = well_behaved(conn)
    counts = {"inputs": 0}
    failures: dict[str, str] = {}
    end = time.monotonic() + budget
    while time.monotonic() < end:
        for _ in range(25):
            case = generate(rng)
            if not case_filter(case):
                continue
            try:
                run_case(case, port, login)
            except AssertionError as exc:
                failures.setdefault(case.name, f"input {counts['inputs']} "
                                    f"{case.payload[:120]!r}: {str(exc)[:300]}")
            counts["inputs"] += 1
        assert well_behaved(conn) == before
    assert well_behaved(conn) == before
    assert not failures, f"seed {SEED}: " + "\n".join(f"{k}: {v}" for k, v in failures.items())
    return counts


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[tuple[int, psycopg.Connection, PgServer]]:
    server = PgServer(factory(str(tmp_path / "db.sqlite")), TrustAuthenticator())
    thread = ServerThread(server)
    port = thread.start()
    dsn = f"host=127.0.0.1 port={port} user=alice dbname=app sslmode=disable"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE keep (a integer primary key, b text)")
        conn.execute("CREATE TABLE scratch (a integer, b text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO keep VALUES (%s, %s)", [(i, f"v{i}") for i in range(50)])
        yield port, conn, server
    thread.stop()


def trust_login(port: int) -> Connect:
    def login() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(startup())
        read_until_ready(sock)
        return sock

    return login


def test_fuzz_wire_server(wire: tuple[int, psycopg.Connection, PgServer],
                          caplog: pytest.LogCaptureFixture) -> None:
    port, conn, server = wire
    caplog.set_level(logging.ERROR, logger="aurora.pgwire")
    counts = fuzz(BUDGET, port, trust_login(port), conn)
    deadline = time.monotonic() + 10
    while server.connection_count > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.connection_count == 1, "connections left behind by the fuzzer's inputs"
    print(f"\npgwire (in-process): {counts['inputs']} inputs in {BUDGET:.0f}s, seed {SEED}")
    bugs = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not bugs, bugs[:5]
    assert counts["inputs"] > 200


# --- focused regressions (each failed before its fix) ---------------------------------------


def answers(sock: socket.socket, timeout: float = 3.0) -> list[tuple[bytes, bytes]]:
    return frames_of(read_until_closed(sock, time.monotonic() + timeout).data)


def test_small_message_with_huge_length_is_refused_from_its_header(
        wire: tuple[int, psycopg.Connection, PgServer]) -> None:
    # A Sync claiming ~1 GiB used to be buffered until that much had arrived; PostgreSQL
    # allows 10,000 bytes for such messages and refuses from the header, as we now do.
    port = wire[0]
    for header in (b"S" + struct.pack("!i", (1 << 30) - 1), b"F", b"p\0\0\0\x08"):
        with trust_login(port)() as sock:
            sock.sendall(header)  # no body, no EOF: the answer must not wait for either
            frames = answers(sock)
        assert [error_code(body) for kind, body in frames if kind == b"E"] == ["08P01"], header


def test_frames_before_a_framing_error_are_answered(wire: tuple[int, psycopg.Connection, PgServer]) -> None:
    port = wire[0]
    with trust_login(port)() as sock:
        sock.sendall(QUERY_ONE + b"Q" + struct.pack("!i", -1))
        frames = answers(sock)
    kinds = [kind for kind, _ in frames]
    assert kinds == [b"T", b"D", b"C", b"Z", b"E"], frames
    assert error_code(frames[-1][1]) == "08P01"


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
@pytest.mark.parametrize("breaker", [b"d" + struct.pack("!i", -1), msg(b"f", b"no terminator")],
                         ids=["bad-length", "copyfail-unterminated"])
def test_broken_stream_during_copy_ends_the_connection(tmp_path: Path, tls: bool,
                                                       breaker: bytes) -> None:
    # The framing error used to travel through the session's copy_rows, come back as XX000
    # (an "internal error", logged with a traceback) and, on the loop path that TLS takes,
    # leave the worker waiting forever for frames that would never come.
    from aurora.engine.pgwire import generate_self_signed, server_ssl_context

    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    generate_self_signed(cert, key)
    server = PgServer(factory(str(tmp_path / "db.sqlite")), TrustAuthenticator(),
                      ssl_context=server_ssl_context(cert, key))
    with ServerThread(server) as port:
        with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app sslmode=disable",
                             autocommit=True) as conn:
            conn.execute("CREATE TABLE scratch (a integer, b text)")
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            raw.sendall(struct.pack("!ii", 8, p.SSL_REQUEST_CODE))
            assert raw.recv(1) == b"S"
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            raw = ctx.wrap_socket(raw)
        with raw as sock:
            sock.sendall(startup())
            read_until_ready(sock)
            sock.sendall(msg(b"Q", cstr("COPY scratch (a, b) FROM STDIN")) + msg(b"d", b"1\tx\n"))
            sock.sendall(breaker)
            frames = answers(sock, timeout=5.0)
        codes = [(error_code(body), b"SFATAL" in body) for kind, body in frames if kind == b"E"]
        assert codes == [("08P01", True)], frames
        deadline = time.monotonic() + 5
        while server.connection_count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.connection_count == 0, "the connection's worker still waits"
        with psycopg.connect(f"host=127.0.0.1 port={port} user=alice dbname=app sslmode=disable",
                             autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM scratch").fetchone() == (0,)


def test_bind_refuses_unknown_format_codes_and_odd_oids_stay_bounded(
        wire: tuple[int, psycopg.Connection, PgServer]) -> None:
    # Format codes other than 0 and 1 used to be taken as text; every (OID, format) a client
    # named stayed in the decoder cache for the life of the process.
    from aurora.engine.pgwire import types

    port = wire[0]
    with trust_login(port)() as sock:
        sock.sendall(parse("s", "SELECT $1", [23]) + bind("", "s", [2], [b"1"], []) + SYNC)
        batch = b"".join(parse("", "SELECT $1", [100_000 + i]) + bind("", "", [0], [b"x"], [])
                         for i in range(1500))
        sock.sendall(batch + SYNC + QUERY_ONE)
        sock.shutdown(socket.SHUT_WR)
        frames = answers(sock)
    codes = [error_code(body) for kind, body in frames if kind == b"E"]
    assert codes == ["22023"], codes
    assert [kind for kind, _ in frames][-4:] == [b"T", b"D", b"C", b"Z"]  # the session goes on
    assert types.decoder.cache_info().currsize <= 1024


# --- a real writer instance (SCRAM, TLS offered, the product's SQL session) ------------------

from instance_support import PASSWORD, Cluster, cluster_fixture  # noqa: E402

cluster = cluster_fixture


def read_frame(sock: socket.socket) -> tuple[bytes, bytes]:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise AssertionError(f"closed while reading a frame: {data!r}")
            data += chunk
        return data

    kind, length = p._HDR.unpack(exactly(5))
    return kind, exactly(length - 4)


def sasl_initial(first: bytes, mechanism: bytes = b"SCRAM-SHA-256") -> bytes:
    return msg(b"p", cstr(mechanism) + struct.pack("!i", len(first)) + first)


def scram_login(port: int) -> Connect:
    def login() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(startup({"user": "postgres", "database": "postgres"}))
        kind, body = read_frame(sock)
        assert kind == b"R" and body[:4] == b"\0\0\0\x0a", body
        client = scramp.ScramClient(["SCRAM-SHA-256"], "postgres", PASSWORD)
        sock.sendall(sasl_initial(client.get_client_first().encode()))
        kind, body = read_frame(sock)
        client.set_server_first(body[4:].decode())
        sock.sendall(msg(b"p", client.get_client_final().encode()))
        read_until_ready(sock)
        return sock

    return login


def sasl_case(rng: random.Random) -> Case:
    """Broken SCRAM exchanges (the instance asks for a password; the in-process server trusts)."""
    hello = startup({"user": rng.choice(["postgres", "nobody", ""]), "database": "postgres"})
    first = b"n,,n=,r=" + rng.randbytes(12).hex().encode()
    variant = rng.randrange(7)
    if variant == 0:
        payload = msg(b"p", junk(rng))
    elif variant == 1:
        payload = sasl_initial(first, rng.choice([b"SCRAM-SHA-1", b"", b"\xff", b"PLAIN"]))
    elif variant == 2:  # the inner length: negative, huge, past the end
        n = rng.choice([-5, -1, 2**31 - 1, 1000])
        payload = msg(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", n) + first)
    elif variant == 3:  # client-first that is not SCRAM
        payload = sasl_initial(rng.choice([b"", b"y", b"n,,", b"p=x,,n=,r=1", junk(rng), b"\xff,,"]))
    elif variant == 4:  # a good client-first, then junk where client-final belongs
        payload = sasl_initial(first) + msg(b"p", rng.choice([b"", b"c=biws", junk(rng)]))
    elif variant == 5:  # another message type, or a huge length, where 'p' belongs
        payload = rng.choice([QUERY_ONE, b"p" + struct.pack("!i", 2**31 - 1),
                              b"p" + struct.pack("!i", (64 << 10) + 100), SYNC])
    else:  # the exchange cut short
        payload = sasl_initial(first)[: rng.randint(1, 20)]
    return Case(f"sasl {variant}", hello + payload, after_startup=False)


def test_fuzz_real_instance(cluster: Cluster) -> None:
    port = cluster.writer.port
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE keep (a integer primary key, b text)")
        conn.execute("CREATE TABLE scratch (a integer, b text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO keep VALUES (%s, %s)", [(i, f"v{i}") for i in range(50)])
        login = scram_login(port)
        rng = random.Random(SEED + 1)
        for _ in range(60):
            run_case(sasl_case(rng), port, login)
        counts = fuzz(INSTANCE_BUDGET, port, login, conn)
        print(f"\npgwire (writer instance): {counts['inputs'] + 60} inputs in "
              f"{INSTANCE_BUDGET:.0f}s, seed {SEED}")
        assert conn.execute("SELECT count(*) FROM scratch").fetchone() == (0,)
    assert cluster.writer.status().get("role") == "writer"
    log = cluster.writer.log_file.read_text()
    bugs = [line for line in log.splitlines()
            if "Traceback" in line or "unexpected error" in line or "internal error" in line]
    assert not bugs, bugs[:5]
