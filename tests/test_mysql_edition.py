"""The MySQL edition end to end through the `aurora` command: a cluster with readers, its
endpoints, failover, clones, chaos, the real MySQL clients (the mysql command, PyMySQL,
mysql-connector-python with server-side prepared statements, SQLAlchemy, sysbench) and a bank
test. Each test starts its own cluster in a temporary AURORA_HOME (the `aurora` fixture)."""

from __future__ import annotations

import datetime
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import mysql.connector
import pymysql
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from test_cluster_cli import poll

pytestmark = pytest.mark.integration

RETRY_ERRNOS = {1213, 1205}  # deadlock / serialization failure, lock wait timeout: retry


def params(uri: str, database: str | None = None) -> dict:
    u = urlsplit(uri)
    assert u.scheme == "mysql", uri
    db = database if database is not None else unquote(u.path.strip("/")) or None
    return {"host": u.hostname, "port": u.port, "user": unquote(u.username), "password": unquote(u.password),
            "database": db, "connect_timeout": 5, "autocommit": True}


def connect(uri: str, database: str | None = None, **extra) -> pymysql.connections.Connection:
    return pymysql.connect(**{**params(uri, database), **extra})


def query(uri: str, sql: str, args: tuple | None = None, database: str | None = None) -> tuple:
    with connect(uri, database) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def try_query(uri: str, sql: str, args: tuple | None = None) -> bool:
    try:
        query(uri, sql, args)
        return True
    except pymysql.MySQLError:
        return False


def create(aurora, name: str, *extra: str) -> dict:
    aurora.ok("create", name, "--engine", "mysql", "--database-name", "app", *extra)
    return aurora.json("endpoints", name)


def test_a_mysql_cluster_with_readers_serves_mysql_clients(aurora):
    e = create(aurora, "shop", "--replicas", "2")
    assert e["engine"] == "mysql"
    writer, reader = e["writer"]["uri"], e["reader"]["uri"]
    assert writer.startswith("mysql://admin:") and writer.endswith("/app")
    assert aurora.ok("url", "shop").strip() == writer
    described = aurora.json("describe", "shop")
    assert described["engine"] == "mysql"

    with connect(writer) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(20) NOT NULL,"
                    " qty TINYINT UNSIGNED NOT NULL DEFAULT 1) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
        cur.execute("INSERT INTO orders (item, qty) VALUES (%s, %s)", ("apple", 3))
        assert cur.lastrowid == 1
        assert cur.execute("INSERT INTO orders (item) VALUES ('pear'), ('plum')") == 2
        assert cur.lastrowid == 2  # MySQL: the first id the statement generated
        cur.execute("SELECT @@aurora_server_id, @@innodb_read_only, DATABASE(), AURORA_VERSION()")
        server_id, read_only, database, version = cur.fetchone()
        assert (server_id, int(read_only), database) == ("shop-instance-1", 0, "app")
        assert version.startswith("3.")
        # errors carry MySQL's numbers
        for statement, errno in [("INSERT INTO orders (id, item) VALUES (1, 'dup')", 1062),
                                 ("SELECT * FROM nowhere", 1146),
                                 ("SELEC 1", 1064),
                                 ("INSERT INTO orders (item, qty) VALUES ('x', 300)", 1264),
                                 ("INSERT INTO orders (item) VALUES (NULL)", 1048)]:
            with pytest.raises(pymysql.MySQLError) as err:
                cur.execute(statement)
            assert err.value.args[0] == errno, (statement, err.value.args)
        cur.execute("SELECT count(*) FROM orders")
        assert cur.fetchone()[0] == 3  # nothing of the failed statements went in

    # the reader endpoint spreads connections over both readers; they are read-only
    poll(lambda: try_query(reader, "SELECT 1 FROM orders"), 20, "the table on the readers")
    seen = set()
    for _ in range(8):
        with connect(reader) as conn, conn.cursor() as cur:
            cur.execute("SELECT @@aurora_server_id, @@innodb_read_only")
            server_id, read_only = cur.fetchone()
            assert int(read_only) == 1
            seen.add(server_id)
            with pytest.raises(pymysql.MySQLError) as err:
                cur.execute("INSERT INTO orders (item) VALUES ('nope')")
            assert err.value.args[0] == 1290
    assert seen == {"shop-instance-2", "shop-instance-3"}
    poll(lambda: query(reader, "SELECT count(*) FROM orders")[0][0] == 3, 10, "the rows on a reader")
    rows = query(writer, "SELECT server_id, session_id FROM information_schema.replica_host_status"
                         " ORDER BY server_id")
    assert [r[0] for r in rows] == ["shop-instance-1", "shop-instance-2", "shop-instance-3"]
    assert rows[0][1] == "MASTER_SESSION_ID"

    # `aurora connect` runs the mysql client on the writer endpoint
    r = aurora.run("connect", "shop", input="SELECT item FROM orders ORDER BY id;\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["item", "apple", "pear", "plum"]


class Committer(threading.Thread):
    """Inserts one row at a time through ``uri``, reconnecting after any error, and keeps the
    numbers whose commit was acknowledged."""

    def __init__(self, uri: str) -> None:
        super().__init__(daemon=True)
        self.uri = uri
        self.acked: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = None
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                if conn is None:
                    conn = connect(self.uri, connect_timeout=2)
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO t VALUES (%s)", (n,))
                self.acked.append(n)
            except pymysql.MySQLError:
                if conn is not None:
                    conn.close()
                    conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()


def test_failover_and_a_killed_writer_keep_every_acknowledged_row(aurora):
    e = create(aurora, "ha", "--replicas", "1")
    writer = e["writer"]["uri"]
    query(writer, "CREATE TABLE t (n INT PRIMARY KEY)")
    committer = Committer(writer)
    committer.start()
    try:
        poll(lambda: len(committer.acked) > 20, 20, "commits before the failover")
        aurora.ok("failover", "ha")
        after = len(committer.acked)
        poll(lambda: len(committer.acked) > after + 20, 20, "commits after the failover")
        assert query(writer, "SELECT @@aurora_server_id")[0][0] == "ha-instance-2"
        # the old writer rejoins as a reader; once it serves, a killed writer fails over to it
        poll(lambda: {i["id"]: (i["role"], i["status"]) for i in aurora.json("describe", "ha")["instances"]}
             == {"ha-instance-1": ("reader", "available"), "ha-instance-2": ("writer", "available")},
             20, "the old writer to serve as a reader")
        aurora.ok("chaos", "kill-instance", "ha", "ha-instance-2")  # automatic failover back
        after = len(committer.acked)
        poll(lambda: len(committer.acked) > after + 20, 30, "commits after the killed writer")
    finally:
        committer.stop.set()
        committer.join(10)
    stored = {r[0] for r in query(writer, "SELECT n FROM t")}
    assert set(committer.acked) <= stored
    assert query(writer, "SELECT @@aurora_server_id")[0][0] == "ha-instance-1"


def test_a_clone_diverges_and_writes_survive_a_lost_storage_node(aurora):
    e = create(aurora, "src")
    writer = e["writer"]["uri"]
    query(writer, "CREATE TABLE kv (k VARCHAR(10) PRIMARY KEY, v INT)")
    query(writer, "INSERT INTO kv VALUES ('a', 1), ('b', 2)")
    aurora.ok("clone", "src", "copy")
    copy = aurora.json("endpoints", "copy")["writer"]["uri"]
    assert aurora.json("describe", "copy")["engine"] == "mysql"
    query(copy, "UPDATE kv SET v = 10 WHERE k = 'a'")
    query(writer, "INSERT INTO kv VALUES ('c', 3)")
    assert query(copy, "SELECT k, v FROM kv ORDER BY k") == (("a", 10), ("b", 2))
    assert query(writer, "SELECT k, v FROM kv ORDER BY k") == (("a", 1), ("b", 2), ("c", 3))
    aurora.ok("chaos", "kill-node", "sn-a1")
    for i in range(20):
        query(writer, "INSERT INTO kv VALUES (%s, %s)", (f"n{i}", i))
    assert query(writer, "SELECT count(*) FROM kv")[0][0] == 23


def test_mysql_connector_sqlalchemy_and_the_mysql_command(aurora):
    e = create(aurora, "apps")
    writer = e["writer"]["uri"]
    p = params(writer)

    conn = mysql.connector.connect(host=p["host"], port=p["port"], user=p["user"], password=p["password"],
                                   database="app", autocommit=True)
    try:
        cur = conn.cursor(prepared=True)  # the binary protocol: COM_STMT_PREPARE / EXECUTE
        cur.execute("CREATE TABLE items (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40),"
                    " price DECIMAL(10, 2), made DATETIME)")
        for name, price in [("bolt", "0.25"), ("nut", "0.10"), ("gear", "12.50")]:
            cur.execute("INSERT INTO items (name, price, made) VALUES (%s, %s, %s)",
                        (name, price, "2026-01-02 03:04:05"))
        cur.execute("SELECT name, price FROM items WHERE price > %s ORDER BY id", ("0.20",))
        assert [(n if isinstance(n, str) else n.decode(), str(pr)) for n, pr in cur.fetchall()] == [
            ("bolt", "0.25"), ("gear", "12.50")]
        # parameters in date arithmetic (they failed as an internal error): a DATETIME
        # value and an interval's amount, bound as the binary protocol binds them
        cur.execute("SELECT COUNT(*) FROM items WHERE made > %s - INTERVAL %s DAY",
                    (datetime.datetime(2026, 1, 3, 3, 4, 5), 2))
        assert cur.fetchall() == [(3,)]
        cur.execute("SELECT DATE_ADD(%s, INTERVAL %s HOUR), YEAR(%s)", ("2026-01-02", 5, 20260102))
        assert [tuple(v if isinstance(v, int) else str(v, "ascii") if isinstance(v, bytes) else str(v)
                      for v in row) for row in cur.fetchall()] == [("2026-01-02 05:00:00", 2026)]
        cur.close()
    finally:
        conn.close()

    engine = sa.create_engine(f"mysql+pymysql://{p['user']}:{p['password']}@127.0.0.1:{p['port']}/app")
    try:
        class Base(DeclarativeBase):
            pass

        class Customer(Base):
            __tablename__ = "customers"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(sa.String(50), unique=True)

        Base.metadata.create_all(engine)
        with Session(engine) as s:
            s.add_all([Customer(name="ada"), Customer(name="alan")])
            s.commit()
            assert [c.name for c in s.scalars(sa.select(Customer).order_by(Customer.id))] == ["ada", "alan"]
            ada = s.scalars(sa.select(Customer).where(Customer.name == "ada")).one()
            ada.name = "ada l."
            s.commit()
        reflected = sa.MetaData()
        reflected.reflect(engine)
        assert set(reflected.tables) == {"customers", "items"}
        items = reflected.tables["items"]
        assert [c.name for c in items.columns] == ["id", "name", "price", "made"]
        assert [c.name for c in items.primary_key.columns] == ["id"]
        assert isinstance(items.c.price.type, sa.Numeric) and items.c.price.type.scale == 2
    finally:
        engine.dispose()

    out = subprocess.run(["mysql", "-h", "127.0.0.1", "-P", str(p["port"]), "-u", p["user"], "app", "-e",
                          "SELECT name FROM customers ORDER BY id"],
                         env={"MYSQL_PWD": p["password"], "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["name", "ada l.", "alan"]
    # the client prints the OK packet's info: matched and changed rows
    out = subprocess.run(["mysql", "-vvv", "-h", "127.0.0.1", "-P", str(p["port"]), "-u", p["user"], "app",
                          "-e", "UPDATE customers SET name = CASE name WHEN 'alan' THEN 'alan t.' ELSE name END"],
                         env={"MYSQL_PWD": p["password"], "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "Query OK, 1 row affected" in out.stdout, out.stdout
    assert "Rows matched: 2  Changed: 1  Warnings: 0" in out.stdout, out.stdout
    # a dump fed to the mysql command: executable comments, a child before its parent with
    # foreign_key_checks off, BLOB bytes that are no UTF-8 written raw (MariaDB's mysqldump
    # without --hex-blob) and as MySQL 8's _binary literal
    dump = (b"/*!40101 SET NAMES utf8mb4 */;\n/*!40014 SET FOREIGN_KEY_CHECKS=0 */;\n"
            b"CREATE TABLE kid (id INT PRIMARY KEY, pid INT, b BLOB, CONSTRAINT fk FOREIGN KEY (pid)"
            b" REFERENCES mom (id));\n"
            b"INSERT INTO kid VALUES (1,1,'\\0\xff\x10\\''),(2,1,_binary '\xfe\xed');\n"
            b"CREATE TABLE mom (id INT PRIMARY KEY);\nINSERT INTO mom VALUES (1);\n"
            b"/*!40014 SET FOREIGN_KEY_CHECKS=1 */;\n")
    out = subprocess.run(["mysql", "-h", "127.0.0.1", "-P", str(p["port"]), "-u", p["user"], "app"],
                         input=dump, env={"MYSQL_PWD": p["password"], "PATH": "/usr/bin:/bin"},
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(["mysql", "-N", "-h", "127.0.0.1", "-P", str(p["port"]), "-u", p["user"], "app", "-e",
                          "SELECT id, HEX(b) FROM kid ORDER BY id; INSERT INTO kid VALUES (3, 2, NULL)"],
                         env={"MYSQL_PWD": p["password"], "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.splitlines() == ["1\t00FF1027", "2\tFEED"], out.stdout
    assert "ERROR 1452" in out.stderr  # the key is there once its table came
    # the client's --safe-updates: its SET (sql_safe_updates, sql_select_limit, max_join_size)
    # is taken (max_join_size was 1193), a write without a key in its WHERE is 1175
    out = subprocess.run(["mysql", "--safe-updates", "-h", "127.0.0.1", "-P", str(p["port"]), "-u", p["user"],
                          "app", "-e", "UPDATE customers SET name = 'x' WHERE id = 1; SELECT name FROM customers "
                          "ORDER BY id; DELETE FROM items WHERE price > 100"],
                         env={"MYSQL_PWD": p["password"], "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.splitlines() == ["name", "x", "alan t."], out.stdout + out.stderr
    assert "ERROR 1175" in out.stderr and "without a WHERE that uses a KEY column" in out.stderr, out.stderr


DJANGO_PROJECT = Path(__file__).parent / "django_project"


def test_django_migrates_and_runs_its_orm_and_test_runner_on_the_mysql_backend(aurora):
    """Django 5.2's MySQL backend (on PyMySQL) against a MySQL-edition writer: the project
    tests/test_django.py runs on the PostgreSQL edition, here ``migrate``, ``migrate shop
    zero`` and back, the ORM round trip of shop/checks.py (JSON key lookups through
    JSON_EXTRACT, LIKE BINARY for contains / startswith, bulk_update's CASE) and ``manage.py
    test``."""
    pytest.importorskip("django")
    e = create(aurora, "dj")
    p = params(e["writer"]["uri"])
    query(e["writer"]["uri"], "CREATE DATABASE dj")
    env = {**os.environ, "AURORA_DJANGO_ENGINE": "mysql", "AURORA_PG_HOST": p["host"],
           "AURORA_PG_PORT": str(p["port"]), "AURORA_PG_USER": p["user"],
           "AURORA_PG_PASSWORD": p["password"], "AURORA_PG_DB": "dj", "AURORA_PG_TEST_DB": "test_dj",
           "DJANGO_SETTINGS_MODULE": "settings"}

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=DJANGO_PROJECT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
        return done

    out = manage("migrate", "--noinput").stdout
    assert "Applying shop.0003_slug_unique_indexes... OK" in out, out
    assert "Unapplying shop.0001_initial... OK" in manage("migrate", "shop", "zero", "--noinput").stdout
    assert "Applying shop.0001_initial... OK" in manage("migrate", "--noinput").stdout
    out = manage("orm_check", "p-").stdout
    for step in ("bulk_create", "many-to-many", "bulk_update", "iterator", "json lookups", "queries",
                 "unique constraint", "authenticate"):
        assert f"ok {step}" in out, out
    done = manage("test", "shop", "--noinput")
    assert "Ran 3 tests" in done.stderr and "OK" in done.stderr, done.stderr
    assert query(e["writer"]["uri"], "SELECT COUNT(*) FROM shop_product WHERE sku LIKE 'p-S-%'",
                 database="dj") == ((20,),)


@pytest.mark.skipif(shutil.which("sysbench") is None, reason="sysbench is not installed (./scripts/setup)")
def test_sysbench_oltp_read_write_runs_against_the_writer(aurora):
    e = create(aurora, "bench")
    p = params(e["writer"]["uri"])
    base = ["sysbench", "oltp_read_write", "--db-driver=mysql", "--mysql-host=127.0.0.1",
            f"--mysql-port={p['port']}", f"--mysql-user={p['user']}", f"--mysql-password={p['password']}",
            "--mysql-db=app", "--tables=1", "--table-size=200", "--threads=2"]
    for step, extra in [("prepare", []), ("run", ["--time=3", "--report-interval=0"]), ("cleanup", [])]:
        r = subprocess.run([*base, *extra, step], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"sysbench {step}: {r.stdout[-2000:]} {r.stderr[-2000:]}"
        if step == "run":
            transactions = next(line for line in r.stdout.splitlines() if "transactions:" in line)
            assert int(transactions.split()[1]) > 0, transactions
            errors = next(line for line in r.stdout.splitlines() if "ignored errors:" in line)
            assert errors.split()[2] == "0" or int(errors.split()[2]) < int(transactions.split()[1])
    assert query(e["writer"]["uri"], "SHOW TABLES") == ()


def test_transactions_hold_writers_back_only_from_their_first_write_or_locking_read(aurora):
    """PyMySQL with autocommit off (its default) opens a transaction with any statement: one
    that read and sits idle lets writers commit, its next write works on the newest rows; a
    locking read (FOR UPDATE, LOCK IN SHARE MODE) and a SERIALIZABLE transaction hold the
    write lock to their end."""
    import concurrent.futures

    uri = create(aurora, "locks")["writer"]["uri"]
    with connect(uri) as other, connect(uri, autocommit=False) as app, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        oc, ac = other.cursor(), app.cursor()
        oc.execute("CREATE TABLE counters (id INT PRIMARY KEY, v INT NOT NULL)")
        oc.execute("INSERT INTO counters VALUES (1, 0)")
        ac.execute("SELECT v FROM counters WHERE id = 1")
        assert ac.fetchall() == ((0,),)
        write = pool.submit(oc.execute, "UPDATE counters SET v = v + 1 WHERE id = 1")
        poll(write.done, 10, "the writer to commit while a reading transaction is open")
        assert write.result() == 1
        ac.execute("SELECT v FROM counters WHERE id = 1")
        assert ac.fetchall() == ((0,),)  # REPEATABLE READ: the snapshot of its first read
        ac.execute("UPDATE counters SET v = v + 10 WHERE id = 1")
        app.commit()
        oc.execute("SELECT v FROM counters")
        assert oc.fetchall() == ((11,),)  # not 10: the update applied to the committed row

        for lock, level in (("FOR UPDATE", None), ("LOCK IN SHARE MODE", None), ("", "SERIALIZABLE")):
            if level:
                ac.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")
            ac.execute("SELECT 1")
            ac.execute(f"SELECT v FROM counters WHERE id = 1 {lock}")
            before = ac.fetchall()[0][0]
            write = pool.submit(oc.execute, "UPDATE counters SET v = v + 1 WHERE id = 1")
            with pytest.raises(concurrent.futures.TimeoutError):
                write.result(0.5)  # waits for the transaction holding the lock
            ac.execute("SELECT v FROM counters WHERE id = 1")
            assert ac.fetchall() == ((before,),), lock or level
            ac.execute("UPDATE counters SET v = v * 2 WHERE id = 1")
            app.commit()
            assert write.result(10) == 1
            oc.execute("SELECT v FROM counters")
            assert oc.fetchall() == ((before * 2 + 1,),), lock or level

    # Autocommit queries, prepared (the binary protocol): each sees every commit made before
    # it began, another session's and its own, although the session keeps one read
    # transaction open between them while nothing is committed.
    p = params(uri)
    reader = mysql.connector.connect(host=p["host"], port=p["port"], user=p["user"],
                                     password=p["password"], database=p["database"], autocommit=True)
    try:
        with connect(uri) as other:
            rc, oc = reader.cursor(prepared=True), other.cursor()
            oc.execute("SELECT v FROM counters WHERE id = 1")
            start = oc.fetchall()[0][0]
            for n in range(1, 20):
                for _ in range(2):
                    rc.execute("SELECT v FROM counters WHERE id = %s", (1,))
                    assert rc.fetchall() == [(start + n - 1,)]
                oc.execute("UPDATE counters SET v = v + 1 WHERE id = 1")
            rc.execute("UPDATE counters SET v = %s WHERE id = %s", (0, 1))
            rc.execute("SELECT v FROM counters WHERE id = %s", (1,))
            assert rc.fetchall() == [(0,)]
            oc.execute("ALTER TABLE counters ADD COLUMN note VARCHAR(10) DEFAULT 'x'")
            rc.execute("SELECT note FROM counters WHERE id = %s", (1,))
            assert rc.fetchall() == [("x",)]

            # In a transaction, a query run again reads the transaction's snapshot (REPEATABLE
            # READ), and its error undoes only itself.
            scaled = "SELECT (v + 2) * %s FROM counters WHERE id = %s"
            reader.start_transaction()
            for _ in range(3):
                rc.execute("SELECT v FROM counters WHERE id = %s", (1,))
                assert rc.fetchall() == [(0,)]
                rc.execute(scaled, (2, 1))
                assert rc.fetchall() == [(4,)]
            oc.execute("UPDATE counters SET v = 5 WHERE id = 1")
            rc.execute("SELECT v FROM counters WHERE id = %s", (1,))
            assert rc.fetchall() == [(0,)]
            with pytest.raises(mysql.connector.Error) as failed:
                rc.execute(scaled, (2**62, 1))
                rc.fetchall()
            assert failed.value.errno == 1690  # BIGINT value is out of range, as MySQL says
            rc.execute(scaled, (3, 1))
            assert rc.fetchall() == [(6,)]
            reader.commit()
            rc.execute("SELECT v FROM counters WHERE id = %s", (1,))
            assert rc.fetchall() == [(5,)]
            oc.execute("UPDATE counters SET v = 0 WHERE id = 1")
    finally:
        reader.close()

    # START TRANSACTION WITH CONSISTENT SNAPSHOT: the snapshot of that moment, not of the
    # transaction's first read
    with connect(uri) as other, connect(uri) as app:
        oc, ac = other.cursor(), app.cursor()
        ac.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        oc.execute("INSERT INTO counters (id, v) VALUES (2, 2)")
        ac.execute("SELECT count(*) FROM counters")
        assert ac.fetchall() == ((1,),)
        ac.execute("COMMIT")
        ac.execute("SELECT count(*) FROM counters")
        assert ac.fetchall() == ((2,),)
        oc.execute("DELETE FROM counters WHERE id = 2")

    # A write waiting for the lock gives up at innodb_lock_wait_timeout (1205), or on KILL
    # QUERY (1317); the transaction it was in goes on, and nothing is lost.
    import time

    with connect(uri, autocommit=False) as holder, connect(uri) as waiter, connect(uri) as killer, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        hc, wc = holder.cursor(), waiter.cursor()
        hc.execute("UPDATE counters SET v = 7 WHERE id = 1")  # holds the write lock
        wc.execute("SET innodb_lock_wait_timeout = 1")

        def fails(sql: str, code: int) -> float:
            started = time.monotonic()
            with pytest.raises(pymysql.err.MySQLError) as caught:
                wc.execute(sql)
            assert caught.value.args[0] == code, caught.value
            return time.monotonic() - started

        assert 1 <= fails("UPDATE counters SET v = 8 WHERE id = 1", 1205) < 6
        wc.execute("BEGIN")
        wc.execute("SELECT v FROM counters WHERE id = 1")
        assert wc.fetchall() == ((0,),)
        assert 1 <= fails("UPDATE counters SET v = 8 WHERE id = 1", 1205) < 6
        wc.execute("SELECT v FROM counters WHERE id = 1")  # the transaction goes on
        assert wc.fetchall() == ((0,),)
        wc.execute("ROLLBACK")

        wc.execute("SET innodb_lock_wait_timeout = 20")
        wc.execute("SELECT CONNECTION_ID()")
        (connection_id,) = wc.fetchone()

        def killed_while_waiting(sql: str) -> None:
            started = time.monotonic()
            waiting = pool.submit(wc.execute, sql)
            with pytest.raises(concurrent.futures.TimeoutError):
                waiting.result(0.3)
            killer.cursor().execute(f"KILL QUERY {connection_id}")
            with pytest.raises(pymysql.err.MySQLError) as killed:
                waiting.result(10)
            assert killed.value.args[0] == 1317 and time.monotonic() - started < 10

        killed_while_waiting("UPDATE counters SET v = 9 WHERE id = 1")
        holder.commit()
        assert wc.execute("UPDATE counters SET v = v + 1 WHERE id = 1") == 1
        wc.execute("SELECT v FROM counters WHERE id = 1")
        assert wc.fetchall() == ((8,),)

        killed_while_waiting("SELECT SLEEP(20)")  # SLEEP stops at KILL QUERY too

        # GET_LOCK: the instance's user-level locks, waited for across connections, and
        # released by RELEASE_LOCK or by the holder's disconnect
        hc.execute("SELECT GET_LOCK('migrate', 0), CONNECTION_ID()")
        got, holder_id = hc.fetchone()
        assert got == 1
        wc.execute("SELECT GET_LOCK('migrate', 0.2), IS_USED_LOCK('migrate')")
        assert wc.fetchone() == (0, holder_id)
        waiting = pool.submit(lambda: wc.execute("SELECT GET_LOCK('migrate', 20)") and wc.fetchone())
        with pytest.raises(concurrent.futures.TimeoutError):
            waiting.result(0.3)
        hc.execute("SELECT RELEASE_LOCK('migrate')")
        assert hc.fetchone() == (1,)
        assert waiting.result(10) == (1,)
        hc.execute("SELECT GET_LOCK('migrate', 0)")
        assert hc.fetchone() == (0,)
    with connect(uri) as later:
        cur = later.cursor()
        cur.execute("SELECT GET_LOCK('migrate', 10)")  # its holder (waiter) has gone
        assert cur.fetchone() == (1,)


def test_bank_transfers_keep_the_total_with_a_storage_node_lost(aurora):
    """Concurrent transfers between accounts in transactions, retried on 1213 as MySQL
    applications do: the total never changes and every acknowledged transfer is there."""
    e = create(aurora, "bank")
    writer = e["writer"]["uri"]
    accounts = 20
    query(writer, "CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL)")
    query(writer, "CREATE TABLE transfers (id INT AUTO_INCREMENT PRIMARY KEY, src INT, dst INT, amount INT)")
    query(writer, "INSERT INTO accounts VALUES " + ", ".join(f"({i}, 1000)" for i in range(accounts)))
    acked: list[int] = []
    failures: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = connect(writer, autocommit=False)
        try:
            for _ in range(40):
                src, dst = rng.sample(range(accounts), 2)
                amount = rng.randint(1, 50)
                for _attempt in range(20):
                    try:
                        with conn.cursor() as cur:
                            cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, src))
                            cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, dst))
                            cur.execute("INSERT INTO transfers (src, dst, amount) VALUES (%s, %s, %s)",
                                        (src, dst, amount))
                            tid = cur.lastrowid
                        conn.commit()
                        acked.append(tid)
                        break
                    except pymysql.MySQLError as err:
                        conn.rollback()
                        if err.args[0] not in RETRY_ERRNOS:
                            raise
                        time.sleep(rng.random() * 0.02)
        except BaseException as err:  # reported by the test below
            failures.append(err)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    aurora.ok("chaos", "kill-node", "sn-b2")
    for t in threads:
        t.join(120)
    assert not failures, failures
    assert len(acked) == 160
    assert query(writer, "SELECT SUM(balance) FROM accounts")[0][0] == accounts * 1000
    stored = {r[0] for r in query(writer, "SELECT id FROM transfers")}
    assert set(acked) == stored


def test_serverless_snapshots_and_a_global_secondary_work_for_mysql(aurora):
    """The features around a cluster, for the MySQL edition: serverless capacity, a snapshot
    restored as a new cluster, and a global database's read-only secondary and switchover."""
    e = create(aurora, "cap", "--serverless", "--min-acu", "0.5", "--max-acu", "2")
    writer = e["writer"]["uri"]
    query(writer, "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20))")
    query(writer, "INSERT INTO t VALUES (1, 'one'), (2, 'two')")
    described = aurora.json("describe", "cap")
    assert described["serverless"]["max_acu"] == 2
    assert 0.5 <= described["instances"][0]["acu"] <= 2

    aurora.ok("snapshot", "create", "cap", "cap-snap")
    restored = aurora.json("restore", "cap-back", "--from-snapshot", "cap-snap")
    assert aurora.json("describe", "cap-back")["engine"] == "mysql"
    assert query(restored["writer"]["uri"], "SELECT id, note FROM t ORDER BY id") == ((1, "one"), (2, "two"))
    aurora.ok("delete", "cap-back", "--yes")
    aurora.ok("delete", "cap", "--yes")

    create(aurora, "home")
    home = aurora.json("endpoints", "home")["writer"]["uri"]
    query(home, "CREATE TABLE t (id INT PRIMARY KEY)")
    query(home, "INSERT INTO t VALUES (1), (2)")
    gw = aurora.json("global", "create", "world", "--source-cluster", "home")["writer"]["uri"]
    assert gw.startswith("mysql://")
    aurora.json("global", "add-region", "world", "--region", "eu-west-1", "--replicas", "1")
    secondary = aurora.json("endpoints", "world-eu-west-1")
    query(gw, "INSERT INTO t VALUES (3)")
    poll(lambda: query(secondary["reader"]["uri"], "SELECT count(*) FROM t")[0][0] == 3, 15,
         "the rows on the secondary's reader")
    with pytest.raises(pymysql.MySQLError) as err:
        query(secondary["reader"]["uri"], "INSERT INTO t VALUES (4)")
    assert err.value.args[0] == 1290
    promoted = aurora.json("promote-region", "world", "--region", "eu-west-1")
    assert promoted["new_primary"] == "world-eu-west-1"
    poll(lambda: try_query(gw, "INSERT INTO t VALUES (4)"), 15, "a write through the global writer endpoint")
    assert query(gw, "SELECT @@aurora_server_id")[0][0].startswith("world-eu-west-1-instance-")
    assert query(gw, "SELECT count(*) FROM t")[0][0] == 4


def test_aurora_mysql_comprehend_functions_answer_from_sql(aurora):
    e = create(aurora, "ml")
    writer = e["writer"]["uri"]
    query(writer, "CREATE TABLE reviews (id INT PRIMARY KEY, body TEXT)")
    query(writer, "INSERT INTO reviews VALUES (1, 'What a lovely day, I love it'), (2, 'This is terrible and awful')")
    with pytest.raises(pymysql.MySQLError) as err:  # not attached yet: AWS's access error, worded
        query(writer, "SELECT aws_comprehend_detect_sentiment(body, 'en') FROM reviews")
    assert "comprehend" in err.value.args[1].lower() and "Traceback" not in err.value.args[1]
    aurora.ok("ml", "attach", "ml", "--feature", "comprehend")
    rows = query(writer, "SELECT id, aws_comprehend_detect_sentiment(body, 'en'),"
                         " aws_comprehend_detect_sentiment_confidence(body, 'en', 10) FROM reviews ORDER BY id")
    assert [(r[0], r[1]) for r in rows] == [(1, "POSITIVE"), (2, "NEGATIVE")]
    assert all(0.5 < r[2] <= 1 for r in rows)


def test_an_endpoint_refusal_reaches_a_mysql_client_as_an_error_with_its_reason():
    """An endpoint with no instance to take a connection answers a MySQL client with an ERR
    packet in place of the greeting; the client reports its number and text."""
    import socket

    from aurora.engine.control.endpoints import mysql_error_packet

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        conn.sendall(mysql_error_packet(3032, "the writer endpoint of cluster x has no available writer"))
        conn.close()

    t = threading.Thread(target=answer)
    t.start()
    try:
        with pytest.raises(pymysql.MySQLError) as err:
            pymysql.connect(host="127.0.0.1", port=port, user="u", password="p", connect_timeout=5)
        assert err.value.args[0] == 3032
        assert "has no available writer" in err.value.args[1]
    finally:
        t.join(5)
        server.close()
