"""Failover time seen by a client that keeps writing through the writer endpoint.

A cluster with two readers; one client thread inserts rows through the writer endpoint
without pause (psycopg, connect_timeout=2, reconnecting after any error), each row stamped
by the instance that committed it (``aurora_db_instance_identifier()``).
(a) manual: ``aurora failover`` N times; for each, the time from the command's start to the
    first write acknowledged by the new writer (goal: under 1 s);
(b) automatic: ``aurora chaos kill-instance`` of the current writer, ten times; for each, the
    time from the writer's death (its process seen gone, polled every millisecond) to the
    first write acknowledged by another instance (goal: under 2 s, aiming for 1); also shown
    from the kill command's start.
Between rounds the cluster is back to full health (every instance available). Also shown:
the client's longest gap between two acknowledged writes, the phases from aurorad's events
(started, completed, old writer respawned) and the start-up of the CLI alone
(``aurora --version``), which every command pays before it acts. There is no baseline to
run: stock PostgreSQL has no failover.

    .venv/bin/python bench/failover_bench.py [--manual 5] [--automatic 10]

Ends with ``RESULT manual_median_s=... manual_worst_s=... median_s=... worst_s=...``
(median_s and worst_s are the automatic ones), then from_kill_cmd_median_s, failovers and
cli_startup_s.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import statistics
import threading
import time

import psutil
import psycopg
from clusterbench import AuroraHome, poll, result_line, run_main, sql

CLUSTER = "fo"


class Writer(threading.Thread):
    """Inserts without pause; ``acks`` holds (monotonic time of the acknowledgement, instance)."""

    def __init__(self, uri: str) -> None:
        super().__init__(daemon=True)
        self.uri = uri
        self.acks: list[tuple[float, str]] = []
        self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        conn = None
        n = 0
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.uri, autocommit=True, connect_timeout=2)
                n += 1
                who = conn.execute("INSERT INTO writes VALUES (%s, aurora_db_instance_identifier()) "
                                   "RETURNING who", (n,)).fetchone()[0]
                self.acks.append((time.monotonic(), who))
            except psycopg.Error:
                self.errors += 1
                if conn is not None:
                    conn.close()
                    conn = None
                time.sleep(0.005)
        if conn is not None:
            conn.close()

    def first_ack(self, after: float, by_not: str, timeout: float = 30) -> float:
        """Monotonic time of the first write after ``after`` acknowledged by another instance than ``by_not``."""
        def found() -> float | None:
            i = bisect.bisect_right(self.acks, (after, "\uffff"))
            return next((t for t, who in self.acks[i:] if who != by_not), None)

        return poll(found, timeout, "a write acknowledged by the new writer")

    def gap(self, start: float, end: float) -> float:
        """Longest time between acknowledged writes within [start, end]."""
        times = [start, *(t for t, _ in self.acks if start <= t <= end), end]
        return max(b - a for a, b in itertools.pairwise(times))


def watch_death(pid: int, out: list[float], stop: threading.Event) -> None:
    """Append the monotonic time at which ``pid`` is gone (or a zombie), polled every ms."""
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        out.append(time.monotonic())
        return
    while not stop.is_set():
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.Error:
            break
        time.sleep(0.001)
    out.append(time.monotonic())


def failover_events(h: AuroraHome, after: float) -> dict[str, float]:
    """Monotonic times of the first failover events recorded after monotonic time ``after``
    (aurorad stamps events with wall-clock time): started, completed, and the old writer
    back as a reader (aurorad stops it, then starts it again, before the command answers)."""
    offset = time.time() - time.monotonic()
    prefixes = {"started": "Started cross AZ failover", "completed": "Completed failover",
                "restarted": "DB instance restarted as a reader"}
    times = dict.fromkeys(prefixes, float("nan"))
    for e in h.events(CLUSTER):
        at = e["time"] - offset
        for key, prefix in prefixes.items():
            if at >= after and e["message"].startswith(prefix) and math.isnan(times[key]):
                times[key] = at
    return times


def wait_healthy(h: AuroraHome, writer: Writer, instances: int) -> None:
    poll(lambda: h.healthy(CLUSTER, instances), 60, "every instance to be available", interval=0.1)
    since = time.monotonic()
    poll(lambda: writer.acks and writer.acks[-1][0] > since, 30, "the client to write again")


def cli_startup(h: AuroraHome) -> float:
    """Seconds for ``aurora --version``: the start-up every command pays before it acts."""
    started = time.monotonic()
    h.run("--version")
    return time.monotonic() - started


def manual_round(h: AuroraHome, writer: Writer) -> dict[str, float | str]:
    old = h.writer_id(CLUSTER)
    started = time.monotonic()
    out = h.json("failover", CLUSTER)
    returned = time.monotonic()
    first = writer.first_ack(started, old)
    ev = failover_events(h, started)
    return {"old": out["old_writer"], "new": out["new_writer"], "s": first - started,
            "cmd_s": returned - started, "reported_s": out["seconds"], "gap_s": writer.gap(started, first),
            "to_started_s": ev["started"] - started, "promote_s": ev["completed"] - ev["started"],
            "to_write_s": first - ev["completed"], "restart_s": ev["restarted"] - ev["completed"],
            "after_restart_s": returned - ev["restarted"]}


def automatic_round(h: AuroraHome, writer: Writer) -> dict[str, float | str]:
    d = h.describe(CLUSTER)
    old = next(i for i in d["instances"] if i["role"] == "writer")
    died: list[float] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch_death, args=(old["pid"], died, stop), daemon=True)
    watcher.start()
    started = time.monotonic()
    h.run("chaos", "kill-instance", CLUSTER, old["id"])
    returned = time.monotonic()
    watcher.join(5)
    stop.set()
    death = died[0] if died else returned
    first = writer.first_ack(started, old["id"])
    new = next(who for t, who in writer.acks if t == first)
    ev = failover_events(h, started)
    return {"old": old["id"], "new": new, "s": first - death, "from_cmd_s": first - started,
            "cmd_s": returned - started, "gap_s": writer.gap(started, first),
            "detect_s": ev["started"] - death, "promote_s": ev["completed"] - ev["started"],
            "to_write_s": first - ev["completed"]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--manual", type=int, default=5, help="manual failovers")
    p.add_argument("--automatic", type=int, default=10, help="writer kills")
    args = p.parse_args()
    with AuroraHome() as h:
        uri = h.create(CLUSTER, 2)["writer"]["uri"]
        sql(uri, "CREATE TABLE writes (n int, who text)")
        writer = Writer(uri)
        writer.start()
        try:
            manual, automatic = [], []
            for n in range(args.manual):
                wait_healthy(h, writer, 3)
                r = manual_round(h, writer)
                manual.append(r)
                print(f"manual {n + 1}: {r['old']} -> {r['new']}: first write on the new writer after "
                      f"{r['s']:.3f} s (command {r['cmd_s']:.3f} s, reported {r['reported_s']:.3f} s, "
                      f"client gap {r['gap_s']:.3f} s)\n    phases: command start -> 'Started failover' event "
                      f"{r['to_started_s']:.3f} s, -> 'Completed failover' {r['promote_s']:.3f} s, "
                      f"-> first write {r['to_write_s']:.3f} s; 'Completed' -> old writer stopped and respawned "
                      f"{r['restart_s']:.3f} s, -> command answered {r['after_restart_s']:.3f} s", flush=True)
            for n in range(args.automatic):
                wait_healthy(h, writer, 3)
                r = automatic_round(h, writer)
                automatic.append(r)
                print(f"automatic {n + 1}: killed {r['old']} -> {r['new']}: first write {r['s']:.3f} s after "
                      f"its death ({r['from_cmd_s']:.3f} s after the kill command started, which took "
                      f"{r['cmd_s']:.3f} s; client gap {r['gap_s']:.3f} s)\n    phases: death -> 'Started failover' "
                      f"event {r['detect_s']:.3f} s, -> 'Completed failover' {r['promote_s']:.3f} s, "
                      f"-> first write {r['to_write_s']:.3f} s", flush=True)
            wait_healthy(h, writer, 3)
        finally:
            writer.stop.set()
            writer.join(10)
        completed = sum(e["message"].startswith("Completed failover") for e in h.events(CLUSTER))
        startup = statistics.median(cli_startup(h) for _ in range(3))
        print(f"\nwrites acknowledged: {len(writer.acks)}, failed attempts: {writer.errors}, "
              f"'Completed failover' events: {completed}")

    def row(label: str, xs: list[float], goal: float | None) -> None:
        verdict = "" if goal is None else ("met" if max(xs) < goal else "MISSED")
        print(f"{label:44} {statistics.median(xs):>8.3f} {max(xs):>8.3f} {goal or '':>6} {verdict}")

    print(f"`aurora --version` (CLI start-up alone) takes {startup:.3f} s (median of 3)")
    print(f"\n{'':44} {'median s':>8} {'worst s':>8} {'goal':>6}")
    m = [r["s"] for r in manual]
    a = [r["s"] for r in automatic]
    row("manual: command start -> write on new writer", m, 1.0)
    row("manual: client gap", [r["gap_s"] for r in manual], None)
    row("manual: command start -> 'Started' event", [r["to_started_s"] for r in manual], None)
    row("manual: 'Started' -> 'Completed' event", [r["promote_s"] for r in manual], None)
    row("manual: 'Completed' -> write on new writer", [r["to_write_s"] for r in manual], None)
    row("manual: 'Completed' -> old writer respawned", [r["restart_s"] for r in manual], None)
    row("manual: whole failover command", [r["cmd_s"] for r in manual], None)
    row("automatic: writer death -> write on new", a, 2.0)
    row("automatic: kill command start -> write", [r["from_cmd_s"] for r in automatic], None)
    row("automatic: client gap", [r["gap_s"] for r in automatic], None)
    row("automatic: death -> 'Started' event", [r["detect_s"] for r in automatic], None)
    row("automatic: 'Started' -> 'Completed' event", [r["promote_s"] for r in automatic], None)
    row("automatic: 'Completed' -> write on new", [r["to_write_s"] for r in automatic], None)
    print(result_line({
        "manual_median_s": round(statistics.median(m), 3), "manual_worst_s": round(max(m), 3),
        "median_s": round(statistics.median(a), 3), "worst_s": round(max(a), 3),
        "from_kill_cmd_median_s": round(statistics.median(r["from_cmd_s"] for r in automatic), 3),
        "failovers": completed, "cli_startup_s": round(startup, 3),
    }))
    return 0


if __name__ == "__main__":
    run_main(main)
