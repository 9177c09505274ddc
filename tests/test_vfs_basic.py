"""The volume VFS on one connection at a time: round trips, commit batches, failures."""

from __future__ import annotations

from collections.abc import Iterator

import apsw
import pytest
from test_vfs_support import RecordingStore, page_unavailable, quorum_lost

from aurora.engine.errors import PageUnavailable, StaleEpoch, WriteQuorumLost
from aurora.engine.instance.vfs import VolumeFile, VolumeVFS
from aurora.engine.storage.pagestore import MemoryPageStore


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def vfs(store: RecordingStore) -> Iterator[VolumeVFS]:
    v = VolumeVFS(store, {"app": 1, "other": 2})
    yield v
    v.close()


SERIES = "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) SELECT n FROM s)"


def count(conn: apsw.Connection, table: str = "t") -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_tables_and_rows_round_trip_through_a_fresh_connection(
    store: RecordingStore, vfs: VolumeVFS
) -> None:
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO t(name) VALUES ('a'), ('b'), ('c')")
    conn.close()

    again = vfs.connect("app")
    assert again.execute("SELECT name FROM t ORDER BY id").fetchall() == [("a",), ("b",), ("c",)]
    # A second instance on the same volume (cold buffer pool) reads the same database.
    cold = VolumeVFS(store, {"app": 1})
    try:
        assert count(cold.connect("app")) == 3
    finally:
        cold.close()


def test_databases_are_separate_files(store: RecordingStore, vfs: VolumeVFS) -> None:
    app, other = vfs.connect("app"), vfs.connect("other")
    app.execute("CREATE TABLE t(x)")
    app.execute("INSERT INTO t VALUES (1)")
    other.execute("CREATE TABLE t(x)")
    assert count(other) == 0
    assert {key[0] for batch in store.batches for key in batch} == {1, 2}
    with pytest.raises(apsw.CantOpenError):
        vfs.connect("missing")


def test_a_transaction_of_many_rows_is_one_commit_batch(
    store: RecordingStore, vfs: VolumeVFS
) -> None:
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT)")
    before = len(store.batches)
    with conn:
        conn.executemany("INSERT INTO t(payload) VALUES (?)", [("x" * 100,)] * 2000)
    assert len(store.batches) == before + 1
    batch = store.batches[-1]
    assert (1, 0) in batch  # page 1 (change counter) travels with every commit
    assert len(batch) > 40  # 200 KB of rows
    assert count(conn) == 2000


def test_rollback_ships_nothing(store: RecordingStore, vfs: VolumeVFS) -> None:
    conn = vfs.connect("app", cache_kib=64)
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload BLOB)")
    conn.execute("INSERT INTO t(payload) VALUES (x'00')")
    before = len(store.batches)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO t(payload) VALUES (x'01')")
    conn.execute("ROLLBACK")
    # A transaction larger than SQLite's cache spills pages into the VFS before the rollback.
    conn.execute("BEGIN")
    conn.execute(f"INSERT INTO t(payload) SELECT randomblob(4000) FROM {SERIES} WHERE n <= 200")
    conn.execute("ROLLBACK")
    assert len(store.batches) == before
    assert count(conn) == 1
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize("error", [quorum_lost(), StaleEpoch("epoch 3 < 4")])
def test_failed_commit_changes_nothing_and_the_connection_recovers(
    store: RecordingStore, vfs: VolumeVFS, error: Exception
) -> None:
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT)")
    conn.execute("INSERT INTO t(payload) VALUES ('kept')")
    lsn = store.read_point()

    store.fail_commits = error
    with pytest.raises(apsw.IOError) as caught:
        conn.execute("INSERT INTO t(payload) VALUES ('lost')")
    assert caught.value.__cause__ is error
    with pytest.raises(apsw.IOError), conn:
        conn.executemany("INSERT INTO t(payload) VALUES (?)", [("lost",)] * 500)
    assert store.read_point() == lsn

    assert conn.execute("SELECT payload FROM t").fetchall() == [("kept",)]
    assert vfs.connect("app").execute("SELECT payload FROM t").fetchall() == [("kept",)]

    store.fail_commits = None
    conn.execute("INSERT INTO t(payload) VALUES ('next')")
    assert conn.execute("SELECT payload FROM t ORDER BY id").fetchall() == [("kept",), ("next",)]
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_unreadable_page_is_an_io_error_and_the_connection_recovers(
    store: RecordingStore,
) -> None:
    writer = VolumeVFS(store, {"app": 1})
    conn = writer.connect("app")
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (1)")
    cold = VolumeVFS(store, {"app": 1})
    try:
        store.fail_reads = page_unavailable()
        with pytest.raises(apsw.IOError) as caught:
            cold.connect("app").execute("SELECT * FROM t").fetchall()
        assert isinstance(caught.value.__cause__, PageUnavailable)
        store.fail_reads = None
        reader = cold.connect("app")
        assert reader.execute("SELECT * FROM t").fetchall() == [(1,)]
    finally:
        cold.close()
        writer.close()


def test_large_table_with_an_index_round_trips(store: RecordingStore, vfs: VolumeVFS) -> None:
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v INTEGER)")
    conn.execute("CREATE INDEX t_k ON t(k)")
    with conn:
        conn.executemany(
            "INSERT INTO t(k, v) VALUES (?, ?)", ((f"key-{i:06d}", i * 7) for i in range(20000))
        )
    cold = VolumeVFS(store, {"app": 1}, pool_bytes=64 * store.page_size)
    try:
        other = cold.connect("app")
        assert other.execute("SELECT count(*), sum(v) FROM t").fetchall() == [
            (20000, 7 * sum(range(20000)))
        ]
        assert other.execute("SELECT v FROM t WHERE k = 'key-012345'").fetchall() == [(86415,)]
        assert other.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert cold.pool_stats().evictions > 0
    finally:
        cold.close()


def test_small_pool_evicts_and_stays_correct() -> None:
    store = MemoryPageStore()
    vfs = VolumeVFS(store, {"app": 1}, pool_bytes=8 * store.page_size)
    try:
        writer = vfs.connect("app", cache_kib=32)
        readers = [vfs.connect("app", cache_kib=32) for _ in range(2)]
        writer.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        for round_ in range(5):
            with writer:
                writer.executemany(
                    "INSERT INTO t(v) VALUES (?)", ((f"{round_}-{i}" * 20,) for i in range(300))
                )
            expected = (round_ + 1) * 300
            for reader in readers:
                assert count(reader) == expected
                assert reader.execute("SELECT v FROM t WHERE id = ?", (expected,)).fetchall() == [
                    (f"{round_}-299" * 20,)
                ]
        stats = vfs.pool_stats()
        assert stats.evictions > 0
        assert stats.bytes <= 8 * store.page_size
        assert writer.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        vfs.close()


def test_schema_and_size_follow_vacuum(store: RecordingStore, vfs: VolumeVFS) -> None:
    conn, other = vfs.connect("app"), vfs.connect("app")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
    conn.execute(f"INSERT INTO t(v) SELECT randomblob(3000) FROM {SERIES} WHERE n <= 300")
    big = conn.execute("PRAGMA page_count").fetchall()[0][0]
    conn.execute("DELETE FROM t WHERE id > 10")
    conn.execute("VACUUM")
    small = other.execute("PRAGMA page_count").fetchall()[0][0]
    assert small < big / 5
    assert count(other) == 10
    other.execute("CREATE TABLE u(x)")
    conn.execute("INSERT INTO u VALUES (1)")
    assert count(other, "u") == 1
    assert other.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_commit_error_cause_is_the_storage_error(store: RecordingStore, vfs: VolumeVFS) -> None:
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(x)")
    store.fail_commits = quorum_lost()
    with pytest.raises(apsw.IOError) as caught:
        conn.execute("INSERT INTO t VALUES (1)")
    assert isinstance(caught.value.__cause__, WriteQuorumLost)


def test_the_batch_ships_inside_fcntl_sync_before_commit_phasetwo(
    store: RecordingStore, vfs: VolumeVFS, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    file_control = VolumeFile.xFileControl
    commit = store.commit

    def traced_file_control(self: VolumeFile, op: int, ptr: int) -> bool:
        events.append(f"fcntl {op}")
        return file_control(self, op, ptr)

    def traced_commit(writes: dict) -> int:
        events.append("store.commit")
        return commit(writes)

    monkeypatch.setattr(VolumeFile, "xFileControl", traced_file_control)
    monkeypatch.setattr(store, "commit", traced_commit)
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(x)")
    events.clear()
    conn.execute("INSERT INTO t VALUES (1)")
    sync, phase_two = (
        f"fcntl {apsw.SQLITE_FCNTL_SYNC}",
        f"fcntl {apsw.SQLITE_FCNTL_COMMIT_PHASETWO}",
    )
    assert [e for e in events if e in (sync, phase_two, "store.commit")] == [
        sync,
        "store.commit",
        phase_two,
    ]
    stats = vfs.stats()
    assert stats.commits == 2
    assert stats.commit_failures == 0


def test_journal_files_are_refused(vfs: VolumeVFS) -> None:
    conn = vfs.connect("app")
    conn.execute("CREATE TABLE t(x)")
    conn.execute("PRAGMA journal_mode=DELETE").fetchall()
    with pytest.raises(apsw.CantOpenError):
        conn.execute("INSERT INTO t VALUES (1)")
    conn.execute("PRAGMA journal_mode=MEMORY").fetchall()
    conn.execute("INSERT INTO t VALUES (1)")
    assert count(conn) == 1


def test_database_named_like_a_journal_is_not_taken_for_one() -> None:
    # SQLite asks xAccess for "<db>-journal" and "<db>-wal" at every transaction start: those
    # never exist here, also when a database of the volume happens to carry that name.
    v = VolumeVFS(MemoryPageStore(), {"db": 1, "db-journal": 2, "db-wal": 3})
    try:
        side = v.connect("db-journal")
        side.execute("CREATE TABLE j(x)")
        side.execute("INSERT INTO j VALUES (1)")
        conn = v.connect("db")
        conn.execute("CREATE TABLE t(x)")
        conn.execute("INSERT INTO t VALUES (2)")
        assert conn.execute("SELECT x FROM t").fetchall() == [(2,)]
        assert side.execute("SELECT x FROM j").fetchall() == [(1,)]
        conn.close()
        side.close()
    finally:
        v.close()
