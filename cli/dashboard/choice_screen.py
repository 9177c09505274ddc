"""A modal that picks one of a few things (an AZ, a storage node) from a list.

It dismisses with the chosen option's id, or None when cancelled. Options that cannot be
chosen right now (a node that is already down) are shown but disabled.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ChoiceScreen(ModalScreen[str | None]):
    """A titled list; Enter picks the highlighted option, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 64;
        height: auto;
        max-height: 80%;
        border: thick $primary;
        background: $panel;
        padding: 1 2;
    }
    ChoiceScreen #title { text-style: bold; width: 1fr; margin-bottom: 1; }
    ChoiceScreen OptionList { height: auto; max-height: 16; }
    ChoiceScreen #help { color: $foreground-muted; width: 1fr; margin-top: 1; }
    """

    def __init__(self, title: str, options: list[tuple[str, Text | str, bool]],
                 highlight: str | None = None) -> None:
        """``options`` are (id, prompt, enabled) in the order shown."""
        super().__init__()
        self.title_text = title
        self.options = options
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="title")
            yield OptionList(*(Option(prompt, id=key, disabled=not enabled)
                               for key, prompt, enabled in self.options))
            yield Label("Enter to choose · Escape to cancel", id="help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        enabled = [key for key, _, ok in self.options if ok]
        target = self.highlight if self.highlight in enabled else (enabled[0] if enabled else None)
        if target is not None:
            options.highlighted = options.get_option_index(target)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
