"""``python -m aurora.cli``: the same as the `aurora` command."""

from aurora.cli.main import main

main()
