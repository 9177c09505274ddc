"""The dashboard driven by textual's pilot against a fixed-data control API.

``FixedSource`` answers like aurorad (same ops, same shapes) from fixed data and records the
calls, so a test presses keys and checks which operation was asked for with which
arguments. Snapshot tests compare the screen with the SVGs under tests/__snapshots__/
(``pytest --snapshot-update`` rewrites them after a deliberate change).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import html
import io
import re
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Label

from aurora.cli.dashboard.alert_bar import AlertBar
from aurora.cli.dashboard.app import DashboardApp
from aurora.cli.dashboard.choice_screen import ChoiceScreen
from aurora.cli.dashboard.cluster_backups import ClusterBackups, age_style, window_lines
from aurora.cli.dashboard.cluster_tree import Selection, cluster_label, instance_label, status_style
from aurora.cli.dashboard.confirm_screen import ConfirmScreen
from aurora.cli.dashboard.event_stream import event_style
from aurora.cli.dashboard.global_databases import GlobalDatabases
from aurora.cli.dashboard.help_screen import HelpScreen
from aurora.cli.dashboard.model import (
    BackupWindowView,
    History,
    ProcessProbe,
    ServerlessView,
    SnapshotView,
    Usage,
    collect,
)
from aurora.cli.dashboard.prompt_screen import PromptScreen
from aurora.engine import errors

READ_OPS = {"list", "describe", "fleet", "events", "global_list", "global_describe", "snapshot_list", "metrics"}
T0 = 1_764_400_000.0
SIZE = (150, 44)


def instance(id: str, role: str, az: str, pid: int | None, *, status: str = "available",
             lag_ms: float | None = None, connections: int = 0, commits: int | None = None,
             acu: float | None = None) -> dict[str, Any]:
    return {"id": id, "role": role, "status": status, "az": az, "promotion_tier": 1, "lag_ms": lag_ms,
            "pid": pid, "port": 5500 + (pid or 0) % 100, "connections": connections, "commits": commits,
            "acu": acu, "acu_utilization": None}


def clusters() -> list[dict[str, Any]]:
    return [
        {"name": "orders", "engine": "postgres", "status": "available", "region": "local-1", "parent": None,
         "volume": {"id": "vol-1", "size_bytes": 48 * 2**20, "protection_groups": 6},
         "instances": [
             instance("orders-instance-1", "writer", "a", 4101, connections=12, commits=1000),
             instance("orders-instance-2", "reader", "b", 4102, lag_ms=4.0, connections=5),
             instance("orders-instance-3", "reader", "c", 4103, lag_ms=1350.0, connections=2),
         ]},
        {"name": "analytics", "engine": "postgres", "status": "available", "region": "local-1",
         "parent": None, "volume": {"id": "vol-2", "size_bytes": 9 * 2**20, "protection_groups": 2},
         "instances": [
             instance("analytics-instance-1", "writer", "a", 4201, connections=3, commits=50),
             instance("analytics-instance-2", "reader", "b", None, status="down"),
         ]},
        {"name": "orders-clone", "engine": "postgres", "status": "available", "region": "local-1",
         "parent": "orders", "volume": {"id": "vol-3", "size_bytes": 2**20, "protection_groups": 1},
         "instances": [instance("orders-clone-instance-1", "writer", "a", 4301, connections=1, commits=7)]},
    ]


def serverless_clusters() -> list[dict[str, Any]]:
    """burst scales with its load (ACU_PER_POLL); nightly auto-paused: no process, 0 ACU."""
    return [
        {"name": "burst", "engine": "postgres", "status": "available", "region": "local-1", "parent": None,
         "volume": {"id": "vol-4", "size_bytes": 3 * 2**20, "protection_groups": 1},
         "serverless": {"min_acu": 0.5, "max_acu": 16.0, "seconds_until_auto_pause": None},
         "instances": [
             instance("burst-instance-1", "writer", "a", 4401, connections=30, commits=500, acu=0.5),
             instance("burst-instance-2", "reader", "b", 4402, lag_ms=6.0, connections=4, acu=0.5),
         ]},
        {"name": "nightly", "engine": "postgres", "status": "paused", "region": "local-1", "parent": None,
         "volume": {"id": "vol-5", "size_bytes": 2**20, "protection_groups": 1},
         "serverless": {"min_acu": 0.0, "max_acu": 4.0, "seconds_until_auto_pause": 300},
         "instances": [instance("nightly-instance-1", "writer", "c", None, status="paused", acu=0.0)]},
    ]


ACU_PER_POLL = [0.5, 1.0, 2.0, 4.0, 6.0, 4.5, 3.0, 2.0]
"""The running serverless instances' capacity at each poll, as the scaler would move it."""


NODES = ["sn-a1", "sn-a2", "sn-b1", "sn-b2", "sn-c1", "sn-c2"]


def fleet(down: tuple[str, ...] = ("sn-b2",)) -> dict[str, Any]:
    current = 6 - len(down)

    def groups(n: int) -> list[dict[str, Any]]:
        return [{"file": 0 if i < 2 else 1, "pg": i if i < 2 else i - 2, "members": NODES,
                 "current_copies": current, "write_quorum": current >= 4} for i in range(n)]

    return {
        "region": "local-1",
        "nodes": [{"id": n, "az": n[3], "port": 7000 + i, "pid": None if n in down else 3000 + i,
                   "status": "down" if n in down else "up", "segments": 0 if n in down else 9,
                   "bytes": 0 if n in down else (12 + i) * 2**20} for i, n in enumerate(NODES)],
        "volumes": [{"id": "vol-1", "cluster": "orders", "protection_groups": groups(6)},
                    {"id": "vol-2", "cluster": "analytics", "protection_groups": groups(2)},
                    {"id": "vol-3", "cluster": "orders-clone", "protection_groups": groups(1)}],
    }


EVENTS = [
    {"id": i + 1, "time": T0 + 7 * i, "cluster": cluster, "source": source, "event_id": None, "message": msg}
    for i, (cluster, source, msg) in enumerate([
        ("orders", "orders", "DB cluster created"),
        ("orders", "orders-instance-2", "DB instance created: orders-instance-2"),
        ("orders", "orders-instance-3", "DB instance created: orders-instance-3"),
        ("analytics", "analytics", "DB cluster created"),
        ("orders-clone", "orders-clone", "Cloned from DB cluster orders"),
        (None, "sn-b2", "Storage node sn-b2 killed"),
        ("orders", "orders", "Started cross AZ failover to DB instance: orders-instance-1"),
        ("orders", "orders", "Completed failover to DB instance: orders-instance-1"),
        ("analytics", "analytics-instance-2", "DB instance restarted: analytics-instance-2"),
    ])
]


def member(cluster: str, region: str, role: str = "secondary", *, status: str = "replicating",
           lag: float | None = None, p99: float | None = None, rpo: float | None = None,
           history: list[float] | None = None) -> dict[str, Any]:
    primary = role == "primary"
    return {"cluster": cluster, "region": region, "role": role, "status": status, "readers": 1,
            "rtt_ms": 0.0 if primary else 80.0, "replication_lag_ms": lag, "replication_lag_p99_ms": p99,
            "rpo_lag_ms": rpo, "applied_lsn": 9000 if primary else 8990, "primary_lsn": 9000,
            "lag_history_ms": history or [],
            "metrics": {"AuroraGlobalDBReplicationLag": lag, "AuroraGlobalDBRPOLag": rpo,
                        "AuroraGlobalDBReplicatedWriteIO": 0 if primary else 420}}


def global_db(name: str = "shop", *, last_promotion: dict[str, Any] | None = None) -> dict[str, Any]:
    """A GlobalDescription: orders in local-1 is the primary, two regions follow it."""
    return {
        "name": name, "status": "available", "primary": "orders", "primary_region": "local-1",
        "secondaries": [f"{name}-eu", f"{name}-ap"],
        "writer": {"host": "127.0.0.1", "port": 6400, "uri": "postgresql://127.0.0.1:6400/postgres"},
        "members": [
            member("orders", "local-1", "primary", status="available"),
            member(f"{name}-eu", "eu-1", lag=120.0, p99=180.0, rpo=140.0,
                   history=[80.0, 95.0, 110.0, 150.0, 130.0, 120.0]),
            member(f"{name}-ap", "ap-1", status="catching-up", lag=1800.0, p99=2400.0, rpo=2100.0,
                   history=[300.0, 900.0, 1500.0, 2400.0, 1800.0]),
        ],
        "last_promotion": last_promotion,
    }


FAILOVER = {"global_name": "shop", "mode": "failover", "old_primary": "shop-eu", "new_primary": "orders",
            "region": "local-1", "seconds": 2.4, "at": T0,
            "rpo": {"lsn_from": 8991, "lsn_to": 9000, "transactions": 3, "confirmed": False}}


SERVERLESS_EVENTS = [
    {"id": len(EVENTS) + i + 1, "time": T0 + 70 + 5 * i, "cluster": cluster, "source": source,
     "event_id": event_id, "message": msg}
    for i, (cluster, source, event_id, msg) in enumerate([
        ("burst", "burst-instance-1", "AURORA-SERVERLESS-SCALE",
         "DB instance burst-instance-1 scaled from 0.5 to 1 ACUs (CPU 97% of its share)"),
        ("nightly", "nightly-instance-1", "AURORA-SERVERLESS-PAUSE",
         "DB instance paused: nightly-instance-1 (no user connection for 300s)"),
    ])
]


COMMITS_PER_POLL = [40, 65, 52, 80, 47, 90, 61, 30, 72, 55, 98, 44]


def iso(t: float) -> str:
    """A time as the control API writes it (ISO 8601, UTC, milliseconds)."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


DAY = 86400
ANALYTICS_STALLED_AT = T0 + 60
"""analytics' backups stopped here: the polls (at T0 + 100 + n) see it fall further behind."""


def backup_window(cluster: str, polls: int) -> dict[str, Any]:
    """describe's ``backups``: orders keeps up (2 s behind) with backtrack on, analytics stalled."""
    now = T0 + 100 + polls  # the time of this poll, as Clock gives it
    latest: float | None = {"orders": now - 2, "analytics": ANALYTICS_STALLED_AT, "burst": now - 1,
                            "nightly": T0 - 600}.get(cluster)
    earliest = {"orders": T0 - DAY + 600, "analytics": T0 - 3 * DAY}.get(cluster, T0 - 3600)
    backtrack = 24 * 3600 if cluster == "orders" else 0
    return {"backup_retention_days": 7 if cluster == "analytics" else 1,
            "earliest_restorable_time": iso(earliest) if latest else None,
            "latest_restorable_time": iso(latest) if latest else None,
            "backtrack_window": backtrack,
            "earliest_backtrack_time": iso(earliest) if backtrack else None}


def cluster_snapshot(name: str, cluster: str, at: float, *, kind: str = "manual", status: str = "available",
                     created: float | None = None, size_mib: int = 48,
                     copied_from: str | None = None) -> dict[str, Any]:
    return {"name": name, "cluster": cluster, "kind": kind, "status": status, "time": iso(at), "lsn": 1000,
            "volume": "vol-1", "created": iso(at if created is None else created), "engine": "postgres",
            "size_bytes": size_mib * 2**20, "copied_from": copied_from, "store": "/tmp/backups"}


SNAPSHOTS = [  # as snapshot_list answers: oldest created first
    cluster_snapshot("orders-2025-10", "orders", T0 - 40 * DAY, status="unrestorable", size_mib=30),
    cluster_snapshot("analytics-old", "analytics", T0 - 20 * DAY, status="unrestorable", size_mib=8),
    cluster_snapshot("rds:orders-2025-11-28", "orders", T0 - DAY + 600, kind="automated", size_mib=44),
    cluster_snapshot("rds:analytics-2025-11-29", "analytics", T0 - 3000, kind="automated", size_mib=9),
    cluster_snapshot("orders-pre-upgrade", "orders", T0 - 5000, size_mib=46),
    cluster_snapshot("rds:orders-2025-11-29", "orders", T0 - 3000, kind="automated", size_mib=47),
    cluster_snapshot("legacy-final", "legacy", T0 - 2000, size_mib=3),
    cluster_snapshot("orders-pre-upgrade-copy", "orders", T0 - 5000, created=T0 - 1000, size_mib=46,
                     copied_from="orders-pre-upgrade"),
    cluster_snapshot("orders-before-migration", "orders", T0 - 60),
]
"""Six of orders (four shown, newest first), two of analytics, none of orders-clone, and one of a
cluster deleted since (legacy)."""


class FixedSource:
    """The control API on fixed data; writers commit and readers lag a little more each poll."""

    def __init__(self, *, down: tuple[str, ...] = ("sn-b2",),
                 fail: dict[str, errors.AuroraError] | None = None,
                 globals: list[dict[str, Any]] | None = None, serverless: bool = False) -> None:
        self.down = down
        self.serverless = serverless
        self.fail = fail or {}
        self.globals = globals or []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.polls = 0

    def call(self, op: str, **args: Any) -> Any:
        self.calls.append((op, args))
        if op in self.fail:
            raise self.fail[op]
        if op == "list":
            self.polls += 1
            return [{"name": c["name"], "region": c["region"], "status": c["status"]} for c in self.clusters()]
        if op == "describe":
            described = copy.deepcopy(next(c for c in self.clusters() if c["name"] == args["name"]))
            n = self.polls
            for inst in described["instances"]:
                if inst["commits"] is not None:
                    inst["commits"] += sum(COMMITS_PER_POLL[i % len(COMMITS_PER_POLL)] for i in range(n))
                if inst["lag_ms"] is not None:
                    inst["lag_ms"] += (n * 37) % 60
                if inst["acu"] is not None and inst["status"] != "paused":
                    inst["acu"] = ACU_PER_POLL[(n - 1) % len(ACU_PER_POLL)]
                    inst["acu_utilization"] = round(100 * inst["acu"] / described["serverless"]["max_acu"], 1)
            described["backups"] = backup_window(described["name"], n)
            return described
        if op == "snapshot_list":
            return [copy.deepcopy(s) for s in SNAPSHOTS if args.get("cluster") in (None, s["cluster"])]
        if op == "fleet":
            report = fleet(self.down)
            if self.serverless:
                report["volumes"] += [{"id": c["volume"]["id"], "cluster": c["name"],
                                       "protection_groups": report["volumes"][-1]["protection_groups"]}
                                      for c in serverless_clusters()]
            return report
        if op == "events":
            events = EVENTS + (SERVERLESS_EVENTS if self.serverless else [])
            return [e for e in events if e["id"] > args.get("since", 0)]
        if op == "global_list":
            return [{k: g[k] for k in ("name", "status", "primary", "primary_region", "secondaries", "writer")}
                    for g in self.globals]
        if op == "global_describe":
            for g in self.globals:
                if g["name"] == args["name"]:
                    return copy.deepcopy(g)
            raise errors.NotFound(f"global database {args['name']!r} not found")
        if op == "promote_region":
            target = next(m for m in self.globals[0]["members"] if m["region"] == args["region"])
            return {**FAILOVER, "mode": "failover" if args["allow_data_loss"] else "switchover",
                    "new_primary": target["cluster"], "region": args["region"], "old_primary": "orders",
                    "rpo": FAILOVER["rpo"] if args["allow_data_loss"] else None}
        return {"op": op}

    def clusters(self) -> list[dict[str, Any]]:
        return clusters() + (serverless_clusters() if self.serverless else [])

    @property
    def actions(self) -> list[tuple[str, dict[str, Any]]]:
        return [(op, args) for op, args in self.calls if op not in READ_OPS]


FROZEN_PID = 4103
"""orders-instance-3 is frozen (SIGSTOP): describe says available, the probe says stopped."""


class Clock:
    """One second per poll, so transactions per second come out the same on every run."""

    def __init__(self) -> None:
        self.now = T0 + 100

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def probe(pid: int) -> Usage:
    return Usage(float(pid % 17) + 0.5, (40 + pid % 23) * 2**20, stopped=pid == FROZEN_PID)


def make_app(source: Any) -> DashboardApp:
    # A refresh far longer than any test: polls happen only when the test asks for them.
    return DashboardApp(source, refresh=3600, probe=probe, clock=Clock())


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Event times print in local time; pin it so snapshots match on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async pilot test on its own event loop (no asyncio plugin needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def polled(pilot: Pilot[Any], rounds: int = 1) -> None:
    """Let the first poll land, then run ``rounds - 1`` more."""
    app = pilot.app
    assert isinstance(app, DashboardApp)
    await settle(pilot)
    await landed(pilot)
    for _ in range(rounds - 1):
        app.poll_now()
        await settle(pilot)


async def landed(pilot: Pilot[Any], timeout: float = 10.0) -> None:
    """Wait until a poll's snapshot is on screen and the tree has put its cursor on a cluster:
    a message or two after the poll's worker ended, later on a loaded machine; or until the
    poll found the control plane unreachable (no snapshot comes then), and the alert is on
    screen. Past ``timeout`` the test goes on (and its assertions tell)."""
    app = pilot.app
    assert isinstance(app, DashboardApp)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = app.snapshot
        if snap is not None and (not snap.clusters or app.selection.cluster is not None):
            return
        if app.unreachable is not None:
            await pilot.pause()  # (the alert bar's refresh)
            return
        await pilot.pause(0.02)


def screen_text(app: DashboardApp) -> str:
    """The screen as plain text (the SVG export, with its markup and escapes removed)."""
    return html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")


async def select(pilot: Pilot[Any], cluster: str, instance: str | None = None) -> None:
    """Move the tree's cursor with the arrow keys, as a user would, onto a cluster or instance."""
    app = pilot.app
    assert isinstance(app, DashboardApp)
    await pilot.press("home")
    for _ in range(30):
        if app.selection == Selection("local-1", cluster, instance):
            return
        await pilot.press("down")
    raise AssertionError(f"no line for {cluster} {instance} in the tree")


# --- actions ask for the right operation ----------------------------------------------------------


@pilot_test
async def test_failover_asks_to_confirm_then_fails_over_the_selected_cluster() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await select(pilot, "analytics")
        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen)
        assert source.actions == []
        await pilot.press("y")
        await settle(pilot)
        assert source.actions == [("failover", {"name": "analytics"})]


@pilot_test
async def test_failover_follows_the_cursor_and_cancel_asks_nothing() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        assert app.selection.cluster == "orders"  # the cursor starts on the first cluster
        await pilot.press("f", "escape")
        await pilot.press("f", "enter")  # Enter on the focused Cancel button
        await settle(pilot)
        assert source.actions == []
        await pilot.press("down", "f", "y")  # down onto the writer of orders: still orders
        await settle(pilot)
        assert source.actions == [("failover", {"name": "orders"})]


@pilot_test
async def test_scale_takes_the_number_of_readers_from_a_modal() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == "2"
        await pilot.press("x", "enter")  # the value is selected, so typing replaces it
        assert isinstance(app.screen, PromptScreen)  # not a number: the modal stays
        await pilot.press("backspace", "5", "enter")
        await settle(pilot)
        assert source.actions == [("scale", {"name": "orders", "replicas": 5})]


@pilot_test
async def test_scaling_down_asks_to_confirm() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("s", "0", "enter")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert source.actions == [("scale", {"name": "orders", "replicas": 0})]


@pilot_test
async def test_clone_asks_for_a_valid_new_name() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("c")
        assert app.screen.query_one(Input).value == "orders-clone"
        await pilot.press("enter")  # exists already
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("X", "enter")  # typing replaces the proposed name
        assert isinstance(app.screen, PromptScreen)
        assert "invalid cluster name" in str(app.screen.query_one("#problem", Label).render())
        await pilot.press("backspace", *"copy", "enter")
        await settle(pilot)
        assert source.actions == [("clone", {"source": "orders", "name": "copy"})]


@pilot_test
async def test_kill_pause_and_resume_act_on_the_selected_instance() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("k")  # the cursor is on a cluster, not an instance: nothing happens
        assert not isinstance(app.screen, ConfirmScreen)
        await select(pilot, "orders", "orders-instance-3")
        await pilot.press("k", "y")
        await pilot.press("p", "y")
        await pilot.press("r")
        await settle(pilot)
        target = {"name": "orders", "instance": "orders-instance-3"}
        assert source.actions == [("chaos_kill_instance", target), ("chaos_pause_instance", target),
                                  ("chaos_resume_instance", target)]


@pilot_test
async def test_fail_and_restore_an_az() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await select(pilot, "orders", "orders-instance-2")
        await pilot.press("a")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # the AZ of the selected instance is offered first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.press("A", "down", "enter")
        await settle(pilot)
        assert source.actions == [("chaos_fail_az", {"az": "b", "region": "local-1"}),
                                  ("chaos_restore_az", {"az": "c", "region": "local-1"})]


@pilot_test
async def test_kill_a_storage_node_offers_only_nodes_that_are_up() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("n", "down", "down", "down", "enter", "y")  # sn-b2 is down: skipped
        await settle(pilot)
        assert source.actions == [("chaos_kill_node", {"node": "sn-c1", "region": "local-1"})]


@pilot_test
async def test_a_failed_operation_is_a_notification_not_a_crash() -> None:
    source = FixedSource(fail={"chaos_kill_node": errors.UsageError("unknown operation 'chaos_kill_node'")})
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("n", "enter", "y")
        await settle(pilot)
        assert source.actions == [("chaos_kill_node", {"node": "sn-a1", "region": "local-1"})]
        messages = [n.message for n in app._notifications]
        assert any("unknown operation 'chaos_kill_node'" in m for m in messages)
        assert app.is_running


@pilot_test
async def test_help_lists_every_key() -> None:
    app = make_app(FixedSource())
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "promote a secondary region of a global database" in screen_text(app)
        app.poll_now()  # polls go on under a modal screen
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


# --- global databases ----------------------------------------------------------------------------


@pilot_test
async def test_without_global_databases_the_panel_and_the_promote_key_stay_hidden() -> None:
    source = FixedSource()
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot, rounds=2)
        assert not app.query_one("#globals-panel").display
        assert "Promote" not in screen_text(app)  # not in the footer either
        await pilot.press("g")
        await settle(pilot)
        assert not isinstance(app.screen, ChoiceScreen) and source.actions == []
        assert [op for op, _ in source.calls if op.startswith("global")] == ["global_list"] * 2


@pilot_test
async def test_the_global_panel_shows_members_lag_and_rpo_lag() -> None:
    source = FixedSource(globals=[global_db(last_promotion=FAILOVER)])
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        assert app.query_one("#globals-panel").display
        assert app.snapshot is not None and app.query_one(GlobalDatabases).globals == app.snapshot.globals
        console = Console(width=140, record=True, file=io.StringIO())
        console.print(app.query_one(GlobalDatabases).render())
        text = console.export_text()
        assert "shop  ● available  3 regions: local-1, eu-1, ap-1" in text
        assert re.search(r"PRIMARY\s+orders\s+local-1\s+● available", text)
        assert re.search(r"secondary\s+shop-eu\s+eu-1\s+● replicating\s+120 ms\s+180 ms\s+▄▅▆█▇▆\s+140 ms", text)
        assert re.search(r"secondary\s+shop-ap\s+ap-1\s+● catching-up\s+1.8 s\s+2.4 s\s+▁▃▅█▆\s+2.1 s", text)
        assert "lost 3 transactions (LSNs 8991 to 9000), not yet confirmed" in text
        # the footer offers the key now (it redraws its bindings on a later refresh)
        deadline = time.monotonic() + 5
        while "Promote region" not in screen_text(app) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert "Promote region" in screen_text(app)
        assert [args for op, args in source.calls if op == "global_describe"] == [
            {"name": "shop", "timeout": 10.0}]


@pilot_test
async def test_promote_region_is_a_switchover_by_default() -> None:
    source = FixedSource(globals=[global_db()])
    app = make_app(source)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await polled(pilot)
        await pilot.press("g")  # one global database: straight to its secondaries
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # shop-ap in ap-1
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # switchover is the default
        assert isinstance(app.screen, ConfirmScreen)
        assert "A switchover" in app.screen.detail and "No committed transaction is lost" in app.screen.detail
        assert source.actions == []
        await pilot.press("y")
        await settle(pilot)
        assert source.actions == [("promote_region", {"name": "shop", "region": "ap-1", "allow_data_loss": False})]
        messages = [n.message for n in app._notifications]
        assert any("shop-ap in ap-1 is the primary now (switchover" in m for m in messages)


@pilot_test
async def test_promote_region_as_a_failover_says_it_can_lose_data() -> None:
    source = FixedSource(globals=[global_db(), global_db("billing")])
    app = make_app(source)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await polled(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, ChoiceScreen)  # two global databases: which one first
        assert app.screen.title_text == "Promote a region of which global database?"
        await pilot.press("enter", "enter", "down", "enter")  # shop, then eu-1, then failover
        assert isinstance(app.screen, ConfirmScreen)
        assert "allowing data loss" in app.screen.title_text
        assert "are LOST" in app.screen.detail and "140 ms behind" in app.screen.detail
        await pilot.press("n")  # cancelled: nothing asked
        await settle(pilot)
        assert source.actions == []
        await pilot.press("g", "enter", "enter", "down", "enter", "y")
        await settle(pilot)
        assert source.actions == [("promote_region", {"name": "shop", "region": "eu-1", "allow_data_loss": True})]
        messages = [n.message for n in app._notifications]
        assert any("lost 3 transactions (LSNs 8991 to 9000)" in m for m in messages)


@pilot_test
async def test_a_failed_promotion_is_a_notification() -> None:
    failed = errors.Conflict("shop-ap is still catching up", hint="aurora global describe shop")
    source = FixedSource(globals=[global_db()], fail={"promote_region": failed})
    app = make_app(source)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await polled(pilot)
        await pilot.press("g", "down", "enter", "enter", "y")
        await settle(pilot)
        assert source.actions == [("promote_region", {"name": "shop", "region": "ap-1", "allow_data_loss": False})]
        messages = [n.message for n in app._notifications]
        assert any("still catching up" in m and "Try: aurora global describe shop" in m for m in messages)
        assert app.is_running


@pytest.mark.parametrize("op", ["global_list", "global_describe"])
def test_an_error_from_global_operations_leaves_the_clusters_shown(op: str) -> None:
    for error in (errors.Unavailable("global databases are not built yet"),
                  errors.UsageError(f"unknown operation {op!r}")):
        snapshot = collect(FixedSource(globals=[global_db()], fail={op: error}), probe)
        assert snapshot.reachable and len(snapshot.clusters) == 3 and len(snapshot.events) == len(EVENTS)
        if op == "global_list":
            assert snapshot.globals == ()
        else:  # the global database is listed, without data
            [view] = snapshot.globals
            assert view.name == "shop" and view.error == error.message and view.members == ()


def test_a_global_description_becomes_members_with_lag() -> None:
    snapshot = collect(FixedSource(globals=[global_db(last_promotion=FAILOVER)]), probe)
    view = snapshot.global_db("shop")
    assert view is not None and view.primary == "orders" and view.regions == ["local-1", "eu-1", "ap-1"]
    assert view.writer_uri == "postgresql://127.0.0.1:6400/postgres"
    eu = view.secondaries[0]
    assert (eu.cluster, eu.region, eu.status, eu.lag_ms, eu.lag_p99_ms, eu.rpo_lag_ms) == (
        "shop-eu", "eu-1", "replicating", 120.0, 180.0, 140.0)
    assert eu.lag_history_ms == (80.0, 95.0, 110.0, 150.0, 130.0, 120.0)
    assert view.last_promotion is not None and view.last_promotion.lost_transactions == 3


# --- an unreachable control plane ------------------------------------------------------------------


@pilot_test
async def test_unreachable_control_plane_is_shown_and_retried() -> None:
    down = errors.Unavailable("aurorad is not running", hint="aurora daemon start")
    source = FixedSource(fail={"list": down})
    app = make_app(source)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot, rounds=3)
        bar = app.query_one(AlertBar)
        assert bar.display
        assert bar.unreachable == "aurorad is not running"
        assert "control plane unreachable, retrying" in app.sub_title
        assert [op for op, _ in source.calls] == ["list"] * 3
        await pilot.press("f")  # nothing selected: a warning, not a crash
        assert app.is_running
        del source.fail["list"]  # aurorad is back
        app.poll_now()
        await settle(pilot)
        assert not bar.display
        assert app.snapshot is not None and len(app.snapshot.clusters) == 3


@pilot_test
async def test_the_real_client_without_aurorad_is_unreachable(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_HOME", str(tmp_path))
    app = DashboardApp(refresh=3600)  # ControlClient(autostart=False): never starts aurorad
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        assert app.unreachable is not None
        assert app.query_one(AlertBar).display
    assert not any(tmp_path.iterdir())


# --- the model without the App ---------------------------------------------------------------------


def test_transactions_per_second_come_from_commit_differences() -> None:
    source, clock, history = FixedSource(), Clock(), History(60, 1.0)
    for _ in range(3):
        history.record(collect(source, probe, clock=clock))
    series = history.series("orders")
    assert series.activity_kind == "transactions/s"
    assert len(series.activity) == 2 and len(series.lag_ms) == 3
    assert series.activity == [65.0, 52.0]  # commits between polls, one second apart


def test_process_probe_measures_this_process() -> None:
    import os

    probe = ProcessProbe()
    first = probe(os.getpid())
    assert first is not None and first.cpu_percent is None and (first.rss_bytes or 0) > 0
    second = probe(os.getpid())
    assert second is not None and second.cpu_percent is not None and not second.stopped
    assert probe(2**22 + 12345) is None


# --- snapshots ---------------------------------------------------------------------------------------


def test_snapshot_main_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot, rounds=25)

    assert snap_compare(make_app(FixedSource()), terminal_size=SIZE, run_before=run_before)


def test_snapshot_write_quorum_lost(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot, rounds=3)
        await select(pilot, "analytics", "analytics-instance-2")

    source = FixedSource(down=("sn-b1", "sn-b2", "sn-c1"))
    assert snap_compare(make_app(source), terminal_size=SIZE, run_before=run_before)


def test_snapshot_global_databases(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot, rounds=3)

    source = FixedSource(globals=[global_db(last_promotion=FAILOVER)])
    assert snap_compare(make_app(source), terminal_size=SIZE, run_before=run_before)


def test_snapshot_unreachable(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot)

    source = FixedSource(fail={"list": errors.Unavailable("aurorad is not running", hint="aurora daemon start")})
    assert snap_compare(make_app(source), terminal_size=SIZE, run_before=run_before)


def test_snapshot_failover_confirmation(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot)

    assert snap_compare(make_app(FixedSource()), terminal_size=SIZE, press=["f"], run_before=run_before)


def test_snapshot_unreachable_after_data(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot, rounds=2)
        source.fail["list"] = errors.Unavailable("aurorad closed the connection (did it stop?)")
        await polled(pilot, rounds=2)

    source = FixedSource()
    assert snap_compare(make_app(source), terminal_size=SIZE, run_before=run_before)


def test_a_frozen_instance_is_shown_frozen() -> None:
    snapshot = collect(FixedSource(), probe)
    orders = snapshot.cluster("orders")
    assert orders is not None
    assert [i.status for i in orders.instances] == ["available", "available", "frozen"]
    frozen = instance_label("orders", orders.instances[2], 10)
    assert "frozen" in frozen.plain and status_style("frozen") == "bold red"  # a fault, unlike paused


# --- serverless v2 -----------------------------------------------------------------------------------


def test_serverless_settings_and_capacity_are_read_from_describe() -> None:
    snapshot = collect(FixedSource(serverless=True), probe, clock=Clock())
    burst, orders = snapshot.cluster("burst"), snapshot.cluster("orders")
    assert burst is not None and orders is not None
    assert burst.serverless == ServerlessView(min_acu=0.5, max_acu=16.0, seconds_until_auto_pause=None)
    assert [(i.id, i.status, i.acu) for i in burst.instances] == [
        ("burst-instance-1", "available", 0.5), ("burst-instance-2", "available", 0.5)]
    assert orders.serverless is None and all(i.acu is None for i in orders.instances)
    assert "serverless 0.5-16 ACU" in cluster_label(burst, ()).plain
    assert instance_label("burst", burst.instances[0], 10).plain.endswith("  0.5 ACU")
    assert "ACU" not in instance_label("orders", orders.instances[0], 10).plain


def test_capacity_series_follows_the_writer_over_polls() -> None:
    source, clock, history = FixedSource(serverless=True), Clock(), History(60, 1.0)
    for _ in range(5):
        history.record(collect(source, probe, clock=clock))
    burst = history.series("burst")
    assert burst.capacity == ACU_PER_POLL[:5]
    assert burst.serverless is not None and burst.serverless.acu_range == "0.5-16"
    assert burst.activity_kind == "transactions/s" and len(burst.activity) == 4  # beside, unchanged
    nightly = history.series("nightly")
    assert nightly.capacity == [0.0] * 5  # paused: capacity 0, still a point
    orders = history.series("orders")
    assert orders.capacity == [] and orders.serverless is None


def test_a_paused_serverless_cluster_is_shown_paused_not_as_a_fault() -> None:
    snapshot = collect(FixedSource(serverless=True), probe, clock=Clock())
    nightly = snapshot.cluster("nightly")
    assert nightly is not None and nightly.status == "paused"
    [writer] = nightly.instances
    assert (writer.status, writer.pid, writer.acu, writer.cpu_percent) == ("paused", None, 0.0, None)
    assert nightly.serverless == ServerlessView(0.0, 4.0, 300)
    label = instance_label("nightly", writer, 10)
    assert "● paused" in label.plain and label.plain.endswith("  0 ACU")
    assert status_style("paused") not in ("bold red", "yellow")
    assert "● paused" in cluster_label(nightly, ()).plain
    pause, chaos = SERVERLESS_EVENTS[1]["message"], "paused DB instance orders-instance-3 (reader) with SIGSTOP"
    assert event_style(pause) == status_style("paused") and event_style(chaos) == "bold red"


@pilot_test
async def test_the_charts_show_a_serverless_clusters_capacity_beside_its_transactions() -> None:
    app = make_app(FixedSource(serverless=True))
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot, rounds=4)
        await select(pilot, "burst")
        text = screen_text(app)
        assert "transactions/s   now" in text
        assert "writer ACUs   now 4   peak 4   range 0.5-16" in text
        tree = text[text.index("▼ burst"):text.index("▼ nightly")]
        assert re.search(r"WRITER instance-1.*mem\s+\S+\s+4 ACU", tree)
        assert re.search(r"reader  instance-2.*lag\s+\S+ ms\s.*mem\s+\S+\s+4 ACU", tree)
        await select(pilot, "orders")
        assert "writer ACUs" not in screen_text(app)  # a provisioned cluster has no capacity chart


def test_snapshot_serverless(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot, rounds=8)
        await select(pilot, "burst")

    assert snap_compare(make_app(FixedSource(serverless=True)), terminal_size=SIZE, run_before=run_before)


# --- backups -------------------------------------------------------------------------------------


def style_of(text: Any, part: str) -> str:
    """The style of the span of a rich Text that holds ``part``."""
    plain = text.plain
    start = plain.index(part)
    return next(str(span.style) for span in text.spans if span.start <= start < span.end)


def test_the_backup_window_and_snapshots_are_read_per_cluster() -> None:
    source = FixedSource()
    snapshot = collect(source, probe, clock=Clock())  # the first poll, at T0 + 101
    orders, analytics, clone = (snapshot.cluster(n) for n in ("orders", "analytics", "orders-clone"))
    assert orders is not None and analytics is not None and clone is not None
    assert orders.backups == BackupWindowView(retention_days=1, earliest=T0 - DAY + 600, latest=T0 + 99,
                                              backtrack_window=86400, earliest_backtrack=T0 - DAY + 600)
    assert orders.backups.latest_age(snapshot.time) == 2.0
    assert analytics.backups is not None and analytics.backups.retention_days == 7
    assert analytics.backups.backtrack_window == 0 and analytics.backups.earliest_backtrack is None
    assert clone.backups == BackupWindowView(retention_days=1)  # before its first backup: no window yet
    assert [s.name for s in snapshot.snapshots_of("orders")] == [  # newest first
        "orders-before-migration", "orders-pre-upgrade-copy", "rds:orders-2025-11-29", "orders-pre-upgrade",
        "rds:orders-2025-11-28", "orders-2025-10"]
    assert snapshot.snapshots_of("orders")[1] == SnapshotView(
        "orders-pre-upgrade-copy", "orders", "manual", "available", time=T0 - 5000, created=T0 - 1000,
        size_bytes=46 * 2**20, copied_from="orders-pre-upgrade")
    assert [(s.name, s.kind, s.status) for s in snapshot.snapshots_of("analytics")] == [
        ("rds:analytics-2025-11-29", "automated", "available"), ("analytics-old", "manual", "unrestorable")]
    assert snapshot.snapshots_of("orders-clone") == () and snapshot.snapshots_of(None) == ()
    assert [s.name for s in snapshot.snapshots_of("legacy")] == ["legacy-final"]  # its cluster is gone
    assert [args for op, args in source.calls if op == "snapshot_list"] == [{"timeout": 10.0}]  # one call


class OlderSource(FixedSource):
    """An aurorad from before backups, or one whose backup fields make no sense."""

    def __init__(self, backups: Any = None, snapshots: Any = None) -> None:
        super().__init__()
        self.backups, self.snapshots = backups, snapshots

    def call(self, op: str, **args: Any) -> Any:
        if op == "snapshot_list" and self.snapshots is None:
            self.calls.append((op, args))
            raise errors.UsageError("unknown operation 'snapshot_list'")
        if op == "snapshot_list":
            self.calls.append((op, args))
            return self.snapshots
        answer = super().call(op, **args)
        if op == "describe":
            if self.backups is None:
                del answer["backups"]
            else:
                answer["backups"] = self.backups
        return answer


def test_backup_fields_that_are_missing_or_invalid_are_unknown() -> None:
    snapshot = collect(OlderSource(), probe)
    assert snapshot.reachable and len(snapshot.clusters) == 3
    assert all(c.backups is None for c in snapshot.clusters) and snapshot.snapshots == {}
    broken = {"backup_retention_days": "7", "earliest_restorable_time": 12,
              "latest_restorable_time": "yesterday", "backtrack_window": True}
    snapshot = collect(OlderSource(broken, snapshots={"not": "a list"}), probe)
    assert snapshot.reachable and snapshot.snapshots == {}
    assert all(c.backups == BackupWindowView() for c in snapshot.clusters)
    odd = [{"name": "x", "cluster": "orders", "time": "not a time", "size_bytes": "big"}]
    [view] = collect(OlderSource(broken, snapshots=odd), probe).snapshots_of("orders")
    assert (view.name, view.kind, view.time, view.created, view.size_bytes) == ("x", "?", None, None, None)


def test_a_latest_restorable_time_that_falls_behind_is_a_warning() -> None:
    assert [age_style(s) for s in (2.0, 10.0, 11.0, 60.0, 61.0)] == [
        "green", "green", "yellow", "yellow", "bold red"]
    assert age_style(300.0, running=False) == "dim"  # stopped or paused: no writes to back up
    source, clock = FixedSource(), Clock()
    first = collect(source, probe, clock=clock)
    orders, analytics = first.cluster("orders"), first.cluster("analytics")
    assert orders is not None and analytics is not None
    [line, settings] = window_lines(orders.backups, first.time)
    assert line.plain == "restorable Nov 28 07:16 - 07:08:19  2s ago" and style_of(line, "2s ago") == "green"
    assert settings.plain == "1 day retention · backtrack 24 h"
    [line, settings] = window_lines(analytics.backups, first.time)
    assert line.plain.endswith("07:07:40  41s ago") and style_of(line, "41s ago") == "yellow"
    assert settings.plain == "7 days retention"
    for _ in range(20):
        later = collect(source, probe, clock=clock)
    analytics = later.cluster("analytics")
    assert analytics is not None
    [line, _] = window_lines(analytics.backups, later.time)
    assert style_of(line, "61s ago") == "bold red"  # stalled for a minute: the backups are not keeping up
    assert window_lines(None, later.time)[0].plain == "no backup information"


@pilot_test
async def test_the_backups_panel_follows_the_selected_cluster() -> None:
    app = make_app(FixedSource())
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot, rounds=2)
        panel = app.query_one("#backups-panel")
        assert panel.display and panel.border_title == "Backups · orders"
        text = screen_text(app)
        assert re.search(r"restorable\s*Nov 28 07:16 - 07:08:20\s*2s ago", text)
        assert "6 snapshots" in text and "+2 more" in text
        assert re.search(r"orders-before-migration\s*manual\s+07:05:40\s*48.0M", text)
        assert "orders-2025-10" not in text  # the oldest, counted in "+2 more"
        await select(pilot, "orders-clone")
        backups = app.query_one(ClusterBackups)
        assert backups.cluster == "orders-clone" and backups.snapshots == ()
        text = screen_text(app)
        assert "restorable: waiting for the first backup" in text and "no snapshots" in text
        await select(pilot, "analytics")
        text = screen_text(app)
        assert re.search(r"analytics-old\s*unrestorable\s*Nov 09 07:06", text)


@pilot_test
async def test_without_backups_the_panel_stays_hidden() -> None:
    app = make_app(OlderSource())
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        assert app.selection.cluster == "orders"
        assert not app.query_one("#backups-panel").display
        assert "restorable" not in screen_text(app)


def test_snapshot_backups_falling_behind(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await polled(pilot, rounds=25)
        await select(pilot, "analytics")  # its backups stalled 65 s ago: red

    assert snap_compare(make_app(FixedSource()), terminal_size=SIZE, run_before=run_before)


def test_a_clusters_ml_roles_are_shown_beside_it() -> None:
    snapshot = collect(FixedSource(), probe, clock=Clock())
    orders = snapshot.cluster("orders")
    assert orders is not None and orders.ml_features == ()
    assert "ML" not in cluster_label(orders, ()).plain
    attached = dataclasses.replace(orders, ml_features=("comprehend", "sagemaker"))
    assert " · ML: comprehend, sagemaker" in cluster_label(attached, ()).plain
