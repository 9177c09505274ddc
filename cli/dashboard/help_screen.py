"""The help screen (``?``): every key of the dashboard and what the colours mean.

The keys are read from the App's BINDINGS, so the help never disagrees with the footer.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

LEGEND = [
    (Text(" WRITER ", "bold black on yellow"), "the instance that takes writes; readers share its volume"),
    (Text("● available", "green"), "healthy"),
    (Text("● starting", "yellow"), "on its way (starting, stopped)"),
    (Text("● paused", "blue"), "serverless, idle: no process; the first connection resumes it"),
    (Text("● down", "bold red"), "not running (or frozen by SIGSTOP): aurorad restarts it, or fail over"),
    (Text("1.5 ACU", "bold"), "a serverless instance's capacity now (Aurora capacity units)"),
    (Text("■■■■□□ 4/6", "yellow"), "protection group copies: 4 of 6 current keep the write quorum"),
    (Text(" NO WRITE QUORUM ", "bold white on red"), "fewer than 4 copies: the writer cannot commit"),
]


class HelpScreen(ModalScreen[None]):
    """Keys and legend; any of Escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $panel;
        padding: 1 2;
    }
    """

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.keys = bindings

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", no_wrap=True)
        keys.add_column()
        for binding in self.keys:
            keys.add_row(binding.key_display or binding.key, binding.tooltip or binding.description)
        legend = Table.grid(padding=(0, 2))
        legend.add_column(no_wrap=True)
        legend.add_column()
        for sample, meaning in LEGEND:
            legend.add_row(sample, meaning)
        with VerticalScroll():
            yield Static(Text("aurora dashboard — keys", style="bold"))
            yield Static(keys)
            yield Static(Text("\nwhat the colours mean", style="bold"))
            yield Static(legend)
            yield Static(Text("\nMove with the arrow keys in the cluster tree: actions apply to the "
                              "cluster or instance under the cursor. Escape closes this help.",
                              style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
