"""The protection groups of the selected cluster's volume: how many of six copies are current.

Each group shows its six copies as blocks (green current, red missing or behind). Four
current copies keep the write quorum; fewer is the loudest thing on the screen, because
the writer cannot commit while any group it touches is in that state.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from aurora.cli.dashboard.model import COPIES, WRITE_QUORUM, ProtectionGroupView

CELL_WIDTH = 18
"""Characters of one group's cell: label, six copies, count."""
SHOWN = 48
"""Groups drawn one by one; past that, only counted (a large volume has hundreds)."""


class ProtectionGroups(Widget):
    """Copies and write quorum of each protection group of one cluster."""

    DEFAULT_CSS = """
    ProtectionGroups {
        height: auto;
        padding: 0 1;
    }
    """

    cluster: reactive[str | None] = reactive(None, layout=True)
    """The cluster whose volume is shown."""
    groups: reactive[tuple[ProtectionGroupView, ...]] = reactive(tuple, layout=True)
    """Its protection groups, in volume order."""

    def render(self) -> RenderableType:
        if self.cluster is None:
            return Text("select a cluster", style="dim")
        if not self.groups:
            return Text(f"{self.cluster}: no protection groups reported", style="dim")
        lost = [g for g in self.groups if not g.write_quorum]
        degraded = [g for g in self.groups if g.write_quorum and g.current_copies < COPIES]
        summary = Text.assemble((f"{len(self.groups)} groups", "bold"), "  ")
        if lost:
            summary.append(f" WRITE QUORUM LOST in {len(lost)}: fewer than {WRITE_QUORUM} of {COPIES} "
                           "copies current ", "bold white on red")
        elif degraded:
            summary.append(f"{len(degraded)} degraded, write quorum holds", "yellow")
        else:
            summary.append(f"all {COPIES}/{COPIES} copies current", "green")
        grid = Table.grid(padding=(0, 3))
        columns = max(1, (self.size.width + 3) // (CELL_WIDTH + 3))
        for _ in range(columns):
            grid.add_column()
        shown = sorted(self.groups, key=lambda g: (g.write_quorum, g.current_copies, g.file, g.pg))[:SHOWN]
        shown.sort(key=lambda g: (g.file, g.pg))
        cells = [group_cell(g) for g in shown]
        for i in range(0, len(cells), columns):
            grid.add_row(*cells[i:i + columns])
        parts: list[RenderableType] = [summary, grid]
        if len(self.groups) > SHOWN:
            parts.append(Text(f"… and {len(self.groups) - SHOWN} more (groups at risk are listed first)",
                              style="dim"))
        return Group(*parts)


def group_cell(group: ProtectionGroupView) -> Text:
    current = max(0, min(COPIES, group.current_copies))
    colour = "green" if current == COPIES else ("yellow" if group.write_quorum else "bold red")
    text = Text()
    text.append(f"{group.label:<8}", "" if group.write_quorum else "bold white on red")
    text.append(" ")
    text.append("█" * current, colour)
    text.append("░" * (COPIES - current), "red")
    text.append(f" {current}/{COPIES}", colour)
    return text
