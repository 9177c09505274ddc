"""A busy writer is not a dead one: while one client runs a CPU-bound statement, new
connections through the writer endpoint (and aurorad's health checks) keep working, and a
cancel sent through the endpoint stops the statement within a second."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import SimpleNamespace

import psycopg
import pytest
from instance_support import poll

from aurora.engine.control import daemon
from aurora.engine.layout import Layout

# Each keeps one core busy in a different place: Python numeric steps per row (many short
# GIL holds), SQLite's own join loop (the GIL free but the Python VFS and progress handler
# taking it), and pg_sleep (the GIL free, a Python loop polling the cancel flag).
RUNAWAYS = [
    "SELECT count(*) FROM generate_series(1::numeric, 1000000000::numeric)",
    "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b",
    "SELECT pg_sleep(3600)",
]


@pytest.mark.integration
@pytest.mark.parametrize("runaway", RUNAWAYS, ids=["numeric-series", "cross-join", "sleep"])
def test_busy_writer_keeps_taking_connections_and_cancel_stops_it(aurora, runaway):
    aurora.ok("create", "busy")
    uri = aurora.json("endpoints", "busy")["writer"]["uri"]
    busy = psycopg.connect(uri, autocommit=True, connect_timeout=10)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            busy.execute(runaway)
            outcome["error"] = None
        except psycopg.Error as e:
            outcome["error"] = e
        outcome["ended"] = time.monotonic()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        # the statement is under way once its connection is busy (the worker has sent it)
        poll(
            lambda: busy.pgconn.transaction_status == psycopg.pq.TransactionStatus.ACTIVE,
            10,
            "the statement to start",
        )
        failures: list[str] = []
        took: list[float] = []
        for _ in range(20):
            t0 = time.monotonic()
            try:
                with psycopg.connect(
                    uri, autocommit=True, connect_timeout=10, options="-c statement_timeout=10000"
                ) as c:
                    assert c.execute("SELECT 1").fetchone() == (1,)
            except psycopg.OperationalError as e:
                failures.append(str(e).strip())
            took.append(time.monotonic() - t0)
        assert not failures, failures
        assert "ended" not in outcome, f"the statement ended early: {outcome}"
        # the cancel request goes through the endpoint too, as psql's does
        cancelled_at = time.monotonic()
        busy.cancel()
        poll(lambda: "ended" in outcome, 5, "the cancel to stop the statement")
        stop_lag = outcome["ended"] - cancelled_at  # type: ignore[operator]
        assert isinstance(outcome["error"], psycopg.errors.QueryCanceled), outcome
        assert stop_lag < 1.0, f"cancel took {stop_lag:.2f}s"
        assert busy.execute("SELECT 41 + 1").fetchone() == (42,)  # the session is usable
        print(
            f"{runaway}: 20 connections, slowest {max(took):.3f}s; cancel stopped it in {stop_lag:.3f}s"
        )
    finally:
        if "ended" not in outcome:
            busy.cancel()
        worker.join(10)
        busy.close()
    events = aurora.json("events", "busy")
    assert not any("fail" in e["message"].lower() for e in events), events


class _SlowPinger:
    """A PostgreSQL port that answers the SSLRequest ping late, like a busy instance's."""

    def __init__(self, delay: float) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.delay = delay
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(8)
                time.sleep(self.delay)
                conn.sendall(b"N")


def test_a_busy_writer_stays_healthy_and_on_its_endpoint(tmp_path, monkeypatch):
    """One late ping answer (0.4 s) neither takes the writer off its endpoint nor makes it
    unresponsive (which would fail it over); a dead port still does, after two pings."""
    busy = _SlowPinger(0.4)
    writer = SimpleNamespace(id="w", role="writer", stopped=False, paused=False, port=busy.port, az="a")
    spec = SimpleNamespace(name="c", engine="postgres", instances=[writer], custom_endpoints=[], secondary=False)
    cp = daemon.ControlPlane(Layout(tmp_path), asyncio.new_event_loop())
    monkeypatch.setattr(cp, "store", SimpleNamespace(load=lambda name: spec))
    monkeypatch.setattr(cp, "instance_alive", lambda s, i: True)
    monkeypatch.setattr(cp, "instance_frozen", lambda s, i: False)
    monkeypatch.setattr(cp, "instance_status", lambda s, i: {"ready": True, "role": i.role})
    try:
        for _ in range(3):
            assert cp.health(spec, writer) == "ok"
            assert cp.route("c", "writer") == [writer]
        busy.sock.close()
        with socket.socket() as s:  # a port nobody listens on: the ping fails at once
            s.bind(("127.0.0.1", 0))
            writer.port = s.getsockname()[1]
        assert cp.health(spec, writer) == "ok"  # one miss is not a verdict...
        assert cp.route("c", "writer") == [writer]
        assert cp.health(spec, writer) == "unresponsive"  # ...two are
        assert cp.route("c", "writer") == []
    finally:
        busy.sock.close()
        cp.loop.close()
