"""The storage fleet of each region as a grid: one column per Availability Zone, one line per node.

A node that is down is red; an AZ whose nodes are all down is called failed, since that is
what an AZ failure looks like from here. Segments and bytes say how much each node holds.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from aurora.cli.dashboard.model import FleetView, NodeView, short_bytes


class FleetGrid(Widget):
    """Storage nodes per region and AZ: up or down, segments, bytes."""

    DEFAULT_CSS = """
    FleetGrid {
        height: auto;
        padding: 0 1;
    }
    """

    fleets: reactive[Mapping[str, FleetView]] = reactive(dict, layout=True)
    """Per region, its storage nodes."""

    def render(self) -> RenderableType:
        if not self.fleets:
            return Text("no storage fleet yet", style="dim")
        parts: list[RenderableType] = []
        for region, fleet in sorted(self.fleets.items()):
            if len(self.fleets) > 1:
                parts.append(Text(region, style="bold"))
            parts.append(fleet_table(fleet))
        return Group(*parts)


def fleet_table(fleet: FleetView) -> RenderableType:
    if fleet.error:
        return Text(f"{fleet.region}: {fleet.error}", style="red")
    if not fleet.nodes:
        return Text(f"{fleet.region}: no storage nodes (created with the first cluster)", style="dim")
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
    cells: list[RenderableType] = []
    for az in fleet.azs:
        nodes = [n for n in fleet.nodes if n.az == az]
        failed = not any(n.up for n in nodes)
        header = Text(f"AZ {az}", style="bold")
        if failed:
            header.append("  FAILED", style="bold white on red")
        table.add_column(header, ratio=1)
        cells.append(Group(*(node_line(n) for n in sorted(nodes, key=lambda n: n.id))))
    table.add_row(*cells)
    return table


def node_line(node: NodeView) -> Text:
    if node.up:
        text = Text.assemble(("▲ ", "green"), (node.id, "bold"), (" up  ", "green"))
    else:
        text = Text.assemble(("▼ ", "bold red"), (node.id, "bold red"), (f" {node.status.upper():<4}", "bold red"))
    text.append(f"{node.segments:>3} seg {short_bytes(node.bytes):>5}", "dim")
    return text
