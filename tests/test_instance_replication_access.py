"""Only the owner of AURORA_HOME follows the writer's replication stream, or stands in for it.

The stream is a Unix socket (0600) in the writer's 0700 folder, and the writer listens on no
TCP port but its client port. Another user cannot connect (and, were the folder loosened,
the writer closes the connection without a word), nor listen where readers look for the
writer to feed them a false commit stream.
"""

from __future__ import annotations

import json
import os
import stat

import psutil
import psycopg
import pytest
from instance_support import Cluster, cluster_fixture, poll  # noqa: F401 - the fixture
from storage_support import as_another_user, connect_raw, loosened, mode

pytestmark = pytest.mark.integration


def stream_socket(cluster: Cluster):
    return cluster.layout.replication_socket(cluster.writer.dir)


def test_the_stream_is_a_private_unix_socket(cluster: Cluster) -> None:
    sock = stream_socket(cluster)
    assert stat.S_ISSOCK(os.lstat(sock).st_mode)
    assert mode(sock) == 0o600 and mode(sock.parent) == 0o700
    listening = {c.laddr.port for c in psutil.Process(cluster.writer.record.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN}
    assert listening == {cluster.writer.port}  # clients only; no replication port
    with connect_raw(sock) as s:  # the owner is welcome
        assert "hello" in json.loads(s.makefile("rb").readline())


def test_another_user_gets_nothing_and_cannot_stand_in_for_the_writer(cluster: Cluster) -> None:
    sock = stream_socket(cluster)
    assert as_another_user(sock) == "PermissionError"
    assert as_another_user(sock, bind=True) == "PermissionError"
    with loosened([sock.parent]):
        assert as_another_user(sock) == "PermissionError"  # the socket itself is 0600
    with loosened([sock.parent, sock]):
        assert as_another_user(sock, b'{"lsn": 99999999, "t": 0, "pages": [[0, 1]]}\n') == "received 0 bytes"
    # the reader still follows, and sees the writer's commits
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS access_probe (x int)")
        conn.execute("INSERT INTO access_probe VALUES (42)")

    def reader_sees() -> bool:
        try:
            with psycopg.connect(cluster.dsn(cluster.reader), autocommit=True) as conn:
                return conn.execute("SELECT x FROM access_probe").fetchall() == [(42,)]
        except psycopg.Error:
            return False

    poll(reader_sees, 15, "the reader to see the writer's commit")
    assert cluster.reader.status().get("following") is True
