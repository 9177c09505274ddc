"""aurora.cli: the `aurora` command (typer, rich) and, later, the textual dashboard."""
