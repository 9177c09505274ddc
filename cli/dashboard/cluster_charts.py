"""Sparklines of the selected cluster over the last minutes: replica lag, activity, capacity.

Bars start at zero (a lag that wobbles between 1.35 and 1.41 s must not look like a spike)
and the newest value is on the right. Lag bars take the colour of their value: green under
100 ms, yellow under a second, red above. Activity is transactions per second when instances
report commit counts, and open connections otherwise; the caption says which one is drawn.
Where aurorad records metrics, lag, transactions and capacity are the one-second series of its
store (AuroraReplicaLagMaximum, CommitThroughput, ServerlessDatabaseCapacity; see
:class:`~aurora.cli.dashboard.model.History`), so the charts match ``aurora metrics``.
A serverless cluster also gets its writer's capacity in ACUs, with its min-max range.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from aurora.cli.dashboard.model import Series, human_acu, human_lag, human_rate

BLOCKS = " ▁▂▃▄▅▆▇█"


def lag_colour(ms: float) -> str:
    return "green" if ms < 100 else ("yellow" if ms < 1000 else "red")


CAPACITY_COLOUR = "blue"
"""Capacity bars: one calm colour, since scaling up or down is the cluster doing its job."""


class Bars:
    """A sparkline from zero to the peak, ``height`` rows tall, newest value on the right."""

    def __init__(self, values: Sequence[float], colour: Callable[[float], str], height: int = 2) -> None:
        self.values = values
        self.colour = colour
        self.height = height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        values = list(self.values)
        if len(values) > width:  # squeeze the whole window in: the peak of each bucket
            step = len(values) / width
            values = [max(values[int(i * step):max(int((i + 1) * step), int(i * step) + 1)])
                      for i in range(width)]
        peak = max(values, default=0.0) or 1.0
        pad = width - len(values)
        for row in range(self.height - 1, -1, -1):
            line = Text(" " * pad)
            for v in values:
                eighths = round(max(0.0, v) / peak * self.height * 8) - row * 8
                line.append(BLOCKS[max(0, min(8, eighths))], self.colour(v))
            yield line


class ClusterCharts(Widget):
    """Replica lag, activity and (serverless) capacity of one cluster as sparklines."""

    DEFAULT_CSS = """
    ClusterCharts {
        height: auto;
        padding: 0 1;
    }
    """

    cluster: reactive[str | None] = reactive(None, layout=True)
    """The cluster drawn."""
    series: reactive[Series] = reactive(lambda: Series([], [], "transactions/s", []))
    """Its recent values, oldest first."""

    def render(self) -> RenderableType:
        if self.cluster is None:
            return Text("select a cluster to see its replica lag and activity", style="dim")
        series = self.series
        charts: list[RenderableType] = [
            caption("replica lag", series.lag_ms, human_lag),
            Bars(series.lag_ms, lag_colour),
            Text(""),
            caption(series.activity_kind, series.activity, human_rate),
            Bars(series.activity, lambda _: "cyan"),
        ]
        if series.serverless is not None:
            text = caption("writer ACUs", series.capacity, human_acu)
            text.append("   range ", style="dim")
            text.append(series.serverless.acu_range)
            charts += [Text(""), text, Bars(series.capacity, lambda _: CAPACITY_COLOUR)]
        return Group(*charts)


def caption(title: str, values: list[float], fmt: Callable[[float], str]) -> Text:
    text = Text(title, style="bold")
    if not values:
        text.append("   waiting for data", style="dim")
        return text
    text.append("   now ", style="dim")
    text.append(fmt(values[-1]), style="bold")
    text.append("   peak ", style="dim")
    text.append(fmt(max(values)))
    return text
