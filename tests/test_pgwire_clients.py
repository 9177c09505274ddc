"""The PostgreSQL front end against real clients: psql, pgbench, psycopg 3, asyncpg, raw sockets.

Each test starts its own server (trust, SCRAM or TLS) on a free 127.0.0.1 port, on an event
loop in a background thread, in front of the SQLite test session of pgwire_sqlite_session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import asyncpg
import psycopg
import pytest
from pgwire_sqlite_session import SqliteSession, factory
from psycopg.types.json import Jsonb

from aurora.engine.pgwire import (
    PgServer,
    ScramAuthenticator,
    ServerThread,
    TrustAuthenticator,
    generate_self_signed,
    make_scram_verifier,
    server_ssl_context,
)
from aurora.engine.pgwire import protocol as p

pytestmark = pytest.mark.timeout(60)

PSQL = shutil.which("psql") or "/usr/bin/psql"
PGBENCH = shutil.which("pgbench") or "/usr/bin/pgbench"
LONG_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
)


@dataclass
class Running:
    port: int
    db: Path
    thread: ServerThread

    def dsn(self, **extra: str) -> str:
        opts = {
            "host": "127.0.0.1",
            "port": str(self.port),
            "user": "alice",
            "dbname": "app",
            "sslmode": "disable",
            "connect_timeout": "5",
            **extra,
        }
        return " ".join(f"{k}={v}" for k, v in opts.items())


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[ServerThread] = []

    def start(
        authenticator: object = None,
        ssl_context: object = None,
        session_factory: Callable | None = None,
        tls_certificate_pem: str | None = None,
        pass_startup: bool = False,
    ) -> Running:
        db = tmp_path / "db.sqlite"
        server = PgServer(
            session_factory or factory(str(db)),
            authenticator or TrustAuthenticator(),  # type: ignore[arg-type]
            ssl_context=ssl_context,  # type: ignore[arg-type]
            tls_certificate_pem=tls_certificate_pem,
            pass_startup=pass_startup,
        )
        thread = ServerThread(server)
        started.append(thread)
        return Running(thread.start(), db, thread)

    yield start
    for thread in started:
        thread.stop()


@pytest.fixture
def server(start_server: Callable[..., Running]) -> Running:
    return start_server()


def psql(
    srv: Running, *args: str, stdin: str | None = None, env: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    cmd = [PSQL, srv.dsn(), "-X", "-v", "ON_ERROR_STOP=1", *args]
    return subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=20,
        check=check,
        env={**os.environ, **(env or {})},
    )


# --- psql ------------------------------------------------------------------------------------


def test_psql_commands_errors_and_implicit_transaction(server: Running) -> None:
    out = psql(
        server,
        "-c",
        "CREATE TABLE t (id integer primary key, name text not null)",
        "-c",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
        "-c",
        "SELECT * FROM t ORDER BY id",
    )
    assert "CREATE TABLE" in out.stdout
    assert "INSERT 0 2" in out.stdout
    assert "(2 rows)" in out.stdout
    two = psql(server, "-At", "-c", "SELECT 1; SELECT 'x'")
    assert two.stdout.split() == ["1", "x"]
    # One string, one implicit transaction: the failing second INSERT undoes the first.
    failed = psql(
        server, "-c", "INSERT INTO t VALUES (3, 'c'); INSERT INTO t VALUES (1, 'dup')", check=False
    )
    assert failed.returncode != 0
    assert "duplicate key" in failed.stderr
    assert psql(server, "-At", "-c", "SELECT count(*) FROM t").stdout.strip() == "2"
    # An explicit BEGIN inside the string is PostgreSQL's way of making it explicit.
    psql(server, "-c", "BEGIN; INSERT INTO t VALUES (4, 'd'); COMMIT")
    missing = psql(server, "-c", "SELECT * FROM nope", check=False)
    assert 'relation "nope" does not exist' in missing.stderr
    assert "Traceback" not in missing.stderr


def test_psql_copy_both_ways(server: Running, tmp_path: Path) -> None:
    psql(server, "-c", "CREATE TABLE items (id integer, label text, note text)")
    text_data = "1\tone\t\\N\n2\ttab\\there\tback\\\\slash\n3\tnew\\nline\tx\n"
    out = psql(server, "-c", "\\copy items from stdin", stdin=text_data)
    assert "COPY 3" in out.stdout
    csv_file = tmp_path / "in.csv"
    csv_file.write_text('id,label,note\n4,"comma, inside","say ""hi"""\n5,,""\n6,"multi\nline",z\n')
    out = psql(server, "-c", f"\\copy items from '{csv_file}' with (format csv, header true)")
    assert "COPY 3" in out.stdout
    rows = psql(server, "-c", "\\copy items to stdout").stdout
    assert rows.splitlines()[:3] == [
        "1\tone\t\\N",
        "2\ttab\\there\tback\\\\slash",
        "3\tnew\\nline\tx",
    ]
    out_file = tmp_path / "out.csv"
    psql(server, "-c", f"\\copy items to '{out_file}' with (format csv, header true)")
    lines = out_file.read_text()
    assert lines.startswith("id,label,note\n1,one,\n")
    assert '4,"comma, inside","say ""hi"""\n' in lines
    assert '5,,""\n' in lines  # NULL vs empty string survives the round trip
    assert '6,"multi\nline",z\n' in lines


def test_pgbench_custom_script_both_modes(server: Running, tmp_path: Path) -> None:
    psql(
        server,
        "-c",
        "CREATE TABLE acc (id integer primary key, bal integer)",
        "-c",
        "INSERT INTO acc VALUES (1, 0), (2, 0)",
    )
    script = tmp_path / "tx.sql"
    script.write_text(
        "\\set aid random(1, 2)\nBEGIN;\nUPDATE acc SET bal = bal + 1 WHERE id = :aid;\n"
        "SELECT bal FROM acc WHERE id = :aid;\nEND;\n"
    )
    for mode in ("simple", "extended", "prepared"):
        run = subprocess.run(
            [
                PGBENCH,
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "alice",
                "-n",
                "-f",
                str(script),
                "-M",
                mode,
                "-t",
                "50",
                "-c",
                "2",
                "app",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert run.returncode == 0, run.stderr
        assert "number of failed transactions: 0" in run.stdout
    total = psql(server, "-At", "-c", "SELECT sum(bal) FROM acc").stdout.strip()
    assert total == str(3 * 2 * 50)


# --- psycopg 3 -------------------------------------------------------------------------------

TYPES_TABLE = """CREATE TABLE typed (
    b boolean, by bytea, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
    n numeric, t text, vc varchar(10), d date, tm time, ts timestamp, tstz timestamptz,
    iv interval, u uuid, j json, jb jsonb, ia int[], ta text[])"""
TYPED_ROW = (
    True,
    b"\x00\x01\xff",
    7,
    -42,
    2**40,
    1.5,
    0.1,
    Decimal("12345.678900"),
    "h\u00e9llo",
    "short",
    dt.date(2024, 2, 29),
    dt.time(13, 14, 15, 500000),
    dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
    dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    dt.timedelta(days=1, hours=2, minutes=3, seconds=4),
    uuid.UUID(int=12345),
    {"a": [1, 2]},
    {"k": "v"},
    [1, 2, 3],
    ["x", "y z", 'q"uote'],
)


def test_psycopg_types_text_and_binary_both_ways(server: Running) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(TYPES_TABLE)
        params = list(TYPED_ROW)
        params[16] = psycopg.types.json.Json(params[16])
        params[17] = Jsonb(params[17])
        cols = ", ".join(["%s"] * 10 + ["%b"] * 10)  # text and binary parameters
        conn.execute(f"INSERT INTO typed VALUES ({cols})", params)
        for binary in (False, True):
            row = conn.execute("SELECT * FROM typed", binary=binary).fetchone()
            assert row == TYPED_ROW, f"binary={binary}"


def test_psycopg_extended_prepared_errors_and_notices(server: Running) -> None:
    with psycopg.connect(server.dsn()) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE kv (k integer primary key, v text not null)")
        cur.executemany("INSERT INTO kv VALUES (%s, %s)", [(i, f"v{i}") for i in range(10)])
        conn.commit()
        for _ in range(3):  # the third run uses the server-side prepared statement
            assert cur.execute("SELECT v FROM kv WHERE k = %s", (3,), prepare=True).fetchone() == (
                "v3",
            )
        assert cur.rowcount == 1
        cur.execute("UPDATE kv SET v = 'x' WHERE k < %s", (4,))
        assert cur.rowcount == 4
        conn.commit()
        with pytest.raises(psycopg.errors.UniqueViolation):
            cur.execute("INSERT INTO kv VALUES (%s, %s)", (1, "dup"))
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            cur.execute("SELECT 1")
        conn.rollback()
        with pytest.raises(psycopg.errors.NotNullViolation):
            cur.execute("INSERT INTO kv (k) VALUES (%s)", (50,))
        conn.rollback()
        with pytest.raises(psycopg.errors.SyntaxError):
            cur.execute("SELEC 1")
        conn.rollback()
        assert cur.execute("SELECT count(*) FROM kv").fetchone() == (10,)
        notices: list[str] = []
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        cur.execute("DROP TABLE IF EXISTS not_here")
        assert notices == ['table "not_here" does not exist, skipping']
        conn.commit()
        cur.execute("SET application_name = 'wired'")
        assert conn.info.parameter_status("application_name") == "wired"
        assert conn.info.parameter_status("server_version").startswith("16.")
        assert conn.info.parameter_status("integer_datetimes") == "on"


def test_psycopg_copy_both_ways_and_copy_fail(server: Running) -> None:
    with psycopg.connect(server.dsn()) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE c (id integer primary key, s text)")
        conn.commit()
        rows = [(i, None if i % 7 == 0 else f"r{i}\t\\{i}\n") for i in range(2000)]
        with cur.copy("COPY c (id, s) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assert cur.rowcount == 2000
        conn.commit()
        with cur.copy("COPY c TO STDOUT") as copy:
            back = [(int(r[0]), r[1]) for r in copy.rows()]
        assert back == rows
        with cur.copy(
            "COPY (SELECT id, s FROM c WHERE id < 3) TO STDOUT WITH (FORMAT csv)"
        ) as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
        assert data == b'0,\n1,"r1\t\\1\n"\n2,"r2\t\\2\n"\n'
        conn.commit()
        # An exception inside the block sends CopyFail: nothing is inserted.
        with pytest.raises(ZeroDivisionError), cur.copy("COPY c FROM STDIN") as copy:
            copy.write_row((5000, "x"))
            raise ZeroDivisionError("client gave up")
        conn.rollback()
        with pytest.raises(psycopg.errors.UniqueViolation), cur.copy("COPY c FROM STDIN") as copy:
            copy.write(b"1\tdup\n")
        conn.rollback()
        assert cur.execute("SELECT count(*) FROM c").fetchone() == (2000,)


def test_psycopg_pipeline_is_one_implicit_transaction(server: Running) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE p (id integer primary key)")
        with pytest.raises(psycopg.errors.UniqueViolation), conn.pipeline():
            conn.execute("INSERT INTO p VALUES (%s)", (1,))
            conn.execute("INSERT INTO p VALUES (%s)", (2,))
            conn.execute("INSERT INTO p VALUES (%s)", (1,))
        assert conn.execute("SELECT count(*) FROM p").fetchone() == (0,)
        with conn.pipeline():
            for i in range(5):
                conn.execute("INSERT INTO p VALUES (%s)", (i,))
        assert conn.execute("SELECT count(*) FROM p").fetchone() == (5,)


class BoomSession(SqliteSession):
    def execute(self, sql: str, params: object = ()) -> object:  # type: ignore[override]
        if "boom" in sql:
            raise RuntimeError("kaboom\nsecond line that must not reach the client")
        return super().execute(sql, params)  # type: ignore[arg-type]


def test_unexpected_session_exception_is_xx000_and_connection_survives(
    start_server: Callable[..., Running], tmp_path: Path
) -> None:
    db = str(tmp_path / "boom.sqlite")
    srv = start_server(session_factory=lambda user, database: BoomSession(db))
    with psycopg.connect(srv.dsn(), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InternalError_) as info:
            conn.execute("SELECT 'boom'")
        assert info.value.sqlstate == "XX000"
        assert str(info.value) == "internal error: RuntimeError: kaboom"
        assert conn.execute("SELECT 2").fetchone() == (2,)
        with pytest.raises(psycopg.errors.InternalError_):
            conn.execute("SELECT 'boom' WHERE 1 = %s", (1,))
        assert conn.execute("SELECT 3").fetchone() == (3,)


def test_engine_internal_error_is_logged_with_traceback(
    start_server: Callable[..., Running], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The SQL engine turns a bug into a one-line XX000 itself; the front end still logs the
    exception it came from, traceback included (what ``aurora logs`` shows)."""
    import apsw

    from aurora.engine.sql import Session

    class BuggySession(Session):
        def _execute(self, sql: str, params: object) -> object:  # type: ignore[override]
            if "boom" in sql:
                raise RuntimeError("kaboom\nsecond line")
            return super()._execute(sql, params)  # type: ignore[arg-type]

    def make(user: str, database: str) -> Session:
        conn = apsw.Connection(str(tmp_path / "engine.sqlite"))
        return BuggySession(conn, user=user, database=database)

    srv = start_server(session_factory=make)
    with caplog.at_level("ERROR", logger="aurora.pgwire"), psycopg.connect(
        srv.dsn(), autocommit=True
    ) as conn:
        with pytest.raises(psycopg.errors.InternalError_) as info:
            conn.execute("SELECT 'boom'")
        assert info.value.sqlstate == "XX000"
        assert str(info.value) == "internal error: RuntimeError: kaboom"
        assert conn.execute("SELECT 2").fetchone() == (2,)
    logged = [r for r in caplog.records if "kaboom" in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "RuntimeError: kaboom" in caplog.text and "Traceback" in caplog.text


# --- authentication and TLS ------------------------------------------------------------------


def test_scram_right_and_wrong_password(start_server: Callable[..., Running]) -> None:
    verifier = make_scram_verifier("s3cret")
    assert verifier.startswith("SCRAM-SHA-256$4096:") and "s3cret" not in verifier
    srv = start_server(authenticator=ScramAuthenticator({"alice": verifier}))
    with psycopg.connect(srv.dsn(password="s3cret")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    for user, password in (("alice", "wrong"), ("mallory", "s3cret")):
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(srv.dsn(user=user, password=password))
    ok = psql(srv, "-At", "-c", "SELECT 5", env={"PGPASSWORD": "s3cret"})
    assert ok.stdout.strip() == "5"

    async def via_asyncpg() -> object:
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=srv.port,
            user="alice",
            password="s3cret",
            database="app",
            ssl=False,
        )
        try:
            return await conn.fetchval("SELECT 7")
        finally:
            await conn.close()

    assert asyncio.run(via_asyncpg()) == 7


def test_tls_with_generated_certificate(
    start_server: Callable[..., Running], tmp_path: Path
) -> None:
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    generate_self_signed(cert, key)
    assert key.stat().st_mode & 0o777 == 0o600
    srv = start_server(
        authenticator=ScramAuthenticator({"alice": make_scram_verifier("pw")}),
        ssl_context=server_ssl_context(cert, key),
        tls_certificate_pem=cert.read_text(),
    )
    with psycopg.connect(srv.dsn(sslmode="require", password="pw")) as conn:
        assert conn.info.pgconn.ssl_in_use
        assert conn.execute("SELECT 'secure'").fetchone() == ("secure",)
    with psycopg.connect(
        srv.dsn(sslmode="verify-ca", sslrootcert=str(cert), password="pw")
    ) as conn:
        assert conn.info.pgconn.ssl_in_use
    with psycopg.connect(srv.dsn(sslmode="disable", password="pw")) as conn:
        assert not conn.info.pgconn.ssl_in_use
    # Channel binding (SCRAM-SHA-256-PLUS) to the certificate, demanded by the client.
    with psycopg.connect(
        srv.dsn(sslmode="require", channel_binding="require", password="pw")
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(srv.dsn(sslmode="require", channel_binding="require", password="bad"))
    # Without TLS there is nothing to bind to, and a client that insists is refused.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(srv.dsn(sslmode="disable", channel_binding="require", password="pw"))


@pytest.fixture
def tls_server(start_server: Callable[..., Running], tmp_path: Path) -> Running:
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    generate_self_signed(cert, key)
    return start_server(ssl_context=server_ssl_context(cert, key))


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_tls_session_does_its_io_in_its_worker(tls_server: Running) -> None:
    """After authentication a TLS connection's worker reads, decrypts, encrypts and writes
    itself, as a plain connection's worker does its own I/O: results of many TLS records,
    a COPY of many more in, a pipeline, and the shutdown's last message all pass."""
    srv = tls_server
    server = srv.thread.server
    with psycopg.connect(srv.dsn(sslmode="require"), autocommit=True) as conn:
        assert conn.info.pgconn.ssl_in_use
        # (the worker takes the socket just after the client has its ReadyForQuery)
        _wait_for(lambda: [c._direct is not None for c in server._connections] == [True],
                  "the TLS session stayed on the loop")
        rows = conn.execute(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 30) "
            "SELECT replace(hex(zeroblob(50000)), '0', 'x') FROM g"
        ).fetchall()
        assert rows == [("x" * 100000,)] * 30
        conn.execute("CREATE TABLE t (id integer primary key, s text)")
        sent = [(i, f"row {i} " * 20) for i in range(5000)]
        with conn.cursor().copy("COPY t FROM STDIN") as copy:
            for row in sent:
                copy.write_row(row)
        total = sum(len(s) for _, s in sent)
        assert conn.execute("SELECT count(*), sum(length(s)) FROM t").fetchone() == (5000, total)
        with conn.pipeline():
            cursors = [conn.execute("SELECT %s + 0", (i,)) for i in range(200)]
        assert [c.fetchone() for c in cursors] == [(str(i),) for i in range(200)]
    _wait_for(lambda: server.connection_count == 0, "the session outlived its client")
    over_tls = psql(srv, "-At", "-c", "SELECT 'psql over tls'", env={"PGSSLMODE": "require"})
    assert over_tls.stdout.strip() == "psql over tls"
    conn = psycopg.connect(srv.dsn(sslmode="require"), autocommit=True)
    assert conn.execute("SELECT 1").fetchone() == (1,)
    srv.thread.stop()
    with pytest.raises(psycopg.OperationalError, match="administrator command"):
        conn.execute("SELECT 1")
    conn.close()


def test_tls_garbage_after_authentication_ends_only_that_session(tls_server: Running) -> None:
    """Bytes that are not a TLS record, sent under a TLS session: that session ends, no
    other does, and the server keeps serving."""
    srv = tls_server
    server = srv.thread.server
    other = psycopg.connect(srv.dsn(sslmode="require"), autocommit=True)
    tls = _tls_connect(srv.port)
    _wait_for(lambda: server.session_count == 2, "the TLS session never started")
    plain = socket.socket(fileno=os.dup(tls.fileno()))
    plain.sendall(b"\x17\x03\x03\x00\x20" + b"\x00" * 32)  # an application record, bad tag
    _wait_for(lambda: server.session_count == 1, "a session with a bad TLS record went on")
    assert other.execute("SELECT 'still here'").fetchone() == ("still here",)
    plain.close()
    tls.close()
    other.close()


def test_tls_shutdown_ends_the_session_with_close_notify(tls_server: Running) -> None:
    """A shutdown's FATAL message, then TLS's own end (close_notify), as PostgreSQL sends
    them; a TLS connection merely cut makes libpq report "SSL SYSCALL error: EOF detected"."""
    tls = _tls_connect(tls_server.port)
    tls_server.thread.stop()
    kind, body = _read_message(tls)  # type: ignore[arg-type]
    assert kind == b"E" and _error_code(body) == "57P01"
    assert tls.recv(100) == b""  # (a cut connection raises SSLEOFError here)
    tls.close()


def _tls_connect(port: int) -> ssl.SSLSocket:
    """A session over TLS, past authentication, with a socket that tells a TLS connection
    closed by close_notify (recv gives b"") from one cut (SSLEOFError)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    raw.sendall(struct.pack("!ii", 8, 80877103))
    assert _recv_exact(raw, 1) == b"S"
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    tls = client.wrap_socket(raw, suppress_ragged_eofs=False)
    body = struct.pack("!i", 196608) + b"user\0alice\0database\0app\0\0"
    tls.sendall(struct.pack("!i", len(body) + 4) + body)
    _read_until(tls, b"Z")  # type: ignore[arg-type]
    return tls


def test_tls_refused_when_not_configured(server: Running) -> None:
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.dsn(sslmode="require"))
    with psycopg.connect(server.dsn(sslmode="prefer")) as conn:
        assert not conn.info.pgconn.ssl_in_use


# --- asyncpg ---------------------------------------------------------------------------------


def test_asyncpg_fetch_prepare_executemany_cursor_and_timeout(server: Running) -> None:
    async def scenario() -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=server.port, user="alice", database="app", ssl=False, timeout=5
        )
        try:
            await conn.execute("CREATE TABLE a (id integer primary key, name text, amount numeric)")
            await conn.executemany(
                "INSERT INTO a VALUES ($1, $2, $3)",
                [(i, f"n{i}", Decimal(i) / 4) for i in range(20)],
            )
            rows = await conn.fetch("SELECT id, name, amount FROM a WHERE id < $1 ORDER BY id", 3)
            assert [tuple(r) for r in rows] == [
                (0, "n0", Decimal(0)),
                (1, "n1", Decimal("0.25")),
                (2, "n2", Decimal("0.5")),
            ]
            stmt = await conn.prepare("SELECT name FROM a WHERE id = $1")
            assert [p.name for p in stmt.get_parameters()] == ["int4"]
            assert await stmt.fetchval(7) == "n7"
            assert await stmt.fetchval(8) == "n8"
            # executemany is atomic: the duplicate undoes the whole batch.
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.executemany(
                    "INSERT INTO a VALUES ($1, $2, $3)",
                    [(100, "x", 1), (101, "y", 2), (5, "dup", 3)],
                )
            assert await conn.fetchval("SELECT count(*) FROM a") == 20
            # A cursor fetches in pieces: Execute with a row limit and PortalSuspended.
            async with conn.transaction():
                seen = [
                    r["id"] async for r in conn.cursor("SELECT id FROM a ORDER BY id", prefetch=6)
                ]
            assert seen == list(range(20))
            # A client-side timeout sends a CancelRequest for the endless recursive query.
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await conn.fetchval(LONG_QUERY, timeout=0.5)
            assert time.monotonic() - started < 5
            assert await conn.fetchval("SELECT count(*) FROM a") == 20
        finally:
            await conn.close()

    asyncio.run(scenario())


# --- cancel, malformed input, shutdown -------------------------------------------------------


def test_cancel_request_interrupts_a_long_query(server: Running) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                conn.execute(LONG_QUERY)
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        # Cancel only once the statement runs: PostgreSQL ignores a cancel between statements.
        deadline = time.monotonic() + 5
        while not any(c.backend and c.backend.busy for c in server.thread.server._connections):
            assert time.monotonic() < deadline, "the long query never started"
            time.sleep(0.01)
        conn.cancel_safe()
        worker.join(10)
        assert not worker.is_alive()
        assert len(errors) == 1 and isinstance(errors[0], psycopg.errors.QueryCanceled)
        assert conn.execute("SELECT 1").fetchone() == (1,)


def _raw_connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    params = b"user\0alice\0database\0app\0\0"
    body = struct.pack("!i", 196608) + params
    sock.sendall(struct.pack("!i", len(body) + 4) + body)
    _read_until(sock, b"Z")
    return sock


def _read_message(sock: socket.socket) -> tuple[bytes, bytes]:
    head = _recv_exact(sock, 5)
    kind, length = head[:1], struct.unpack("!i", head[1:])[0]
    return kind, _recv_exact(sock, length - 4)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError(f"connection closed after {data!r}")
        data += chunk
    return data


def _read_until(sock: socket.socket, kind: bytes) -> list[tuple[bytes, bytes]]:
    messages = []
    while True:
        msg = _read_message(sock)
        messages.append(msg)
        if msg[0] == kind:
            return messages


def _error_code(body: bytes) -> str:
    fields = dict((f[:1], f[1:].decode()) for f in body.split(b"\0") if f)
    return fields[b"C"]


def test_malformed_messages_get_08P01_and_server_keeps_serving(server: Running) -> None:
    # A frame claiming more than the limit.
    sock = _raw_connect(server.port)
    sock.sendall(b"Q" + struct.pack("!I", 0x7FFFFFF0))
    kind, body = _read_message(sock)
    assert kind == b"E" and _error_code(body) == "08P01"
    assert sock.recv(10) == b""
    sock.close()
    # An unknown message type; then a truncated Bind body.
    for bad in (b"!" + struct.pack("!i", 4), b"B" + struct.pack("!i", 6) + b"\0\0"):
        sock = _raw_connect(server.port)
        sock.sendall(bad)
        kind, body = _read_message(sock)
        assert kind == b"E" and _error_code(body) == "08P01"
        sock.close()
    # Garbage before authentication: an impossible start-up length.
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(struct.pack("!i", 2**30) + b"xxxx")
    kind, body = _read_message(sock)
    assert kind == b"E" and _error_code(body) == "08P01"
    sock.close()
    # Empty query, invalid UTF-8 (an ERROR only) and the next client are fine.
    sock = _raw_connect(server.port)
    sock.sendall(_msg(b"Q", b"SELECT '\xff'\0"))
    replies = _read_until(sock, b"Z")
    assert [k for k, _ in replies] == [b"E", b"Z"] and _error_code(replies[0][1]) == "22021"
    sock.sendall(b"Q" + struct.pack("!i", 5) + b"\0")
    assert [k for k, _ in _read_until(sock, b"Z")] == [b"I", b"Z"]
    sock.sendall(b"X" + struct.pack("!i", 4))
    assert sock.recv(10) == b""
    sock.close()
    assert psql(server, "-At", "-c", "SELECT 42").stdout.strip() == "42"


def test_shutdown_sends_57P01_to_connected_clients(start_server: Callable[..., Running]) -> None:
    srv = start_server()
    conn = psycopg.connect(srv.dsn(), autocommit=True)
    assert conn.execute("SELECT 1").fetchone() == (1,)
    srv.thread.stop()
    with pytest.raises(psycopg.OperationalError, match="administrator command"):
        conn.execute("SELECT 1")
    conn.close()


def test_shutdown_ends_a_connection_whose_client_stopped_reading(
    start_server: Callable[..., Running],
) -> None:
    """A client that asked for a large result and reads nothing: the worker waits in its
    send, the socket's buffers full; a shutdown still ends it promptly, its last message to
    that client never blocks the server's loop, and the other clients get theirs."""
    srv = start_server()
    other = psycopg.connect(srv.dsn(), autocommit=True)
    stuck = _raw_connect(srv.port)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(_msg(b"Q", b"SELECT repeat('x', 100000) FROM generate_series(1, 200)\0"))
    time.sleep(1.0)  # the worker is in its send now, the client's buffer full
    stopping = threading.Thread(target=srv.thread.stop, daemon=True)
    stopping.start()
    stopping.join(10)
    assert not stopping.is_alive(), "the shutdown waited for a client that reads nothing"
    with pytest.raises(psycopg.OperationalError, match="administrator command"):
        other.execute("SELECT 1")
    other.close()
    stuck.close()


def test_psycopg_client_cursor_uses_simple_query(server: Running) -> None:
    with psycopg.connect(
        server.dsn(), autocommit=True, cursor_factory=psycopg.ClientCursor
    ) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE s (id integer, note text)")
        cur.execute("INSERT INTO s VALUES (%s, %s)", (1, "it's"))
        cur.execute("SELECT note FROM s WHERE id = %s", (1,))
        assert cur.fetchone() == ("it's",)
        cur.execute("INSERT INTO s VALUES (2, 'x'); SELECT count(*) FROM s")
        assert cur.statusmessage == "INSERT 0 1"
        assert cur.nextset()
        assert cur.fetchone() == (2,)


def test_serve_socket_handed_over_with_tls(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.crt", tmp_path / "c.key"
    generate_self_signed(cert, key)
    server = PgServer(
        factory(str(tmp_path / "h.sqlite")),
        TrustAuthenticator(),
        ssl_context=server_ssl_context(cert, key),
    )
    thread = ServerThread(server)
    thread.start()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hand_over() -> None:
        sock, _ = listener.accept()
        asyncio.run_coroutine_threadsafe(server.serve_socket(sock), thread.loop).result(5)

    acceptor = threading.Thread(target=hand_over)
    acceptor.start()
    try:
        dsn = f"host=127.0.0.1 port={port} user=alice dbname=app sslmode=require connect_timeout=5"
        with psycopg.connect(dsn) as conn:
            assert conn.info.pgconn.ssl_in_use
            assert conn.execute("SELECT 'handed over'").fetchone() == ("handed over",)
    finally:
        acceptor.join(5)
        listener.close()
        thread.stop()


def _msg(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def test_raw_extended_protocol_row_limit_and_skip_until_sync(server: Running) -> None:
    psql(server, "-c", "CREATE TABLE r (id integer)", "-c", "INSERT INTO r VALUES (1), (2), (3)")
    sock = _raw_connect(server.port)
    parse = _msg(
        b"P", b"st\0SELECT id FROM r WHERE id > $1 ORDER BY id\0" + struct.pack("!hI", 1, 23)
    )
    bind = _msg(b"B", b"\0st\0" + struct.pack("!hhi", 0, 1, 1) + b"0" + struct.pack("!hh", 1, 1))
    execute_one = _msg(b"E", b"\0" + struct.pack("!i", 1))
    execute_rest = _msg(b"E", b"\0" + struct.pack("!i", 0))
    describe = _msg(b"D", b"Sst\0")
    sock.sendall(parse + describe + bind + execute_one + execute_one + execute_rest + _msg(b"S"))
    replies = _read_until(sock, b"Z")
    kinds = [k for k, _ in replies]
    assert kinds == [b"1", b"t", b"T", b"2", b"D", b"s", b"D", b"s", b"D", b"C", b"Z"]
    assert replies[1][1] == struct.pack("!hI", 1, 23)  # ParameterDescription: one int4
    assert replies[4][1][-4:] == struct.pack("!i", 1)  # binary int4 result
    assert replies[9][1] == b"SELECT 1\0"
    # A Bind with the wrong parameter count fails; the Execute behind it is skipped.
    bad_bind = _msg(b"B", b"\0st\0" + struct.pack("!hhh", 0, 0, 0))
    sock.sendall(bad_bind + execute_rest + _msg(b"S"))
    replies = _read_until(sock, b"Z")
    assert [k for k, _ in replies] == [b"E", b"Z"]
    assert _error_code(replies[0][1]) == "08P01"
    sock.sendall(_msg(b"C", b"Sst\0") + _msg(b"S"))
    assert [k for k, _ in _read_until(sock, b"Z")] == [b"3", b"Z"]
    sock.close()


def test_port_conflict_is_a_clear_error(server: Running) -> None:
    from aurora.engine.errors import Conflict

    clash = PgServer(factory(str(server.db)), TrustAuthenticator(), port=server.port)
    with pytest.raises(Conflict, match="cannot listen"):
        asyncio.run(clash.start())


def test_unencrypted_bytes_after_ssl_request_are_refused(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.crt", tmp_path / "c.key"
    generate_self_signed(cert, key)
    server = PgServer(
        factory(str(tmp_path / "s.sqlite")),
        TrustAuthenticator(),
        ssl_context=server_ssl_context(cert, key),
    )
    with ServerThread(server) as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(struct.pack("!ii", 8, 80877103) + b"injected")
        kind, body = _read_message(sock)
        assert kind == b"E" and _error_code(body) == "08P01"
        sock.close()


def test_startup_gssenc_refused_and_newer_protocol_negotiated(server: Running) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(struct.pack("!ii", 8, 80877104))  # GSSENCRequest
    assert _recv_exact(sock, 1) == b"N"
    body = struct.pack("!i", (3 << 16) | 2) + b"user\0alice\0_pq_.future\0x\0\0"
    sock.sendall(struct.pack("!i", len(body) + 4) + body)
    replies = _read_until(sock, b"Z")
    assert replies[0] == (b"v", struct.pack("!ii", 0, 1) + b"_pq_.future\0")
    assert replies[1] == (b"R", struct.pack("!i", 0))
    status = dict(tuple(b.split(b"\0")[:2]) for k, b in replies if k == b"S")
    assert status[b"server_version"].startswith(b"16.")
    assert status[b"session_authorization"] == b"alice"
    assert status[b"DateStyle"] == b"ISO, MDY"
    assert b"K" in [k for k, _ in replies]
    sock.close()


def test_pass_startup_gives_the_factory_settings_and_backend_pid(
    start_server: Callable[..., Running], tmp_path: Path
) -> None:
    seen: dict[str, object] = {}

    def make(
        user: str, database: str, *, settings: dict[str, str], backend_pid: int
    ) -> SqliteSession:
        seen.update(settings=settings, pid=backend_pid, user=user, database=database)
        return SqliteSession(str(tmp_path / "ctx.sqlite"))

    srv = start_server(session_factory=make, pass_startup=True)
    dsn = srv.dsn(application_name="myapp", options="'-c TimeZone=Europe/Paris -c work_mem=4MB'")
    with psycopg.connect(dsn) as conn:
        assert conn.info.backend_pid == seen["pid"]
    assert (seen["user"], seen["database"]) == ("alice", "app")
    settings = seen["settings"]
    assert isinstance(settings, dict)
    assert settings["application_name"] == "myapp"
    assert settings["TimeZone"] == "Europe/Paris" and settings["work_mem"] == "4MB"


def test_prepared_statement_rebound_with_other_formats(server: Running) -> None:
    # Bind keeps a prepared statement's decoders and encoders per format codes: switching
    # between text and binary, parameters and results, must use the right ones every time.
    sock = _raw_connect(server.port)
    sock.sendall(p.frame(b"Q", b"CREATE TABLE rebind(n int4); INSERT INTO rebind VALUES (6), (42), (10), (-2), (8)\0"))
    _read_until(sock, b"Z")
    sql = b"SELECT n FROM rebind WHERE n = $1 + 1"
    sock.sendall(p.frame(b"P", b"s1\0" + sql + b"\0" + struct.pack("!Hi", 1, 23)) + p.frame(b"S"))
    assert [k for k, _ in _read_until(sock, b"Z")] == [b"1", b"Z"]

    def run(param: bytes, param_format: int, result_format: int) -> bytes:
        bind = (b"\0s1\0" + struct.pack("!Hh", 1, param_format) + struct.pack("!Hi", 1, len(param))
                + param + struct.pack("!Hh", 1, result_format))
        sock.sendall(p.frame(b"B", bind) + p.frame(b"E", b"\0\0\0\0\0") + p.frame(b"S"))
        messages = _read_until(sock, b"Z")
        assert [k for k, _ in messages] == [b"2", b"D", b"C", b"Z"]
        row = messages[1][1]
        assert row[:2] == b"\0\x01"
        (length,) = struct.unpack_from("!i", row, 2)
        return row[6 : 6 + length]

    assert run(b"5", 0, 0) == b"6"
    assert run(struct.pack("!i", 41), 1, 1) == struct.pack("!i", 42)
    assert run(b"9", 0, 1) == struct.pack("!i", 10)
    assert run(struct.pack("!i", -3), 1, 0) == b"-2"
    assert run(b"7", 0, 0) == b"8"
    sock.close()


def test_deallocate_is_answered_by_the_protocol_layer(server: Running) -> None:
    sock = _raw_connect(server.port)
    for name in (b"s1", b"s2"):
        sock.sendall(p.frame(b"P", name + b"\0SELECT 1\0\0\0") + p.frame(b"S"))
        _read_until(sock, b"Z")
    sock.sendall(p.frame(b"Q", b"  DeAllocate s1\0"))
    got = _read_until(sock, b"Z")
    assert [m for m in got if m[0] == b"C"] == [(b"C", b"DEALLOCATE\0")], got
    sock.sendall(p.frame(b"Q", b"/* a comment */ -- and another\n DEALLOCATE s3\0"))
    kind, body = _read_until(sock, b"Z")[0]
    assert kind == b"E" and _error_code(body) == "26000"  # no such statement, not a syntax error
    sock.sendall(p.frame(b"Q", b"SELECT 1; DEALLOCATE PREPARE s2\0"))
    tags = [m[1] for m in _read_until(sock, b"Z") if m[0] == b"C"]
    assert tags == [b"SELECT 1\0", b"DEALLOCATE\0"]
    for name in (b"s1", b"s2"):
        sock.sendall(p.frame(b"B", b"\0" + name + b"\0\0\0\0\0\0\0") + p.frame(b"S"))
        kind, body = _read_until(sock, b"Z")[0]
        assert kind == b"E" and _error_code(body) == "26000"
    sock.close()
