"""The tree of regions, clusters and instances: what runs, where, and how healthy it is.

Each poll reconciles the tree in place (labels change, nodes come and go), so the cursor and
what the user folded stay put. Moving the cursor picks the cluster (and instance) that the
dashboard's actions and charts follow; the tree says so with :class:`ClusterTree.SelectionChanged`.
A serverless instance shows its capacity in ACUs; "paused" (serverless, at rest) is calm blue,
"frozen" (a process stopped by SIGSTOP) is a fault like "down".
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from aurora.cli.dashboard.model import (
    COPIES,
    ClusterView,
    FleetView,
    InstanceView,
    ProtectionGroupView,
    Snapshot,
    human_acu,
    human_bytes,
    human_lag,
    short_bytes,
)

HEALTHY = "available"
PAUSED = "paused"
"""A serverless instance (or cluster) at rest: no process, endpoints open; not an error."""


class Selection(NamedTuple):
    """What the cursor is on: a region, a cluster, or an instance of a cluster."""

    region: str | None = None
    cluster: str | None = None
    instance: str | None = None


def status_style(status: str) -> str:
    if status in (HEALTHY, "up"):
        return "green"
    if status in (PAUSED, "pausing"):
        return "blue"
    if status in ("starting", "modifying", "stopped"):
        return "yellow"
    return "bold red"  # down, frozen, unresponsive, unavailable


def lag_style(ms: float | None) -> str:
    if ms is None or ms < 100:
        return ""
    return "yellow" if ms < 1000 else "bold red"


class ClusterTree(Tree[Selection]):
    """Regions → clusters → instances, with role, status, AZ, connections, lag, CPU, memory and ACUs."""

    DEFAULT_CSS = """
    ClusterTree {
        background: $surface;
        padding: 0 1;
    }
    ClusterTree > .tree--guides { color: $foreground 30%; }
    """

    selection: reactive[Selection] = reactive(Selection, init=False)
    """The region, cluster and instance under the cursor."""

    class SelectionChanged(Message):
        """The cursor moved to another cluster or instance."""

        def __init__(self, selection: Selection) -> None:
            self.selection = selection
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("regions", id=id)
        self.show_root = False
        self.guide_depth = 2
        self._by_selection: dict[Selection, TreeNode[Selection]] = {}
        self._placed = False

    def watch_selection(self, selection: Selection) -> None:
        self.post_message(self.SelectionChanged(selection))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Selection]) -> None:
        event.stop()
        if event.node.data is not None:
            self.selection = event.node.data

    def show(self, snapshot: Snapshot) -> None:
        """Make the tree match the snapshot, keeping the cursor where it is."""
        seen: set[Selection] = set()
        id_width = max((len(short_id(c.name, i.id)) for c in snapshot.clusters for i in c.instances),
                       default=8)
        for region in snapshot.regions:
            clusters = [c for c in snapshot.clusters if c.region == region]
            fleet = snapshot.fleets.get(region)
            key = Selection(region)
            region_node = self._upsert(self.root, key, region_label(region, clusters, fleet))
            seen.add(key)
            for cluster in clusters:
                key = Selection(region, cluster.name)
                groups = snapshot.protection_groups(cluster.name)
                cluster_node = self._upsert(region_node, key, cluster_label(cluster, groups))
                seen.add(key)
                for inst in sorted(cluster.instances, key=lambda i: (not i.is_writer, i.id)):
                    key = Selection(region, cluster.name, inst.id)
                    self._upsert(cluster_node, key, instance_label(cluster.name, inst, id_width), leaf=True)
                    seen.add(key)
        for key in [k for k in self._by_selection if k not in seen]:
            self._by_selection.pop(key).remove()
        if not self._placed:
            # Start on the first cluster, where the actions have something to act on.
            first = next((n for k, n in self._by_selection.items() if k.cluster and not k.instance), None)
            if first is not None:
                self.call_after_refresh(self.move_cursor, first)
                self._placed = True

    def _upsert(self, parent: TreeNode[Selection], key: Selection, label: Text,
                leaf: bool = False) -> TreeNode[Selection]:
        node = self._by_selection.get(key)
        if node is None:
            node = parent.add_leaf(label, key) if leaf else parent.add(label, key, expand=True)
            self._by_selection[key] = node
        elif node.label != label:
            node.set_label(label)
        return node


def region_label(region: str, clusters: list[ClusterView], fleet: FleetView | None) -> Text:
    text = Text.assemble(("◆ ", "bold magenta"), (region, "bold"), "  ")
    text.append(f"{len(clusters)} cluster{'s' if len(clusters) != 1 else ''}", "dim")
    if not clusters:
        text.append(" · create one with: aurora create NAME", "dim italic")
    if fleet is not None and fleet.nodes:
        up = sum(1 for n in fleet.nodes if n.up)
        style = "dim" if up == len(fleet.nodes) else "bold red"
        text.append(f" · storage {up}/{len(fleet.nodes)} nodes up", style)
    return text


def cluster_label(cluster: ClusterView, groups: tuple[ProtectionGroupView, ...]) -> Text:
    text = Text.assemble((cluster.name, "bold"), "  ",
                         ("● ", status_style(cluster.status)), (cluster.status, status_style(cluster.status)))
    if cluster.error:
        text.append(f"  {cluster.error}", "red")
        return text
    readers = len(cluster.readers)
    engine = "" if cluster.engine == "postgres" else f"{cluster.engine} · "
    text.append(f"  {engine}{readers} reader{'s' if readers != 1 else ''} · {human_bytes(cluster.size_bytes)}",
                "dim")
    if cluster.serverless:
        text.append(f" · serverless {cluster.serverless.acu_range} ACU", "dim")
    if cluster.ml_features:
        text.append(f" · ML: {', '.join(cluster.ml_features)}", "dim")
    if cluster.parent:
        text.append(f" · clone of {cluster.parent}", "italic dim")
    if any(not g.write_quorum for g in groups):
        text.append("  ")
        text.append(" ⚠ WRITE QUORUM LOST ", "bold white on red")
    elif any(g.current_copies < COPIES for g in groups):
        text.append(" · storage degraded", "yellow")
    return text


def short_id(cluster: str, instance_id: str) -> str:
    """The instance id without its cluster's name, which the tree shows one line up."""
    prefix = f"{cluster}-"
    return instance_id[len(prefix):] if instance_id.startswith(prefix) else instance_id


def instance_label(cluster: str, inst: InstanceView, id_width: int) -> Text:
    name = short_id(cluster, inst.id).ljust(id_width)
    if inst.is_writer:
        text = Text.assemble((" WRITER ", "bold black on yellow"), " ", (name, "bold yellow"))
    else:
        text = Text.assemble((" reader ", "dim"), " ", name)
    status = status_style(inst.status)
    text.append_text(Text.assemble("  ", ("● ", status), (inst.status.ljust(9), status)))
    text.append(f"  az {inst.az}", "cyan")
    text.append(f"  {inst.connections:>3} conn", "" if inst.connections else "dim")
    lag = "" if inst.is_writer else human_lag(inst.lag_ms)
    text.append("  lag " if lag else "      ", "dim")
    text.append(f"{lag:>6}", lag_style(None if inst.is_writer else inst.lag_ms))
    cpu = "—" if inst.cpu_percent is None else f"{inst.cpu_percent:.0f}%"
    text.append("  cpu ", "dim")
    text.append(f"{cpu:>4}", "bold red" if (inst.cpu_percent or 0) > 90 else "")
    text.append("  mem ", "dim")
    text.append(f"{short_bytes(inst.rss_bytes):>5}")
    if inst.acu is not None:
        text.append(f"  {human_acu(inst.acu):>3}", status_style(PAUSED) if inst.status == PAUSED else "bold")
        text.append(" ACU", "dim")
    return text
