"""The fork server: a process forked from it is as independent as one spawned afresh (own
session, pid file, log, command line, no inherited socket), outlives the server, and spawn
falls back to a fresh ``python -m`` when the server is not there or says no."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest
from test_cluster_cli import poll

from aurora.engine import errors, process, rpc
from aurora.engine.layout import Layout
from aurora.engine.storage.catalog import NodeAddr
from aurora.engine.storage.fleet import node_answers


def fork_server_of(layout: Layout) -> process.ProcessRecord | None:
    return process.read_pid_file(layout.forkserver_dir)


def ping(layout: Layout) -> dict | None:
    try:
        return rpc.request(layout.forkserver_socket, "ping", timeout=5.0, peer="the fork server")
    except Exception:
        return None


@pytest.fixture
def server(aurora_home: Layout) -> Iterator[process.ProcessRecord]:
    """A fork server that serves this test's process (as it would serve aurorad)."""
    process.start_fork_server(aurora_home, process.this_process())
    record = fork_server_of(aurora_home)
    assert record is not None
    poll(lambda: ping(aurora_home), 30, "the fork server")
    yield record
    process.stop(record)


def as_started(server: process.ProcessRecord) -> dict[str, str]:
    """The fork server's environment where this test's differs: pytest changes
    PYTEST_CURRENT_TEST between a fixture and the test, and the server forks only a process of
    its own environment."""
    theirs = psutil.Process(server.pid).environ()
    return {k: v for k, v in theirs.items() if os.environ.get(k) != v}


def start_node(layout: Layout, node_id: str, env: dict[str, str] | None = None) -> tuple[process.ProcessRecord, NodeAddr]:
    folder = layout.node_dir("local-1", node_id)
    node = NodeAddr(node_id, "a", str(layout.node_socket("local-1", node_id)))
    record = process.spawn("aurora.engine.storage.node",
                           ["--dir", str(folder), "--id", node_id, "--az", "a", "--socket", node.socket], folder,
                           env=env)
    poll(lambda: node_answers(node), 30, f"storage node {node_id}")
    return record, node


def test_a_forked_process_is_on_its_own_and_outlives_the_fork_server(aurora_home, server):
    record, node = start_node(aurora_home, "sn-a1", env=as_started(server))
    folder = aurora_home.node_dir("local-1", "sn-a1")
    child = psutil.Process(record.pid)
    assert child.ppid() == server.pid  # forked, not spawned
    assert process.read_pid_file(folder) == record and record.alive()
    assert os.getsid(record.pid) == record.pid  # a session of its own
    assert [a for a in child.cmdline() if a.strip()] == [  # and the room left, in spaces
        sys.executable, "-m", "aurora.engine.storage.node", "--dir", str(folder), "--id", "sn-a1", "--az", "a",
        "--socket", node.socket]
    assert "serving on" in Layout.log_file(folder).read_text()
    assert os.readlink(f"/proc/{record.pid}/fd/0") == os.devnull
    assert os.readlink(f"/proc/{record.pid}/fd/1") == str(Layout.log_file(folder))
    assert all(c.laddr != str(aurora_home.forkserver_socket) for c in child.net_connections("unix"))
    assert child.num_threads() >= 1 and ping(aurora_home)["forked"] == 1

    process.kill(server)
    poll(lambda: not server.alive(), 10, "the fork server to die")
    assert record.alive() and node_answers(node)
    process.stop(record)
    assert not record.alive()


def test_without_a_fork_server_a_process_is_spawned_afresh(aurora_home):
    record, _ = start_node(aurora_home, "sn-a1")
    try:
        assert psutil.Process(record.pid).ppid() == os.getpid()
        assert process.read_pid_file(aurora_home.node_dir("local-1", "sn-a1")) == record
    finally:
        process.stop(record)


def test_another_environment_is_spawned_afresh(aurora_home, server):
    record, _ = start_node(aurora_home, "sn-a1", env={**as_started(server), "AURORA_TEST_ONLY": "1"})
    try:
        assert psutil.Process(record.pid).ppid() == os.getpid()
        assert psutil.Process(record.pid).environ()["AURORA_TEST_ONLY"] == "1"
        assert ping(aurora_home)["forked"] == 0
    finally:
        process.stop(record)


def test_the_fork_server_ends_with_the_aurorad_it_serves(aurora_home):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = process._start_ticks(owner.pid)
        assert started is not None
        process.start_fork_server(aurora_home, process.ProcessRecord(owner.pid, started))
        record = fork_server_of(aurora_home)
        assert record is not None
        poll(lambda: ping(aurora_home), 30, "the fork server")
        process.start_fork_server(aurora_home, process.ProcessRecord(owner.pid, started))
        assert fork_server_of(aurora_home) == record  # one per home
        owner.kill()
        owner.wait()
        poll(lambda: not record.alive() or process._reap(record.pid), 10, "the fork server to end")
    finally:
        owner.kill()
        owner.wait()


def test_the_fork_server_is_off_with_aurora_forkserver_0(aurora_home, monkeypatch):
    monkeypatch.setenv("AURORA_FORKSERVER", "0")
    process.start_fork_server(aurora_home, process.this_process())
    assert fork_server_of(aurora_home) is None


def test_aurorad_forks_its_instances_and_restarts_a_killed_one_from_the_fork_server(aurora):
    aurora.ok("create", "fk")
    layout = Layout(aurora.home)
    server = fork_server_of(layout)
    assert server is not None and server.alive()

    def writer_pid() -> int | None:
        inst = aurora.json("describe", "fk")["instances"][0]
        return inst["pid"] if inst["status"] == "available" else None

    first = writer_pid()
    assert first is not None and psutil.Process(first).ppid() == server.pid
    aurora.ok("chaos", "kill-instance", "fk", "fk-instance-1")
    second = poll(lambda: (p := writer_pid()) != first and p, 30, "the writer to be restarted")
    assert psutil.Process(second).ppid() == server.pid

    aurora.ok("daemon", "stop")
    assert not server.alive()  # aurorad stops its fork server; its children keep serving
    assert psutil.Process(second).status() != psutil.STATUS_ZOMBIE
    aurora.ok("list")  # a new aurorad, with a new fork server
    again = fork_server_of(layout)
    assert again is not None and again != server and again.alive()
    assert writer_pid() == second  # adopted, not restarted


def test_a_fork_server_killed_is_started_again(aurora):
    aurora.ok("create", "fk2")
    layout = Layout(aurora.home)
    server = fork_server_of(layout)
    assert server is not None
    os.kill(server.pid, signal.SIGKILL)
    poll(lambda: (r := fork_server_of(layout)) is not None and r != server and r.alive(), 30,
         "a new fork server")


@pytest.fixture(autouse=True)
def _no_fork_server_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURORA_FORKSERVER", raising=False)


@pytest.mark.parametrize(("change", "why"), [
    ({"module": "http.server"}, "aurora's own processes only"),
    ({"executable": "/usr/bin/python3"}, "another interpreter"),
    ({"cwd": "/"}, "another interpreter, folder"),
    ({"args": ["x" * 5000]}, "longer than the fork server's room"),
    ({"module": "aurora.no_such_module"}, "cannot import"),
])
def test_the_fork_server_refuses_what_it_cannot_fork_faithfully(aurora_home, server, change, why):
    request = {"module": "aurora.engine.storage.node", "args": [], "log_file": "/dev/null",
               "env": psutil.Process(server.pid).environ(), "cwd": os.getcwd(), "umask": 0o022,
               "executable": sys.executable, **change}
    with pytest.raises(errors.Conflict, match=why):
        rpc.request(aurora_home.forkserver_socket, "fork", request, timeout=30.0, peer="the fork server")
    assert ping(aurora_home)["forked"] == 0
