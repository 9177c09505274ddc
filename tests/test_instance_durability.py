"""The volume is the database: a commit answered to a client survives ``kill -9`` of the
writer instance, and a restarted writer (and the reader following it) serves it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from instance_support import Cluster, dump_logs, poll, start_cluster, stop_cluster

from aurora.engine.layout import Layout

pytestmark = pytest.mark.integration


@pytest.fixture
def own_cluster(aurora_home: Layout) -> Iterator[Cluster]:
    c = start_cluster(aurora_home.home)
    try:
        yield c
    finally:
        stop_cluster(c)


def test_answered_commits_survive_kill_9_and_restart(own_cluster: Cluster) -> None:
    c = own_cluster
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE ledger (id int PRIMARY KEY, writer int, note text)")
    acknowledged: set[int] = set()
    attempted: set[int] = set()
    lock = threading.Lock()
    enough = threading.Event()

    def write(n: int) -> None:
        try:
            with psycopg.connect(c.dsn(), autocommit=True) as conn:
                for i in range(n * 100_000, n * 100_000 + 100_000):
                    with lock:
                        attempted.add(i)
                    conn.execute("INSERT INTO ledger VALUES (%s, %s, %s)", (i, n, "x" * 100))
                    with lock:
                        acknowledged.add(i)
                        if len(acknowledged) >= 300:
                            enough.set()
        except psycopg.Error:
            return  # the instance died under us: what was not answered may or may not be there

    threads = [threading.Thread(target=write, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(60), dump_logs(c)
    c.writer.kill()  # SIGKILL while the clients are still committing
    for t in threads:
        t.join(30)
    with lock:
        answered = set(acknowledged)
        tried = set(attempted)
    assert len(answered) >= 300

    c.writer.start()
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        present = {r[0] for r in conn.execute("SELECT id FROM ledger").fetchall()}
        assert answered <= present, f"lost {len(answered - present)} answered commits"
        assert present <= tried
        conn.execute("INSERT INTO ledger VALUES (-1, -1, 'after the restart')")

    def reader_sees_it() -> bool:
        try:
            with psycopg.connect(c.dsn(c.reader), autocommit=True) as rconn:
                return rconn.execute("SELECT note FROM ledger WHERE id = -1").fetchone() == (
                    "after the restart",)
        except psycopg.OperationalError:
            return False

    poll(reader_sees_it, 20, "the reader to follow the restarted writer")


def test_commit_without_write_quorum_fails_cleanly_then_recovers(own_cluster: Cluster) -> None:
    c = own_cluster
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE quorum_rows (id int PRIMARY KEY)")
        conn.execute("INSERT INTO quorum_rows VALUES (1)")
        down = ["sn-a1", "sn-b1", "sn-c1"]  # three of six copies: below the write quorum of 4
        for node in down:
            c.fleet.kill_node(node)
        with pytest.raises(psycopg.Error) as err:
            conn.execute("INSERT INTO quorum_rows VALUES (2)")
        # The batch was sent and may still become durable: the client is not told "failed"
        # but that the outcome is unknown, and the session is closed (as PostgreSQL's client
        # sees a connection lost during COMMIT).
        assert err.value.sqlstate == "08006", err.value
        assert "outcome of commit" in str(err.value) and "unknown" in str(err.value), err.value
        assert "Traceback" not in str(err.value)
        assert conn.closed or conn.broken
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        # While the quorum stays lost a new commit is refused before anything is sent: that
        # one did fail, and the session goes on.
        with pytest.raises(psycopg.Error) as err:
            conn.execute("INSERT INTO quorum_rows VALUES (4)")
        assert err.value.sqlstate == "58030", err.value
        # Reads still work (a read needs one current copy), on this very connection.
        assert conn.execute("SELECT count(*) FROM quorum_rows WHERE id = 1").fetchone() == (1,)
        for node in down:
            c.fleet.start_node(node)

        def writes_again() -> bool:
            try:
                conn.execute("INSERT INTO quorum_rows VALUES (3)")
            except psycopg.Error:
                return False
            return True

        poll(writes_again, 30, "writes to resume once four copies answer")
        # The batch whose commit failed was resent until durable: its outcome was unknown to
        # the client, and the database agrees with itself about it on a fresh connection.
        ids = {r[0] for r in conn.execute("SELECT id FROM quorum_rows").fetchall()}
        assert {1, 3} <= ids <= {1, 2, 3}
    c.writer.kill()
    c.writer.start()
    with psycopg.connect(c.dsn(), autocommit=True) as conn:
        assert {r[0] for r in conn.execute("SELECT id FROM quorum_rows").fetchall()} == ids
