"""The long bank test: transfers through the writer endpoint under a seeded chaos schedule.

A cluster with two readers holds 10 accounts of 1,000. Client threads (default 4) keep
transferring through the writer endpoint, each transfer one transaction of two UPDATEs and an
INSERT of its transfer id (psycopg, connect_timeout=2, reconnecting after any error; an error
leaves the outcome unknown, the id tells afterwards). Meanwhile a schedule drawn from
``--seed`` kills the writer (SIGKILL), freezes it (SIGSTOP, resumed 2 to 4 s later: a zombie
that fencing must keep from committing), kills storage nodes (aurorad replaces them after its
repair threshold, AURORA_NODE_REPAIR_AFTER, 10 s by default) and fails then restores an AZ
(every other time the writer's), each kind several times, never taking more than 2 of a
protection group's 6 copies down at once. Afterwards: the total balance is unchanged, every
acknowledged transfer is present exactly once, and each account's balance matches the
transfer table. There is no baseline: this is a correctness test that also reports
unavailability, the gaps between successful commits seen by all clients together: the worst
one, the worst per kind of fault (a gap belongs to the last fault before it ended), and for
each failover its phases from aurorad's events (detection, promotion, then the first commit).

    .venv/bin/python bench/bank_chaos.py [--seconds 90] [--seed 1] [--clients 4]

Ends with ``RESULT acknowledged=... lost=... failovers=... worst_unavailable_s=...
worst_gap_s.<fault>=... faults.<fault>=...``; exits 1
if a transfer was lost or a balance check failed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import threading
import time
from dataclasses import dataclass

import psycopg
from clusterbench import AuroraHome, CommandFailed, poll, result_line, run_main, sql

CLUSTER = "bank"
ACCOUNTS = 10
OPENING = 1000
NODES = [f"sn-{az}{n}" for az in "abc" for n in "12"]


FAULTS = ("kill-writer", "freeze-writer", "kill-node", "fail-az")


@dataclass
class Action:
    at: float
    kind: str  # one of FAULTS, or resume-writer, restore-az
    target: str | None = None


def chaos_schedule(rng: random.Random, seconds: float, repair_after: float) -> list[Action]:
    """Faults 4 to 7 s apart. The kind done least so far goes next, among those allowed: a
    node is killed, or an AZ failed, only when every node is up again and no AZ is down, so
    that a protection group never loses more than 2 of its 6 copies; a frozen writer is
    resumed (SIGCONT) 2 to 4 s later, a zombie that fencing must keep from committing; an AZ
    comes back 6 to 10 s after it failed. Both always before the end."""
    actions: list[Action] = []
    done = dict.fromkeys(FAULTS, 0)
    t = rng.uniform(3, 5)
    nodes_up_at = 0.0
    az_down: tuple[str, float, float] | None = None  # az, since, back after
    while t < seconds - 5:
        if az_down is not None and t - az_down[1] >= az_down[2]:
            actions.append(Action(t, "restore-az", az_down[0]))
            nodes_up_at = t + 3  # restarted nodes catch up from their peers
            az_down = None
        else:
            allowed = ["kill-writer", "freeze-writer"]
            if az_down is None and t >= nodes_up_at:
                allowed += ["kill-node", "fail-az"]
            kind = min(allowed, key=lambda k: (done[k], FAULTS.index(k)))
            done[kind] += 1
            if kind == "kill-writer":
                actions.append(Action(t, kind))
            elif kind == "freeze-writer":
                actions.append(Action(t, kind))
                t += rng.uniform(2, 4)
                actions.append(Action(t, "resume-writer"))
            elif kind == "kill-node":
                actions.append(Action(t, kind, rng.choice(NODES)))
                nodes_up_at = t + repair_after + 3
            else:
                az = rng.choice("abc")  # every other time, the writer's AZ instead (known then)
                actions.append(Action(t, kind, az if done[kind] % 2 else None))
                az_down = (az, t, rng.uniform(6, 10))
        t += rng.uniform(4, 7)
    if az_down is not None:
        actions.append(Action(min(t, seconds - 1), "restore-az", az_down[0]))
    return actions


def gaps_by_fault(commits: list[float], faults: list[tuple[float, str]], start: float,
                  end: float) -> dict[str, tuple[float, float, int]]:
    """Each gap between successive commits (of all clients together) belongs to the last
    fault done before it ended (its resume or restore included); per kind of fault: the
    worst gap, when it began, and how many faults of that kind were done. Gaps before the
    first fault belong to "none"."""
    worst: dict[str, tuple[float, float, int]] = {"none": (0.0, 0.0, 0)}
    for _, kind in faults:
        gap, at, n = worst.get(kind, (0.0, 0.0, 0))
        worst[kind] = (gap, at, n + 1)
    times = [start, *sorted(commits), end]
    for a, b in itertools.pairwise(times):
        kind = next((k for at, k in reversed(faults) if at < b), "none")
        gap, at, n = worst[kind]
        if b - a > gap:
            worst[kind] = (b - a, a, n)
    return worst


def print_failover_phases(events: list[dict], started_wall: float, commits: list[float]) -> None:
    """For each failover, from aurorad's events: the fault (its chaos event), detection (until
    the failover starts), promotion (until it completes), then until the next commit of any
    client (reconnecting through the endpoint included)."""
    at = [(e["time"] - started_wall, e["message"]) for e in sorted(events, key=lambda e: e["id"])]
    fault = None
    begun = None
    for t, message in at:
        if message.startswith("Chaos:") and ("killed DB instance" in message or "paused DB instance" in message
                                             or ("AZ" in message and "failed" in message)):
            fault = (t, message[len("Chaos: "):])
        elif message.startswith("Started cross AZ failover"):
            begun = t
        elif message.startswith("Completed failover") and fault is not None and begun is not None:
            after = next((c for c in commits if c > t), None)
            print(f"  failover at {fault[0]:5.1f} s: detected {begun - fault[0]:.3f} s, promoted {t - begun:.3f} s, "
                  f"first commit {f'{after - t:.3f} s' if after is not None else 'never'} later ({fault[1]})")
            fault = begun = None


class Client(threading.Thread):
    def __init__(self, n: int, uri: str, seed: int) -> None:
        super().__init__(daemon=True)
        self.n = n
        self.uri = uri
        self.rng = random.Random(seed * 1000 + n)
        self.acked: list[tuple[float, str]] = []  # (monotonic time of the COMMIT's answer, id)
        self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        conn = None
        for k in itertools.count():
            if self.stop.is_set():
                break
            tid = f"{self.n}-{k}"
            src, dst = self.rng.sample(range(1, ACCOUNTS + 1), 2)
            amount = self.rng.randint(1, 50)
            try:
                if conn is None:
                    conn = psycopg.connect(self.uri, connect_timeout=2)
                with conn.transaction():
                    conn.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, src))
                    conn.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, dst))
                    conn.execute("INSERT INTO transfers VALUES (%s, %s, %s, %s)", (tid, src, dst, amount))
                self.acked.append((time.monotonic(), tid))
            except psycopg.Error:
                self.errors += 1
                if conn is not None:
                    conn.close()
                    conn = None
                time.sleep(0.02)
        if conn is not None:
            conn.close()


def act(h: AuroraHome, action: Action, state: dict[str, str]) -> str:
    """Carry out one action; returns what was done, for the log. ``state`` remembers the
    instance that freeze-writer paused and the AZ that fail-az failed, to bring them back."""
    if action.kind in ("kill-writer", "freeze-writer"):
        writer = poll(lambda: h.writer_id(CLUSTER), 15, "an available writer", interval=0.1)
        if action.kind == "kill-writer":
            h.run("chaos", "kill-instance", CLUSTER, writer)
            return f"killed writer {writer}"
        h.run("chaos", "pause-instance", CLUSTER, writer)
        state["frozen"] = writer
        return f"froze writer {writer} (SIGSTOP)"
    if action.kind == "resume-writer":
        if "frozen" not in state:
            return "no frozen writer to resume"
        instance = state.pop("frozen")
        r = h.run("chaos", "resume-instance", CLUSTER, instance, check=False)
        return f"resumed {instance}" + ("" if r.returncode == 0 else " (it was restarted meanwhile)")
    if action.kind == "kill-node":
        nodes = h.json("fleet")["nodes"]
        up = [n["id"] for n in nodes if n["status"] == "up"]
        az = action.target[3]  # sn-<az><n>; a node aurorad replaced has a new name
        node = action.target if action.target in up else next(n for n in up if n[3] == az)
        h.run("chaos", "kill-node", node)
        return f"killed storage node {node}"
    if action.kind == "fail-az":
        if action.target is None:
            writer = poll(lambda: h.writer_id(CLUSTER), 15, "an available writer", interval=0.1)
            action.target = next(i["az"] for i in h.describe(CLUSTER)["instances"] if i["id"] == writer)
        out = h.json("chaos", "fail-az", action.target)
        state["az"] = action.target
        return f"failed AZ {action.target} (nodes {', '.join(out['nodes'])}; instances {', '.join(out['instances']) or '-'})"
    az = state.pop("az", action.target)
    h.run("chaos", "restore-az", az)
    return f"restored AZ {az}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=90, help="how long the clients transfer")
    p.add_argument("--seed", type=int, default=1, help="seeds the chaos schedule and the transfers")
    p.add_argument("--clients", type=int, default=4, help="client threads")
    args = p.parse_args()
    repair_after = float(os.environ.get("AURORA_NODE_REPAIR_AFTER", "10"))
    schedule = chaos_schedule(random.Random(args.seed), args.seconds, repair_after)
    with AuroraHome() as h:
        uri = h.create(CLUSTER, 2)["writer"]["uri"]
        sql(uri, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
        sql(uri, "CREATE TABLE transfers (id text PRIMARY KEY, src int, dst int, amount int)")
        sql(uri, f"INSERT INTO accounts SELECT i, {OPENING} FROM generate_series(1, {ACCOUNTS}) AS s(i)")
        clients = [Client(n, uri, args.seed) for n in range(args.clients)]
        started = time.monotonic()
        started_wall = time.time()
        for c in clients:
            c.start()
        done: list[tuple[float, str]] = []
        faults: list[tuple[float, str]] = []  # (seconds from the start, kind) of faults done
        state: dict[str, str] = {}
        try:
            for action in schedule:
                time.sleep(max(0.0, started + action.at - time.monotonic()))
                at = time.monotonic() - started
                try:
                    what = act(h, action, state)
                    if action.kind in FAULTS:  # it happened as the command ended
                        faults.append((time.monotonic() - started, action.kind))
                except (CommandFailed, TimeoutError) as e:
                    what = f"{action.kind} {action.target or ''} did not happen: {e}"
                done.append((at, what))
                print(f"  {at:6.1f} s  {what} (the command took {time.monotonic() - started - at:.1f} s)",
                      flush=True)
            time.sleep(max(0.0, started + args.seconds - time.monotonic()))
        finally:
            for c in clients:
                c.stop.set()
            for c in clients:
                c.join(30)
        ended = time.monotonic()
        stuck = sum(c.is_alive() for c in clients)
        acked = [a for c in clients for a in c.acked]
        acked_ids = [tid for _, tid in acked]

        # The cluster heals: every instance back, then the checks through the writer endpoint.
        try:
            poll(lambda: h.healthy(CLUSTER, 3), 60, "every instance to be available", interval=0.2)
        except TimeoutError as e:
            print(f"warning: {e}")
        rows = poll(lambda: (sql(uri, "SELECT id FROM transfers", timeout=2),), 60,
                    "the writer endpoint to answer")[0]
        ids = [r[0] for r in rows]
        balances = dict(sql(uri, "SELECT id, balance FROM accounts"))
        moves = sql(uri, "SELECT src, dst, amount FROM transfers")
        replica_count = None
        try:
            replica_count = poll(lambda: (n := sql(h.json("endpoints", CLUSTER)["reader"]["uri"],
                                                   "SELECT count(*) FROM transfers")[0][0]) == len(ids) and n,
                                 15, "the readers to hold every transfer", interval=0.1)
        except TimeoutError:
            pass
        failovers = sum(e["message"].startswith("Completed failover") for e in h.events(CLUSTER))
        events = h.json("events")
        repairs = sum(e["message"].startswith("Storage node") for e in events)

    present = set(ids)
    lost = sorted(set(acked_ids) - present)
    duplicates = len(ids) - len(present)
    unknown_committed = len(present - set(acked_ids))
    expected = dict.fromkeys(range(1, ACCOUNTS + 1), OPENING)
    for src, dst, amount in moves:
        expected[src] -= amount
        expected[dst] += amount
    total = sum(balances.values())
    total_ok = total == ACCOUNTS * OPENING
    accounts_ok = balances == expected
    times = [started, *sorted(t for t, _ in acked), ended]
    worst, worst_at = max((b - a, a - started) for a, b in itertools.pairwise(times))
    cause = next((what for at, what in reversed(done) if at <= worst_at + 0.5), "no chaos action")
    per_fault = gaps_by_fault([t - started for t, _ in acked], faults, 0.0, ended - started)

    print(f"\n{'clients':34} {args.clients} (errors, unknown outcome: {sum(c.errors for c in clients)}"
          f"{f'; {stuck} still blocked at the end' if stuck else ''})")
    print(f"{'chaos actions':34} {len(done)} (seed {args.seed}); storage node repairs: {repairs}")
    print(f"{'transfers acknowledged':34} {len(acked_ids)}")
    print(f"{'transfers lost':34} {len(lost)}{' ' + ', '.join(lost[:10]) if lost else ''}")
    print(f"{'transfers present twice':34} {duplicates}")
    print(f"{'committed, answer not received':34} {unknown_committed}")
    print(f"{'total balance':34} {total} (expected {ACCOUNTS * OPENING}) {'ok' if total_ok else 'WRONG'}")
    print(f"{'balances match the transfers':34} {'yes' if accounts_ok else 'NO'}")
    print(f"{'readers hold every transfer':34} {'yes' if replica_count else 'not within 15 s'}")
    print(f"{'failovers (Completed failover)':34} {failovers}")
    print(f"{'worst unavailability':34} {worst:.3f} s, from {worst_at:.1f} s (after: {cause})")
    print_failover_phases(events, started_wall, sorted(t - started for t, _ in acked))
    for kind in (*FAULTS, "none"):
        gap, at, n = per_fault.get(kind, (0.0, 0.0, 0))
        label = f"worst gap after {kind}" if kind != "none" else "worst gap before any fault"
        print(f"{label:34} {gap:.3f} s" + (f", from {at:.1f} s ({n} done)" if kind != "none" else ""))
    print(result_line({"acknowledged": len(acked_ids), "lost": len(lost), "failovers": failovers,
                       "worst_unavailable_s": round(worst, 3), "duplicates": duplicates,
                       "balance_ok": int(total_ok and accounts_ok),
                       **{f"worst_gap_s.{k}": round(per_fault.get(k, (0.0,))[0], 3) for k in FAULTS},
                       **{f"faults.{k}": per_fault.get(k, (0, 0, 0))[2] for k in FAULTS}}))
    return 1 if lost or duplicates or not (total_ok and accounts_ok) else 0


if __name__ == "__main__":
    run_main(main)
