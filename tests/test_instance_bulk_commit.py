"""Big transactions through a real instance: a commit of any size succeeds on a healthy
fleet, and what every client was told about its commit matches what is in the table
afterwards (committed: all its rows; failed: none; outcome unknown: all or none, and the
session was closed with 08006), with and without storage nodes killed mid-commit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from instance_support import Cluster, cluster_fixture, dump_logs, poll

pytestmark = pytest.mark.integration
cluster = cluster_fixture

PAD = "x" * 480
BIG_ROWS = 50_000  # about 25 MB of rows, about 8,000 pages in one commit
SMALL_ROWS = 3


def copy_rows(conn: psycopg.Connection, table: str, txn: int, rows: int) -> None:
    block = 5_000
    with conn.cursor() as cur, cur.copy(f"COPY {table} (txn, i, pad) FROM STDIN") as cp:
        for start in range(0, rows, block):
            cp.write("".join(f"{txn}\t{i}\t{PAD}\n" for i in range(start, min(rows, start + block))))


def test_large_commits_succeed_on_a_healthy_fleet(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE bulk_b (id int PRIMARY KEY, pad text)")
        # About 80 MB in one statement's commit: more than one storage frame may carry.
        conn.execute(
            "INSERT INTO bulk_b SELECT i, printf('%0500d', i) FROM generate_series(1, 150000) AS g(i)")
        assert conn.execute("SELECT count(*) FROM bulk_b").fetchone() == (150_000,)
        # About 40 MB by COPY in one transaction, the case.
        conn.execute("CREATE TABLE bulk_r (txn int, i int, pad text)")
        conn.execute("BEGIN")
        copy_rows(conn, "bulk_r", 1, 80_000)
        conn.execute("COMMIT")
        assert conn.execute("SELECT count(*) FROM bulk_r").fetchone() == (80_000,)


@dataclass
class Outcomes:
    """What each transaction's client was told, by transaction id."""

    expected_rows: dict[int, int] = field(default_factory=dict)
    committed: set[int] = field(default_factory=set)
    failed: dict[int, str] = field(default_factory=dict)
    unknown: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def told(self, txn: int, rows: int, error: psycopg.Error | None) -> None:
        with self.lock:
            self.expected_rows[txn] = rows
            if error is None:
                self.committed.add(txn)
            elif error.sqlstate == "08006" or error.sqlstate is None:
                # 08006: the server said the outcome is unknown and closed the session; no
                # SQLSTATE: the connection itself was lost. Either way: all or nothing.
                self.unknown[txn] = f"{error.sqlstate}: {error}"
            else:
                self.failed[txn] = f"{error.sqlstate}: {error}"


def run_transaction(conn: psycopg.Connection, table: str, txn: int, rows: int,
                    outcomes: Outcomes, committing: threading.Event | None = None) -> bool:
    """One transaction; records what the client was told; False when the session is gone."""
    try:
        conn.execute("BEGIN")
        if rows > SMALL_ROWS:
            copy_rows(conn, table, txn, rows)
        else:
            conn.execute(f"INSERT INTO {table} VALUES ({txn}, 0, 'a'), ({txn}, 1, 'b'), ({txn}, 2, 'c')")
        if committing is not None:
            committing.set()
        conn.execute("COMMIT")
    except psycopg.Error as e:
        outcomes.told(txn, rows, e)
        if conn.closed or conn.broken:
            return False
        conn.rollback() if not conn.autocommit else conn.execute("ROLLBACK")
        return True
    outcomes.told(txn, rows, None)
    return True


@pytest.fixture
def restore_nodes(cluster: Cluster) -> Iterator[list[str]]:
    """Nodes a test killed; started again at the end, also when the test fails."""
    killed: list[str] = []
    yield killed
    for node in killed:
        cluster.fleet.start_node(node)


@pytest.mark.parametrize("kill", [0, 1, 3], ids=["healthy", "one-node-killed", "quorum-lost"])
def test_what_clients_were_told_matches_the_table(cluster: Cluster, restore_nodes: list[str],
                                                   kill: int) -> None:
    c = cluster
    table = f"told_{kill}"
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (txn int, i int, pad text)")
        if kill >= 3:
            # Grow the volume first (then free the pages): a batch that needs a new protection
            # group waits for it before it is sent, and would fail cleanly, unsent, here.
            copy_rows(conn, table, -1, BIG_ROWS + BIG_ROWS // 10)
            conn.execute(f"DELETE FROM {table}")
    outcomes = Outcomes()
    committing = threading.Event()
    stop = threading.Event()
    big_txn = 1
    ids = iter(range(2, 1_000_000))
    ids_lock = threading.Lock()

    def next_id() -> int:
        with ids_lock:
            return next(ids)

    def big() -> None:
        with psycopg.connect(c.dsn(), autocommit=True) as conn:
            run_transaction(conn, table, big_txn, BIG_ROWS, outcomes, committing)

    def small() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(c.dsn(), autocommit=True) as conn:
                    while not stop.is_set() and run_transaction(conn, table, next_id(), SMALL_ROWS,
                                                                outcomes):
                        pass
            except psycopg.OperationalError:
                pass  # a session closed after an unknown outcome: connect again

    threads = [threading.Thread(target=big, daemon=True)] + [
        threading.Thread(target=small, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    assert committing.wait(60), dump_logs(c)
    for node in ("sn-a1", "sn-b1", "sn-c1")[:kill]:  # the big COMMIT is under way now
        c.fleet.kill_node(node)
        restore_nodes.append(node)
    threads[0].join(60)
    assert not threads[0].is_alive(), "the big commit did not answer"
    stop.set()
    for t in threads[1:]:
        t.join(30)
    for node in list(restore_nodes):
        c.fleet.start_node(node)
        restore_nodes.remove(node)

    def writes_again() -> bool:
        try:
            with psycopg.connect(c.dsn(), autocommit=True) as conn:
                conn.execute(f"INSERT INTO {table} VALUES (0, 0, 'probe')")
        except psycopg.Error:
            return False
        return True

    poll(writes_again, 40, "writes to resume")
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        present = dict(conn.execute(f"SELECT txn, count(*) FROM {table} WHERE txn > 0 GROUP BY txn"))
    told = {**{t: "committed" for t in outcomes.committed}, **outcomes.failed, **outcomes.unknown}
    print(f"{kill} killed: {len(outcomes.committed)} committed, failed {outcomes.failed}, "
          f"unknown {outcomes.unknown}, present {sorted(present)}")
    assert len(told) == len(outcomes.expected_rows)
    for txn, rows in outcomes.expected_rows.items():
        have = present.get(txn, 0)
        assert have in (0, rows), f"transaction {txn} is partly there: {have} of {rows} rows"
        if txn in outcomes.committed:
            assert have == rows, f"transaction {txn} was answered COMMIT but is not there"
        elif txn in outcomes.failed:
            assert have == 0, f"transaction {txn} was told it failed ({told[txn]}) but committed"
    for message in (*outcomes.failed.values(), *outcomes.unknown.values()):
        assert "Traceback" not in message
    for message in outcomes.unknown.values():
        if message.startswith("08006"):
            assert "outcome of commit" in message and "unknown" in message, message
    assert set(present) <= set(outcomes.expected_rows), "rows of a transaction nobody ran"
    assert outcomes.expected_rows[big_txn] == BIG_ROWS
    if kill < 3:
        # Four copies or more answer: every commit, of any size, succeeds.
        assert not outcomes.failed and not outcomes.unknown, (outcomes.failed, outcomes.unknown)
        assert len(outcomes.committed) > 1
    else:
        # The big commit was under way when the quorum went: its client is not told "failed".
        assert big_txn not in outcomes.failed, outcomes.failed[big_txn]
        assert outcomes.unknown
