"""``aurora dashboard``: the live view of clusters, storage, global databases and events.

The App is a client of aurorad's control API like the CLI: it takes any object with
ControlClient's ``call(op, **args)`` (tests give it fixed data), polls it in a thread worker
every ``refresh`` seconds and runs actions in thread workers too, so the screen never waits
on aurorad. Errors become notifications; an unreachable control plane becomes a red bar and
the polling goes on. Start it with :func:`run`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Header
from textual.worker import Worker, get_current_worker

from aurora.cli.dashboard.alert_bar import AlertBar
from aurora.cli.dashboard.choice_screen import ChoiceScreen
from aurora.cli.dashboard.cluster_backups import ClusterBackups
from aurora.cli.dashboard.cluster_charts import ClusterCharts
from aurora.cli.dashboard.cluster_tree import ClusterTree, Selection
from aurora.cli.dashboard.confirm_screen import ConfirmScreen
from aurora.cli.dashboard.event_stream import EventStream
from aurora.cli.dashboard.fleet_grid import FleetGrid
from aurora.cli.dashboard.global_databases import GlobalDatabases
from aurora.cli.dashboard.help_screen import HelpScreen
from aurora.cli.dashboard.model import (
    DEFAULT_AZS,
    DEFAULT_REGION,
    EVENTS_KEPT,
    ClusterView,
    DataSource,
    FleetView,
    GlobalMemberView,
    GlobalView,
    History,
    InstanceView,
    Probe,
    ProcessProbe,
    Snapshot,
    collect,
    human_lag,
)
from aurora.cli.dashboard.prompt_screen import PromptScreen
from aurora.cli.dashboard.protection_groups import ProtectionGroups
from aurora.engine import errors
from aurora.engine.control.client import ControlClient
from aurora.engine.control.clusters import MAX_REPLICAS, check_name

WINDOW_SECONDS = 300.0
"""How far back the sparklines reach."""


class DashboardApp(App[None]):
    """Clusters, instances, storage, global databases and events of one AURORA_HOME."""

    TITLE = "aurora-local"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "failover", "Failover", tooltip="fail over the selected cluster to its best reader"),
        Binding("s", "scale", "Scale", tooltip="set the number of readers of the selected cluster"),
        Binding("c", "clone", "Clone", tooltip="copy-on-write clone of the selected cluster"),
        Binding("k", "kill_instance", "Kill", tooltip="kill the selected instance (SIGKILL)"),
        Binding("p", "pause_instance", "Pause", tooltip="freeze the selected instance (SIGSTOP)"),
        Binding("r", "resume_instance", "Resume", tooltip="resume the selected frozen instance (SIGCONT)"),
        Binding("a", "fail_az", "Fail AZ", tooltip="fail an Availability Zone: its nodes and instances"),
        Binding("A,shift+a", "restore_az", "Restore AZ", key_display="A",
                tooltip="restore a failed Availability Zone"),
        Binding("n", "kill_node", "Kill node", tooltip="kill one storage node"),
        Binding("g", "promote_region", "Promote region",
                tooltip="promote a secondary region of a global database (switchover or failover)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="this help"),
        Binding("q", "quit", "Quit", tooltip="leave the dashboard (the clusters keep running)"),
    ]

    CSS = """
    Screen { layout: vertical; }
    #main { height: 1fr; }
    #bottom { height: 13; }
    #globals-panel { height: auto; max-height: 14; display: none; }
    .panel {
        border: round $primary 50%;
        border-title-color: $text-primary;
        border-title-style: bold;
        background: $surface;
    }
    .panel:focus-within { border: round $primary; }
    #tree-panel { width: 1fr; }
    #side { width: 52; }
    #charts-panel { height: auto; }
    #backups-panel { height: auto; max-height: 40%; }
    #groups-panel { height: 1fr; min-height: 3; }
    #fleet-panel { width: 3fr; }
    #events-panel { width: 2fr; }
    ClusterTree { height: 1fr; }
    .-stale * { text-opacity: 50%; }
    """

    snapshot: reactive[Snapshot | None] = reactive(None, init=False)
    """The last answers of a reachable control plane."""
    unreachable: reactive[Snapshot | None] = reactive(None, init=False)
    """The last failed poll while aurorad does not answer; None while it does."""
    selection: reactive[Selection] = reactive(Selection, init=False)
    """The cluster and instance under the tree's cursor, which the actions act on."""

    class Polled(Message):
        """A poll of the control plane finished (reachable or not)."""

        def __init__(self, snapshot: Snapshot) -> None:
            self.snapshot = snapshot
            super().__init__()

    class OperationFinished(Message):
        """An action's control-API call returned or failed."""

        def __init__(self, op: str, args: dict[str, Any], ok: bool) -> None:
            self.op = op
            self.args = args
            self.ok = ok
            super().__init__()

    def __init__(self, source: DataSource | None = None, refresh: float = 1.0, *,
                 probe: Probe | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.source: DataSource = source if source is not None else ControlClient(autostart=False)
        self.refresh_interval = refresh
        self.probe: Probe = probe if probe is not None else ProcessProbe()
        self.clock = clock
        self.history = History(WINDOW_SECONDS, refresh)
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)
        self.last_event_id = 0
        self._poller: Worker[None] | None = None

    # --- reactive state ----------------------------------------------------------------------
    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        try:
            tree = self.query_one(ClusterTree)
        except NoMatches:  # a poll that lands while the app is closing: no screen to show it on
            return
        tree.show(snapshot)
        self.query_one(FleetGrid).fleets = snapshot.fleets
        self.query_one(AlertBar).quorum_lost = tuple(snapshot.quorum_lost())
        self.query_one(EventStream).events = tuple(self.events)
        self.query_one(GlobalDatabases).globals = snapshot.globals
        self.query_one("#globals-panel").display = bool(snapshot.globals)  # none: the screen as before
        self.refresh_bindings()  # the promote key shows only while there is a global database
        instances = sum(len(c.instances) for c in snapshot.clusters)
        clusters = len(snapshot.clusters)
        self.sub_title = (f"{clusters} cluster{'' if clusters == 1 else 's'} · "
                          f"{instances} instance{'' if instances == 1 else 's'} · refresh {self.refresh_interval:g}s")
        self._show_selected()

    def watch_unreachable(self, failed: Snapshot | None) -> None:
        bar = self.query_one(AlertBar)
        bar.hint = failed.hint if failed else None
        bar.unreachable = (failed.problem or "no answer") if failed else None
        for area in self.query("#main, #globals-panel, #bottom"):
            area.set_class(failed is not None, "-stale")  # what is shown is the last known state
        if failed is not None:
            self.sub_title = "control plane unreachable, retrying"

    def watch_selection(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        name = self.selection.cluster
        snapshot = self.snapshot
        if snapshot is None or snapshot.cluster(name) is None:
            name = None
        charts = self.query_one(ClusterCharts)
        charts.cluster = name
        charts.series = self.history.series(name) if name else self.history.series("")
        cluster = snapshot.cluster(name) if snapshot and name else None
        backups = self.query_one(ClusterBackups)
        backups.cluster = name
        backups.running = cluster is not None and cluster.status == "available"
        backups.window = cluster.backups if cluster else None
        backups.snapshots = snapshot.snapshots_of(name) if snapshot else ()
        backups.now = snapshot.time if snapshot else 0.0
        # an aurorad without backups says nothing of them: the screen as before
        self.query_one("#backups-panel").display = bool(cluster and (cluster.backups or backups.snapshots))
        self.query_one("#backups-panel").border_title = f"Backups · {name}" if name else "Backups"
        groups = self.query_one(ProtectionGroups)
        groups.cluster = name
        groups.groups = snapshot.protection_groups(name) if snapshot and name else ()
        self.query_one("#charts-panel").border_title = (
            f"{name} · last {WINDOW_SECONDS / 60:g} min" if name else "Activity")
        self.query_one("#groups-panel").border_title = (
            f"Protection groups · {name}" if name else "Protection groups")

    # --- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield AlertBar()
        with Horizontal(id="main"):
            with Vertical(id="tree-panel", classes="panel") as tree_panel:
                tree_panel.border_title = "Regions · clusters · instances"
                yield ClusterTree(id="clusters")
            with Vertical(id="side"):
                with Vertical(id="charts-panel", classes="panel"):
                    yield ClusterCharts()
                with VerticalScroll(id="backups-panel", classes="panel"):
                    yield ClusterBackups()
                with VerticalScroll(id="groups-panel", classes="panel"):
                    yield ProtectionGroups()
        with VerticalScroll(id="globals-panel", classes="panel") as globals_panel:
            globals_panel.border_title = "Global databases · replication lag"
            yield GlobalDatabases()
        with Horizontal(id="bottom"):
            with VerticalScroll(id="fleet-panel", classes="panel") as fleet_panel:
                fleet_panel.border_title = "Storage fleet"
                yield FleetGrid()
            with VerticalScroll(id="events-panel", classes="panel") as events_panel:
                events_panel.border_title = "Events · newest first"
                yield EventStream()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ClusterTree).focus()
        self._show_selected()
        self.poll_now()
        self.set_interval(self.refresh_interval, self.poll_now)

    # --- polling -----------------------------------------------------------------------------------
    def poll_now(self) -> None:
        """Start a poll unless one is still running (a slow aurorad is not asked twice)."""
        if self._poller is not None and self._poller.is_running:
            return
        self._poller = self.poll()

    @work(exclusive=True, thread=True, group="poll")
    def poll(self) -> None:
        try:
            snapshot = collect(self.source, self.probe, since=self.last_event_id, clock=self.clock)
        except Exception as e:  # the screen must outlive any surprise in a reply
            snapshot = Snapshot(self.clock(), reachable=False, problem=f"{type(e).__name__}: {e}")
        if not get_current_worker().is_cancelled:
            self.post_message(self.Polled(snapshot))

    def on_dashboard_app_polled(self, message: Polled) -> None:
        snapshot = message.snapshot
        if not snapshot.reachable:
            self.unreachable = snapshot
            return
        self.history.record(snapshot)
        for event in snapshot.events:
            event_id = int(event.get("id", 0))
            if event_id > self.last_event_id:  # two polls may have read the same events
                self.events.append(event)
                self.last_event_id = event_id
        self.unreachable = None
        self.snapshot = snapshot

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "promote_region":
            return bool(self.snapshot and self.snapshot.globals)
        return True

    def on_cluster_tree_selection_changed(self, message: ClusterTree.SelectionChanged) -> None:
        self.selection = message.selection

    # --- running an operation --------------------------------------------------------------------
    @work(thread=True, group="operations")
    def run_operation(self, op: str, args: dict[str, Any], what: str) -> None:
        """One control-API call; its outcome is a notification, never an exception."""
        self.notify(f"{what}…", timeout=3)
        try:
            result = self.source.call(op, **args)
        except errors.AuroraError as e:
            detail = e.message + (f"\nTry: {e.hint}" if e.hint else "")
            self.notify(detail, title=f"{what} failed", severity="error", markup=False, timeout=10)
            self.post_message(self.OperationFinished(op, args, ok=False))
            return
        except Exception as e:  # a socket error or a malformed reply is still just a failed action
            self.notify(f"{type(e).__name__}: {e}", title=f"{what} failed", severity="error",
                        markup=False, timeout=10)
            self.post_message(self.OperationFinished(op, args, ok=False))
            return
        self.notify(outcome(op, result), title=f"{what}: done", markup=False)
        self.post_message(self.OperationFinished(op, args, ok=True))

    def on_dashboard_app_operation_finished(self, message: OperationFinished) -> None:
        self.poll_now()

    def confirm_then_run(self, title: str, detail: str, button: str, op: str,
                         args: dict[str, Any], what: str) -> None:
        def decided(go: bool | None) -> None:
            if go:
                self.run_operation(op, args, what)

        self.push_screen(ConfirmScreen(title, detail, button), decided)

    def selected_cluster(self) -> ClusterView | None:
        cluster = self.snapshot.cluster(self.selection.cluster) if self.snapshot else None
        if cluster is None:
            self.notify("Select a cluster in the tree first.", severity="warning")
        return cluster

    def selected_instance(self) -> tuple[ClusterView, InstanceView] | None:
        cluster = self.snapshot.cluster(self.selection.cluster) if self.snapshot else None
        instance = cluster.instance(self.selection.instance) if cluster else None
        if cluster is None or instance is None:
            self.notify("Select an instance in the tree first.", severity="warning")
            return None
        return cluster, instance

    def selected_fleet(self) -> FleetView:
        cluster = self.snapshot.cluster(self.selection.cluster) if self.snapshot else None
        region = cluster.region if cluster else (self.selection.region or DEFAULT_REGION)
        fleets = self.snapshot.fleets if self.snapshot else {}
        return fleets.get(region) or FleetView(region)

    # --- actions -----------------------------------------------------------------------------------
    def action_failover(self) -> None:
        cluster = self.selected_cluster()
        if cluster is None:
            return
        writer = cluster.writer.id if cluster.writer else "(none)"
        self.confirm_then_run(
            f"Fail over {cluster.name}?",
            f"The writer {writer} hands over to the reader with the best promotion tier and the "
            "least lag. Connections to the writer drop; clients reconnect to the writer endpoint.",
            "Fail over", "failover", {"name": cluster.name}, f"Failover of {cluster.name}")

    def action_scale(self) -> None:
        cluster = self.selected_cluster()
        if cluster is None:
            return
        current = len(cluster.readers)

        def check(value: str) -> str | None:
            if not value.isdigit() or not 0 <= int(value) <= MAX_REPLICAS:
                return f"a whole number from 0 to {MAX_REPLICAS}"
            return None

        def chosen(value: str | None) -> None:
            if value is None:
                return
            replicas = int(value)
            args = {"name": cluster.name, "replicas": replicas}
            what = f"Scaling {cluster.name} to {replicas} readers"
            if replicas == current:
                self.notify(f"{cluster.name} has {current} readers already.")
            elif replicas < current:
                gone = current - replicas
                self.confirm_then_run(
                    f"Remove {gone} reader{'s' if gone > 1 else ''} of {cluster.name}?",
                    "The newest readers stop and are deleted; their connections drop.",
                    "Remove", "scale", args, what)
            else:
                self.run_operation("scale", args, what)

        self.push_screen(PromptScreen(
            f"Scale the readers of {cluster.name}",
            f"It has {current} reader{'s' if current != 1 else ''}. How many should it have (0-{MAX_REPLICAS})?",
            str(current), check), chosen)

    def action_clone(self) -> None:
        cluster = self.selected_cluster()
        if cluster is None:
            return

        def check(value: str) -> str | None:
            try:
                check_name(value)
            except errors.AuroraError as e:
                return e.message
            if self.snapshot and self.snapshot.cluster(value):
                return f"cluster {value} exists already"
            return None

        def chosen(value: str | None) -> None:
            if value:
                self.run_operation("clone", {"source": cluster.name, "name": value},
                                   f"Cloning {cluster.name} as {value}")

        self.push_screen(PromptScreen(
            f"Clone {cluster.name}", "Name of the new cluster (copy-on-write: no page is copied)",
            f"{cluster.name}-clone", check), chosen)

    def action_kill_instance(self) -> None:
        picked = self.selected_instance()
        if picked is None:
            return
        cluster, inst = picked
        role = "the writer" if inst.is_writer else "a reader"
        self.confirm_then_run(
            f"Kill {inst.id}?",
            f"Its process (pid {inst.pid or '?'}), {role} of {cluster.name}, gets SIGKILL; its "
            "connections drop and aurorad recovers it.",
            "Kill", "chaos_kill_instance", {"name": cluster.name, "instance": inst.id},
            f"Killing {inst.id}")

    def action_pause_instance(self) -> None:
        picked = self.selected_instance()
        if picked is None:
            return
        cluster, inst = picked
        self.confirm_then_run(
            f"Pause {inst.id}?",
            "Its process is frozen (SIGSTOP) until resumed with r: it holds its connections and "
            "answers nothing, like a stalled host.",
            "Pause", "chaos_pause_instance", {"name": cluster.name, "instance": inst.id},
            f"Pausing {inst.id}")

    def action_resume_instance(self) -> None:
        picked = self.selected_instance()
        if picked is not None:
            cluster, inst = picked
            self.run_operation("chaos_resume_instance", {"name": cluster.name, "instance": inst.id},
                               f"Resuming {inst.id}")

    def pick_az(self, title: str, chosen: Callable[[str, str], None]) -> None:
        fleet = self.selected_fleet()
        azs = fleet.azs or list(DEFAULT_AZS)
        options: list[tuple[str, Text | str, bool]] = []
        for az in azs:
            nodes = [n for n in fleet.nodes if n.az == az]
            up = sum(1 for n in nodes if n.up)
            options.append((az, Text.assemble((f"AZ {az}", "bold"),
                                              f"   {up}/{len(nodes)} storage nodes up"), True))
        picked = self.snapshot.cluster(self.selection.cluster) if self.snapshot else None
        inst = picked.instance(self.selection.instance) if picked else None

        def done(az: str | None) -> None:
            if az:
                chosen(fleet.region, az)

        self.push_screen(ChoiceScreen(f"{title} ({fleet.region})", options,
                                      highlight=inst.az if inst else None), done)

    def action_fail_az(self) -> None:
        def chosen(region: str, az: str) -> None:
            self.confirm_then_run(
                f"Fail AZ {az} in {region}?",
                f"Its storage nodes and the instances in AZ {az} stop. Each protection group loses "
                "2 of its 6 copies and keeps its write quorum; a writer there fails over.",
                "Fail AZ", "chaos_fail_az", {"az": az, "region": region}, f"Failing AZ {az}")

        self.pick_az("Fail which Availability Zone?", chosen)

    def action_restore_az(self) -> None:
        def chosen(region: str, az: str) -> None:
            self.run_operation("chaos_restore_az", {"az": az, "region": region}, f"Restoring AZ {az}")

        self.pick_az("Restore which Availability Zone?", chosen)

    def action_kill_node(self) -> None:
        fleet = self.selected_fleet()
        if not fleet.nodes:
            self.notify(f"{fleet.region} has no storage nodes yet.", severity="warning")
            return
        options: list[tuple[str, Text | str, bool]] = [
            (n.id, Text.assemble((n.id, "bold"), f"   AZ {n.az}   ",
                                 ("up", "green") if n.up else (n.status, "red"),
                                 f"   {n.segments} segments"), n.up)
            for n in sorted(fleet.nodes, key=lambda n: n.id)
        ]

        def chosen(node: str | None) -> None:
            if node:
                self.confirm_then_run(
                    f"Kill storage node {node}?",
                    "Its process gets SIGKILL. Every protection group on it loses one of six "
                    "copies; writes go on while four remain, and a node lost for long is replaced.",
                    "Kill node", "chaos_kill_node", {"node": node, "region": fleet.region},
                    f"Killing storage node {node}")

        self.push_screen(ChoiceScreen(f"Kill which storage node? ({fleet.region})", options), chosen)

    def action_promote_region(self) -> None:
        views = [g for g in self.snapshot.globals if g.error is None] if self.snapshot else []
        if not views:
            self.notify("There is no global database to promote a region of.", severity="warning")
            return
        if len(views) == 1:
            self.pick_secondary(views[0])
            return
        here = next((g.name for g in views if any(m.cluster == self.selection.cluster for m in g.members)),
                    None)
        options: list[tuple[str, Text | str, bool]] = [
            (g.name, Text.assemble((g.name, "bold"), f"   primary {g.primary} ({g.primary_region})",
                                   (f" · {len(g.secondaries)} secondary regions", "dim")),
             bool(g.secondaries))
            for g in views
        ]

        def chosen(name: str | None) -> None:
            view = next((g for g in views if g.name == name), None)
            if view is not None:
                self.pick_secondary(view)

        self.push_screen(ChoiceScreen("Promote a region of which global database?", options,
                                      highlight=here), chosen)

    def pick_secondary(self, view: GlobalView) -> None:
        if not view.secondaries:
            self.notify(f"{view.name} has no secondary region.", severity="warning")
            return
        options: list[tuple[str, Text | str, bool]] = [
            (m.region, Text.assemble((m.region, "bold"), f"   {m.cluster}   {m.status}",
                                     (f"   lag {human_lag(m.lag_ms)} · RPO lag {human_lag(m.rpo_lag_ms)}", "dim")),
             True)
            for m in view.secondaries
        ]
        here = next((m.region for m in view.secondaries if m.cluster == self.selection.cluster), None)

        def chosen(region: str | None) -> None:
            member = next((m for m in view.secondaries if m.region == region), None)
            if member is not None:
                self.pick_promotion_mode(view, member)

        self.push_screen(ChoiceScreen(f"Promote which region of {view.name}? (primary {view.primary_region})",
                                      options, highlight=here), chosen)

    def pick_promotion_mode(self, view: GlobalView, member: GlobalMemberView) -> None:
        options: list[tuple[str, Text | str, bool]] = [
            ("switchover", Text.assemble(("Switchover", "bold"), "   the primary hands over; no data lost"), True),
            ("failover", Text.assemble(("Failover", "bold red"), "   at once, allowing data loss"), True),
        ]

        def chosen(mode: str | None) -> None:
            if mode is not None:
                self.confirm_promotion(view, member, allow_data_loss=mode == "failover")

        self.push_screen(ChoiceScreen(f"Promote {member.cluster} ({member.region}): how?", options,
                                      highlight="switchover"), chosen)

    def confirm_promotion(self, view: GlobalView, member: GlobalMemberView, allow_data_loss: bool) -> None:
        args = {"name": view.name, "region": member.region, "allow_data_loss": allow_data_loss}
        old = f"{view.primary} ({view.primary_region})"
        if allow_data_loss:
            self.confirm_then_run(
                f"Fail over {view.name} to {member.region}, allowing data loss?",
                f"A failover: {member.cluster} takes writes at once, without waiting for {old}. "
                f"Transactions committed there that have not reached {member.region} are LOST; it is "
                f"{human_lag(member.rpo_lag_ms)} behind right now (RPO lag). For when the primary's "
                "region is down.",
                "Fail over, lose data", "promote_region", args, f"Failover of {view.name} to {member.region}")
        else:
            self.confirm_then_run(
                f"Switch over {view.name} to {member.region}?",
                f"A switchover: {old} stops taking writes, {member.cluster} applies everything committed "
                f"there and takes the writes; {view.primary} becomes a secondary. No committed "
                "transaction is lost; writes pause while the roles swap.",
                "Switch over", "promote_region", args, f"Switchover of {view.name} to {member.region}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen([b for b in self.BINDINGS if isinstance(b, Binding)]))


def outcome(op: str, result: Any) -> str:
    """One line about what an operation did, from its result."""
    if not isinstance(result, dict):
        return "done"
    if op == "failover" and "new_writer" in result:
        return f"{result['new_writer']} is the writer now ({result.get('seconds', '?')} s)"
    if op == "scale" and "replicas" in result:
        return f"{result.get('name', 'the cluster')} has {result['replicas']} readers"
    if op == "promote_region" and "new_primary" in result:
        line = (f"{result['new_primary']} in {result.get('region', '?')} is the primary now "
                f"({result.get('mode', 'promotion')}, {result.get('seconds', '?')} s)")
        rpo = result.get("rpo")
        if isinstance(rpo, dict):
            line += (f"; lost {rpo.get('transactions', '?')} transactions "
                     f"(LSNs {rpo.get('lsn_from', '?')} to {rpo.get('lsn_to', '?')})")
        return line
    if op == "clone" and "clone_seconds" in result:
        return f"{result.get('name', 'the clone')} is ready (cloned in {result['clone_seconds']} s)"
    return "done"


def run(refresh: float = 1.0) -> None:
    """Run the dashboard in this terminal against aurorad of AURORA_HOME (never starting it)."""
    DashboardApp(ControlClient(autostart=False), refresh=refresh).run()
