"""Replica lag under pgbench TPC-B load, measured three ways, and TPC-B against stock PostgreSQL.

A cluster with two readers; ``pgbench -i -s 2`` then TPC-B ``-c 4 -j 2 -T 20`` on the writer
endpoint. Meanwhile:
- probe (client side): every 50 ms a timestamped row is inserted through the writer
  endpoint; one thread per reader, connected through the reader endpoint (reconnecting until
  both readers are covered), polls for the row; lag = first poll answer that shows it minus
  the INSERT's acknowledgement (an upper bound: it includes one SELECT round trip, whose
  median is printed too);
- status (instance side): every 200 ms each reader's status.json, whose ``lag_ms`` is the
  last commit's lag and ``lag_p99_ms`` the p99 over its last 1,000 commits, measured on the
  reader from the writer's commit to the reader's visibility (in a short or probe-only run
  those 1,000 commits include pgbench -i's big ones);
- stream: a listener on the writer's replication stream that applies nothing; the time from
  each frame's commit stamp to its arrival is the share of the lag spent before a reader
  has the frame (the writer's event loop, the socket).
The baseline, in the same run, is the same pgbench on stock PostgreSQL (skipped when it is
not installed); only TPS has one, a PostgreSQL replica is not set up. Goal: lag p99 under 20 ms.

    .venv/bin/python bench/replica_lag_bench.py [--seconds 20] [--scale 2] [--clients 4] [--no-baseline]

``--clients 0`` runs the probe alone, without pgbench, to see how much of the lag is load.

Ends with ``RESULT lag_p50_ms=... lag_p99_ms=... tpcb_tps=... ...`` (lag_* from the probe;
status_* from status.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import re
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import psycopg
from clusterbench import (
    AuroraHome,
    percentile,
    pg_bindir,
    poll,
    result_line,
    run_main,
    sql,
    stock_postgres,
)

from aurora.engine.layout import unix_socket_path

CLUSTER = "lag"
PROBE_EVERY = 0.05


def pgbench(uri: str, *args: str) -> str:
    env = {**os.environ, "PGSSLMODE": "disable", "PGCONNECT_TIMEOUT": "10"}
    r = subprocess.run(["pgbench", *args, uri], env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"pgbench {' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def tps(output: str) -> tuple[float, float]:
    """TPS and average latency in ms from pgbench's report."""
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    lat = re.search(r"latency average = ([0-9.]+) ms", output)
    if m is None or lat is None:
        raise RuntimeError(f"no tps in pgbench output:\n{output}")
    return float(m.group(1)), float(lat.group(1))


def tpcb(uri: str, clients: int, seconds: int) -> tuple[float, float]:
    """TPC-B for ``seconds``; with no clients, just wait (the probe alone, for comparison)."""
    if clients == 0:
        time.sleep(seconds)
        return 0.0, 0.0
    return tps(pgbench(uri, "-c", str(clients), "-j", str(min(2, clients)), "-T", str(seconds)))


def reader_connections(reader_uri: str, readers: list[str]) -> dict[str, psycopg.Connection]:
    """One autocommit connection through the reader endpoint per reader instance."""
    conns: dict[str, psycopg.Connection] = {}
    for _ in range(50):
        conn = psycopg.connect(reader_uri, autocommit=True, connect_timeout=5)
        who = conn.execute("SELECT aurora_db_instance_identifier()").fetchone()[0]
        if who in conns or who not in readers:
            conn.close()
        else:
            conns[who] = conn
        if len(conns) == len(readers):
            return conns
    raise RuntimeError(f"the reader endpoint reached only {sorted(conns)} of {readers} in 50 connections")


class Probe:
    """Inserts a row every 50 ms on the writer; a thread per reader polls until it sees each."""

    def __init__(self, writer_uri: str, readers: dict[str, psycopg.Connection]) -> None:
        self.writer_uri = writer_uri
        self.readers = readers
        self.queues = {r: queue.Queue() for r in readers}
        self.lag: dict[str, list[float]] = {r: [] for r in readers}
        self.rtt: list[float] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.insert, daemon=True)]
        self.threads += [threading.Thread(target=self.follow, args=(r,), daemon=True) for r in readers]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for q in self.queues.values():
            q.put(None)
        for t in self.threads:
            t.join(10)

    def insert(self) -> None:
        with psycopg.connect(self.writer_uri, autocommit=True, connect_timeout=5) as conn:
            n = 0
            next_at = time.monotonic()
            while not self.stop.is_set():
                n += 1
                conn.execute("INSERT INTO lag_probe VALUES (%s, %s)", (n, time.time()))
                acked = time.monotonic()
                for q in self.queues.values():
                    q.put((n, acked))
                next_at += PROBE_EVERY
                time.sleep(max(0.0, next_at - time.monotonic()))

    def follow(self, reader: str) -> None:
        conn = self.readers[reader]
        while (item := self.queues[reader].get()) is not None:
            n, acked = item
            while not self.stop.is_set():
                sent = time.monotonic()
                seen = conn.execute("SELECT 1 FROM lag_probe WHERE id = %s", (n,)).fetchone()
                answered = time.monotonic()
                self.rtt.append(answered - sent)
                if seen:
                    self.lag[reader].append(answered - acked)
                    break


class StreamTap(threading.Thread):
    """Listens to the writer's replication stream like a reader would, without applying
    anything: the time from a frame's commit stamp to its arrival here is the part of the
    lag spent before a reader even has the frame (the writer's loop, the socket)."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(unix_socket_path(path))
        self.sock.settimeout(None)
        self.delay_ms: list[float] = []

    def run(self) -> None:
        with contextlib.suppress(OSError, ValueError), self.sock.makefile("rb") as f:
            for line in f:
                frame = json.loads(line)
                if "t" in frame:
                    self.delay_ms.append(max(0.0, (time.time() - frame["t"]) * 1000))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.join(5)


def replication_socket(h: AuroraHome, writer: str) -> Path:
    return h.layout.replication_socket(h.layout.instance_dir(CLUSTER, writer))


class StatusSampler(threading.Thread):
    """Reads each reader's status.json every 200 ms."""

    def __init__(self, h: AuroraHome, readers: list[str]) -> None:
        super().__init__(daemon=True)
        self.h = h
        self.readers = readers
        self.lag_ms: dict[str, list[float]] = {r: [] for r in readers}
        self.p99_ms: dict[str, list[float]] = {r: [] for r in readers}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            for r in self.readers:
                st = self.h.status_file(CLUSTER, r)
                if st.get("lag_ms") is not None:
                    self.lag_ms[r].append(st["lag_ms"])
                if st.get("lag_p99_ms") is not None:
                    self.p99_ms[r].append(st["lag_p99_ms"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=20, help="pgbench -T")
    p.add_argument("--scale", type=int, default=2, help="pgbench -i -s")
    p.add_argument("--clients", type=int, default=4, help="pgbench -c (-j 2); 0: the probe alone")
    p.add_argument("--no-baseline", action="store_true", help="skip stock PostgreSQL")
    args = p.parse_args()
    with AuroraHome() as h:
        ep = h.create(CLUSTER, 2)
        readers = [i["id"] for i in ep["instances"] if i["role"] == "reader"]
        writer_uri = ep["writer"]["uri"]
        sql(writer_uri, "CREATE TABLE lag_probe (id int PRIMARY KEY, at float8)")
        pgbench(writer_uri, "-i", "-q", "-s", str(args.scale))
        poll(lambda: all(h.status_file(CLUSTER, r).get("ready") for r in readers), 30, "readers ready")
        conns = reader_connections(ep["reader"]["uri"], readers)
        writer = next(i["id"] for i in ep["instances"] if i["role"] == "writer")
        tap = StreamTap(replication_socket(h, writer))
        probe = Probe(writer_uri, conns)
        sampler = StatusSampler(h, readers)
        tap.start()
        probe.start()
        sampler.start()
        try:
            tpcb_tps, tpcb_ms = tpcb(writer_uri, args.clients, args.seconds)
        finally:
            probe.finish()
            tap.close()
            sampler.stop.set()
            sampler.join(5)
            for c in conns.values():
                c.close()
        final = {r: h.status_file(CLUSTER, r) for r in readers}
    pg_tps = None
    if not args.no_baseline and args.clients and pg_bindir() is not None:
        with stock_postgres(pg_bindir()) as uri:
            pgbench(uri, "-i", "-q", "-s", str(args.scale))
            pg_tps, pg_ms = tpcb(uri, args.clients, args.seconds)

    print(f"{'reader':16} {'probes':>6} {'probe p50':>9} {'p99':>7} {'max':>7} | {'status lag_ms p50':>17} "
          f"{'p99':>7} | {'lag_p99_ms last':>15} {'max':>7}")
    for r in readers:
        lag = [x * 1000 for x in probe.lag[r]]
        s = sampler.lag_ms[r]
        print(f"{r:16} {len(lag):>6} {percentile(lag, 50):>9.2f} {percentile(lag, 99):>7.2f} {max(lag):>7.2f} | "
              f"{percentile(s, 50):>17.2f} {percentile(s, 99):>7.2f} | "
              f"{final[r].get('lag_p99_ms') or float('nan'):>15.2f} {max(sampler.p99_ms[r], default=float('nan')):>7.2f}")
    lag = [x * 1000 for r in readers for x in probe.lag[r]]
    status = [x for r in readers for x in sampler.lag_ms[r]]
    status_p99 = max((final[r].get("lag_p99_ms") or 0.0) for r in readers)
    rtt = statistics.median(probe.rtt) * 1000
    rtt99 = percentile(probe.rtt, 99) * 1000
    print(f"probe: lag from the INSERT's acknowledgement to a reader SELECT that shows the row "
          f"(includes one SELECT round trip: median {rtt:.2f} ms, p99 {rtt99:.2f} ms)")
    print("status: status.json sampled every 200 ms; lag_p99_ms is the reader's own p99 over its last 1,000 commits")
    print(f"stream: the writer's replication stream as a listener gets it (before any reader applies it): "
          f"{len(tap.delay_ms)} frames, p50 {percentile(tap.delay_ms, 50):.2f} ms, "
          f"p99 {percentile(tap.delay_ms, 99):.2f} ms, max {max(tap.delay_ms, default=float('nan')):.2f} ms")
    print(f"TPC-B -c {args.clients} -T {args.seconds}: aurora {tpcb_tps:.1f} tps (latency average {tpcb_ms:.2f} ms)"
          + (f", stock PostgreSQL {pg_tps:.1f} tps ({pg_ms:.2f} ms), ratio {tpcb_tps / pg_tps:.3f}"
             if pg_tps else ""))
    p99 = percentile(lag, 99)
    print(f"goal: p99 under 20 ms -> probe {p99:.2f} ms {'met' if p99 < 20 else 'MISSED'}, "
          f"status.json {status_p99:.2f} ms {'met' if status_p99 < 20 else 'MISSED'}")
    result = {"lag_p50_ms": round(percentile(lag, 50), 2), "lag_p99_ms": round(p99, 2),
              "tpcb_tps": round(tpcb_tps, 1), "status_lag_p50_ms": round(percentile(status, 50), 2),
              "status_lag_p99_ms": round(status_p99, 2), "probe_rtt_ms": round(rtt, 2), "tpcb_latency_ms": round(tpcb_ms, 2),
              "stream_p99_ms": round(percentile(tap.delay_ms, 99), 2)}
    if pg_tps:
        result |= {"pg_tpcb_tps": round(pg_tps, 1), "tpcb_ratio": round(tpcb_tps / pg_tps, 3)}
    print(result_line(result))
    return 0


if __name__ == "__main__":
    run_main(main)
