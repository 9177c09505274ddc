"""The selected cluster's backups: the window it can be restored to, and its snapshots.

The latest restorable time trails now by a few seconds while the backup process keeps up; its
age is shown beside it, yellow past :data:`STALE_AFTER_S` and red past :data:`LOST_AFTER_S`, so
a stalled backup is seen before a restore needs it. A cluster at rest (stopped, paused) takes
no writes, so there its age is no warning. Snapshots are listed newest first, a few lines.
"""

from __future__ import annotations

import time

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from aurora.cli.dashboard.cluster_tree import HEALTHY, status_style
from aurora.cli.dashboard.model import BackupWindowView, SnapshotView, short_bytes

STALE_AFTER_S = 10.0
"""Seconds behind now after which the latest restorable time is a warning."""
LOST_AFTER_S = 60.0
"""Seconds behind now after which it is an alarm: the backups are not keeping up."""
SHOWN = 4
"""Snapshots listed one by one; the rest are counted."""


def age_style(age_s: float | None, running: bool = True) -> str:
    """The colour of the latest restorable time's age; calm while the cluster takes no writes."""
    if age_s is None or not running:
        return "dim"
    if age_s > LOST_AFTER_S:
        return "bold red"
    return "yellow" if age_s > STALE_AFTER_S else "green"


def clock_time(t: float | None, now: float) -> str:
    """A time in local time: 10:31:07 when it is today, Dec 01 10:31 when not."""
    if t is None:
        return "?"
    here, today = time.localtime(t), time.localtime(now)
    same_day = (here.tm_year, here.tm_yday) == (today.tm_year, today.tm_yday)
    return time.strftime("%H:%M:%S" if same_day else "%b %d %H:%M", here)


def human_duration(seconds: float) -> str:
    """A span as a person says it: 45s, 12 min, 3 h, 2 days."""
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600, 1):g} h"
    return f"{seconds / 86400:.0f} days"


def age_text(seconds: float) -> str:
    """How far behind: in seconds (12s) while that reads at a glance, in a span after that."""
    return f"{seconds:.0f}s" if seconds < 600 else human_duration(seconds)


class ClusterBackups(Widget):
    """Restorable window, backtrack window and snapshots of one cluster."""

    DEFAULT_CSS = """
    ClusterBackups {
        height: auto;
        padding: 0 1;
    }
    """

    cluster: reactive[str | None] = reactive(None, layout=True)
    """The cluster shown."""
    running: reactive[bool] = reactive(True)
    """Whether it is available (takes writes, so its backups should keep up)."""
    window: reactive[BackupWindowView | None] = reactive(None, layout=True)
    """Its restorable window, as the last poll read it."""
    snapshots: reactive[tuple[SnapshotView, ...]] = reactive(tuple, layout=True)
    """Its snapshots, newest first."""
    now: reactive[float] = reactive(0.0)
    """When the last poll read them: ages are measured from then."""

    def render(self) -> RenderableType:
        if self.cluster is None:
            return Text("select a cluster", style="dim")
        parts: list[RenderableType] = [*window_lines(self.window, self.now, self.running)]
        parts.append(snapshot_table(self.snapshots, self.now))
        return Group(*parts)


def window_lines(window: BackupWindowView | None, now: float, running: bool = True) -> list[Text]:
    if window is None:
        return [Text("no backup information", style="dim")]
    if window.latest is None:
        first = Text("restorable: waiting for the first backup", style="dim")
    else:
        first = Text("restorable ", style="dim")
        first.append(f"{clock_time(window.earliest, now)} - {clock_time(window.latest, now)}", style="bold")
        age = window.latest_age(now)
        first.append("  ")
        first.append(f"{age_text(age or 0.0)} ago", style=age_style(age, running))
    second = Text()
    if window.retention_days is not None:
        days = window.retention_days
        second.append(f"{days} day{'s' if days != 1 else ''} retention", style="dim")
    if window.backtrack_window:
        if second:
            second.append(" · ", style="dim")
        second.append(f"backtrack {human_duration(window.backtrack_window)}", style="cyan")
        reach = clock_time(window.earliest_backtrack, now)
        if window.earliest_backtrack is not None and len(reach) == len("10:31:07"):  # today's: it fits
            second.append(f", to {reach}", style="dim")
    return [first, second] if second else [first]


def snapshot_table(snapshots: tuple[SnapshotView, ...], now: float) -> RenderableType:
    if not snapshots:
        return Text("no snapshots", style="dim")
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, justify="right")
    table.add_column(no_wrap=True, justify="right")
    for snap in snapshots[:SHOWN]:
        kind = (snap.kind, "" if snap.kind == "manual" else "dim")
        if snap.status != HEALTHY:
            kind = (snap.status, status_style(snap.status))
        table.add_row(Text(snap.name, style="bold" if snap.kind == "manual" else ""), Text(*kind),
                      Text(clock_time(snap.time, now), style="cyan"), short_bytes(snap.size_bytes))
    heading = Text(f"{len(snapshots)} snapshot{'s' if len(snapshots) != 1 else ''}", style="bold")
    parts: list[RenderableType] = [heading, table]
    if len(snapshots) > SHOWN:
        parts.append(Text(f"+{len(snapshots) - SHOWN} more", style="dim"))
    return Group(*parts)
