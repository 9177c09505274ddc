"""A modal that asks for one value (a cluster name, a number of readers) and checks it.

It dismisses with the text entered, or None when cancelled; a value that fails the check
keeps the modal open with the reason shown under the input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

Check = Callable[[str], str | None]
"""Returns why a value is not acceptable, or None."""


class PromptScreen(ModalScreen[str | None]):
    """One input with a title; Enter submits, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 64;
        height: auto;
        border: thick $primary;
        background: $panel;
        padding: 1 2;
    }
    PromptScreen #title { text-style: bold; width: 1fr; }
    PromptScreen #prompt { color: $foreground-muted; margin-top: 1; width: 1fr; }
    PromptScreen #problem { color: $error; width: 1fr; }
    PromptScreen #help { color: $foreground-muted; width: 1fr; }
    """

    def __init__(self, title: str, prompt: str, value: str = "", check: Check | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="title")
            yield Label(self.prompt, id="prompt")
            yield Input(self.value, id="value")
            yield Label("", id="problem")
            yield Label("Enter to go ahead · Escape to cancel", id="help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check else None
        if problem:
            self.query_one("#problem", Label).update(problem)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
