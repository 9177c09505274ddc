"""Several connections on one volume: snapshots, one writer at a time, lost updates, readers."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable, Iterator, Mapping

import apsw
import pytest
from test_vfs_support import RecordingStore

from aurora.engine.instance.vfs import VolumeVFS, is_busy_snapshot
from aurora.engine.storage.pagestore import MemoryPageStore, PageKey


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def vfs(store: RecordingStore) -> Iterator[VolumeVFS]:
    v = VolumeVFS(store, {"app": 1})
    yield v
    v.close()


@pytest.fixture
def writer_and_reader() -> Iterator[tuple[VolumeVFS, VolumeVFS]]:
    """A writer's VFS and a reader's on one memory store, with a table t(x)."""
    store = MemoryPageStore()
    writer_vfs = VolumeVFS(store, {"app": 1})
    reader_vfs = VolumeVFS(store, {"app": 1}, read_only=True)
    writer_vfs.connect("app").execute("CREATE TABLE t(x)")
    yield writer_vfs, reader_vfs
    reader_vfs.close()
    writer_vfs.close()


def vfs_session(vfs: VolumeVFS, **kw: object):
    """A SQL session on the VFS as the instance makes one (data version, snapshot handle)."""
    from aurora.engine.sql.session import Session

    conn = vfs.connect("app")
    return Session(conn, data_version=vfs.read_lsn, read_snapshot=vfs.read_snapshot(conn), **kw)


def one(conn: apsw.Connection, sql: str, params: tuple = ()) -> object:
    return conn.execute(sql, params).fetchall()[0][0]


def run_threads(target: Callable[[int], None], n: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def test_a_reader_keeps_its_snapshot_until_its_transaction_ends(vfs: VolumeVFS) -> None:
    writer, reader = vfs.connect("app"), vfs.connect("app")
    writer.execute("CREATE TABLE t(x)")
    writer.execute("INSERT INTO t VALUES (1)")

    reader.execute("BEGIN")
    assert one(reader, "SELECT count(*) FROM t") == 1
    writer.execute("INSERT INTO t VALUES (2)")
    with writer:
        writer.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(3, 500)])
    assert one(reader, "SELECT count(*) FROM t") == 1
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    reader.execute("COMMIT")
    assert one(reader, "SELECT count(*) FROM t") == 499
    assert one(writer, "SELECT count(*) FROM t") == 499


def test_a_new_snapshot_sees_schema_changes(vfs: VolumeVFS) -> None:
    a, b = vfs.connect("app"), vfs.connect("app")
    a.execute("CREATE TABLE t(x)")
    assert one(b, "SELECT count(*) FROM t") == 0
    a.execute("ALTER TABLE t ADD COLUMN y DEFAULT 7")
    a.execute("INSERT INTO t(x) VALUES (1)")
    assert b.execute("SELECT x, y FROM t").fetchall() == [(1, 7)]


@pytest.mark.parametrize("style", ["autocommit", "immediate", "deferred"])
def test_concurrent_writers_count_exactly(vfs: VolumeVFS, style: str) -> None:
    setup = vfs.connect("app")
    setup.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER)")
    setup.execute("INSERT INTO counter VALUES (1, 0)")
    threads, increments = 6, 150

    def work(_: int) -> None:
        conn = vfs.connect("app")
        for _ in range(increments):
            if style == "autocommit":
                conn.execute("UPDATE counter SET v = v + 1 WHERE id = 1")
            else:
                conn.execute("BEGIN IMMEDIATE" if style == "immediate" else "BEGIN")
                conn.execute("UPDATE counter SET v = v + 1 WHERE id = 1")
                conn.execute("COMMIT")
        conn.close()

    assert run_threads(work, threads) == []
    assert one(setup, "SELECT v FROM counter") == threads * increments


def test_read_then_write_on_a_stale_snapshot_is_refused_and_loses_nothing(
    vfs: VolumeVFS,
) -> None:
    a, b = vfs.connect("app"), vfs.connect("app")
    a.execute("CREATE TABLE counter(v INTEGER)")
    a.execute("INSERT INTO counter VALUES (0)")

    a.execute("BEGIN")
    seen = one(a, "SELECT v FROM counter")
    b.execute("UPDATE counter SET v = v + 1")
    with pytest.raises(apsw.BusyError) as caught:
        a.execute("UPDATE counter SET v = ?", (seen + 1,))
    assert is_busy_snapshot(caught.value)
    assert vfs.stats().snapshot_refusals == 1
    assert not is_busy_snapshot(apsw.BusyError("database is locked"))
    a.execute("ROLLBACK")
    assert one(a, "SELECT v FROM counter") == 1

    # Retried on a fresh snapshot, the increment lands on top of b's.
    with a:
        seen = one(a, "SELECT v FROM counter")
        a.execute("UPDATE counter SET v = ?", (seen + 1,))
    assert one(b, "SELECT v FROM counter") == 2


def test_read_modify_write_transactions_from_threads_never_lose_an_update(
    vfs: VolumeVFS,
) -> None:
    setup = vfs.connect("app")
    setup.execute("CREATE TABLE counter(v INTEGER)")
    setup.execute("INSERT INTO counter VALUES (0)")
    threads, increments = 4, 100
    refusals = [0] * threads

    def work(i: int) -> None:
        conn = vfs.connect("app")
        done = 0
        while done < increments:
            conn.execute("BEGIN")
            try:
                seen = one(conn, "SELECT v FROM counter")
                conn.execute("UPDATE counter SET v = ?", (seen + 1,))
                conn.execute("COMMIT")
                done += 1
            except apsw.BusyError as exc:
                assert is_busy_snapshot(exc)
                refusals[i] += 1
                conn.execute("ROLLBACK")

    assert run_threads(work, threads) == []
    assert one(setup, "SELECT v FROM counter") == threads * increments


def test_readers_never_wait_for_the_writer(vfs: VolumeVFS) -> None:
    writer, reader = vfs.connect("app"), vfs.connect("app")
    writer.execute("CREATE TABLE t(x)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE t SET x = 2")
    writer.execute("INSERT INTO t SELECT x + 10 FROM t")  # still uncommitted

    result: list[object] = []

    def read(_: int) -> None:
        started = time.monotonic()
        result.append(reader.execute("SELECT x FROM t").fetchall())
        result.append(time.monotonic() - started)

    assert run_threads(read, 1) == []
    assert result[0] == [(1,)]
    assert result[1] < 0.5
    writer.execute("COMMIT")
    assert reader.execute("SELECT x FROM t ORDER BY x").fetchall() == [(2,), (12,)]


def test_readers_see_a_consistent_snapshot_while_writers_run(vfs: VolumeVFS) -> None:
    setup = vfs.connect("app")
    setup.execute("CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER)")
    with setup:
        setup.executemany("INSERT INTO account VALUES (?, 100)", [(i,) for i in range(50)])
    stop = threading.Event()

    def transfer(i: int) -> None:
        conn = vfs.connect("app")
        for n in range(100):
            src, dst = (i * 7 + n) % 50, (i * 13 + n * 3 + 1) % 50
            with conn:
                conn.execute("UPDATE account SET balance = balance - 1 WHERE id = ?", (src,))
                conn.execute("UPDATE account SET balance = balance + 1 WHERE id = ?", (dst,))

    def audit(_: int) -> None:
        conn = vfs.connect("app")
        while not stop.is_set():
            with conn:
                assert one(conn, "SELECT sum(balance) FROM account") == 5000
                assert one(conn, "SELECT count(*) FROM account") == 50

    auditors = threading.Thread(target=lambda: run_threads(audit, 2))
    errors: list[BaseException] = []
    auditors.start()
    try:
        errors = run_threads(transfer, 3)
    finally:
        stop.set()
        auditors.join(30)
    assert errors == []
    assert one(setup, "SELECT sum(balance) FROM account") == 5000


def test_read_only_instance_follows_commits_and_refuses_writes() -> None:
    store = MemoryPageStore()
    writer_vfs = VolumeVFS(store, {"app": 1})
    reader_vfs = VolumeVFS(store, {"app": 1}, read_only=True, pool_bytes=1 << 20)
    try:
        writer = writer_vfs.connect("app")
        writer.execute("CREATE TABLE t(x)")
        writer.execute("INSERT INTO t VALUES (1)")
        reader = reader_vfs.connect("app")
        assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
        assert reader_vfs.read_lsn() == store.read_point()

        reader.execute("BEGIN")
        assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
        writer.execute("INSERT INTO t VALUES (2)")
        assert reader_vfs.read_lsn() == store.read_point()
        assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]  # its snapshot
        reader.execute("COMMIT")
        assert reader.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
        assert reader_vfs.pool_stats().known_lsn == store.read_point()

        for sql in ["INSERT INTO t VALUES (3)", "CREATE TABLE u(y)", "DELETE FROM t"]:
            with pytest.raises(apsw.ReadOnlyError):
                reader.execute(sql)
        assert writer.execute("SELECT count(*) FROM t").fetchall() == [(2,)]
    finally:
        reader_vfs.close()
        writer_vfs.close()


def test_read_only_pool_drops_versions_replaced_by_commits(
    writer_and_reader: tuple[VolumeVFS, VolumeVFS],
) -> None:
    writer_vfs, reader_vfs = writer_and_reader
    writer = writer_vfs.connect("app")
    reader = reader_vfs.connect("app")
    for i in range(20):
        writer.execute("INSERT INTO t VALUES (?)", (i,))
        assert one(reader, "SELECT count(*) FROM t") == i + 1
    stats = reader_vfs.pool_stats()
    # Two pages (header and the table's leaf) change on every commit; only the newest
    # version of each stays cached once no snapshot needs the older ones.
    assert stats.versions == stats.pages


def test_a_writer_waits_a_bounded_time_for_the_write_lock() -> None:
    vfs = VolumeVFS(MemoryPageStore(), lambda name: 7 if name == "app" else None, busy_timeout=0.2)
    try:
        holder, waiter = vfs.connect("app"), vfs.connect("app")
        holder.execute("CREATE TABLE t(x)")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO t VALUES (1)")
        started = time.monotonic()
        with pytest.raises(apsw.BusyError) as caught:
            waiter.execute("INSERT INTO t VALUES (2)")
        assert 0.2 <= time.monotonic() - started < 5
        assert not is_busy_snapshot(caught.value)
        holder.execute("COMMIT")
        waiter.execute("INSERT INTO t VALUES (2)")
        assert waiter.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    finally:
        vfs.close()


class GatedStore(RecordingStore):
    """A store whose commits become durable only when the test says so (``release``), as
    a volume's do once 4 of 6 nodes acknowledge: submitted batches are readable by the
    writer at once, durable (``read_point``) later."""

    def __init__(self) -> None:
        super().__init__()
        self.durable = 0
        self.gate_open = True
        self.submitted = 0
        self.pending: list[tuple[int, concurrent.futures.Future]] = []

    def read_point(self) -> int:
        return self.durable

    def submit(self, writes: Mapping[PageKey, bytes]) -> tuple[int, concurrent.futures.Future | None]:
        lsn = self.commit(writes)
        with self._lock:
            self.submitted += 1
            if self.gate_open:
                self.durable = lsn
                return lsn, None
            future: concurrent.futures.Future = concurrent.futures.Future()
            self.pending.append((lsn, future))
            return lsn, future

    def release(self) -> None:
        with self._lock:
            pending, self.pending = self.pending, []
            self.gate_open = True
        for lsn, future in pending:
            self.durable = lsn
            future.set_result(None)


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_read_returns_a_commit_in_flight_only_once_it_is_durable() -> None:
    store = GatedStore()
    vfs = VolumeVFS(store, {"app": 1})
    try:
        a, b, c = (vfs.connect("app") for _ in range(3))
        a.execute("CREATE TABLE t (x)")
        a.execute("INSERT INTO t VALUES (1)")
        for conn in (b, c):  # load the schema now: that is a read transaction of its own
            assert one(conn, "SELECT count(*) FROM t") == 1
        before = store.submitted
        store.gate_open = False
        finished: dict[str, float] = {}
        results: dict[str, object] = {}

        def run(name: str, conn: apsw.Connection, sql: str) -> threading.Thread:
            def go() -> None:
                results[name] = conn.execute(sql).fetchall()
                finished[name] = time.monotonic()

            thread = threading.Thread(target=go)
            thread.start()
            return thread

        threads = [run("a", a, "INSERT INTO t VALUES (2)")]
        wait_until(lambda: store.submitted == before + 1)
        # Another writer is not held back by the commit in flight: it reads the state with it
        # and submits its own commit (acknowledged, later, only once both are durable).
        threads.append(run("c", c, "INSERT INTO t VALUES (3)"))
        wait_until(lambda: store.submitted == before + 2)
        # A reader sees both, and its rows come back only once both are durable.
        threads.append(run("b", b, "SELECT count(*) FROM t"))
        time.sleep(0.3)
        assert finished == {}, "a commit or a read returned before storage made it durable"
        released = time.monotonic()
        store.release()
        for t in threads:
            t.join(10)
        assert results["b"] == [(3,)]
        assert min(finished.values()) >= released
        # With nothing in flight a read does not wait at all.
        assert one(b, "SELECT count(*) FROM t") == 3
    finally:
        vfs.close()


def test_a_block_shows_a_commit_in_flight_only_once_it_is_durable() -> None:
    """Inside a transaction block SQLite keeps its lock to the block's end. A read-only
    block's first statement that saw a commit in flight returns once it is durable (the
    session asks the VFS after each statement); a read-write block reads on (once it holds
    the write lock, waiting there would stall every writer), and its COMMIT waits if it
    changed nothing. A block that read a commit in flight and then writes does not wait
    for it when it takes the write lock on a new snapshot: its own commit comes after."""
    from aurora.engine.sql.session import Session

    store = GatedStore()
    vfs = VolumeVFS(store, {"app": 1})
    try:
        a = vfs.connect("app")
        reader = Session(vfs.connect("app"))
        a.execute("CREATE TABLE t (x)")
        a.execute("INSERT INTO t VALUES (1)")
        assert reader.execute("SELECT count(*) FROM t").rows == [(1,)]

        def in_flight(value: int) -> threading.Thread:
            store.gate_open = False
            before = store.submitted
            writer = threading.Thread(target=lambda: a.execute("INSERT INTO t VALUES (?)", (value,)))
            writer.start()
            wait_until(lambda: store.submitted == before + 1)
            return writer

        def held(sql: str) -> tuple[threading.Thread, dict[str, object]]:
            done: dict[str, object] = {}

            def go() -> None:
                done["rows"] = reader.execute(sql).rows
                done["at"] = time.monotonic()

            thread = threading.Thread(target=go)
            thread.start()
            time.sleep(0.3)
            assert done == {}, f"{sql} returned before the commit it saw was durable"
            return thread, done

        def release(*threads: threading.Thread) -> float:
            released = time.monotonic()
            store.release()
            for thread in threads:
                thread.join(10)
                assert not thread.is_alive()
            return released

        # a read-only block: its first statement waits, the rest of the block does not
        writer = in_flight(2)
        reader.execute("BEGIN READ ONLY")
        thread, done = held("SELECT count(*) FROM t")
        assert release(thread, writer) <= done["at"] and done["rows"] == [(2,)]
        store.gate_open = False
        assert reader.execute("SELECT count(*) FROM t").rows == [(2,)]
        reader.execute("COMMIT")
        store.release()

        # a plain BEGIN: its reads go on, its COMMIT of nothing waits
        writer = in_flight(3)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM t").rows == [(3,)]
        thread, done = held("COMMIT")
        assert release(thread, writer) <= done["at"]

        # a block that read the commit in flight, then changed rows: its own COMMIT is
        # acknowledged after the earlier one
        writer = in_flight(4)
        before = store.submitted
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM t").rows == [(4,)]
        reader.execute("INSERT INTO t VALUES (5)")  # the write lock on a new snapshot: no wait
        assert reader.execute("SELECT count(*) FROM t").rows == [(5,)]
        thread, done = held("COMMIT")
        assert store.submitted == before + 1
        assert release(thread, writer) <= done["at"]
        assert reader.execute("SELECT count(*) FROM t").rows == [(5,)]

        # a READ COMMITTED block's next statement takes a new snapshot once what the block
        # read is durable, even a statement that reads nothing (the block's COMMIT would
        # then have nothing to wait for)
        writer = in_flight(6)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM t").rows == [(6,)]
        thread, done = held("SHOW search_path")
        assert release(thread, writer) <= done["at"]
        reader.execute("COMMIT")
    finally:
        vfs.close()


def test_a_read_committed_block_takes_the_write_lock_at_its_first_write() -> None:
    """Sessions on the instance's VFS: a block that only read holds no lock (a writer commits
    meanwhile); its first write renews its snapshot under the lock and applies to the newest
    row; a REPEATABLE READ block holds the lock from its first statement; a first write that
    cannot get the lock in time fails the block, which ROLLBACK ends cleanly."""
    from aurora.engine.sql.session import Session
    from aurora.engine.sqlapi import SqlError

    vfs = VolumeVFS(MemoryPageStore(), lambda name: 7 if name == "app" else None, busy_timeout=0.3)
    try:
        a, b = Session(vfs.connect("app")), Session(vfs.connect("app"))
        a.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        a.execute("INSERT INTO t VALUES (1, 0)")

        b.execute("BEGIN")
        assert b.execute("SELECT v FROM t").rows == [(0,)]
        a.execute("UPDATE t SET v = v + 1")  # no wait: b holds no lock
        assert b.execute("SELECT v FROM t").rows == [(1,)]  # READ COMMITTED: a new snapshot
        assert b.execute("UPDATE t SET v = v + 10 RETURNING v").rows == [(11,)]
        with pytest.raises(SqlError) as timed_out:
            a.execute("UPDATE t SET v = 0")  # b holds the write lock now
        assert timed_out.value.sqlstate == "40001"
        b.execute("COMMIT")
        assert a.execute("SELECT v FROM t").rows == [(11,)]

        b.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert b.execute("SELECT v FROM t").rows == [(11,)]
        with pytest.raises(SqlError):
            a.execute("UPDATE t SET v = 0")  # the lock came with b's first statement
        b.execute("COMMIT")

        a.execute("BEGIN")
        a.execute("UPDATE t SET v = 20")  # a holds the write lock
        b.execute("BEGIN")
        assert b.execute("SELECT v FROM t").rows == [(11,)]
        with pytest.raises(SqlError) as failed:
            b.execute("UPDATE t SET v = 30")
        assert failed.value.sqlstate == "40001"
        assert b.transaction_status == "E"
        b.execute("ROLLBACK")
        a.execute("COMMIT")
        assert b.execute("UPDATE t SET v = v + 1 RETURNING v").rows == [(21,)]
    finally:
        vfs.close()


def test_autocommit_queries_keep_one_read_transaction_while_nothing_is_committed() -> None:
    """A session on the instance's VFS runs its autocommit queries in one SQLite read
    transaction while no commit comes (no lock, unlock or header check per query), and an
    idle session pins no snapshot. Each query still sees what was committed before it
    began: a commit, another session's DDL, or a commit in flight (whose rows go out only
    once durable) end that transaction first. A statement that is not a plain query ends
    it too, and so does an error."""
    from aurora.engine.sqlapi import SqlError

    store = GatedStore()
    vfs = VolumeVFS(store, {"app": 1})
    try:
        a, b = vfs_session(vfs), vfs_session(vfs)
        a.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        a.execute("INSERT INTO t VALUES (1, 0)")
        for _ in range(3):
            assert b.execute("SELECT v FROM t WHERE id = $1", [1]).rows == [(0,)]
            assert b.conn.in_transaction and b.transaction_status == "I"

        # commits while b is idle: the first takes b's pin back (nothing pinned then), the
        # next query of b sees them all; and another session's DDL
        for _ in range(40):
            a.execute("UPDATE t SET v = v + 1 WHERE id = 1")
        assert vfs.pool.oldest_snapshot() is None
        assert b.execute("SELECT v FROM t WHERE id = $1", [1]).rows == [(40,)]
        a.execute("ALTER TABLE t ADD COLUMN w int DEFAULT 7")
        assert b.execute("SELECT v, w FROM t").rows == [(40, 7)]

        # a new snapshot holding a commit in flight: the query returns once it is durable
        store.gate_open = False
        before = store.submitted
        writer = threading.Thread(target=lambda: a.execute("UPDATE t SET v = 41"))
        writer.start()
        wait_until(lambda: store.submitted == before + 1)
        done: dict[str, object] = {}

        def query() -> None:
            done["rows"] = b.execute("SELECT v FROM t").rows
            done["at"] = time.monotonic()

        reading = threading.Thread(target=query)
        reading.start()
        time.sleep(0.3)
        assert done == {}, "a query returned a commit in flight before it was durable"
        released = time.monotonic()
        store.release()
        for thread in (writer, reading):
            thread.join(10)
        assert done["rows"] == [(41,)] and done["at"] >= released
        assert b.conn.in_transaction

        # (the session's schema check before that query read the new state in a transaction
        # of its own, which waited too: the VFS's part alone, on a block's snapshot)
        raw = vfs.connect("app")
        store.gate_open = False
        before = store.submitted
        writer = threading.Thread(target=lambda: a.execute("UPDATE t SET v = 42"))
        writer.start()
        wait_until(lambda: store.submitted == before + 1)
        raw.execute("BEGIN")
        assert one(raw, "SELECT v FROM t") == 42
        snapshot = vfs.read_snapshot(raw)
        assert snapshot is not None
        parking = threading.Thread(target=snapshot.park)
        parking.start()
        parking.join(0.3)
        assert parking.is_alive(), "park() let a commit in flight go out before it was durable"
        store.release()
        for thread in (writer, parking):
            thread.join(10)
        assert snapshot.resume()  # no commit since: reading on is reading the newest state
        snapshot.park()
        a.execute("UPDATE t SET v = 41")
        assert not snapshot.resume()
        raw.execute("COMMIT")
        raw.close()
        assert vfs.pool.oldest_snapshot() is None  # b's pin went with a's commit

        # what is not a plain query runs outside it
        assert b.execute("UPDATE t SET v = v + 1 RETURNING v").rows == [(42,)]
        assert not b.conn.in_transaction
        assert a.execute("SELECT v FROM t").rows == [(42,)]
        b.execute("CREATE SEQUENCE s")
        assert b.execute("SELECT nextval('s')").rows == [(1,)]
        assert not b.conn.in_transaction
        assert b.execute("SELECT v FROM t").rows == [(42,)] and b.conn.in_transaction
        b.execute("BEGIN")
        assert b.execute("UPDATE t SET v = 43").tag == "UPDATE 1"
        b.execute("COMMIT")
        assert b.execute("SELECT v FROM t").rows == [(43,)]
        with pytest.raises(SqlError):
            b.execute("SELECT no_such_column FROM t")
        assert not b.conn.in_transaction
        assert b.execute("SELECT v FROM t").rows == [(43,)]
        b.close()
        assert vfs.pool.oldest_snapshot() is None
    finally:
        vfs.close()


def test_a_query_run_again_goes_straight_to_its_plan_only_while_nothing_moved() -> None:
    """``Session.query_again`` (a prepared query's text run again) runs the cached plan in the
    kept read transaction while no commit came since its snapshot; a commit, DDL, a block
    that renews its snapshot per statement or a failed block send the query back to
    ``execute`` (None: nothing ran), which then sees the new state. In a block on one
    snapshot it runs too, and its error fails the block as any other statement's."""
    from aurora.engine.sqlapi import SqlError

    vfs = VolumeVFS(GatedStore(), {"app": 1})
    try:
        a, b = vfs_session(vfs), vfs_session(vfs)
        a.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        a.execute("INSERT INTO t VALUES (1, 0), (2, 5)")
        q = "SELECT v FROM t WHERE id = $1"
        assert b.query_again(q, [1]) is None  # never planned
        for _ in range(2):  # planned, then found in the plan cache as this text
            assert b.execute(q, [1]).rows == [(0,)]
        hits = b.stats["hits"]
        for _ in range(3):
            assert b.query_again(q, [2]).rows == [(5,)]
            assert b.conn.in_transaction and b.transaction_status == "I"
        assert b.stats["hits"] == hits + 3

        a.execute("UPDATE t SET v = v + 1")
        assert b.query_again(q, [1]) is None and not b.conn.in_transaction
        assert b.execute(q, [1]).rows == [(1,)]
        assert b.query_again(q, [1]).rows == [(1,)]
        a.execute("ALTER TABLE t ADD COLUMN w int DEFAULT 7")
        assert b.query_again(q, [1]) is None
        assert b.execute("SELECT v, w FROM t WHERE id = $1", [1]).rows == [(1, 7)]
        for _ in range(2):  # the new schema's plan
            assert b.execute(q, [1]).rows == [(1,)]
        assert b.query_again("UPDATE t SET v = 0 WHERE id = $1", [1]) is None  # not a query
        assert b.query_again(q, [1]).rows == [(1,)]

        b.execute("BEGIN")  # READ COMMITTED: each statement takes the newest snapshot
        assert b.execute(q, [1]).rows == [(1,)]
        assert b.query_again(q, [1]) is None
        b.execute("COMMIT")
        a.execute("UPDATE t SET v = 0 WHERE id = 2")
        ratio = "SELECT 10 / v FROM t WHERE id = $1"
        b.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")  # one snapshot (and the write lock)
        for _ in range(2):
            assert b.execute(ratio, [1]).rows == [(10,)]
        assert b.query_again(ratio, [1]).rows == [(10,)]
        with pytest.raises(SqlError) as failed:
            b.query_again(ratio, [2])
        assert failed.value.sqlstate == "22012" and b.transaction_status == "E"
        assert b.query_again(ratio, [1]) is None  # a failed block takes only ROLLBACK
        b.execute("ROLLBACK")
        assert b.execute(q, [1]).rows == [(1,)]
        b.close()
        a.close()
        assert vfs.pool.oldest_snapshot() is None
    finally:
        vfs.close()


def test_a_reader_session_keeps_its_read_transaction_and_pins_nothing_while_idle(
    writer_and_reader: tuple[VolumeVFS, VolumeVFS],
) -> None:
    """On a reader, queries go on in their kept read transaction until the writer's next
    commit arrives; while the session is idle its snapshot holds no replaced version in the
    pool (a pinned one would keep a version per commit)."""
    writer_vfs, reader_vfs = writer_and_reader
    writer = writer_vfs.connect("app")
    reader = vfs_session(reader_vfs, read_only=True)
    for i in range(20):
        writer.execute("INSERT INTO t VALUES (?)", (i,))
        for _ in range(2):
            assert reader.execute("SELECT count(*) FROM t").rows == [(i + 1,)]
            assert reader.conn.in_transaction
    stats = reader_vfs.pool_stats()
    assert stats.versions == stats.pages, stats
    writer.execute("INSERT INTO t VALUES (99)")  # takes the idle session's pin back
    assert reader_vfs.pool.oldest_snapshot() is None


def test_read_only_blocks_see_each_commit_at_read_committed(
    writer_and_reader: tuple[VolumeVFS, VolumeVFS],
) -> None:
    """A read-only block (BEGIN READ ONLY on the writer, any block on a reader instance) at
    READ COMMITTED: each statement sees what was committed before it began, as in
    PostgreSQL; at REPEATABLE READ, or once it declared a cursor, one snapshot."""
    writer_vfs, reader_vfs = writer_and_reader
    w = vfs_session(writer_vfs)
    w.execute("CREATE TABLE r (x int)")
    w.execute("INSERT INTO r VALUES (1)")
    for s, begin in ((vfs_session(writer_vfs), "BEGIN READ ONLY"),
                     (vfs_session(reader_vfs, read_only=True), "BEGIN")):
        s.execute(begin)
        assert s.execute("SELECT count(*) FROM r").rows == [(1,)]
        w.execute("INSERT INTO r VALUES (2)")
        assert s.execute("SELECT count(*) FROM r").rows == [(2,)]
        s.execute("DECLARE c CURSOR FOR SELECT x FROM r ORDER BY x")
        assert s.execute("FETCH 1 FROM c").rows == [(1,)]
        w.execute("INSERT INTO r VALUES (3)")
        assert s.execute("FETCH ALL FROM c").rows == [(2,)]
        assert s.execute("SELECT count(*) FROM r").rows == [(2,)]
        s.execute("COMMIT")
        s.execute(begin + " ISOLATION LEVEL REPEATABLE READ")
        n = s.execute("SELECT count(*) FROM r").rows[0][0]
        w.execute("INSERT INTO r VALUES (4)")
        assert s.execute("SELECT count(*) FROM r").rows == [(n,)]
        s.execute("COMMIT")
        assert s.execute("SELECT count(*) FROM r").rows == [(n + 1,)]
        w.execute("DELETE FROM r WHERE x > 1")


def test_a_session_decides_how_long_a_write_waits_for_the_lock() -> None:
    """With a session on the handle, the session's limit holds: its lock_timeout, also past
    the VFS's own limit (55P03), else that limit (40001, as a connection without a session)."""
    from aurora.engine.sqlapi import SqlError

    vfs = VolumeVFS(MemoryPageStore(), {"app": 1}, busy_timeout=0.3)
    try:
        holder, waiter = vfs_session(vfs), vfs_session(vfs)
        holder.execute("CREATE TABLE t (x int)")
        holder.execute("BEGIN")
        holder.execute("INSERT INTO t VALUES (1)")
        # (the upper bounds only show that the wait ended: a loaded machine stretches it)
        for lock_timeout, sqlstate, low, high in (("0", "40001", 0.3, 5), ("800ms", "55P03", 0.8, 5)):
            waiter.execute(f"SET lock_timeout = '{lock_timeout}'")
            started = time.monotonic()
            with pytest.raises(SqlError) as caught:
                waiter.execute("INSERT INTO t VALUES (2)")
            took = time.monotonic() - started
            assert caught.value.sqlstate == sqlstate and low <= took < high, (lock_timeout, took)
        holder.execute("COMMIT")
        waiter.execute("INSERT INTO t VALUES (2)")
        assert waiter.execute("SELECT count(*) FROM t").rows == [(2,)]
    finally:
        vfs.close()
