"""The MySQL front end against real clients: PyMySQL, mysql-connector-python, the mysql
command-line client and raw sockets.

Each test starts its own server on a free 127.0.0.1 port, on an event loop in a background
thread, in front of the SQLite test session of mywire_sqlite_session.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import random
import shutil
import socket
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import mysql.connector
import pymysql
import pytest
from mywire_sqlite_session import factory

from aurora.engine.mywire import MyAuthenticator, MyServer, ServerThread
from aurora.engine.pgwire.tls import generate_self_signed, server_ssl_context
from aurora.engine.sqlapi import SqlError

pytestmark = pytest.mark.timeout(90)

MYSQL = shutil.which("mysql") or "/usr/bin/mysql"
PASSWORDS = {"u": "pw", "native": "npw", "empty": ""}
PLUGINS = {"native": "mysql_native_password"}


@dataclass
class Running:
    port: int
    server: MyServer
    auth: MyAuthenticator
    thread: ServerThread
    db: Path
    cert: Path | None = None

    def connect(self, user: str = "u", password: str = "pw", **kw: object) -> pymysql.Connection:
        kw.setdefault("database", "app")
        return pymysql.connect(
            host="127.0.0.1",
            port=self.port,
            user=user,
            password=password,
            connect_timeout=5,
            read_timeout=30,
            **kw,
        )

    def run(self, fn: Callable[[], object]) -> object:
        """Run a coroutine function on the server's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(fn(), self.thread.loop).result(20)  # type: ignore[arg-type]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[ServerThread] = []

    def start(tls: bool = False, **kw: object) -> Running:
        db = tmp_path / "db.sqlite"
        cert = key = None
        ctx = None
        if tls:
            cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
            if not cert.exists():
                generate_self_signed(cert, key)
            ctx = server_ssl_context(cert, key)
        auth = MyAuthenticator(PASSWORDS, plugins=PLUGINS)
        server = MyServer(factory(str(db)), auth, ssl_context=ctx, **kw)  # type: ignore[arg-type]
        thread = ServerThread(server)
        started.append(thread)
        return Running(thread.start(), server, auth, thread, db, cert)

    yield start
    for thread in started:
        thread.stop()


@pytest.fixture
def server(start_server: Callable[..., Running]) -> Running:
    return start_server()


@pytest.fixture
def tls_server(start_server: Callable[..., Running]) -> Running:
    return start_server(tls=True)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# --- authentication ---------------------------------------------------------------------------


def test_caching_sha2_full_auth_via_rsa_then_fast_auth(server: Running) -> None:
    assert not server.auth.has_rsa_key  # made lazily, not at start-up
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    assert server.auth.has_rsa_key
    assert (server.auth.full_authentications, server.auth.fast_authentications) == (1, 0)
    with server.connect() as conn, conn.cursor() as cur:  # the user's hash is cached now
        cur.execute("SELECT 2")
        assert cur.fetchone() == (2,)
    assert (server.auth.full_authentications, server.auth.fast_authentications) == (1, 1)


def test_caching_sha2_full_auth_over_tls(tls_server: Running) -> None:
    ssl_opts = {"ca": str(tls_server.cert), "check_hostname": False}
    with tls_server.connect(ssl=ssl_opts) as conn, conn.cursor() as cur:
        cur.execute("SELECT 'over tls'")
        assert cur.fetchone() == ("over tls",)
    assert tls_server.auth.full_authentications == 1
    assert not tls_server.auth.has_rsa_key  # the password came in clear, inside TLS
    with tls_server.connect(ssl=ssl_opts) as conn:
        conn.ping()
    assert tls_server.auth.fast_authentications == 1


def test_mysql_native_password_via_auth_switch(server: Running) -> None:
    # PyMySQL answers the handshake with caching_sha2_password; the account uses the native
    # plugin, so the server switches it over (AuthSwitchRequest) as MySQL does.
    with server.connect("native", "npw") as conn, conn.cursor() as cur:
        cur.execute("SELECT 'native'")
        assert cur.fetchone() == ("native",)
    with pytest.raises(pymysql.err.OperationalError) as info:
        server.connect("native", "wrong")
    assert info.value.args[0] == 1045
    # mysql-connector asked for mysql_native_password up front: no switch needed.
    conn2 = mysql.connector.connect(
        host="127.0.0.1",
        port=server.port,
        user="native",
        password="npw",
        auth_plugin="mysql_native_password",
        ssl_disabled=True,
    )
    cur2 = conn2.cursor()
    cur2.execute("SELECT 3")
    assert cur2.fetchall() == [(3,)]
    conn2.close()


def test_wrong_password_unknown_user_and_empty_password(server: Running) -> None:
    with pytest.raises(pymysql.err.OperationalError) as info:
        server.connect("u", "nope")
    assert info.value.args == (1045, "Access denied for user 'u'@'127.0.0.1' (using password: YES)")
    with pytest.raises(pymysql.err.OperationalError) as info:
        server.connect("nobody", "pw")
    assert info.value.args[0] == 1045
    with pytest.raises(pymysql.err.OperationalError) as info:
        server.connect("u", "")
    assert "(using password: NO)" in info.value.args[1]
    with server.connect("empty", "") as conn:
        conn.ping()
    assert server.server.session_count <= 1


def test_unknown_database_at_connect_and_too_many_connections(
    start_server: Callable[..., Running],
) -> None:
    srv = start_server(max_connections=1)
    with pytest.raises(pymysql.err.OperationalError) as info:
        srv.connect(database="nosuchdb")
    assert info.value.args == (1049, "Unknown database 'nosuchdb'")
    first = srv.connect()
    with pytest.raises(pymysql.err.OperationalError) as info:
        srv.connect()
    assert info.value.args == (1040, "Too many connections")
    srv.server.max_connections = 2  # settable: a serverless instance follows its max ACU
    second = srv.connect()
    assert srv.server.session_count == 2
    assert srv.server.sessions_started == 2
    first.close()
    second.close()
    wait_for(lambda: srv.server.session_count == 0 and srv.server.connection_count == 0)


# --- queries, values, results ---------------------------------------------------------------

CREATE_ALL_TYPES = """
CREATE TABLE v (
    id INTEGER PRIMARY KEY, i INT, big BIGINT, flag BOOL, d DOUBLE, f FLOAT,
    money DECIMAL(10,2), name VARCHAR(40), body TEXT, raw BLOB, day DATE, at DATETIME(6),
    clock TIME, doc JSON, ident UUID
)"""

ROW = (
    1,
    -42,
    2**53 + 1,
    True,
    3.25,
    1.5,
    Decimal("12.34"),
    'it\'s a \\ "quoted" é ☃',
    "line\nbreak\ttab",
    b"\x00\x01\xfe\xff'\\",
    dt.date(2024, 2, 29),
    dt.datetime(2024, 2, 29, 13, 14, 15, 123456),
    dt.timedelta(hours=25, minutes=2, seconds=3),
    {"a": [1, 2, None], "b": "x"},
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
)


def test_every_value_type_round_trips_through_pymysql(server: Running) -> None:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute(CREATE_ALL_TYPES)
        values = list(ROW)
        values[13] = json.dumps(values[13])
        values[14] = str(values[14])
        marks = ", ".join(["%s"] * len(ROW))
        cur.execute(f"INSERT INTO v VALUES ({marks})", values)
        cur.execute("INSERT INTO v (id) VALUES (2)")
        cur.execute("SELECT * FROM v ORDER BY id")
        got, nulls = cur.fetchall()
        assert got[:13] == (
            1,
            -42,
            2**53 + 1,
            1,
            3.25,
            1.5,
            Decimal("12.34"),
            ROW[7],
            ROW[8],
            ROW[9],
            ROW[10],
            ROW[11],
            ROW[12],
        )
        assert json.loads(got[13]) == ROW[13]
        assert got[14] == str(ROW[14])
        assert nulls == (2,) + (None,) * 14
        types = [d[1] for d in cur.description]
        # LONG, LONGLONG, TINY, DOUBLE, FLOAT, NEWDECIMAL, VAR_STRING, BLOB, BLOB, DATE,
        # DATETIME, TIME, JSON, STRING
        assert types[1:] == [3, 8, 1, 5, 4, 246, 253, 252, 252, 10, 12, 11, 245, 254]
        cur.execute("SELECT 7 AS seven, 2.5 AS half, 'x' AS x, NULL AS empty")
        assert cur.fetchone() == (7, 2.5, "x", None)
        assert [d[0] for d in cur.description] == ["seven", "half", "x", "empty"]


def test_multi_statements_chain_results_and_stop_at_the_first_error(server: Running) -> None:
    with server.connect() as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            cur.execute("SELECT 1; SELECT 2")  # without CLIENT_MULTI_STATEMENTS: one statement
        assert info.value.args[0] == 1064
    multi = pymysql.constants.CLIENT.MULTI_STATEMENTS
    with server.connect(client_flag=multi) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE m (id INTEGER PRIMARY KEY, n INT); "
            "INSERT INTO m (n) VALUES (1), (2); SELECT n FROM m ORDER BY n; SELECT 'end'"
        )
        assert cur.rowcount == 0  # CREATE TABLE
        assert cur.nextset()
        assert cur.rowcount == 2
        assert cur.nextset()
        assert cur.fetchall() == ((1,), (2,))
        assert cur.nextset()
        assert cur.fetchall() == (("end",),)
        assert not cur.nextset()
        cur.execute("SELECT 1; SELECT * FROM missing; SELECT 3")
        assert cur.fetchall() == ((1,),)
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            cur.nextset()
        assert info.value.args[0] == 1146
        cur.execute("SELECT 'still usable'")
        assert cur.fetchone() == ("still usable",)
        with pytest.raises(pymysql.err.OperationalError) as info:
            cur.execute(" ; ")
        assert info.value.args == (1065, "Query was empty")


def test_affected_rows_lastrowid_and_status_flags(server: Running) -> None:
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, n INT)")
        cur.execute("INSERT INTO a (n) VALUES (10)")
        assert (cur.rowcount, cur.lastrowid) == (1, 1)
        cur.executemany("INSERT INTO a (n) VALUES (%s)", [(11,), (12,), (13,)])
        assert (cur.rowcount, cur.lastrowid) == (3, 2)  # the first id the statement made
        assert cur.execute("UPDATE a SET n = n + 1 WHERE n > 10") == 3
        assert cur.execute("DELETE FROM a WHERE id = 99") == 0
        assert conn.get_autocommit()
        assert not conn.server_status & 1
        cur.execute("BEGIN")
        assert conn.server_status & 1  # SERVER_STATUS_IN_TRANS
        cur.execute("ROLLBACK")
        assert not conn.server_status & 1
    with server.connect() as conn, conn.cursor() as cur:  # PyMySQL's default: autocommit off
        assert not conn.get_autocommit()
        cur.execute("INSERT INTO a (n) VALUES (1)")
        assert conn.server_status & 1
        conn.rollback()
        cur.execute("SELECT count(*) FROM a")
        assert cur.fetchone() == (4,)


def test_errors_carry_errno_and_sqlstate(server: Running, caplog: pytest.LogCaptureFixture) -> None:
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, n INT NOT NULL)")
        cur.execute("INSERT INTO e VALUES (1, 1)")
        with pytest.raises(pymysql.err.IntegrityError) as info:
            cur.execute("INSERT INTO e VALUES (1, 2)")
        assert info.value.args[0] == 1062
        with pytest.raises(pymysql.err.IntegrityError) as info:
            cur.execute("INSERT INTO e VALUES (2, NULL)")
        assert info.value.args[0] == 1048
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            cur.execute("SELEC 1")
        assert info.value.args[0] == 1064
        with pytest.raises(pymysql.err.OperationalError) as info:
            cur.execute("SELECT nosuchcolumn FROM e")
        assert info.value.args[0] == 1054
        # No errno from the session: the front end maps PostgreSQL's 42P07 to 1050.
        with pytest.raises(pymysql.err.MySQLError) as info:
            cur.execute("CREATE TABLE e (x INT)")
        assert info.value.args[0] == 1050
        # A session bug is one line, ER_UNKNOWN_ERROR, and the connection goes on.
        with (
            caplog.at_level(logging.ERROR, "aurora.mywire"),
            pytest.raises(pymysql.err.MySQLError) as info,
        ):
            cur.execute("SELECT boom()")
        assert info.value.args[0] == 1105
        assert "\n" not in info.value.args[1] and "Traceback" not in info.value.args[1]
        cur.execute("SELECT 'alive'")
        assert cur.fetchone() == ("alive",)


def test_large_values_split_into_16_mib_packets(server: Running) -> None:
    blob = bytes(range(256)) * (17 * 4096 + 3)  # a little over 17 MiB: two chunks each way
    conn = mysql.connector.connect(
        host="127.0.0.1",
        port=server.port,
        user="native",
        password="npw",
        database="app",
        ssl_disabled=True,
        autocommit=True,
    )
    try:
        cur = conn.cursor(prepared=True)
        cur.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)")
        cur.execute("INSERT INTO big VALUES (1, ?)", (blob,))  # client to server: split
        # Server to client: the text protocol (Connector/Python's pure binary-row reader does
        # not join split packets; its text reader does).
        text = conn.cursor()
        text.execute("SELECT b, length(b) FROM big")
        value, length = text.fetchone()
        assert length == len(blob) and value == blob
    finally:
        conn.close()


# --- mysql-connector-python: binary protocol ----------------------------------------------


def test_mysql_connector_prepared_statements(tls_server: Running) -> None:
    conn = mysql.connector.connect(
        host="127.0.0.1",
        port=tls_server.port,
        user="u",
        password="pw",
        database="app",
        ssl_verify_cert=False,
        autocommit=True,
    )
    try:
        cur = conn.cursor(prepared=True)
        cur.execute(CREATE_ALL_TYPES)
        insert = "INSERT INTO v VALUES (" + ", ".join(["?"] * len(ROW)) + ")"
        values = list(ROW)
        values[3] = 1
        values[13] = json.dumps(values[13])
        values[14] = str(values[14])
        cur.execute(insert, values)
        assert (cur.rowcount, cur.lastrowid) == (1, 1)
        values[0] = 2
        values[1:] = [None] * 14  # re-execute: all NULL
        cur.execute(insert, values)
        cur.execute("SELECT * FROM v WHERE id >= ? ORDER BY id", (1,))
        got, nulls = cur.fetchall()
        assert got[:13] == (
            1,
            -42,
            2**53 + 1,
            1,
            3.25,
            1.5,
            Decimal("12.34"),
            ROW[7],
            ROW[8],
            ROW[9],
            ROW[10],
            ROW[11],
            ROW[12],
        )
        assert json.loads(got[13]) == ROW[13]
        assert got[14] == str(ROW[14])
        assert nulls == (2,) + (None,) * 14
        select = "SELECT ? + 1, ?, ?"
        for n in range(3):  # the same statement executed again
            cur.execute(select, (n, f"s{n}", Decimal("1.5")))
            assert cur.fetchall() == [(n + 1, f"s{n}", "1.5")]
        with pytest.raises(mysql.connector.Error) as info:
            cur.execute("SELECT * FROM missing WHERE id = ?", (1,))
        assert info.value.errno == 1146
        cur.close()
        plain = conn.cursor()
        conn.cmd_reset_connection()
        plain.execute("SELECT 'after reset'")
        assert plain.fetchall() == [("after reset",)]
    finally:
        conn.close()


# --- the mysql command-line client ----------------------------------------------------------


def mysql_cli(
    srv: Running, sql: str, *extra: str, password: str = "pw"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MYSQL, "-h127.0.0.1", "-P", str(srv.port), "-uu", f"-p{password}", *extra, "-e", sql],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_mysql_cli_batch_output(server: Running, tls_server: Running) -> None:
    # Without TLS the MariaDB client must be told not to want it (--skip-ssl): otherwise it
    # answers "perform full authentication" with the password in clear, which caching_sha2
    # refuses on an unencrypted connection, as MySQL does. With --skip-ssl it asks for the
    # RSA key; after that the user's hash is cached and fast authentication needs neither.
    refused = mysql_cli(server, "SELECT 1")
    assert refused.returncode == 1 and "ERROR 1045 (28000)" in refused.stderr
    out = mysql_cli(server, "SELECT 1 AS a, 'x' AS b; SELECT NULL AS n", "--skip-ssl", "app")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "a\tb\n1\tx\nn\nNULL\n"
    again = mysql_cli(server, "SELECT 2 AS b")
    assert (again.returncode, again.stdout) == (0, "b\n2\n")
    # A server with TLS: the client upgrades by itself and sends the password inside TLS.
    out = mysql_cli(tls_server, "CREATE TABLE c (n INT); INSERT INTO c VALUES (5); SELECT n FROM c")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "n\n5\n"
    bad = mysql_cli(tls_server, "SELECT * FROM nowhere")
    assert bad.returncode == 1
    assert "ERROR 1146 (42S02)" in bad.stderr
    wrong = mysql_cli(tls_server, "SELECT 1", password="bad")
    assert "ERROR 1045 (28000): Access denied for user 'u'@'127.0.0.1'" in wrong.stderr


# --- KILL, ping, init db, statistics ---------------------------------------------------------


def test_kill_query_interrupts_a_long_statement(server: Running) -> None:
    victim = server.connect(autocommit=True)
    killer = server.connect(autocommit=True)
    outcome: list[object] = []

    def long_statement() -> None:
        try:
            with victim.cursor() as cur:
                cur.execute("SELECT SLEEP(30)")
                outcome.append(cur.fetchall())
        except pymysql.err.MySQLError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=long_statement)
    started = time.monotonic()
    worker.start()
    time.sleep(0.3)
    with killer.cursor() as cur:
        cur.execute(f"KILL QUERY {victim.thread_id()}")
    worker.join(10)
    assert time.monotonic() - started < 5
    assert isinstance(outcome[0], pymysql.err.OperationalError)
    assert outcome[0].args[0] == 1317
    with victim.cursor() as cur:  # only the statement was killed
        cur.execute("SELECT CONNECTION_ID()")
        assert cur.fetchone() == (victim.thread_id(),)
    with killer.cursor() as cur:
        with pytest.raises(pymysql.err.MySQLError) as info:
            cur.execute("KILL 999999")
        assert info.value.args == (1094, "Unknown thread id: 999999")
        cur.execute(f"KILL CONNECTION {victim.thread_id()}")
    with pytest.raises(pymysql.err.OperationalError), victim.cursor() as cur:
        cur.execute("SELECT 1")
    other = server.connect()
    killer.kill(other.thread_id())  # COM_PROCESS_KILL
    wait_for(lambda: server.server.session_count == 1)
    killer.ping()
    killer.close()


def test_ping_init_db_statistics_and_reset(server: Running) -> None:
    with server.connect(database=None) as conn, conn.cursor() as cur:
        conn.ping()
        cur.execute("SELECT DATABASE()")
        assert cur.fetchone() == (None,)
        conn.select_db("test")  # COM_INIT_DB
        cur.execute("SELECT DATABASE()")
        assert cur.fetchone() == ("test",)
        with pytest.raises(pymysql.err.OperationalError) as info:
            conn.select_db("nope")
        assert info.value.args[0] == 1049
        conn._execute_command(pymysql.constants.COMMAND.COM_STATISTICS, b"")
        stats = conn._read_packet().get_all_data().decode()
        assert stats.startswith("Uptime: ") and "Questions: " in stats
    conn2 = mysql.connector.connect(
        host="127.0.0.1",
        port=server.port,
        user="native",
        password="npw",
        database="app",
        ssl_disabled=True,
    )
    cur2 = conn2.cursor()
    cur2.execute("CREATE TABLE r (n INT)")
    assert not conn2.autocommit  # Connector/Python's default
    cur2.execute("INSERT INTO r VALUES (1)")
    assert conn2.in_transaction
    conn2.cmd_reset_connection()  # COM_RESET_CONNECTION: the session rolls back
    cur2 = conn2.cursor()
    cur2.execute("SELECT count(*) FROM r")
    assert cur2.fetchall() == [(0,)]
    conn2.close()


def test_serve_socket_and_admit_gate(start_server: Callable[..., Running]) -> None:
    admitted: list[bool] = []

    @contextlib.contextmanager
    def admit(in_transaction: bool) -> Iterator[None]:
        admitted.append(in_transaction)
        yield

    srv = start_server(admit=admit)
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    acceptor = threading.Thread(target=lambda: accepted.append(listener.accept()[0]))
    acceptor.start()
    holder: list[pymysql.Connection] = []
    client = threading.Thread(
        target=lambda: holder.append(
            pymysql.connect(
                host="127.0.0.1",
                port=listener.getsockname()[1],
                user="u",
                password="pw",
                database="app",
                autocommit=True,
                connect_timeout=5,
            )
        )
    )
    client.start()
    acceptor.join(5)
    sock = accepted[0]
    sock.setblocking(False)
    srv.run(lambda: srv.server.serve_socket(sock))
    client.join(10)
    conn = holder[0]
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SELECT 1")
        cur.execute("COMMIT")
    conn.close()
    listener.close()
    assert admitted[-3:] == [False, True, True]


def test_stop_closes_connections_and_cancels_statements(
    start_server: Callable[..., Running],
) -> None:
    srv = start_server()
    busy = srv.connect()
    idle = srv.connect()
    errors: list[Exception] = []

    def sleeper() -> None:
        try:
            with busy.cursor() as cur:
                cur.execute("SELECT SLEEP(30)")
        except pymysql.err.MySQLError as exc:
            errors.append(exc)

    worker = threading.Thread(target=sleeper)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    srv.thread.stop(timeout=5)
    worker.join(10)
    assert time.monotonic() - started < 5
    assert errors
    with pytest.raises(pymysql.err.OperationalError):
        idle.ping(reconnect=False)


# --- raw protocol: binary re-execute, field list, and malformed input ----------------------


class RawClient:
    """A minimal MySQL client on a socket (mysql_native_password), for what drivers hide."""

    CAPS = 1 | 4 | 8 | 0x200 | 0x8000 | 0x10000 | 0x20000 | 0x80000 | 0x200000

    def __init__(self, port: int, *, deprecate_eof: bool = False) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        hello, seq = self.read()
        scramble = hello[hello.index(b"\x00", 1) + 5 :][:8]
        rest = hello[hello.index(b"\x00", 1) + 5 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 :]
        scramble += rest[:12]
        stage1 = hashlib.sha1(b"npw").digest()
        token = bytes(
            a ^ b
            for a, b in zip(
                stage1, hashlib.sha1(scramble + hashlib.sha1(stage1).digest()).digest(), strict=True
            )
        )
        caps = self.CAPS | (1 << 24 if deprecate_eof else 0)
        body = struct.pack("<IIB", caps, 1 << 24, 255) + b"\x00" * 23
        body += b"native\x00" + bytes((len(token),)) + token + b"app\x00"
        body += b"mysql_native_password\x00"
        self.write(body, seq + 1)
        ok, _ = self.read()
        assert ok[0] == 0, ok

    def write(self, payload: bytes, seq: int = 0) -> None:
        self.sock.sendall(len(payload).to_bytes(3, "little") + bytes((seq,)) + payload)

    def read(self) -> tuple[bytes, int]:
        while len(self.buf) < 4 or len(self.buf) < 4 + int.from_bytes(self.buf[:3], "little"):
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        n = int.from_bytes(self.buf[:3], "little")
        payload, seq, self.buf = self.buf[4 : 4 + n], self.buf[3], self.buf[4 + n :]
        return payload, seq

    def closed(self) -> bool:
        """Whether the server closed the connection (after any packets it sent first)."""
        try:
            while True:
                self.read()
        except (ConnectionError, OSError):
            return True

    def command(self, payload: bytes) -> bytes:
        self.write(payload)
        return self.read()[0]


def test_binary_execute_reuses_the_previous_types(server: Running) -> None:
    raw = RawClient(server.port, deprecate_eof=True)
    prepared = raw.command(b"\x16SELECT ? + 1, ?")
    assert prepared[0] == 0
    statement_id, columns, params = struct.unpack_from("<IHH", prepared, 1)
    assert (columns, params) == (2, 2)
    for _ in range(params + columns):
        raw.read()  # the definitions (no EOF: DEPRECATE_EOF)
    head = b"\x17" + struct.pack("<IBI", statement_id, 0, 1)
    # First execute: types bound (LONGLONG, VAR_STRING).
    first = head + b"\x00\x01" + bytes((8, 0, 253, 0)) + struct.pack("<q", 41) + b"\x02hi"
    # Second execute: new-params-bound 0, no types: the previous ones apply (sysbench).
    second = head + b"\x00\x00" + struct.pack("<q", 9) + b"\x03bye"
    for message, expected in ((first, (42, b"hi")), (second, (10, b"bye"))):
        assert raw.command(message) == b"\x02"  # two columns
        raw.read()
        raw.read()
        row, _ = raw.read()
        assert row[0] == 0 and row[1] == 0  # binary row, no NULLs
        assert struct.unpack_from("<q", row, 2)[0] == expected[0]
        assert row[10:] == bytes((len(expected[1]),)) + expected[1]
        end, _ = raw.read()
        assert end[0] == 0xFE
    # Unknown statement id, and a statement that never got types.
    missing = raw.command(b"\x17" + struct.pack("<IBI", 999, 0, 1))
    assert missing[0] == 0xFF and struct.unpack_from("<H", missing, 1)[0] == 1243
    other = raw.command(b"\x16SELECT ?")
    other_id = struct.unpack_from("<I", other, 1)[0]
    raw.read()
    raw.read()
    untyped = raw.command(b"\x17" + struct.pack("<IBI", other_id, 0, 1) + b"\x00\x00")
    assert untyped[0] == 0xFF and struct.unpack_from("<H", untyped, 1)[0] == 1210
    # Long data for a parameter, then close the statement.
    raw.write(b"\x18" + struct.pack("<IH", other_id, 0) + b"long ")
    raw.write(b"\x18" + struct.pack("<IH", other_id, 0) + b"data")
    assert (
        raw.command(b"\x17" + struct.pack("<IBI", other_id, 0, 1) + b"\x00\x01\xfe\x00") == b"\x01"
    )
    raw.read()
    row, _ = raw.read()
    assert row[2:] == b"\x09long data"
    raw.read()
    raw.write(b"\x19" + struct.pack("<I", other_id))
    assert raw.command(b"\x0e")[0] == 0  # COM_PING still answered in order


def test_fixed_size_parameters_are_read_in_one_unpack_as_one_by_one(server: Running) -> None:
    """An execute that sends no types and no NULL, whose every type has a fixed size (what
    sysbench sends after its first), is read with one unpack of the statement's layout: the
    values must be the ones a value-by-value read gives, signed and unsigned, FLOAT and
    DOUBLE; a NULL, types sent again or a short packet take the value-by-value way."""
    raw = RawClient(server.port, deprecate_eof=True)
    assert raw.command(b"\x03CREATE TABLE fx (a int, b int, c int, d real, e real, f int)")[0] == 0
    prepared = raw.command(b"\x16INSERT INTO fx VALUES (?, ?, ?, ?, ?, ?)")
    statement_id, _columns, params = struct.unpack_from("<IHH", prepared, 1)
    assert params == 6
    for _ in range(params):
        raw.read()
    head = b"\x17" + struct.pack("<IBI", statement_id, 0, 1)
    # TINY signed, SHORT unsigned, LONG unsigned, DOUBLE, FLOAT, LONGLONG signed
    types = bytes((1, 0, 2, 0x80, 3, 0x80, 5, 0, 4, 0, 8, 0))
    layout = "<bHIdfq"
    rows = [
        (-5, 65535, 4294967295, 2.5, 1.5, -9000000000000000000),
        (-7, 65534, 4294967294, -0.25, 3.0, -5),  # the one-unpack way from here
        (8, 2, None, 1e300, -2.5, 6),  # a NULL: the value-by-value way
        (9, 3, 4, 0.5, 0.75, 2**62),
    ]
    for n, row in enumerate(rows):
        nulls = sum(1 << i for i, v in enumerate(row) if v is None)
        values = b"".join(struct.pack("<" + f, v) for f, v in zip(layout[1:], row, strict=True) if v is not None)
        bound = b"\x01" + types if n == 0 else b"\x00"
        assert raw.command(head + bytes((nulls,)) + bound + values)[0] == 0, row
    short = head + b"\x00\x00" + struct.pack(layout, *rows[1])[:-3]  # three bytes missing
    assert raw.command(short)[0] == 0xFF  # refused, as the value-by-value read refuses it
    raw = RawClient(server.port, deprecate_eof=True)
    assert raw.command(b"\x03SELECT a, b, c, d, e, f FROM fx ORDER BY a") == b"\x06"
    for _ in range(6):
        raw.read()
    got = []
    while (packet := raw.read()[0])[0] != 0xFE:
        r, fields = 0, []
        while r < len(packet):
            if packet[r] == 0xFB:
                fields.append(None)
                r += 1
            else:
                fields.append(packet[r + 1 : r + 1 + packet[r]].decode())
                r += 1 + packet[r]
        got.append(tuple(None if f is None else float(f) if "." in f or "e" in f else int(f) for f in fields))
    assert got == sorted(rows, key=lambda row: row[0])


def test_commands_arrive_whole_pipelined_or_in_pieces(server: Running) -> None:
    """A command that arrives alone in one receive (the usual case, read without buffering),
    two in one send, and one in pieces with the next command behind it: each is answered,
    in order."""
    raw = RawClient(server.port)

    def frame(payload: bytes) -> bytes:
        return len(payload).to_bytes(3, "little") + b"\x00" + payload

    def value() -> bytes:
        rows = [raw.read()[0] for _ in range(5)]  # count, definition, EOF, row, EOF
        assert rows[0] == b"\x01" and rows[2][0] == rows[4][0] == 0xFE, rows
        return rows[3][1:]

    raw.write(b"\x03SELECT 'alone'")
    assert value() == b"alone"
    raw.sock.sendall(frame(b"\x03SELECT 'first'") + frame(b"\x03SELECT 'second'"))
    assert value() == b"first" and value() == b"second"
    data = frame(b"\x03SELECT 'pieces'") + frame(b"\x0e")  # then COM_PING
    for i in range(0, len(data), 5):
        raw.sock.sendall(data[i : i + 5])
        time.sleep(0.002)
    assert value() == b"pieces"
    assert raw.read()[0][0] == 0x00  # the ping's OK
    raw.write(b"\x03SELECT 'whole again'")
    assert value() == b"whole again"
    raw.sock.close()


def test_field_list_set_option_and_eof_packets(server: Running) -> None:
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE fl (id INT, name VARCHAR(10))")
    raw = RawClient(server.port)  # without DEPRECATE_EOF: EOF packets
    first = raw.command(b"\x04fl\x00")
    names = [first]
    while True:
        packet, _ = raw.read()
        if packet[0] == 0xFE and len(packet) < 9:
            break
        names.append(packet)
    assert len(names) == 2 and b"\x02id" in names[0] and b"\x04name" in names[1]
    assert raw.command(b"\x1b\x01\x00")[0] == 0xFE  # COM_SET_OPTION multi-statements off
    err = raw.command(b"\x03SELECT 1; SELECT 2")
    assert err[0] == 0xFF  # the session sees one string with two statements
    assert raw.command(b"\x1b\x00\x00")[0] == 0xFE
    assert raw.command(b"\x03SELECT 1; SELECT 2") == b"\x01"
    rest = [raw.read()[0] for _ in range(9)]  # def, EOF, row, EOF; then the second result
    assert rest[3][0] == 0xFE and struct.unpack_from("<H", rest[3], 3)[0] & 0x0008  # MORE
    assert rest[8][0] == 0xFE and not struct.unpack_from("<H", rest[8], 3)[0] & 0x0008
    unknown = raw.command(b"\x99")
    assert unknown[0] == 0xFF and struct.unpack_from("<H", unknown, 1)[0] == 1047
    assert raw.closed()


def test_malformed_input_never_breaks_the_server(
    server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    bystander = server.connect(autocommit=True)
    rng = random.Random(20261202)
    caplog.set_level(logging.DEBUG, "aurora.mywire")

    def pre_auth(payload: bytes, seq: int = 1, raw_bytes: bytes | None = None) -> None:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        try:
            sock.recv(65536)  # the handshake
            data = (
                raw_bytes
                if raw_bytes is not None
                else (len(payload).to_bytes(3, "little") + bytes((seq,)) + payload)
            )
            with contextlib.suppress(OSError):
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(65536):
                    pass
        finally:
            sock.close()

    caps = struct.pack("<I", RawClient.CAPS)
    pre_auth(b"")
    pre_auth(b"\x01\x02")
    pre_auth(caps + b"\x00" * 28)  # cut before the user name
    pre_auth(caps + b"\x00" * 28 + b"u\x00\xff")  # response length past the end
    pre_auth(struct.pack("<I", 0x800 | 0x200) + b"\x00" * 28)  # SSLRequest, no TLS offered
    pre_auth(struct.pack("<I", 0) + b"\x00" * 40)  # no PROTOCOL_41
    pre_auth(b"", raw_bytes=b"\xff\xff\xff\x01")  # a 16 MiB claim
    pre_auth(b"x" * 40, seq=7)  # out of order
    for _ in range(30):
        pre_auth(rng.randbytes(rng.randrange(0, 120)))
    commands = [
        b"",
        b"\x03\xff\xfe",
        b"\x16\xc3",
        b"\x17\x01",
        b"\x17" + b"\x00" * 3,
        b"\x18\x01",
        b"\x19",
        b"\x1a",
        b"\x1b",
        b"\x0c\x01",
        b"\x04",
        b"\x1c\x01\x00\x00\x00",
        b"\x99",
        b"\x11user\x00",
    ]
    commands += [
        bytes((rng.choice([3, 0x16, 0x17, 0x18, 0x1A, 0x1B]),))
        + rng.randbytes(rng.randrange(0, 30))
        for _ in range(30)
    ]
    for payload in commands:
        raw = RawClient(server.port)
        raw.write(payload)
        raw.sock.shutdown(socket.SHUT_WR)  # no-answer commands (long data, close) end here
        answers = []
        with contextlib.suppress(ConnectionError, OSError):
            while True:
                answers.append(raw.read()[0])
        if answers and answers[-1][0] == 0xFF:  # an error is one clear line
            assert b"\n" not in answers[-1] and b"Traceback" not in answers[-1]
        raw.sock.close()
    raw = RawClient(server.port)  # a truncated packet, then the client vanishes
    raw.sock.sendall(b"\x10\x00\x00\x00\x03SEL")
    raw.sock.close()
    with bystander.cursor() as cur:
        cur.execute("SELECT 'unaffected'")
        assert cur.fetchone() == ("unaffected",)
    bystander.close()
    wait_for(lambda: server.server.connection_count == 0)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_client_vanishing_mid_result(server: Running) -> None:
    with server.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE w (n INTEGER PRIMARY KEY, pad TEXT)")
        cur.execute("SET cte_max_recursion_depth = 20000")
        cur.execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "WHERE x < 20000) INSERT INTO w SELECT x, printf('%0500d', x) FROM c"
        )
    raw = RawClient(server.port)
    raw.write(b"\x03SELECT * FROM w, (SELECT 1 UNION ALL SELECT 2)")
    raw.sock.recv(1000)
    raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.sock.close()  # a reset in the middle of ~20 MB of rows
    with server.connect() as conn:
        conn.ping()
    wait_for(lambda: server.server.connection_count == 0)


def test_ssl_request_then_handshake_response(tls_server: Running) -> None:
    # The client sends its TLS ClientHello right behind the SSLRequest, with no answer in
    # between: the server must read the SSLRequest alone and leave the rest to TLS.
    for _ in range(3):
        with tls_server.connect(ssl={"ca": str(tls_server.cert), "check_hostname": False}) as c:
            c.ping()
    with pytest.raises(pymysql.err.OperationalError) as info:
        tls_server.connect(
            password="bad", ssl={"ca": str(tls_server.cert), "check_hostname": False}
        )
    assert info.value.args[0] == 1045


# --- codecs on real objects --------------------------------------------------------------------


def test_framing_splits_and_joins_16_mib_packets() -> None:
    from aurora.engine.mywire import protocol as p

    for size in (0, 10, p.MAX_CHUNK - 1, p.MAX_CHUNK, p.MAX_CHUNK * 2 + 5):
        payload = bytes([size % 251]) * size
        data, seq = p.frame(payload, 3)
        chunks = size // p.MAX_CHUNK + 1  # an exact multiple ends with an empty packet
        assert seq == 3 + chunks
        buf = p.PacketBuffer()
        for i in range(0, len(data), 1 << 20):  # in pieces, as a socket delivers them
            buf.feed(data[i : i + (1 << 20)])
        got, last = buf.next()  # type: ignore[misc]
        assert got == payload and last == 3 + chunks - 1
        assert buf.next() is None
    small = p.PacketBuffer(limit=100)
    small.feed(b"\xff\x00\x00\x00")
    with pytest.raises(p.ProtocolViolation) as info:
        small.next()
    assert info.value.errno == 1153
    assert p.lenenc_int(250) == b"\xfa" and p.lenenc_int(251) == b"\xfc\xfb\x00"
    assert p.lenenc_int(1 << 16) == b"\xfd\x00\x00\x01" and p.lenenc_int(1 << 24)[0] == 0xFE


def test_binary_parameters_of_every_type() -> None:
    from aurora.engine.mywire import protocol as p
    from aurora.engine.mywire import types as t

    cases = [
        (t.TINY, False, b"\xff", -1),
        (t.TINY, True, b"\xff", 255),
        (t.SHORT, False, struct.pack("<h", -300), -300),
        (t.YEAR, False, struct.pack("<h", 2024), 2024),
        (t.LONG, True, struct.pack("<I", 2**32 - 1), 2**32 - 1),
        (t.INT24, False, struct.pack("<i", -5), -5),
        (t.LONGLONG, True, struct.pack("<Q", 2**64 - 1), 2**64 - 1),
        (t.FLOAT, False, struct.pack("<f", 1.5), 1.5),
        (t.DOUBLE, False, struct.pack("<d", -2.25), -2.25),
        (t.NEWDECIMAL, False, b"\x05-1.50", Decimal("-1.50")),
        (t.DECIMAL, False, b"\x013", Decimal(3)),
        (t.VAR_STRING, False, b"\x03\xc3\xa9x", "éx"),
        (t.STRING, False, b"\x02\xff\x00", b"\xff\x00"),  # not UTF-8: bytes
        (t.VARCHAR, False, b"\x00", ""),
        (t.ENUM, False, b"\x01a", "a"),
        (t.JSON, False, b'\x02{}', "{}"),
        (t.BLOB, False, b"\x02ab", b"ab"),
        (t.LONG_BLOB, False, b"\x01\x00", b"\x00"),
        (t.BIT, False, b"\x01\x05", b"\x05"),
        (t.NULL, False, b"", None),
        (t.DATE, False, b"\x04\xe8\x07\x02\x1d", dt.date(2024, 2, 29)),
        (t.DATETIME, False, b"\x04\xe8\x07\x02\x1d", dt.datetime(2024, 2, 29)),
        (t.DATETIME, False, b"\x07\xe8\x07\x02\x1d\x01\x02\x03", dt.datetime(2024, 2, 29, 1, 2, 3)),
        (
            t.TIMESTAMP, False, b"\x0b\xe8\x07\x02\x1d\x01\x02\x03" + struct.pack("<I", 7),
            dt.datetime(2024, 2, 29, 1, 2, 3, 7),
        ),
        (t.DATETIME, False, b"\x00", "0000-00-00 00:00:00"),
        (t.TIME, False, b"\x00", dt.timedelta(0)),
        (
            t.TIME, False, b"\x08\x01" + struct.pack("<I", 1) + b"\x02\x03\x04",
            -dt.timedelta(days=1, hours=2, minutes=3, seconds=4),
        ),
        (
            t.TIME, False, b"\x0c\x00" + struct.pack("<I", 0) + b"\x02\x03\x04" + struct.pack(
                "<I", 500000), dt.timedelta(hours=2, minutes=3, seconds=4.5),
        ),
    ]  # fmt: skip
    for code, unsigned, data, expected in cases:
        r = p.Reader(data + b"tail")
        assert t.read_param(r, code, unsigned) == expected, (code, data)
        assert r.rest() == b"tail"
    for code, data in (
        (t.DATE, b"\x05\x00\x00\x00\x00\x00"),
        (t.TIME, b"\x03\x00\x00\x00"),
        (99, b""),
    ):
        with pytest.raises((SqlError, p.ProtocolViolation)):
            t.read_param(p.Reader(data), code, False)
    with pytest.raises(p.ProtocolViolation):
        t.read_param(p.Reader(b"\x05ab"), t.VAR_STRING, False)  # truncated


def test_values_in_both_protocols() -> None:
    from aurora.engine.mywire import types as t

    text = {
        True: b"1", 7: b"7", 3.0: b"3", 0.1: b"0.1", 1e20: b"1e20", 1e-05: b"0.00001", 1e15: b"1e15", 1e-16: b"1e-16",
        Decimal("1.50"): b"1.50", "é": "é".encode(), b"\x00": b"\x00",
        dt.date(2024, 1, 2): b"2024-01-02",
        dt.datetime(2024, 1, 2, 3, 4, 5): b"2024-01-02 03:04:05",
        dt.datetime(2024, 1, 2, 3, 4, 5, 120000): b"2024-01-02 03:04:05.120000",
        dt.time(1, 2, 3): b"01:02:03",
        dt.timedelta(hours=-30, seconds=1): b"-29:59:59",
        uuid.UUID(int=1): b"00000000-0000-0000-0000-000000000001",
        "{}": b"{}",
    }  # fmt: skip
    for value, expected in text.items():
        assert t.text_of(value) == expected, value
    assert t.text_of({"a": [1, None]}) == b'{"a": [1, null]}'
    assert t.text_of([1, "x"]) == b'[1, "x"]'
    assert t.float_text(0.1, single=True) == "0.1"
    assert t.float_text(1e-5, single=True) == "0.00001"
    year = t.text_encoder(t.mysql_type(21, -1, "year"))  # four digits, as MySQL's YEAR
    assert [year(v) for v in (0, 1999)] == [b"\x040000", b"\x041999"]
    # a FLOAT has MySQL's 6 significant digits (FLT_DIG), not its shortest float digits
    assert [t.float_text(x, single=True) for x in (1.2345678806304932, 123456792.0, 3.0)] == [
        "1.23457", "123457000", "3"]
    double = t.text_encoder(t.mysql_type(701))
    assert [double(v) for v in (2.5, 100.0, 1e-7, 1e16)] == [b"\x032.5", b"\x03100", b"\x090.0000001", b"\x041e16"]
    fsp3 = t.text_encoder(t.mysql_type(1114, 3))
    assert fsp3(dt.datetime(2024, 1, 2, 3, 4, 5, 123456)) == b"\x172024-01-02 03:04:05.123"
    # The binary encoders follow the column's type code, whatever the Python type.
    row = t.binary_row(
        [None, True, "5", 2.5, dt.date(2024, 1, 2), dt.timedelta(hours=-1), "x", None],
        [t.binary_encoder(t.mysql_type(oid)) for oid in (23, 16, 20, 701, 1082, 1186, 25, 25)],
    )
    assert row[0] == 0 and row[1:3] == bytes([0b00000100, 0b00000010])  # NULLs at 0 and 7
    assert row[3:] == (
        b"\x01"
        + struct.pack("<q", 5)
        + struct.pack("<d", 2.5)
        + b"\x04\xe8\x07\x01\x02"
        + b"\x08\x01"
        + struct.pack("<I", 0)
        + b"\x01\x00\x00"
        + b"\x01x"
    )
    with pytest.raises(SqlError) as info:
        t.binary_row(["not a number"], [t.binary_encoder(t.mysql_type(23))])
    assert info.value.errno == 1366
    numeric = t.mysql_type(1700, ((10 << 16) | 2) + 4)
    assert (numeric.code, numeric.length, numeric.decimals) == (t.NEWDECIMAL, 12, 2)
    varchar = t.mysql_type(1043, 40 + 4)
    assert (varchar.code, varchar.charset, varchar.length) == (t.VAR_STRING, 255, 160)
    assert t.mysql_type(17).charset == 63 and t.mysql_type(25).charset == 255
    assert t.mysql_type(123456).code == t.VAR_STRING


def _packets(data: bytes) -> list[tuple[int, bytes]]:
    """(sequence id, payload) of each packet in a server's output."""
    out, pos = [], 0
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 3], "little")
        out.append((data[pos + 3], data[pos + 4 : pos + 4 + n]))
        pos += 4 + n
    return out


def _backend_commands(session: object, capabilities: int) -> tuple[Callable[[bytes], list[bytes]], list[bytes]]:
    """A Backend over ``session`` and a function that sends it one command and returns the
    payloads of its answer (checking their sequence ids), with the list of raw sends."""
    from aurora.engine.mywire.backend import Backend

    inbox: list[tuple[bytes, int]] = []
    sent: list[bytes] = []
    backend = Backend(session, lambda: inbox.pop() if inbox else None, sent.append,  # type: ignore[arg-type]
                      capabilities, connection_id=1)

    def command(payload: bytes) -> list[bytes]:
        sent.clear()
        inbox.append((payload, 0))
        backend.run()
        packets = _packets(b"".join(sent))
        assert [seq for seq, _ in packets] == [i & 0xFF for i in range(1, len(packets) + 1)]
        return [payload for _, payload in packets]

    return command, sent


def test_result_rows_are_framed_in_one_pass_and_definitions_reused() -> None:
    from aurora.engine.mywire import protocol as p
    from aurora.engine.mywire import types as t
    from aurora.engine.sqlapi import Column, Prepared, StatementResult

    text_column, int_column = [Column("c", 25)], [Column("n", 23)]
    answers = {
        "one": (text_column, [("x",), (None,), ("é" * 200,)]),  # 400 bytes: a 0xFC length
        "two": (text_column + int_column, [("a", None), (None, 7)]),
        "bad": (int_column, [(1,), ("not a number",)]),
        "many": (text_column, [(f"{i:0120}",) for i in range(3000)]),  # 381 KB: flushed midway
    }

    class Session:  # the columns list is the same object on every run, as MySqlSession's
        autocommit, transaction_status = True, "I"

        def prepare(self, sql: str) -> Prepared:
            return Prepared([], answers[sql][0])

        def split(self, text: str) -> list[str]:
            return [text]

        def execute(self, sql: str, params: object = ()) -> StatementResult:
            columns, rows = answers[sql]
            return StatementResult("SELECT", columns, rows)

    command, sent = _backend_commands(Session(), p.SERVER_CAPABILITIES | p.DEPRECATE_EOF)

    for name in answers:
        command(b"\x16" + name.encode())
    execute = [b"\x17" + struct.pack("<IBI", n, 0, 1) for n in (1, 2, 3, 4)]
    first = command(execute[0])
    assert first == command(execute[0])  # the second run reuses the framed definitions
    assert first[:2] == [b"\x01", t.column_definition(text_column[0])]
    long = ("é" * 200).encode()
    assert first[2:5] == [b"\x00\x00\x01x", b"\x00\x04", b"\x00\x00\xfc\x90\x01" + long]
    assert first[5][0] == 0xFE and len(first) == 6
    two = command(execute[1])
    assert two[3:5] == [b"\x00\x08\x01a", b"\x00\x04" + struct.pack("<i", 7)]
    text = command(b"\x03two")  # the text protocol: the same rows as text cells
    assert text[3:5] == [b"\x01a\xfb", b"\xfb\x017"]
    bad = command(execute[2])  # a value its column's type cannot carry: ERR 1366 ends it
    assert bad[2] == b"\x00\x00" + struct.pack("<i", 1)
    assert bad[-1][0] == 0xFF and struct.unpack_from("<H", bad[-1], 1)[0] == 1366
    assert command(b"\x0e")[0][0] == 0  # the connection goes on
    many = command(execute[3])  # sequence ids wrap past 255; the rows leave in several sends
    assert len(sent) > 1
    assert many[2:-1] == [b"\x00\x00\x78" + f"{i:0120}".encode() for i in range(3000)]
    assert many[-1][0] == 0xFE


def test_one_column_string_results_for_a_client_without_deprecate_eof() -> None:
    """libmariadb's way (sysbench's): EOF packets after the definitions and after the rows.
    Strings alike in length are framed a slice at a time; anything else in such a result
    (a NULL, another length, a lone surrogate, a number) is still sent as it is."""
    from aurora.engine.mywire import protocol as p
    from aurora.engine.sqlapi import Column, Prepared, StatementResult

    column = [Column("c", 25)]
    alike = [(f"{i:0120}",) for i in range(200)]  # ids wrap within the one slice
    answers = {
        "alike": alike,
        "null": [*alike[:5], (None,), *alike[5:10]],
        "none": [("abcd",)] * 4 + [(None,)] + [("wxyz",)] * 4,  # not the text 'None'
        "lengths": [(f"{i:0{i % 3 + 1}}",) for i in range(10)],
        "surrogate": [("ab\udcff",)] * 4 + [("abé",)] * 4,  # b"ab\xff": its raw byte
        "number": [*alike[:4], (12345,), *alike[4:8]],
    }
    status = {"I": p.STATUS_AUTOCOMMIT, "T": p.STATUS_AUTOCOMMIT | p.STATUS_IN_TRANS}

    class Session:
        autocommit, transaction_status = True, "I"

        def prepare(self, sql: str) -> Prepared:
            return Prepared([], column)

        def execute(self, sql: str, params: object = ()) -> StatementResult:
            return StatementResult("SELECT", column, answers[sql])

    session = Session()
    command, _ = _backend_commands(session, p.SERVER_CAPABILITIES & ~p.DEPRECATE_EOF)

    def row(v: object) -> bytes:
        if v is None:
            return b"\x00\x04"
        data = str(v).encode("utf-8", "surrogateescape")
        return b"\x00\x00" + p.lenenc_int(len(data)) + data

    for n, name in enumerate(answers, 1):
        command(b"\x16" + name.encode())
        for state in ("I", "T", "I"):
            session.transaction_status = state
            eof = p.eof_packet(status[state])
            got = command(b"\x17" + struct.pack("<IBI", n, 0, 1))
            assert got[2] == eof and got[-1] == eof  # after the definitions, after the rows
            assert got[3:-1] == [row(v) for (v,) in answers[name]], name
