"""Global databases: the primary cluster and region of each, and how far each secondary lags.

One block per global database: its status and writer endpoint, then one line per member, the
primary first. A secondary shows its replication lag now and at p99, a sparkline of its recent
lags (the history aurorad keeps, oldest on the left) and its RPO lag, what a failover to it
would lose right now. The App hides the panel while there is no global database.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from aurora.cli.dashboard.cluster_charts import Bars, lag_colour
from aurora.cli.dashboard.cluster_tree import lag_style, status_style
from aurora.cli.dashboard.model import GlobalMemberView, GlobalView, PromotionView, human_lag

SPARK_WIDTH = 30
"""Characters of a secondary's lag sparkline."""
REPLICATING = ("available", "replicating")
"""Member states that are well (the others are on their way, or broken)."""


def member_style(status: str) -> str:
    return "green" if status in REPLICATING else status_style(status)


class GlobalDatabases(Widget):
    """Members, replication lag and RPO lag of every global database."""

    DEFAULT_CSS = """
    GlobalDatabases {
        height: auto;
        padding: 0 1;
    }
    """

    globals: reactive[tuple[GlobalView, ...]] = reactive(tuple, layout=True)
    """The global databases, in aurorad's order."""

    def render(self) -> RenderableType:
        if not self.globals:
            return Text("no global databases", style="dim")
        parts: list[RenderableType] = []
        for view in self.globals:
            parts.append(heading(view))
            if view.error is None:
                parts.append(member_table(view))
            if view.last_promotion is not None:
                parts.append(promotion_line(view.last_promotion))
        return Group(*parts)


def heading(view: GlobalView) -> Text:
    style = member_style(view.status)
    text = Text.assemble(("◈ ", "bold magenta"), (view.name, "bold"), "  ", ("● ", style), (view.status, style))
    if view.error:
        text.append(f"  {view.error}", "red")
        return text
    regions = view.regions
    text.append(f"  {len(regions)} region{'s' if len(regions) != 1 else ''}: {', '.join(regions)}", "dim")
    if view.writer_uri:
        text.append("  writer ", "dim")
        text.append(view.writer_uri, "cyan")
    return text


def member_table(view: GlobalView) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1))
    table.add_column("role", no_wrap=True)
    table.add_column("cluster", no_wrap=True, style="bold")
    table.add_column("region", no_wrap=True, style="cyan")
    table.add_column("status", no_wrap=True)
    table.add_column("lag", no_wrap=True, justify="right")
    table.add_column("p99", no_wrap=True, justify="right")
    table.add_column("recent lag", no_wrap=True, width=SPARK_WIDTH)
    table.add_column("RPO lag", no_wrap=True, justify="right")
    for member in sorted(view.members, key=lambda m: not m.is_primary):
        table.add_row(*member_cells(member))
    return table


def member_cells(member: GlobalMemberView) -> list[RenderableType]:
    style = member_style(member.status)
    status = Text.assemble(("● ", style), (member.status, style))
    if member.is_primary:
        return [Text(" PRIMARY ", "bold black on yellow"), member.cluster, member.region, status,
                "", "", Text(f"{member.readers} reader{'s' if member.readers != 1 else ''}", "dim"), ""]
    return [
        Text(" secondary ", "dim"), member.cluster, member.region, status,
        Text(human_lag(member.lag_ms), lag_style(member.lag_ms)),
        Text(human_lag(member.lag_p99_ms), lag_style(member.lag_p99_ms)),
        Bars(member.lag_history_ms, lag_colour, height=1) if member.lag_history_ms
        else Text("waiting for data", "dim"),
        Text(human_lag(member.rpo_lag_ms), lag_style(member.rpo_lag_ms)),
    ]


def promotion_line(promotion: PromotionView) -> Text:
    seconds = "" if promotion.seconds is None else f" in {promotion.seconds:.1f} s"
    text = Text(f"last promote-region: {promotion.mode} {promotion.old_primary} → "
                f"{promotion.new_primary} ({promotion.region}){seconds}", "dim")
    if promotion.lost_transactions is not None:
        lsns = f" (LSNs {promotion.lost_lsns[0]} to {promotion.lost_lsns[1]})" if promotion.lost_lsns else ""
        how = "" if promotion.loss_confirmed else ", not yet confirmed"
        text.append(f" · lost {promotion.lost_transactions} transactions{lsns}{how}",
                    "bold red" if promotion.lost_transactions else "green")
    return text
