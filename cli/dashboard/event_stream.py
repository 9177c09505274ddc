"""The event stream of aurorad, newest first, in Aurora's own wording and event ids.

Events are coloured by what they mean for availability: failures and kills red, failovers
and restarts yellow, completions and creations green; a serverless instance pausing for want
of connections is normal, in the tree's calm "paused" colour.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from aurora.cli.dashboard.cluster_tree import PAUSED, status_style

BAD = ("fail", "kill", "lost", "down", "paus", "unavailable", "error", "deleted", "stopped")
"""Words of an event that means something is broken or gone."""
CHANGING = ("started", "failover", "restart", "promot")
GOOD = ("completed", "created", "cloned", "available", "recovered", "resumed", "restored", "healed")
AT_REST = "db instance paused:"
"""How a serverless auto-pause starts (AURORA-SERVERLESS-PAUSE); chaos says "paused DB instance"."""


def event_style(message: str) -> str:
    lower = message.lower()
    if lower.startswith(AT_REST):
        return status_style(PAUSED)
    if lower.startswith("completed") or any(w in lower for w in GOOD):
        return "green"
    if any(w in lower for w in CHANGING):
        return "yellow"
    if any(w in lower for w in BAD):
        return "bold red"
    return ""


class EventStream(Widget):
    """aurorad's events, newest on top."""

    DEFAULT_CSS = """
    EventStream {
        height: auto;
        padding: 0 1;
    }
    """

    events: reactive[tuple[Mapping[str, Any], ...]] = reactive(tuple, layout=True)
    """The events kept, oldest first (as aurorad numbers them)."""

    def render(self) -> RenderableType:
        if not self.events:
            return Text("no events yet", style="dim")
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(style="cyan", no_wrap=True, max_width=16, overflow="ellipsis")
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for event in reversed(self.events):
            stamp = event.get("time")
            when = time.strftime("%H:%M:%S", time.localtime(stamp)) if isinstance(stamp, int | float) else "?"
            message = str(event.get("message", ""))
            table.add_row(when, str(event.get("cluster") or event.get("source") or ""),
                          Text(message, style=event_style(message)))
        return table
