"""The bar above everything that says what is wrong right now, or nothing at all.

Two things are loud enough for it: a control plane that does not answer (the dashboard keeps
retrying) and clusters with a protection group that lost its write quorum.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class AlertBar(Widget):
    """An unreachable control plane, or clusters that cannot take writes."""

    DEFAULT_CSS = """
    AlertBar {
        height: auto;
        display: none;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 2;
    }
    AlertBar.-active { display: block; }
    """

    unreachable: reactive[str | None] = reactive(None, layout=True)
    """Why aurorad could not be read (None while it answers)."""
    hint: reactive[str | None] = reactive(None)
    """What the user can do about it."""
    quorum_lost: reactive[tuple[str, ...]] = reactive(tuple, layout=True)
    """Clusters with a protection group below its write quorum."""

    def watch_unreachable(self) -> None:
        self._update_display()

    def watch_quorum_lost(self) -> None:
        self._update_display()

    def _update_display(self) -> None:
        self.set_class(bool(self.unreachable or self.quorum_lost), "-active")

    def render(self) -> RenderableType:
        lines: list[RenderableType] = []
        if self.unreachable:
            line = Text(f"✖ control plane unreachable, retrying — {self.unreachable}")
            if self.hint:
                line.append(f"  ·  Try: {self.hint}")
            lines.append(line)
        if self.quorum_lost:
            lines.append(Text(f"⚠ WRITE QUORUM LOST: {', '.join(self.quorum_lost)} cannot commit "
                              "(fewer than 4 of 6 copies current)"))
        return Group(*lines)
