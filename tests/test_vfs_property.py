"""Random transactions on the volume VFS give the same database as on a plain SQLite file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

import apsw
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_vfs_support import RecordingStore, quorum_lost

from aurora.engine.instance.vfs import VolumeVFS, is_busy_snapshot

keys = st.integers(min_value=0, max_value=300)
values = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=30),
    st.binary(max_size=3000),
    st.none(),
    st.floats(allow_nan=False),
)
operations = st.one_of(
    st.tuples(st.just("upsert"), keys, values),
    st.tuples(st.just("delete"), keys),
    st.tuples(st.just("delete_range"), keys, keys),
    st.tuples(st.just("bulk"), keys, st.integers(min_value=1, max_value=60)),
)
transactions = st.lists(
    st.tuples(
        st.lists(operations, min_size=1, max_size=8),
        st.sampled_from(["commit", "commit", "commit", "rollback", "fail"]),
    ),
    min_size=1,
    max_size=12,
)

SCHEMA = "CREATE TABLE kv(k INTEGER PRIMARY KEY, v, tag TEXT); CREATE INDEX kv_tag ON kv(tag)"


def apply(conn: apsw.Connection, op: tuple) -> None:
    match op:
        case ("upsert", k, v):
            conn.execute(
                "INSERT INTO kv VALUES (?, ?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v, "
                "tag = excluded.tag",
                (k, v, f"t{k % 7}"),
            )
        case ("delete", k):
            conn.execute("DELETE FROM kv WHERE k = ?", (k,))
        case ("delete_range", lo, hi):
            conn.execute("DELETE FROM kv WHERE k BETWEEN ? AND ?", (min(lo, hi), max(lo, hi)))
        case ("bulk", start, n):
            conn.executemany(
                "INSERT OR REPLACE INTO kv VALUES (?, ?, ?)",
                [(start + 1000 + i, bytes([i % 256]) * (i * 37 % 2000), "bulk") for i in range(n)],
            )


def content(conn: apsw.Connection) -> list[tuple]:
    return conn.execute("SELECT k, v, tag FROM kv ORDER BY k").fetchall()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transactions)
def test_random_transactions_match_plain_sqlite(txns: list) -> None:
    store = RecordingStore()
    vfs = VolumeVFS(store, {"db": 1}, pool_bytes=16 * store.page_size)
    with tempfile.TemporaryDirectory() as tmp:
        plain = apsw.Connection(os.path.join(tmp, "plain.db"))
        try:
            conn = vfs.connect("db", cache_kib=16)  # small: transactions spill into the VFS
            conn.execute(SCHEMA)
            plain.execute(SCHEMA)
            held = vfs.connect("db")
            held.execute("BEGIN")
            assert content(held) == []
            for ops, end in txns:
                for target in (conn, plain):
                    target.execute("BEGIN")
                    for op in ops:
                        apply(target, op)
                if end == "fail":
                    store.fail_commits = quorum_lost()
                    shipped = len(store.batches)
                    try:
                        conn.execute("COMMIT")
                    except apsw.IOError:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        plain.execute("ROLLBACK")
                    else:
                        # Nothing changed, so nothing had to reach storage.
                        assert len(store.batches) == shipped
                        plain.execute("COMMIT")
                    finally:
                        store.fail_commits = None
                else:
                    conn.execute(end.upper())
                    plain.execute(end.upper())
                expected = content(plain)
                assert content(conn) == expected
                fresh = vfs.connect("db")
                assert content(fresh) == expected
                fresh.close()
            assert content(held) == []  # still the snapshot it began with
            held.execute("COMMIT")
            assert content(held) == content(plain)
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            plain.close()
            vfs.close()


conn_ids = st.integers(min_value=0, max_value=2)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("begin"), conn_ids),
        st.tuples(st.just("write"), conn_ids, st.integers(0, 40), st.integers(0, 5)),
        st.tuples(st.just("delete"), conn_ids, st.integers(0, 40)),
        st.tuples(st.just("bulk"), conn_ids, st.integers(0, 40)),
        st.tuples(st.just("commit"), conn_ids),
        st.tuples(st.just("rollback"), conn_ids),
        st.tuples(st.just("check"), conn_ids),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_interleaved_connections_see_their_snapshots_and_never_lose_updates(
    plan: list,
) -> None:
    """Three connections interleave transactions; a dict models what each must see.

    A connection in a transaction sees the committed state as of its first read plus its own
    writes; its first write is refused (BUSY_SNAPSHOT) exactly when another connection
    committed since that read.
    """
    store = RecordingStore()
    vfs = VolumeVFS(store, {"db": 1}, pool_bytes=12 * store.page_size)
    try:
        conns = [vfs.connect("db", cache_kib=8) for _ in range(3)]
        conns[0].execute("CREATE TABLE kv(k INTEGER PRIMARY KEY, v BLOB)")
        committed: dict[int, bytes] = {}
        view: list[dict[int, bytes] | None] = [None, None, None]  # open transaction's state
        pinned = [0, 0, 0]  # read point of the open transaction
        writer: int | None = None  # the connection holding the write lock

        def rows(c: int) -> dict[int, bytes]:
            return dict(conns[c].execute("SELECT k, v FROM kv").fetchall())

        def write(c: int, sql: str, params: tuple, change: Callable[[dict], None]) -> None:
            nonlocal writer, committed
            if writer is not None and writer != c:
                return  # would wait for the lock: this single thread cannot interleave that
            state = view[c]
            if state is None:
                conns[c].execute(sql, params)
                change(committed)
                return
            if writer != c and store.read_point() > pinned[c]:
                try:
                    conns[c].execute(sql, params)
                except apsw.BusyError as exc:
                    assert is_busy_snapshot(exc)
                    event("write refused on a stale snapshot")
                    conns[c].execute("ROLLBACK")
                    view[c] = None
                    return
                raise AssertionError("a write on a stale snapshot was allowed")
            conns[c].execute(sql, params)
            writer = c
            change(state)

        for step in plan:
            c = step[1]
            match step:
                case ("begin", _) if view[c] is None:
                    conns[c].execute("BEGIN")
                    pinned[c] = store.read_point()
                    assert rows(c) == committed
                    view[c] = dict(committed)
                case ("write", _, k, size):
                    value = bytes([k % 256]) * (size * 700)
                    write(
                        c,
                        "INSERT OR REPLACE INTO kv VALUES (?, ?)",
                        (k, value),
                        lambda d, k=k, value=value: d.__setitem__(k, value),
                    )
                case ("delete", _, k):
                    write(c, "DELETE FROM kv WHERE k = ?", (k,), lambda d, k=k: d.pop(k, None))
                case ("bulk", _, k):
                    values = {k + 100 + i: bytes([i]) * 900 for i in range(20)}
                    write(
                        c,
                        "INSERT OR REPLACE INTO kv SELECT value, zeroblob(0) FROM json_each(?)",
                        (str(list(values)),),
                        lambda d, values=values: d.update(dict.fromkeys(values, b"")),
                    )
                case ("commit", _) if view[c] is not None:
                    conns[c].execute("COMMIT")
                    if writer == c:
                        committed = view[c]  # type: ignore[assignment]
                        writer = None
                    view[c] = None
                case ("rollback", _) if view[c] is not None:
                    conns[c].execute("ROLLBACK")
                    if writer == c:
                        writer = None
                    view[c] = None
                case ("check", _):
                    assert rows(c) == (view[c] if view[c] is not None else committed)
        for c in range(3):
            if view[c] is not None:
                conns[c].execute("COMMIT")
                if writer == c:
                    committed = view[c]  # type: ignore[assignment]
        for c in range(3):
            assert rows(c) == committed
        assert conns[0].execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        vfs.close()
