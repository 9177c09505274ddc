"""Real clients against real instance processes on a real six-node volume.

psql, psycopg 3 (simple, extended, prepared, binary, COPY both ways), asyncpg and the
SQLAlchemy 2 ORM talk to a writer; a reader on the same volume sees the writer's commits and
refuses writes with SQLSTATE 25006; TLS works and a wrong password is refused.
"""

from __future__ import annotations

import asyncio
import decimal
import os

import asyncpg
import psycopg
import pytest
import sqlalchemy as sa
from instance_support import Cluster, cluster_fixture, poll  # noqa: F401  (the fixture)
from sqlalchemy import orm

pytestmark = pytest.mark.integration


def test_psql_commands_and_describe(cluster: Cluster) -> None:
    cluster.run("psql", "-c", "CREATE TABLE psql_items (id serial PRIMARY KEY, "
                "name text NOT NULL, price numeric(10,2), added timestamptz DEFAULT now())")
    cluster.run("psql", "-c", "INSERT INTO psql_items (name, price) VALUES ('a', 1.50), ('b', 2)")
    out = cluster.run("psql", "-At", "-c", "SELECT id, name, price FROM psql_items ORDER BY id").stdout
    assert out.split() == ["1|a|1.50", "2|b|2.00"]
    described = cluster.run("psql", "-c", r"\d psql_items").stdout
    assert 'Table "public.psql_items"' in described
    for column, type_ in (("id", "integer"), ("name", "text"), ("price", "numeric(10,2)"),
                          ("added", "timestamp with time zone")):
        assert any(line.split("|")[0].strip() == column and line.split("|")[1].strip() == type_
                   for line in described.splitlines() if "|" in line), described
    assert "psql_items_pkey" in described
    listed = cluster.run("psql", "-c", r"\dt").stdout
    assert "psql_items" in listed and "table" in listed
    bad = cluster.run("psql", "-c", "SELECT * FROM no_such_table", check=False)
    assert bad.returncode != 0
    assert 'relation "no_such_table" does not exist' in bad.stderr
    assert "Traceback" not in bad.stderr


def test_psycopg_simple_extended_prepared_binary(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE pg_kinds (id int PRIMARY KEY, label text, amount numeric(12,3),"
                     " flag boolean, data bytea)")
        # Simple query protocol: client-side binding, several statements in one string.
        with psycopg.ClientCursor(conn) as cur:
            cur.execute("INSERT INTO pg_kinds VALUES (%s, %s, %s, %s, %s); "
                        "INSERT INTO pg_kinds VALUES (2, 'two', 2.5, false, NULL)",
                        (1, "one's", decimal.Decimal("1.125"), True, b"\x00\x01"))
            cur.execute("SELECT label FROM pg_kinds WHERE id = %s", (1,))
            assert cur.fetchone() == ("one's",)
        # Extended protocol with server-side parameters.
        cur = conn.execute("UPDATE pg_kinds SET amount = amount + %s WHERE id >= %s",
                           (decimal.Decimal("1"), 1))
        assert cur.rowcount == 2
        row = conn.execute("SELECT id, label, amount, flag, data FROM pg_kinds WHERE id = %s",
                           (1,)).fetchone()
        assert row == (1, "one's", decimal.Decimal("2.125"), True, b"\x00\x01")
        # Prepared statements (named, reused) and binary results.
        for i in range(3, 8):
            conn.execute("INSERT INTO pg_kinds (id, label) VALUES (%s, %s)", (i, f"n{i}"),
                         prepare=True)
        with conn.cursor(binary=True) as bcur:
            bcur.execute("SELECT id, label, amount FROM pg_kinds WHERE id <= %s ORDER BY id", (3,))
            assert bcur.fetchall() == [(1, "one's", decimal.Decimal("2.125")),
                                       (2, "two", decimal.Decimal("3.500")), (3, "n3", None)]
        assert conn.execute("SELECT count(*) FROM pg_kinds").fetchone() == (7,)
        # A transaction that fails rolls back as a whole.
        with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
            conn.execute("INSERT INTO pg_kinds (id) VALUES (100)")
            conn.execute("INSERT INTO pg_kinds (id) VALUES (1)")
        assert conn.execute("SELECT count(*) FROM pg_kinds WHERE id = 100").fetchone() == (0,)


def test_psycopg_copy_in_and_out(cluster: Cluster) -> None:
    rows = [(i, f"name\t{i}" if i % 7 == 0 else f"name {i}", None if i % 5 == 0 else i * 1.5)
            for i in range(1, 2001)]
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE copy_rows (id int PRIMARY KEY, name text, score float8)")
        with conn.cursor() as cur:
            with cur.copy("COPY copy_rows (id, name, score) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            assert cur.rowcount == len(rows)
            got = []
            with cur.copy("COPY (SELECT id, name, score FROM copy_rows ORDER BY id) TO STDOUT") as copy:
                for r in copy.rows():
                    got.append((int(r[0]), r[1], None if r[2] is None else float(r[2])))
        assert got == rows
        assert conn.execute("SELECT count(*), sum(id) FROM copy_rows").fetchone() == (2000, 2001000)


def test_psycopg_numeric_is_exact_in_text_and_binary(cluster: Cluster) -> None:
    dec = decimal.Decimal
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE num_exact (id int PRIMARY KEY, price numeric(10,2), n numeric)")
        conn.execute("INSERT INTO num_exact VALUES (%s, %s, %s), (2, 2.255, 0.2)",
                     (1, dec("1.5"), dec("12345678901234567890.12")))
        query = ("SELECT 1.50::numeric(10,2) * 3, 0.1::numeric + 0.2::numeric, max(n) + 1,"
                 " sum(price), avg(price), %s::numeric * 2, 'NaN'::numeric, 'Infinity'::numeric,"
                 " '-Infinity'::numeric FROM num_exact")
        expected = [dec("4.50"), dec("0.3"), dec("12345678901234567891.12"), dec("3.76"),
                    dec("1.8800000000000000"), dec("3.00"), dec("NaN"), dec("Infinity"),
                    dec("-Infinity")]
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                row = cur.execute(query, (dec("1.50"),)).fetchone()
                assert [str(v) for v in row] == [str(v) for v in expected], binary
                assert all(isinstance(v, dec) for v in row)
                got = cur.execute("SELECT id FROM num_exact WHERE n > 1 ORDER BY n").fetchall()
                assert got == [(1,)]


def test_asyncpg(cluster: Cluster) -> None:
    async def main() -> None:
        conn = await asyncpg.connect(cluster.url())
        try:
            await conn.execute("CREATE TABLE apg (id bigint PRIMARY KEY, tag text, n int)")
            await conn.executemany("INSERT INTO apg VALUES ($1, $2, $3)",
                                   [(i, f"t{i % 3}", i * 10) for i in range(1, 51)])
            stmt = await conn.prepare("SELECT count(*), sum(n) FROM apg WHERE tag = $1")
            assert tuple(await stmt.fetchrow("t1")) == (17, sum(i * 10 for i in range(1, 51) if i % 3 == 1))
            async with conn.transaction():
                status = await conn.execute("UPDATE apg SET n = n + 1 WHERE id <= $1", 10)
                assert status == "UPDATE 10"
            rows = await conn.fetch("SELECT id, n FROM apg WHERE id = ANY($1::bigint[]) ORDER BY id", [1, 2])
            assert [tuple(r) for r in rows] == [(1, 11), (2, 21)]
            assert await conn.fetchval("SELECT tag FROM apg WHERE id = $1", 3) == "t0"
        finally:
            await conn.close()

    asyncio.run(main())


class Base(orm.DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "orm_customers"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(50))
    balance: orm.Mapped[decimal.Decimal] = orm.mapped_column(sa.Numeric(10, 2), default=0)


def test_sqlalchemy_orm_crud(cluster: Cluster) -> None:
    engine = sa.create_engine(cluster.url(driver="postgresql+psycopg"))
    try:
        Base.metadata.create_all(engine)
        with orm.Session(engine) as session:
            session.add_all([Customer(name=f"c{i}", balance=decimal.Decimal(i)) for i in range(1, 6)])
            session.commit()
            c3 = session.scalars(sa.select(Customer).where(Customer.name == "c3")).one()
            c3.balance += decimal.Decimal("0.50")
            session.commit()  # an UPDATE whose row count must be 1, or the ORM raises
            result = session.execute(sa.update(Customer).where(Customer.id > 3)
                                     .values(balance=Customer.balance + 1))
            assert result.rowcount == 2
            session.delete(session.get(Customer, 1))
            session.commit()
            rows = session.execute(sa.select(Customer.name, Customer.balance)
                                   .order_by(Customer.id)).all()
        assert [(n, b) for n, b in rows] == [
            ("c2", decimal.Decimal("2.00")), ("c3", decimal.Decimal("3.50")),
            ("c4", decimal.Decimal("5.00")), ("c5", decimal.Decimal("6.00"))]
    finally:
        engine.dispose()


def test_each_instance_keeps_its_threads_to_one_cpu(cluster: Cluster) -> None:
    # Its threads hand the interpreter lock to each other on one CPU, not across cores.
    for inst in (cluster.writer, cluster.reader):
        assert inst.record is not None
        tasks = os.listdir(f"/proc/{inst.record.pid}/task")
        assert len(tasks) > 2  # the loop, the volume's and sessions' threads
        assert len({frozenset(os.sched_getaffinity(int(t))) for t in tasks}) == 1
        assert len(os.sched_getaffinity(inst.record.pid)) == 1


def test_reader_sees_commit_and_refuses_writes(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE replicated (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO replicated VALUES (1, 'from the writer')")

    def seen() -> bool:
        try:
            with psycopg.connect(cluster.dsn(cluster.reader), autocommit=True) as rconn:
                return rconn.execute("SELECT note FROM replicated WHERE id = 1").fetchone() == (
                    "from the writer",)
        except psycopg.errors.UndefinedTable:
            return False

    poll(seen, 15, "the reader to see the writer's row")
    with psycopg.connect(cluster.dsn(cluster.reader), autocommit=True) as rconn:
        with pytest.raises(psycopg.Error) as err:
            rconn.execute("INSERT INTO replicated VALUES (2, 'on a reader')")
        assert err.value.sqlstate == "25006"
        with pytest.raises(psycopg.Error) as err:
            rconn.execute("UPDATE replicated SET note = 'x'")
        assert err.value.sqlstate == "25006"
        # The connection stays usable after the refusal.
        assert rconn.execute("SELECT count(*) FROM replicated").fetchone() == (1,)
    assert cluster.reader.status()["role"] == "reader"


def test_a_transaction_left_open_after_a_read_holds_no_writer_back(cluster: Cluster) -> None:
    """psycopg opens a transaction before its first statement (autocommit off, the default):
    one that read and sits idle must not keep writers waiting, as it does not in PostgreSQL.
    Its next write works on the newest rows (READ COMMITTED): no lost update, no 40001."""
    import concurrent.futures

    with psycopg.connect(cluster.dsn(), autocommit=True) as other, psycopg.connect(cluster.dsn()) as app:
        other.execute("CREATE TABLE counters (id int PRIMARY KEY, v int NOT NULL)")
        other.execute("INSERT INTO counters VALUES (1, 0)")
        assert app.execute("SELECT v FROM counters WHERE id = 1").fetchone() == (0,)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            write = pool.submit(other.execute, "UPDATE counters SET v = v + 1 WHERE id = 1")
            poll(write.done, 10, "the writer to commit while a reading transaction is open")
            write.result()
        assert app.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        # READ COMMITTED: the next statement sees the commit
        assert app.execute("SELECT v FROM counters WHERE id = 1").fetchone() == (1,)
        # the block's write applies to the committed 1, not to the 0 it read
        assert app.execute("UPDATE counters SET v = v + 10 WHERE id = 1 RETURNING v").fetchone() == (11,)
        app.commit()
        assert other.execute("SELECT v FROM counters WHERE id = 1").fetchone() == (11,)


def test_autocommit_queries_see_each_commit_made_before_they_began(cluster: Cluster) -> None:
    """A session keeps one read transaction open between its autocommit queries while
    nothing is committed: each query still sees every commit made before it began, on the
    writer at once and on a reader once replicated, prepared or not (psycopg parses a query
    each time until its fifth run, then prepares it)."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as w, \
            psycopg.connect(cluster.dsn(), autocommit=True) as a, \
            psycopg.connect(cluster.dsn(cluster.reader), autocommit=True, prepare_threshold=0) as r:
        w.execute("CREATE TABLE ticks (id int PRIMARY KEY, n int NOT NULL)")
        w.execute("INSERT INTO ticks VALUES (1, 0)")
        for n in range(1, 25):
            for _ in range(2):
                assert a.execute("SELECT n FROM ticks WHERE id = %s", (1,)).fetchone() == (n - 1,)
                assert a.execute("SELECT n FROM ticks WHERE id = 1").fetchone() == (n - 1,)
            w.execute("UPDATE ticks SET n = %s WHERE id = 1", (n,))

            def replicated(n: int = n) -> bool:
                try:
                    return r.execute("SELECT n FROM ticks WHERE id = %s", (1,)).fetchone() == (n,)
                except psycopg.errors.UndefinedTable:
                    return False

            poll(replicated, 15, f"the reader's session to see n = {n}")
        assert a.execute("UPDATE ticks SET n = 100 WHERE id = 1 RETURNING n").fetchone() == (100,)
        assert a.execute("SELECT n FROM ticks WHERE id = %s", (1,)).fetchone() == (100,)
        assert w.execute("SELECT n FROM ticks WHERE id = 1").fetchone() == (100,)


def test_a_write_waiting_for_the_lock_gives_up_at_its_timeouts_or_on_a_cancel(cluster: Cluster) -> None:
    """While another transaction holds the write lock, a write waits for it; lock_timeout
    ends that wait with 55P03, statement_timeout with 57014, and so does a cancel, in a
    block (its first write) and outside one. Nothing is lost: once the lock is free the
    same write goes through."""
    import concurrent.futures
    import time

    with psycopg.connect(cluster.dsn(), autocommit=True) as holder, \
            psycopg.connect(cluster.dsn(), autocommit=True) as waiter:
        holder.execute("CREATE TABLE queue (id int PRIMARY KEY, v int NOT NULL)")
        holder.execute("INSERT INTO queue VALUES (1, 0)")
        holder.execute("BEGIN")
        holder.execute("UPDATE queue SET v = 1 WHERE id = 1")  # holds the write lock

        def timed(sql: str, error: type[Exception]) -> tuple[float, str]:
            started = time.monotonic()
            with pytest.raises(error) as caught:
                waiter.execute(sql)
            return time.monotonic() - started, str(caught.value)

        waiter.execute("SET lock_timeout = '300ms'")
        took, message = timed("UPDATE queue SET v = 2 WHERE id = 1", psycopg.errors.LockNotAvailable)
        assert 0.3 <= took < 5 and message == "canceling statement due to lock timeout"
        waiter.execute("BEGIN")
        assert waiter.execute("SELECT v FROM queue").fetchone() == (0,)
        took, _ = timed("UPDATE queue SET v = 2 WHERE id = 1", psycopg.errors.LockNotAvailable)
        assert 0.3 <= took < 5
        waiter.execute("ROLLBACK")

        waiter.execute("SET lock_timeout = 0")
        waiter.execute("SET statement_timeout = '400ms'")
        took, message = timed("DELETE FROM queue", psycopg.errors.QueryCanceled)
        assert 0.4 <= took < 5 and message == "canceling statement due to statement timeout"
        waiter.execute("SET statement_timeout = 0")

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            waiting = pool.submit(waiter.execute, "UPDATE queue SET v = 3 WHERE id = 1")
            with pytest.raises(concurrent.futures.TimeoutError):
                waiting.result(0.3)
            waiter.cancel()
            with pytest.raises(psycopg.errors.QueryCanceled) as caught:
                waiting.result(5)
        assert time.monotonic() - started < 5
        assert str(caught.value) == "canceling statement due to user request"

        holder.execute("COMMIT")
        assert waiter.execute("UPDATE queue SET v = v + 10 WHERE id = 1 RETURNING v").fetchone() == (11,)
        assert holder.execute("SELECT v FROM queue").fetchone() == (11,)


def test_select_for_update_holds_the_row_until_the_transaction_ends(cluster: Cluster) -> None:
    import concurrent.futures

    with psycopg.connect(cluster.dsn(), autocommit=True) as setup:
        setup.execute("CREATE TABLE stock (id int PRIMARY KEY, qty int NOT NULL)")
        setup.execute("INSERT INTO stock VALUES (1, 5)")
    with psycopg.connect(cluster.dsn()) as first, psycopg.connect(cluster.dsn()) as second:
        first.execute("SELECT 1")  # a transaction that read first
        assert first.execute("SELECT qty FROM stock WHERE id = 1 FOR UPDATE").fetchone() == (5,)

        def take_one() -> int:
            qty = second.execute("SELECT qty FROM stock WHERE id = 1 FOR UPDATE").fetchone()[0]
            second.execute("UPDATE stock SET qty = %s WHERE id = 1", (qty - 1,))
            second.commit()
            return qty

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(take_one)
            with pytest.raises(concurrent.futures.TimeoutError):
                waiting.result(0.5)  # the second FOR UPDATE waits for the first transaction
            first.execute("UPDATE stock SET qty = qty - 1 WHERE id = 1")
            first.commit()
            assert waiting.result(10) == 4  # it read the first one's committed row
    with psycopg.connect(cluster.dsn(), autocommit=True) as check:
        assert check.execute("SELECT qty FROM stock WHERE id = 1").fetchone() == (3,)


def test_tls_required_and_wrong_password(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(sslmode="require")) as conn:
        assert conn.info.pgconn.ssl_in_use
        assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
    with pytest.raises(psycopg.OperationalError) as err:
        psycopg.connect(cluster.dsn(password="not-the-password"))
    assert 'password authentication failed for user "postgres"' in str(err.value)
    with pytest.raises(psycopg.OperationalError) as err:
        psycopg.connect(cluster.dsn(password="not-the-password", sslmode="require"))
    assert "password authentication failed" in str(err.value)


def test_schema_changes_reach_open_sessions(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as a, \
            psycopg.connect(cluster.dsn(), autocommit=True) as b, \
            psycopg.connect(cluster.dsn(cluster.reader), autocommit=True) as r:
        a.execute("CREATE TABLE evolving (id int PRIMARY KEY)")
        a.execute("INSERT INTO evolving VALUES (1)")
        assert a.execute("SELECT * FROM evolving").fetchall() == [(1,)]
        b.execute("ALTER TABLE evolving ADD COLUMN amount numeric(8,2) DEFAULT 2.5")
        cur = a.execute("SELECT id, amount FROM evolving")
        assert cur.fetchall() == [(1, decimal.Decimal("2.50"))]
        assert cur.description[1].type_code == 1700  # numeric, from the catalog in the volume
        # DDL rolled back leaves nothing behind in the session's view.
        with pytest.raises(psycopg.errors.UndefinedColumn), a.transaction():
            a.execute("ALTER TABLE evolving ADD COLUMN note text")
            a.execute("SELECT missing_column FROM evolving")
        with pytest.raises(psycopg.errors.UndefinedColumn):
            a.execute("SELECT note FROM evolving")

        def reader_has_amount() -> bool:
            try:
                rcur = r.execute("SELECT amount FROM evolving")
            except psycopg.errors.UndefinedTable:
                return False
            return rcur.fetchall() == [(decimal.Decimal("2.50"),)]

        poll(reader_has_amount, 15, "the reader's open session to see the new column")


def test_foreign_keys_and_alter_table_with_psycopg_and_psql(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE fk_parent (id serial PRIMARY KEY, name text)")
        conn.execute("CREATE TABLE fk_child (id serial PRIMARY KEY, pid int NOT NULL "
                     "REFERENCES fk_parent (id) ON DELETE CASCADE, qty int)")
        conn.execute("INSERT INTO fk_parent (name) VALUES ('a'), ('b')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as e:
            conn.execute("INSERT INTO fk_child (pid) VALUES (%s)", (42,))
        assert e.value.diag.constraint_name == "fk_child_pid_fkey"
        assert e.value.diag.table_name == "fk_child"
        assert e.value.diag.message_detail == 'Key (pid)=(42) is not present in table "fk_parent".'
        conn.execute("INSERT INTO fk_child (pid, qty) VALUES (1, 1), (1, 2), (2, 3)")
        conn.execute("DELETE FROM fk_parent WHERE id = 1")
        assert conn.execute("SELECT pid FROM fk_child").fetchall() == [(2,)]
        # Django's form: a deferred constraint added by ALTER TABLE, checked at COMMIT.
        conn.execute("ALTER TABLE fk_child DROP CONSTRAINT fk_child_pid_fkey")
        conn.execute('ALTER TABLE fk_child ADD CONSTRAINT "fk_child_pid_3c_fk" FOREIGN KEY (pid) '
                     "REFERENCES fk_parent (id) DEFERRABLE INITIALLY DEFERRED")
        conn.execute("ALTER TABLE fk_child ADD CONSTRAINT qty_positive CHECK (qty > 0)")
        conn.execute("ALTER TABLE fk_child ALTER COLUMN qty SET NOT NULL")
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute("INSERT INTO fk_child (pid, qty) VALUES (2, NULL)")
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as e, conn.transaction():
            conn.execute("INSERT INTO fk_child (pid, qty) VALUES (77, 1)")
        assert e.value.diag.constraint_name == "fk_child_pid_3c_fk"
        with conn.transaction():
            conn.execute("INSERT INTO fk_child (pid, qty) VALUES (3, 1)")
            conn.execute("INSERT INTO fk_parent (id, name) VALUES (3, 'c')")
        assert conn.execute("SELECT count(*) FROM fk_child").fetchone() == (2,)
    described = cluster.run("psql", "-c", r"\d+ fk_child").stdout
    assert "Foreign-key constraints:" in described
    assert ('"fk_child_pid_3c_fk" FOREIGN KEY (pid) REFERENCES fk_parent(id) DEFERRABLE '
            "INITIALLY DEFERRED") in described
    assert '"qty_positive" CHECK (qty > 0)' in described
    referenced = cluster.run("psql", "-c", r"\d fk_parent").stdout
    assert "Referenced by:" in referenced and "fk_child_pid_3c_fk" in referenced
    # A reader instance on the same volume describes the same constraints.
    listed = cluster.run("psql", "-At", "-c", "SELECT conname FROM pg_constraint "
                         "WHERE contype = 'f'", inst=cluster.reader).stdout
    assert "fk_child_pid_3c_fk" in listed.split()


def test_named_schema_with_psql_and_sqlalchemy(cluster: Cluster) -> None:
    cluster.run("psql", "-c", "CREATE SCHEMA billing")
    cluster.run("psql", "-c", "CREATE TABLE billing.invoice (id serial PRIMARY KEY, "
                "total numeric(10,2) NOT NULL CHECK (total >= 0))")
    cluster.run("psql", "-c", "CREATE TABLE billing.line (id serial PRIMARY KEY, invoice_id int "
                "NOT NULL REFERENCES billing.invoice ON DELETE CASCADE, label text)")
    listed = cluster.run("psql", "-c", r"\dt billing.*").stdout
    assert "billing | invoice" in listed and "billing | line" in listed
    described = cluster.run("psql", "-c", r"\d billing.line").stdout
    assert 'Table "billing.line"' in described
    assert "REFERENCES billing.invoice(id) ON DELETE CASCADE" in described
    engine = sa.create_engine(cluster.url(driver="postgresql+psycopg"))
    try:
        inspector = sa.inspect(engine)
        assert "billing" in inspector.get_schema_names()
        assert sorted(inspector.get_table_names(schema="billing")) == ["invoice", "line"]
        (fk,) = inspector.get_foreign_keys("line", schema="billing")
        assert fk["referred_schema"] == "billing" and fk["referred_table"] == "invoice"
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO billing.invoice (total) VALUES (10.50)"))
            conn.execute(sa.text("INSERT INTO billing.line (invoice_id, label) VALUES (1, 'x')"))
            conn.execute(sa.text("DELETE FROM billing.invoice"))
            assert conn.execute(sa.text("SELECT count(*) FROM billing.line")).scalar() == 0
    finally:
        engine.dispose()
    cluster.run("psql", "-c", "DROP SCHEMA billing CASCADE")


class EnumBase(orm.DeclarativeBase):
    pass


class Ticket(EnumBase):
    __tablename__ = "orm_tickets"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    priority: orm.Mapped[str] = orm.mapped_column(
        sa.Enum("low", "normal", "high", name="ticket_priority"))


def test_sqlalchemy_enum_type(cluster: Cluster) -> None:
    """SQLAlchemy's Enum on PostgreSQL is CREATE TYPE ... AS ENUM, found again through
    pg_type by the next create_all; values are checked and sort as declared."""
    engine = sa.create_engine(cluster.url(driver="postgresql+psycopg"))
    try:
        EnumBase.metadata.create_all(engine)
        EnumBase.metadata.create_all(engine)  # checkfirst: the type and table exist
        with orm.Session(engine) as session:
            session.add_all([Ticket(id=1, priority="high"), Ticket(id=2, priority="low"),
                             Ticket(id=3, priority="normal")])
            session.commit()
            got = session.scalars(sa.select(Ticket.id).order_by(Ticket.priority)).all()
            assert got == [2, 3, 1]
            assert session.scalars(sa.select(Ticket.id).where(Ticket.priority > "low")
                                   .order_by(Ticket.id)).all() == [1, 3]
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                conn.execute("INSERT INTO orm_tickets VALUES (4, 'urgent')")
            conn.execute("ALTER TYPE ticket_priority ADD VALUE 'urgent' AFTER 'high'")
            conn.execute("INSERT INTO orm_tickets VALUES (4, 'urgent')")
            assert conn.execute("SELECT max(priority) FROM orm_tickets").fetchone() == ("urgent",)
        EnumBase.metadata.drop_all(engine)  # the table, then its type
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM pg_type WHERE typname = 'ticket_priority'"
                                ).fetchone() == (0,)
    finally:
        engine.dispose()
